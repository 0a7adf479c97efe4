"""The JSON export of a table: its CSV's rows as typed JSON objects, and back.

The round trip is exact: CSV text -> ``typed_rows`` (or ``load()`` then ``frame_rows``) ->
JSON rows -> ``csv_text`` gives back the CSV's bytes, for any CSV in canonical form (UTF-8,
LF, minimal quoting, integers without sign or leading zeros). Texts are never
reinterpreted: "NA", "null", "0001", spaces and non-breaking spaces stay what they are.
"""
from __future__ import annotations

import json
import re

from . import csvio
from .model import Field, Table

# The lexical forms the validator accepts (validators/tables.py checks the same ones, in RE2).
INTEGER = re.compile(r"[+-]?[0-9]+\Z", re.ASCII)
NUMBER = re.compile(r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:NaN|INF))\Z", re.ASCII)


def typed_value(raw: str, field: Field):
    """One CSV cell as the JSON value it stands for; missing cells are null. Raises
    ValueError for a cell that is not of its field's type (int() alone would take " 3", "1_0", "٣")."""
    if raw in field.missing_values:
        return None
    kind = field.type
    if kind == "integer":
        if not INTEGER.match(raw):
            raise ValueError(f"{raw!r} is not an integer")
        return int(raw)
    if kind == "number":
        if not NUMBER.match(raw):
            raise ValueError(f"{raw!r} is not a number")
        return float(raw)
    if kind == "boolean":
        if raw in field.true_values:
            return True
        if raw in field.false_values:
            return False
        raise ValueError(f"{raw!r} is not a boolean")
    if kind == "list":
        return raw.split(field.delimiter)
    return raw


def typed_rows(table: Table, text: str) -> list[dict]:
    """Rows of a CSV that already passed layer 2, typed by the Table Schema."""
    fields = table.fields
    return [{f.name: typed_value(cell, f) for f, cell in zip(fields, record)}
            for record in csvio.records(text)[1:] if record]


def cell_text(value, field: Field) -> str:
    """One JSON value as the CSV cell it came from (the inverse of ``typed_value``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return field.true_values[0] if value else field.false_values[0]
    if isinstance(value, list):
        return field.delimiter.join(value)
    return str(value)


def csv_text(table: Table, rows: list[dict]) -> str:
    """A JSON export's rows back to the CSV text they were exported from."""
    fields = table.fields
    return csvio.dumps(table.field_names, ([cell_text(row.get(f.name), f) for f in fields] for row in rows))


def plain(value):
    """A cell of a frame from ``load()`` as the JSON value it stands for (dates as ISO text)."""
    import pandas as pd  # only here: the generator and validator import this module without pandas

    if isinstance(value, list):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Period):
        return str(value)
    return value.item() if hasattr(value, "item") else value


def frame_rows(table: Table, frame) -> list[dict]:
    """A DataFrame from ``load()`` as JSON export rows: what load() read, in the export's terms."""
    names = table.field_names
    return [dict(zip(names, map(plain, values))) for values in frame[names].itertuples(index=False, name=None)]


def dumps(rows: list[dict]) -> str:
    """One object per line: small diffs when one row changes, and no escapes for non-ASCII."""
    if not rows:
        return "[]\n"
    body = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) for row in rows)
    return f"[\n{body}\n]\n"
