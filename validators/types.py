"""Typing a table once, before any rule runs: each integer and number field's values as a
typed column (null where the cell is missing or not of the type). Rules then read the
typed columns; none of them fills or changes them."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from aapeace.model import Field, Table

from .buffers import only_digits
from .reading import CsvTable

INT64_MAX = 2**63 - 1
SAFE_DIGITS = 18  # a run of at most 18 digits is always within int64 (19 may not be)
INTEGER = r"^[+-]?[0-9]+$"
NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$|^[+-]?(NaN|INF)$"


def matches(column: pa.Array, pattern: str) -> pa.Array:
    """Whole-value match in RE2, which runs in linear time: no pattern can hang the validator."""
    return pc.match_substring_regex(column, f"^(?:{pattern})$")


def present(data: CsvTable, field: Field) -> pa.Array:
    """Whether each cell of ``field`` holds a value (computed once, in ``typed_table``)."""
    known = data.present.get(field.name)
    if known is not None:
        return known
    return pc.invert(pc.is_in(data.columns[field.name], value_set=pa.array(field.missing_values, pa.string())))


def integer_ok(column: pa.Array) -> pa.Array:
    """Cells that are 64-bit integers in the package's lexical form."""
    if only_digits(column, SAFE_DIGITS):
        return pc.greater(pc.binary_length(column), 0)  # digits only, too few to overflow: any non-empty cell
    ok = matches(column, INTEGER)
    # Digits beyond int64 overflow: a text compare on magnitude avoids casting them.
    digits = pc.utf8_ltrim(pc.utf8_ltrim(column, "+-"), "0")
    too_long = pc.or_(pc.greater(pc.utf8_length(digits), 19),
                      pc.and_(pc.equal(pc.utf8_length(digits), 19), pc.greater(digits, str(INT64_MAX))))
    return pc.and_(ok, pc.invert(too_long))


def number_ok(column: pa.Array) -> pa.Array:
    return matches(column, NUMBER)


def _typed(data: CsvTable, field: Field) -> pa.Array | None:
    column, has = data.columns[field.name], present(data, field)
    if field.type == "integer":
        good = pc.and_(has, integer_ok(column))
        if pc.all(good).as_py() and only_digits(column, SAFE_DIGITS):
            return pc.cast(column, pa.int64())  # every cell a short run of digits: no sign to trim
        return pc.if_else(good, pc.cast(pc.if_else(good, pc.utf8_ltrim(column, "+"), "0"), pa.int64()),
                          pa.scalar(None, pa.int64()))
    if field.type == "number":
        good = pc.and_(has, number_ok(column))
        text = pc.if_else(good, pc.utf8_ltrim(column, "+"), "0")
        text = pc.replace_substring(pc.replace_substring(text, "INF", "inf"), "NaN", "nan")
        return pc.if_else(good, pc.cast(text, pa.float64()), pa.scalar(None, pa.float64()))
    return None


def typed_table(table: Table, data: CsvTable) -> CsvTable:
    """``data`` with its typed columns and presence masks filled (a new, immutable table)."""
    typed, has = {}, {}
    for field in table.fields:
        has[field.name] = present(data, field)
    data = data.with_typed({}, has)
    for field in table.fields:
        column = _typed(data, field)
        if column is not None:
            typed[field.name] = column
    return data.with_typed(typed, has)
