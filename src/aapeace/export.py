"""``aapeace export FORMAT OUT``: the tables in another format, for whoever reads them.

Formats: ``json`` (one typed JSON array per table, as ``data/*.json``), ``sqlite`` (one
database with the keys declared, see sqlite.py, and beside it its Datasette metadata, see
datasette.py), ``parquet`` (one file per table, needs
pyarrow), ``csv-safe`` (one CSV per table for spreadsheets, see spreadsheet.py).

Every table is read through the one door before anything is written, and everything is
written through ``files.Writer`` inside the folder the user named: nothing the user has is
overwritten, no symbolic link (dangling or not) is followed or replaced, every target is
checked before the first is written, and each file is written to a unique temporary file
and then linked into place, so an interrupted export leaves no half-written file under the
final name.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from . import datasette, files, jsonrows, parquet, spreadsheet, sqlite
from .dataset import Dataset

FORMATS = ("json", "sqlite", "parquet", "csv-safe")
SUFFIX = {"json": ".json", "parquet": ".parquet", "csv-safe": ".csv"}


class ExportError(RuntimeError):
    """The export cannot be made (a target exists, a dependency is missing, a table is unknown)."""


def _json(data: Dataset, name: str, path: Path) -> None:
    path.write_text(jsonrows.dumps(data.typed_rows(name)), encoding="utf-8", newline="\n")


def _csv_safe(data: Dataset, name: str, path: Path) -> None:
    table = data.table(name)
    rows = data.rows(name)
    spreadsheet.write_safe_csv(path, table.field_names, ([row.get(f, "") for f in table.field_names] for row in rows))


PER_TABLE: dict[str, Callable[[Dataset, str, Path], None]] = {
    "json": _json, "parquet": parquet.write_table, "csv-safe": _csv_safe}


def _place(data: Dataset, fmt: str, out: Path, tables: list[str]) -> tuple[Path, list[str]]:
    """The folder written into and the file names written there."""
    if fmt == "sqlite":
        folder, database = (out, f"{data.name or 'package'}.sqlite") if out.is_dir() else (out.parent, out.name)
        return folder, [database, datasette.metadata_name(database)]
    return out, [f"{name}{SUFFIX[fmt]}" for name in tables]


def targets(data: Dataset, fmt: str, out: Path, tables: list[str]) -> list[Path]:
    """The files an export would write."""
    folder, names = _place(data, fmt, out, tables)
    return [folder / name for name in names]


def _read_all(data: Dataset, fmt: str, tables: list[str]) -> None:
    """Read (and type) every table the export needs, so that a table that cannot be read stops
    the export before any file is written. The dataset keeps what it read."""
    for name in tables:
        data.rows(name)
        if fmt != "csv-safe":
            data.typed_rows(name)
    if fmt == "sqlite" and "sources" in tables:
        data.texts()


def export(data: Dataset, fmt: str, out: Path, tables: list[str] | None = None) -> list[Path]:
    """Write the export and return the files written; raises ExportError (or files.WriteRefused,
    or PackageError for a table that cannot be read) before writing anything."""
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
    if fmt != "sqlite" and (out.exists() or out.is_symlink()) and not out.is_dir():
        raise ExportError(f"{out} is not a folder; the {fmt} export writes one file per table into a folder")
    folder, names = _place(data, fmt, out, chosen)
    if folder.is_symlink() and not folder.exists():
        raise ExportError(f"{folder} is a dangling symbolic link: name a folder")
    writer = files.Writer(folder, create=False)
    try:
        writer.check(names)
    except files.WriteRefused as exc:
        raise ExportError(str(exc)) from None
    _read_all(data, fmt, chosen)
    writer = files.Writer(folder)
    if fmt == "sqlite":
        metadata = datasette.render(data.package, names[0], chosen)
        return [writer.write_with(names[0], lambda tmp: sqlite.write_database(data, tmp, chosen)),
                writer.write(names[1], json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")]
    return [writer.write_with(file, lambda tmp, name=name: PER_TABLE[fmt](data, name, tmp))
            for name, file in zip(chosen, names)]
