"""Speed never changes meaning: the columnar fast path (layer 2 on a CSV row) and the
generated JSON Schema (jsonschema on the same row as JSON) give the same verdict on
every row, valid or subtly invalid."""
from __future__ import annotations

import re

import jsonschema
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aapeace import jsonschemas
from aapeace.validators.reading import CsvTable
from aapeace.validators.tables import check_table
from strategies import cell, packages, schema_tables

TABLES = {t.name: t for t in schema_tables()}
VALIDATORS = {name: jsonschema.Draft202012Validator(jsonschemas.row_schema(t),
                                                     format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
              for name, t in TABLES.items()}
# Values one keystroke away from valid: case, whitespace, a trailing newline, calendar,
# precision, overflow, sign, ISO shapes, list delimiters.
NEAR_MISSES = ["", " ", "NA", "x", "Armenia", "armenia\n", "armenia ", "-armenia", "arm--enia", "0", "-1", "+1",
               "1.5", "007", "99999999999999999999", "9223372036854775807", "9223372036854775808",
               "2021-02-30", "2021-02-29", "2020-02-29", "2021-13", "2021", "2021-1-01", "20210101", "2021-02-28\n",
               "Q0", "Q1", "Q12a", "ARM", "arm", "AR", "year", "day", "month", "week", "stated", "inferred",
               "supports", "a|b", "|", "https://example.org/x", "en", "e", "sha", "0" * 64, "data/sources/x.txt"]


def as_json(table, record: dict[str, str]) -> dict:
    """The CSV row as the JSON export would hold it; a cell that is not of its type stays a string."""
    out = {}
    for field in table.fields:
        raw = record[field["name"]]
        kind = field.get("type", "string")
        if raw == "":
            out[field["name"]] = None
        elif kind == "integer" and re.fullmatch(r"[+-]?[0-9]+", raw):
            out[field["name"]] = int(raw)
        elif kind == "list":
            out[field["name"]] = raw.split(field.get("delimiter", ","))
        else:
            out[field["name"]] = raw
    return out


def fast_verdict(table, record: dict[str, str]) -> bool:
    data = CsvTable(table.field_names, {k: pa.array([v], pa.string()) for k, v in record.items()})
    return not list(check_table(data, table))


@st.composite
def rows(draw):
    drawn = draw(packages(max_rows=3))
    name = draw(st.sampled_from([n for n, r in drawn.rows.items() if r]))
    table = TABLES[name]
    record = {k: cell(v) for k, v in draw(st.sampled_from(drawn.rows[name])).items()}
    for _ in range(draw(st.integers(0, 2))):  # zero edits: a valid row; one or two: near misses
        # Mostly fields with constraints, and mostly a near miss of the row's own valid value.
        constrained = [f["name"] for f in table.fields if f.get("constraints") or f.get("type") != "string"]
        field = draw(st.sampled_from(constrained) if draw(st.booleans()) else st.sampled_from(table.field_names))
        enum = table.field(field).get("constraints", {}).get("enum", [])
        value = record[field]
        derived = [value + "\n", value + " ", " " + value, value.upper(), value[:-1], value + "x", "\n" + value]
        how = draw(st.integers(0, 3))
        record[field] = draw(st.sampled_from(derived) if how < 2 else
                             st.sampled_from(NEAR_MISSES + enum) if how == 2 else st.text(max_size=5))
    return name, record


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_fast_path_and_json_schema_agree(row):
    name, record = row
    table = TABLES[name]
    by_json_schema = VALIDATORS[name].is_valid(as_json(table, record))
    assert fast_verdict(table, record) == by_json_schema, (name, record)
