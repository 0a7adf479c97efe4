"""Validation of a data package in five layers (see DESIGN.md): descriptor, tables, keys,
spans and files, exports. Every problem is yielded as a ValidationError; nothing is raised
for bad input and nothing is written."""
from __future__ import annotations

from collections.abc import Iterator
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


def _read_tables(tables: list[Table], root: Path, clean: set[str],
                 loaded: dict[str, tuple[Table, CsvTable]]) -> Iterator[ValidationError]:
    for table in tables:
        raw, errors = read_bytes(root / table.path, table.path)
        data = None
        if raw is not None:
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


def iter_errors(path: str | Path | None = None) -> Iterator[ValidationError]:
    """Every error in the package at ``path`` (a descriptor or its folder; None: the shipped one)."""
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
    yield from _read_tables(tables, root, clean, loaded)
    yield from layer3.check_keys(loaded)
    yield from layer4.check_declared_hashes(descriptor, root)
    yield from layer4.check_spans(loaded, root)
    yield from layer5.check_exports([t for t in tables if t.name in clean], root)


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


def validate(path: str | Path | None = None) -> Report:
    return Report(str(resolve_descriptor(path)), list(iter_errors(path)))
