"""The JSON export of a table: its CSV's rows as typed JSON objects."""
from __future__ import annotations

import csv
import io
import json

from .package import Table


def typed_value(raw: str, field: dict, missing: list[str]):
    """One CSV cell as the JSON value it stands for; missing cells are null."""
    if raw in missing:
        return None
    kind = field.get("type", "string")
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        return raw in field.get("trueValues", ["true", "True", "TRUE", "1"])
    if kind == "list":
        return raw.split(field.get("delimiter", ","))
    return raw


def typed_rows(table: Table, text: str) -> list[dict]:
    """Rows of a CSV that already passed layer 2, typed by the Table Schema."""
    missing = table.schema.get("missingValues", [""])
    fields = table.fields
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    return [{f["name"]: typed_value(cell, f, missing) for f, cell in zip(fields, record)}
            for record in reader if record]


def dumps(rows: list[dict]) -> str:
    """One object per line: small diffs when one row changes, and no escapes for non-ASCII."""
    if not rows:
        return "[]\n"
    body = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) for row in rows)
    return f"[\n{body}\n]\n"
