"""Speed never changes meaning: the columnar fast path (layer 2 on a CSV row) and the
generated JSON Schema (jsonschema on the same row as JSON) give the same verdict on
every row, valid or subtly invalid."""
from __future__ import annotations

import re

import jsonschema
import pyarrow as pa
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aapeace import jsonschemas
from aapeace.validators import registry
from aapeace.validators.reading import CsvTable
from aapeace.validators.types import typed_table
from strategies import TABLES, cell, table_rows

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
        raw = record[field.name]
        if raw in field.missing_values:
            out[field.name] = None
        elif field.type == "integer" and re.fullmatch(r"[+-]?[0-9]+", raw):
            out[field.name] = int(raw)
        elif field.type == "list":
            out[field.name] = raw.split(field.delimiter)
        else:
            out[field.name] = raw
    return out


def fast_verdicts(table, records: list[dict[str, str]]) -> list[bool]:
    """Each row's verdict by layer 2, the rows checked as one table (layer 2's rules are per
    row: a row's verdict does not depend on the others)."""
    data = CsvTable(table.field_names, {f: pa.array([r[f] for r in records], pa.string())
                                        for f in table.field_names})
    failed = {e.row for e in registry.run(2, table, typed_table(table, data))}
    assert None not in failed, "a header or whole-table error on a well-formed header"
    return [i + 2 not in failed for i in range(len(records))]


@st.composite
def record(draw, name: str) -> dict[str, str]:
    table = TABLES[name]
    record = {k: cell(v) for k, v in draw(table_rows(table)).items()}
    for _ in range(draw(st.integers(0, 2))):  # zero edits: a valid row; one or two: near misses
        # Mostly fields with constraints, and mostly a near miss of the row's own valid value.
        constrained = [f.name for f in table.fields if f.type != "string" or f.must_be_present or any(
            v is not None for v in (f.enum, f.pattern, f.minimum, f.maximum, f.min_length, f.max_length,
                                    f.precision_field, f.required_with, f.not_before))]
        field = draw(st.sampled_from(constrained) if draw(st.booleans()) else st.sampled_from(table.field_names))
        enum = list(table.field(field).enum_texts or ())
        value = record[field]
        derived = [value + "\n", value + " ", " " + value, value.upper(), value[:-1], value + "x", "\n" + value]
        how = draw(st.integers(0, 3))
        record[field] = draw(st.sampled_from(derived) if how < 2 else
                             st.sampled_from(NEAR_MISSES + enum) if how == 2 else st.text(max_size=5))
    return record


@st.composite
def rows(draw):
    name = draw(st.sampled_from(sorted(TABLES)))
    return name, draw(st.lists(record(name), min_size=1, max_size=8))


@settings(max_examples=examples(50, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_fast_path_and_json_schema_agree(drawn):
    name, records = drawn
    table = TABLES[name]
    by_json_schema = [VALIDATORS[name].is_valid(as_json(table, r)) for r in records]
    assert fast_verdicts(table, records) == by_json_schema, (name, records)
