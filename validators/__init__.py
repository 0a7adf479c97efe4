"""Validation of a data package in five layers (see DESIGN.md): descriptor, tables, keys,
spans and files, exports. Every problem is yielded as a ValidationError; nothing is raised
for bad input and nothing is written."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aapeace.package import Table, is_table, resolve_descriptor

from . import descriptor as layer1
from . import exports as layer5
from . import keys as layer3
from . import safety
from . import spans as layer4
from . import tables as layer2
from .errors import CATALOGUE, ValidationError
from .reading import CsvTable, read_bytes, read_csv

__all__ = ["CATALOGUE", "Report", "ValidationError", "iter_errors", "validate"]

# Called before each step with (what, steps so far, steps in all): how a caller shows progress.
Progress = Callable[[str, int, int], None]


def _quiet(what: str, done: int, total: int) -> None:
    pass


def _read_tables(tables: list[Table], root: Path, clean: set[str],
                 loaded: dict[str, tuple[Table, CsvTable]], digests: dict[str, str],
                 step: Callable[[str], None] = lambda what: None) -> Iterator[ValidationError]:
    for table in tables:
        step(f"reading {table.path}")
        raw, errors = read_bytes(root / table.path, table.path)
        data = None
        if raw is not None:
            digests[table.path] = hashlib.sha256(raw).hexdigest()  # saves reading it again
            data, parse_errors = read_csv(raw, table.path)
            errors += parse_errors
        yield from errors
        if data is None:
            continue
        table_errors = list(layer2.check_table(data, table))
        yield from table_errors
        if not any(e.code == "header-mismatch" for e in table_errors):
            loaded[table.name] = (table, data)
        if not errors and not table_errors:
            clean.add(table.name)


def _check_other_files(descriptor: dict, root: Path) -> Iterator[ValidationError]:
    for resource in descriptor.get("resources", []):
        path = resource.get("path") if isinstance(resource, dict) else None
        if (isinstance(path, str) and not is_table(resource) and not layer1.unsafe_reason(path, root)
                and not (root / path).is_file()):
            yield ValidationError("file-missing", f"{path} does not exist", file=path)


def iter_errors(path: str | Path | None = None, progress: Progress = _quiet) -> Iterator[ValidationError]:
    """Every error in the package at ``path`` (a descriptor or its folder; None: the shipped one).

    ``progress`` is told of each step as it starts; it is for display and changes nothing.
    """
    descriptor_path = resolve_descriptor(path)
    root, label = descriptor_path.parent, descriptor_path.name
    descriptor, errors = layer1.read_descriptor(descriptor_path)
    yield from errors
    if descriptor is None:
        return
    yield from layer1.check_profile(descriptor, label)
    descriptor = layer1.usable(descriptor)
    yield from layer1.check_version(descriptor, label)
    yield from layer1.check_paths(descriptor, root, label)
    tables, errors = layer1.load_tables(descriptor, root, label)
    yield from errors
    yield from _check_other_files(descriptor, root)
    yield from safety.check_resource_files(descriptor, root)

    loaded: dict[str, tuple[Table, CsvTable]] = {}
    clean: set[str] = set()
    digests: dict[str, str] = {}
    done, total = 0, 2 * len(tables) + 3

    def step(what: str) -> None:
        nonlocal done
        progress(what, done, total)
        done += 1

    yield from _read_tables(tables, root, clean, loaded, digests, step)
    # Layer 5 is mostly Arrow kernels and file reads, which release the GIL, while keys and
    # spans are mostly Python: on two cores they overlap. Errors are still yielded in
    # layer order.
    with ThreadPoolExecutor(max_workers=1) as pool:
        exported = pool.submit(lambda: list(layer5.check_exports([t for t in tables if t.name in clean],
                                                                  root, loaded)))
        step("keys")
        yield from layer3.check_keys(loaded)
        step("file hashes")
        yield from layer4.check_declared_hashes(descriptor, root, digests)
        step("spans")
        yield from layer4.check_spans(loaded, root)
        for table in tables:
            step(f"exports ({table.export_path})")
        yield from exported.result()
    progress("done", total, total)


@dataclass
class Report:
    package: str
    errors: list[ValidationError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        counts: dict[str, int] = {}
        for error in self.errors:
            counts[error.code] = counts.get(error.code, 0) + 1
        return {"package": self.package, "valid": self.valid, "error_count": len(self.errors),
                "counts": counts, "errors": [e.to_dict() for e in self.errors]}


def validate(path: str | Path | None = None, progress: Progress = _quiet) -> Report:
    return Report(str(resolve_descriptor(path)), list(iter_errors(path, progress)))
