"""Layer 5: every JSON export equals its CSV, every export row is valid against the
generated JSON Schema, and the generated JSON Schemas are current."""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import jsonschema
import pyarrow as pa
import pyarrow.compute as pc

from aapeace import files, jsonfile, jsonrows, jsonschemas, limits
from aapeace.errors import ValidationError
from aapeace.model import Package, Table

from .reading import CsvTable
from .json_render import export_matches
from .json_values import export_values_match

# The generated JSON Schemas close every pattern with a lookahead for Python-based tools
# (jsonschemas.anchored); RE2 has no lookahead and needs none: its `$` ends the text.
LOOKAHEAD = "(?![\\s\\S])"


def _re2_search(pattern: str, value: str) -> bool:
    if pattern.endswith(LOOKAHEAD):
        pattern = pattern[:-len(LOOKAHEAD)]
    return bool(pc.match_substring_regex(pa.array([value], pa.string()), pattern)[0].as_py())


def _pattern(validator, pattern, instance, schema):  # noqa: ANN001 - python-jsonschema's keyword signature
    if validator.is_type(instance, "string") and not _re2_search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def row_validator() -> type:
    """jsonschema runs `pattern` with Python's backtracking re: a fork's pattern such as
    (a+)+ would hang it. Here the keyword runs in RE2, in linear time. Built on first use:
    only the precise path needs it."""
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _pattern})


def check_json_schema_current(table: Table, package: Package) -> Iterator[ValidationError]:
    path = table.json_schema_path
    try:
        actual = json.loads(files.read_bytes(package.root, path, limits.current().max_json_bytes).decode("utf-8"))
    except (files.Refused, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        actual = None
    if actual != jsonschemas.row_schema(table):
        yield ValidationError("jsonschema-stale", f"{path} is missing or stale: run `aapeace generate`", file=path)


def read_export(table: Table, root: Path) -> tuple[list | None, list[ValidationError]]:
    label = table.export_path
    try:
        data = files.read_bytes(root, label)
    except files.Refused as exc:
        code = {"file-missing": "export-missing"}.get(exc.error.code, exc.error.code)
        if exc.error.code in ("file-unreadable",):
            code = "export-unreadable"
        message = f"{label} does not exist: run `aapeace generate`" if code == "export-missing" else exc.error.message
        return None, [ValidationError(code, message, file=label)]
    rows, errors = jsonfile.parse(data, label, "export-unreadable")
    located = []
    for error in errors:
        if error.code == "export-duplicate-key" and error.field and error.field.split("/")[0].isdigit():
            index, _, key = error.field.partition("/")
            error = ValidationError(error.code, error.message, file=label, row=int(index) + 2, field=key or None)
        located.append(error)
    if rows is None:
        return None, located
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return None, located + [ValidationError("export-unreadable", f"{label} is not an array of objects",
                                                file=label)]
    return rows, located


def _same(a: object, b: object) -> bool:
    """Equal values of the same JSON type: 725.0 is not the integer 725, nor True the 1."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (isinstance(a, float) and a != a and b != b)


def expected_rows(table: Table, data: CsvTable) -> list[dict]:
    columns = [data.columns[f.name].to_pylist() for f in table.fields]
    return [{f.name: jsonrows.typed_value(cell, f) for f, cell in zip(table.fields, cells)} for cells in zip(*columns)]


def check_export(table: Table, package: Package, data: CsvTable) -> Iterator[ValidationError]:
    """Fast paths: the export's bytes equal what the CSV renders to, or (in another JSON
    layout) its parsed values equal the CSV's typed columns; either way it holds the same
    values and (the CSV having passed layer 2) is valid against the JSON Schema. Only when
    both fail are the rows parsed and checked one by one, for precise errors."""
    # Both fast paths stream in chunks through a vetted descriptor, so memory stays bounded;
    # the precise path, which parses the whole export, is bound by the file-size limit.
    if export_matches(package.root, table, data) or export_values_match(package.root, table, data):
        return
    yield from precise_export_errors(table, package.root, data)


def precise_export_errors(table: Table, root: Path, data: CsvTable) -> Iterator[ValidationError]:
    """The reference: every row parsed, checked against the JSON Schema and compared with
    its CSV row, each error named by file, row and field."""
    rows, errors = read_export(table, root)
    yield from errors
    if rows is None:
        return
    label = table.export_path
    kind = row_validator()
    validator = kind(jsonschemas.row_schema(table), format_checker=kind.FORMAT_CHECKER)
    for index, row in enumerate(rows):
        for error in validator.iter_errors(row):
            field = error.absolute_path[0] if error.absolute_path else None
            yield ValidationError("export-row-invalid", error.message, file=label, row=index + 2, field=field)
    expected = expected_rows(table, data)
    if len(rows) != len(expected):
        yield ValidationError("export-mismatch", f"{label} has {len(rows)} rows, {table.path} has {len(expected)}",
                              file=label)
    for index, (mine, theirs) in enumerate(zip(rows, expected)):
        if mine.keys() == theirs.keys() and all(_same(mine[k], theirs[k]) for k in theirs):
            continue
        field = next((k for k in theirs if k not in mine or not _same(mine[k], theirs[k])), None) \
            or next(iter(mine.keys() - theirs.keys()), None)
        yield ValidationError("export-mismatch", f"row differs from {table.path}: {field} is "
                              f"{json.dumps(mine.get(field), ensure_ascii=False)} in JSON, "
                              f"{json.dumps(theirs.get(field), ensure_ascii=False)} in CSV", file=label,
                              row=index + 2, field=field)
