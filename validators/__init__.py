"""Validation of a data package in five layers (see DESIGN.md): descriptor, tables, keys,
spans and files, exports. Every problem is yielded as a ValidationError; nothing is raised
for bad input and nothing is written.

The engine reads the package once through the model (aapeace.model) and every file once
through the one door (aapeace.files), types each table once, then runs the registered
rules (registry.py) layer by layer, adding each finding's file and row. At most
``limits.max_errors_per_code`` errors of one code are listed for one file; the rest are
counted in one ``errors-capped`` entry, so cost and report stay linear and bounded.
"""
from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aapeace import files, limits
from aapeace.errors import CATALOGUE, ValidationError
from aapeace.model import Package, Table, read_package, resolve_descriptor

from . import contract, descriptor as layer1, json_exports as layer5, keys, registry, spans as layer4, tables  # noqa: F401
from .reading import CsvTable, read_bytes, read_csv
from .types import typed_table

__all__ = ["CATALOGUE", "Report", "ValidationError", "iter_errors", "limits", "validate"]

# Called before each step with (what, steps so far, steps in all): how a caller shows progress.
Progress = Callable[[str, int, int], None]


def _quiet(what: str, done: int, total: int) -> None:
    pass


def _capped(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    cap = limits.current().max_errors_per_code
    counts: Counter = Counter()
    for error in errors:
        key = (error.code, error.file)
        counts[key] += 1
        if counts[key] <= cap or error.code == "errors-capped":
            yield error
    for (code, file), count in counts.items():
        if count > cap and code != "errors-capped":
            yield ValidationError("errors-capped", f"{count - cap:,} more {code} error(s) in {file or 'the package'} "
                                  f"not shown ({count:,} in all)", file=file)


def _readable_tables(package: Package, errors: list[ValidationError]) -> list[Table]:
    """Tables whose patterns RE2 can run (the others are reported in layer 1 and not read)."""
    bad = {(e.file, e.field) for e in errors if e.code == "schema-invalid"}
    return [t for t in package.tables
            if not any((t.schema_label, f"fields/{i}/constraints/pattern") in bad for i in range(len(t.fields)))]


def _layer1(package: Package) -> list[ValidationError]:
    errors = list(layer1.check_profile(package))
    errors += layer1.check_schema_profiles(package)
    errors += layer1.check_patterns(package)
    errors += contract.check_contract(package)
    return errors


def _check_other_files(package: Package, digests: dict[str, str]) -> Iterator[ValidationError]:
    """Resources that are not tables (the source texts): there, readable, not empty."""
    for resource in package.resources:
        if resource.is_table or resource.path in digests:
            continue
        try:
            data = files.read_bytes(package.root, resource.path)
        except files.Refused as exc:
            yield exc.error
            continue
        digests[resource.path] = files.sha256_hex(data)  # saves reading it again for the hash check
        if not data:
            yield ValidationError("file-empty", f"{resource.path} is empty (0 bytes)", file=resource.path)


def _read_table(table: Table, package: Package, digests: dict[str, str]
                ) -> tuple[CsvTable | None, list[ValidationError]]:
    raw, errors = read_bytes(package.root, table.path)
    if raw is None:
        return None, errors
    digests[table.path] = files.sha256_hex(raw)  # saves reading it again for the hash check
    data, parse_errors = read_csv(raw, table.path)
    errors += parse_errors
    if data is None:
        return None, errors
    return typed_table(table, data) if list(data.header) == table.field_names else data, errors


def _all_errors(path: str | Path | None, progress: Progress) -> Iterator[ValidationError]:
    package, errors = read_package(path)
    yield from errors
    if package is None:
        return
    more = _layer1(package)
    yield from more
    readable = _readable_tables(package, more)
    digests: dict[str, str] = {}
    yield from _check_other_files(package, digests)

    loaded: dict[str, tuple[Table, CsvTable]] = {}
    done, total = 0, 2 * len(readable) + 3

    def step(what: str) -> None:
        nonlocal done
        progress(what, done, total)
        done += 1

    # Layer 5 is mostly Arrow kernels and file reads, which release the GIL, while reading
    # and the other layers are partly Python: on two cores they overlap. Each table's export
    # is checked on the worker as soon as the table has been read and found clean; its
    # errors are still yielded in layer order, at the end.
    # The worker runs in a copy of this context, so it sees the limits applied here
    # (limits.applied sets a ContextVar, which a new thread does not inherit).
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        exported = []
        for table in readable:
            step(f"reading {table.path}")
            data, read_errors = _read_table(table, package, digests)
            yield from read_errors
            table_errors = [] if data is None else list(registry.run(2, table, data))
            yield from table_errors
            if data is not None and not any(e.code == "header-mismatch" for e in table_errors):
                loaded[table.name] = (table, data)
            clean = data is not None and not read_errors and not table_errors
            exported.append(pool.submit(contextvars.copy_context().run,
                                        lambda t=table, d=data if clean else None: list(_layer5(package, t, d))))
        texts, source_errors = layer4.load_sources(package, loaded)
        source_errors += contract.check_plain_files(package, _source_paths(loaded))
        context = registry.Context(package, loaded, texts)
        step("keys")
        for table, data in loaded.values():
            yield from registry.run(3, table, data, context)
        step("file hashes")
        yield from layer4.check_declared_hashes(package, digests)
        step("spans")
        yield from source_errors
        for table, data in loaded.values():
            yield from registry.run(4, table, data, context)
        for table, future in zip(readable, exported):
            step(f"exports ({table.export_path})")
            yield from future.result()
    finally:
        # A caller that stops early (the first error is enough) does not wait for the rest.
        pool.shutdown(wait=True, cancel_futures=True)
    progress("done", total, total)


def _source_paths(loaded: dict[str, tuple[Table, CsvTable]]) -> set[str] | None:
    if "sources" not in loaded or "path" not in loaded["sources"][1].columns:
        return None
    return set(loaded["sources"][1].columns["path"].to_pylist())


def _layer5(package: Package, table: Table, clean: CsvTable | None) -> Iterator[ValidationError]:
    """One table's JSON Schema and, when its CSV read clean (``clean`` is its data), its export."""
    yield from layer5.check_json_schema_current(table, package)
    if clean is not None:
        yield from layer5.check_export(table, package, clean)


def iter_errors(path: str | Path | None = None, progress: Progress = _quiet) -> Iterator[ValidationError]:
    """Every error in the package at ``path`` (a descriptor or its folder; None: the shipped one).

    ``progress`` is told of each step as it starts; it is for display and changes nothing.
    """
    yield from _capped(_all_errors(path, progress))


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
