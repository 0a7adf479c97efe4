"""``aapeace export FORMAT OUT``: the tables in another format, for whoever reads them.

Formats: ``json`` (one typed JSON array per table, as ``data/*.json``), ``sqlite`` (one
database with the keys declared, see sqlite.py), ``parquet`` (one file per table, needs
pyarrow), ``csv-safe`` (one CSV per table for spreadsheets, see spreadsheet.py).

Nothing the user has is overwritten: every target file is checked first, and if any exists
nothing is written. Each file is written beside its target and then renamed, so an
interrupted export leaves no half-written file under the final name.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import exports, parquet, spreadsheet, sqlite
from .dataset import Dataset

FORMATS = ("json", "sqlite", "parquet", "csv-safe")
SUFFIX = {"json": ".json", "parquet": ".parquet", "csv-safe": ".csv"}


class ExportError(RuntimeError):
    """The export cannot be made (a target exists, a dependency is missing, a table is unknown)."""


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # sqlite3 wants to create its file itself
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _json(data: Dataset, name: str, path: Path) -> None:
    path.write_text(exports.dumps(data.typed_rows(name)), encoding="utf-8", newline="\n")


def _csv_safe(data: Dataset, name: str, path: Path) -> None:
    table = data.table(name)
    rows = data.rows(name)
    spreadsheet.write_safe_csv(path, table.field_names, ([row.get(f, "") for f in table.field_names] for row in rows))


PER_TABLE: dict[str, Callable[[Dataset, str, Path], None]] = {
    "json": _json, "parquet": parquet.write_table, "csv-safe": _csv_safe}


def targets(data: Dataset, fmt: str, out: Path, tables: list[str]) -> list[Path]:
    """The files an export would write."""
    if fmt == "sqlite":
        return [out / f"{data.name or 'package'}.sqlite" if out.is_dir() else out]
    return [out / f"{name}{SUFFIX[fmt]}" for name in tables]


def export(data: Dataset, fmt: str, out: Path, tables: list[str] | None = None) -> list[Path]:
    """Write the export and return the files written; raises ExportError before writing anything."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    known = [t.name for t in data.tables]
    chosen = known if not tables else tables
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise ExportError(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if fmt == "parquet":
        try:
            parquet.check_available()
        except parquet.ParquetUnavailable as exc:
            raise ExportError(str(exc)) from None
    if out.exists() and not out.is_dir() and fmt != "sqlite":
        raise ExportError(f"{out} is a file; a {fmt} export writes one file per table into a folder")
    files = targets(data, fmt, out, chosen)
    existing = [p for p in files if p.exists()]
    if existing:
        raise ExportError(f"will not overwrite {', '.join(map(str, existing))}: remove it or choose another place")
    files[0].parent.mkdir(parents=True, exist_ok=True)
    if fmt == "sqlite":
        _write_atomically(files[0], lambda tmp: sqlite.write_database(data, tmp, chosen))
        return files
    for name, path in zip(chosen, files):
        _write_atomically(path, lambda tmp, name=name: PER_TABLE[fmt](data, name, tmp))
    return files
