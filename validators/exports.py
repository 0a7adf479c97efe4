"""Layer 5: every JSON export equals its CSV, every export row is valid against the
generated JSON Schema, and the generated JSON Schemas are current."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema

from aapeace import csvio, exports, jsonschemas
from aapeace.package import Table

from .errors import ValidationError
from .reading import CsvTable
from .render import export_matches
from .safety import read_metadata_file, read_package_file, unsafe_reason


def check_json_schema_current(table: Table, root: Path) -> Iterator[ValidationError]:
    path = jsonschemas.json_schema_path(table)
    expected = jsonschemas.row_schema(table)
    try:
        actual = json.loads(read_metadata_file(root, path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        actual = None
    if actual != expected:
        yield ValidationError("jsonschema-stale", f"{path} is missing or stale: run `aapeace generate`", file=path)


def read_export(table: Table, root: Path) -> tuple[list | None, list[ValidationError]]:
    path = root / table.export_path
    if not path.is_file():
        return None, [ValidationError("export-missing", f"{table.export_path} does not exist: run `aapeace generate`",
                                      file=table.export_path)]
    try:
        rows = json.loads(read_package_file(root, table.export_path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, [ValidationError("export-unreadable", f"cannot read {table.export_path}: {exc}",
                                      file=table.export_path)]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return None, [ValidationError("export-unreadable", f"{table.export_path} is not an array of objects",
                                      file=table.export_path)]
    return rows, []


def check_export(table: Table, root: Path, data: CsvTable | None = None) -> Iterator[ValidationError]:
    """Fast path: the export's bytes equal what the CSV renders to, so it holds the same
    values and (the CSV having passed layer 2) is valid against the JSON Schema. Only
    when the bytes differ are the rows parsed and checked one by one, for precise errors."""
    path = root / table.export_path
    # Streamed in chunks, so memory stays bounded and the file-size limit is not needed
    # here; it guards the precise path, which parses the whole export. An unsafe path is
    # never opened.
    if data is not None and unsafe_reason(table.export_path, root) is None and path.is_file() \
            and export_matches(path, table, data):
        return
    rows, errors = read_export(table, root)
    yield from errors
    if rows is None:
        return
    label = table.export_path
    validator = jsonschema.Draft202012Validator(jsonschemas.row_schema(table),
                                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for index, row in enumerate(rows):
        for error in validator.iter_errors(row):
            field = error.absolute_path[0] if error.absolute_path else None
            yield ValidationError("export-row-invalid", error.message, file=label, row=index + 2, field=field)
    expected = exports.typed_rows(table, csvio.read_text(root / table.path))
    if len(rows) != len(expected):
        yield ValidationError("export-mismatch", f"{label} has {len(rows)} rows, {table.path} has {len(expected)}",
                              file=label)
    for index, (mine, theirs) in enumerate(zip(rows, expected)):
        if mine != theirs:
            field = next((k for k in theirs if mine.get(k) != theirs[k]), None) or next(iter(mine.keys() - theirs.keys()), None)
            yield ValidationError("export-mismatch", f"row differs from {table.path}: {field} is "
                                  f"{mine.get(field)!r} in JSON, {theirs.get(field)!r} in CSV", file=label,
                                  row=index + 2, field=field)


def check_exports(tables: list[Table], root: Path,
                  loaded: dict[str, tuple[Table, CsvTable]] | None = None) -> Iterator[ValidationError]:
    for table in tables:
        yield from check_json_schema_current(table, root)
        loaded_table, data = loaded.get(table.name, (None, None)) if loaded else (None, None)
        if loaded_table is not table:
            data = None  # another resource of the same name was loaded (reported in layer 1)
        yield from check_export(table, root, data)
