"""Layer 2: each table against its Table Schema.

Each rule is a small generator of errors over whole columns (pyarrow compute), so a
million rows cost a handful of vectorised passes, not a Python loop per cell. A rule
only reports; it never stops the others.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aapeace.package import Table, field_required

from .errors import ValidationError
from .reading import CsvTable
from .text import check_formula_prefix

INT64_MAX = 2**63 - 1
INTEGER = r"^[+-]?[0-9]+$"
NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$|^[+-]?(NaN|INF)$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SHAPE_OF_PRECISION = {"year": 4, "month": 7, "day": 10}


def anchored(pattern: str) -> str:
    """Table Schema patterns match the whole value (XML Schema semantics)."""
    return f"^(?:{pattern})$"


def _where(mask: pa.Array) -> list[int]:
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()


def _errors(code: str, mask: pa.Array, data: CsvTable, table: Table, field: str,
            message: callable) -> Iterator[ValidationError]:
    column = data.columns[field]
    for i in _where(mask):
        yield ValidationError(code, message(column[i].as_py()), file=table.path,
                              row=data.row_number(i), field=field)


def present(data: CsvTable, table: Table, name: str) -> pa.Array:
    missing = table.schema.get("missingValues", [""])
    return pc.invert(pc.is_in(data.columns[name], value_set=pa.array(missing, pa.string())))


def matches(column: pa.Array, pattern: str) -> pa.Array:
    # RE2 runs in linear time, so a hostile pattern cannot hang the validator; layer 1
    # refuses patterns RE2 cannot compile (XML Schema regexes, which Table Schema uses, never need them).
    return pc.match_substring_regex(column, anchored(pattern))


def pattern_problem(pattern: str) -> str | None:
    """Why a Table Schema pattern cannot be used (by RE2 here, by Python's re in the JSON Schema), or None."""
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), anchored(pattern))
        re.compile(anchored(pattern))
    except (pa.ArrowInvalid, re.error, ValueError, OverflowError, RecursionError) as exc:
        return f"pattern {pattern!r} is not a regular expression this validator can run: {exc}"
    return None


DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def on_calendar(column: pa.Array) -> pa.Array:
    """For YYYY-MM-DD strings: is the day on the calendar? (Arrow's strptime rolls 02-30 over.)"""
    shaped = matches(column, DATE)
    safe = pc.if_else(shaped, column, "2000-01-01")
    year, month, day = (pc.cast(pc.utf8_slice_codeunits(safe, a, b), pa.int64()).to_numpy(zero_copy_only=False)
                        for a, b in ((0, 4), (5, 7), (8, 10)))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid_month = (month >= 1) & (month <= 12)
    days = np.where(valid_month, DAYS_IN_MONTH[np.clip(month, 1, 12) - 1], 0) + ((month == 2) & leap)
    return pc.and_(shaped, pa.array(valid_month & (day >= 1) & (day <= days)))


def check_header(data: CsvTable, table: Table) -> Iterator[ValidationError]:
    if data.header != table.field_names:
        missing = [n for n in table.field_names if n not in data.header]
        extra = [n for n in data.header if n not in table.field_names]
        detail = "; ".join(filter(None, [missing and f"missing {missing}", extra and f"unexpected {extra}",
                                         not (missing or extra) and "columns out of order"]))
        yield ValidationError("header-mismatch", f"header differs from the schema: {detail}; "
                              f"expected {table.field_names}", file=table.path, row=1,
                              field=(missing or extra or [None])[0])


def check_required(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    if field_required(field, table):
        yield from _errors("required-missing", pc.invert(present(data, table, field["name"])), data, table,
                           field["name"], lambda v: "a value is required")


def check_type(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    """Check the lexical form of each present cell and keep the typed column for later layers."""
    name, kind = field["name"], field.get("type", "string")
    column, has = data.columns[name], present(data, table, name)
    if kind == "integer":
        ok = matches(column, INTEGER)
        # Digits beyond int64 overflow: a text compare on magnitude avoids casting them.
        digits = pc.utf8_ltrim(pc.utf8_ltrim(column, "+-"), "0")
        too_long = pc.or_(pc.greater(pc.utf8_length(digits), 19),
                          pc.and_(pc.equal(pc.utf8_length(digits), 19), pc.greater(digits, str(INT64_MAX))))
        bad = pc.and_(has, pc.or_(pc.invert(ok), too_long))
        yield from _errors("type-error", bad, data, table, name,
                           lambda v: f"{v!r} is not an integer (64-bit)")
        good = pc.and_(has, pc.invert(bad))
        data.typed[name] = pc.if_else(good, pc.cast(pc.if_else(good, pc.utf8_ltrim(column, "+"), "0"), pa.int64()),
                                      pa.scalar(None, pa.int64()))
    elif kind == "number":
        bad = pc.and_(has, pc.invert(matches(column, NUMBER)))
        yield from _errors("type-error", bad, data, table, name, lambda v: f"{v!r} is not a number")
    elif kind == "boolean":
        allowed = field.get("trueValues", ["true", "True", "TRUE", "1"]) + field.get(
            "falseValues", ["false", "False", "FALSE", "0"])
        bad = pc.and_(has, pc.invert(pc.is_in(column, value_set=pa.array(allowed))))
        yield from _errors("type-error", bad, data, table, name, lambda v: f"{v!r} is not a boolean")
    elif kind == "date":
        bad = pc.and_(has, pc.invert(on_calendar(column)))
        yield from _errors("type-error", bad, data, table, name, lambda v: f"{v!r} is not an ISO date")


def _items(data: CsvTable, table: Table, field: dict) -> tuple[pa.Array, pa.Array | None]:
    """Values to check constraints on: the cells (parents None), or for a list field each
    item with the row it belongs to."""
    column = data.columns[field["name"]]
    if field.get("type") != "list":
        return column, None
    parts = pc.split_pattern(column, field.get("delimiter", ","))
    return pc.list_flatten(parts), pc.list_parent_indices(parts)


def _present_items(data: CsvTable, table: Table, field: dict, parents: pa.Array | None) -> pa.Array:
    has = present(data, table, field["name"])
    return has if parents is None else pc.take(has, parents)


def _item_errors(code: str, bad: pa.Array, parents: pa.Array | None, values: pa.Array, data: CsvTable,
                 table: Table, name: str, message: callable) -> Iterator[ValidationError]:
    for i in _where(bad):
        row = i if parents is None else parents[i].as_py()
        yield ValidationError(code, message(values[i].as_py()), file=table.path,
                              row=data.row_number(row), field=name)


def check_enum(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    enum = field.get("constraints", {}).get("enum")
    if enum is None:
        return
    values, parents = _items(data, table, field)
    has = _present_items(data, table, field, parents)
    bad = pc.and_(has, pc.invert(pc.is_in(values, value_set=pa.array([str(e) for e in enum]))))
    shown = ", ".join(map(str, enum))
    yield from _item_errors("enum-error", bad, parents, values, data, table, field["name"],
                            lambda v: f"{v!r} is not one of: {shown}")


def check_pattern(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    pattern = field.get("constraints", {}).get("pattern")
    if pattern is None:
        return
    values, parents = _items(data, table, field)
    has = _present_items(data, table, field, parents)
    bad = pc.and_(has, pc.invert(matches(values, pattern)))
    yield from _item_errors("pattern-error", bad, parents, values, data, table, field["name"],
                            lambda v: f"{v!r} does not match {pattern}")


def _bound(value: object) -> object:
    """A schema's bound as pyarrow can compare it: an integer past 64 bits becomes a float."""
    return float(value) if isinstance(value, int) and not -(2**63) <= value < 2**63 else value


def check_range(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    constraints, name = field.get("constraints", {}), field["name"]
    typed = data.typed.get(name)
    if typed is None:
        return
    if "minimum" in constraints:
        low = _bound(constraints["minimum"])
        yield from _errors("minimum-error", pc.less(typed, low), data, table, name,
                           lambda v: f"{v} is below the minimum {low}")
    if "maximum" in constraints:
        high = _bound(constraints["maximum"])
        yield from _errors("maximum-error", pc.greater(typed, high), data, table, name,
                           lambda v: f"{v} is above the maximum {high}")


def check_length(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    constraints, name = field.get("constraints", {}), field["name"]
    if "minLength" not in constraints and "maxLength" not in constraints:
        return
    length = pc.utf8_length(data.columns[name])
    too_short = pc.less(length, _bound(constraints.get("minLength", 0)))
    bad = pc.or_(too_short, pc.greater(length, _bound(constraints["maxLength"]))) \
        if "maxLength" in constraints else too_short
    bad = pc.and_(bad, present(data, table, name))
    limits = f"{constraints.get('minLength', 0)}..{constraints.get('maxLength', '∞')}"
    yield from _errors("length-error", bad, data, table, name,
                       lambda v: f"length {len(v)} is outside {limits}")


def check_precision(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    """A date with ``x-precisionField``: its shape matches the precision, and it is on the calendar."""
    other = field.get("x-precisionField")
    if other is None or other not in data.columns:
        return
    name, column = field["name"], data.columns[field["name"]]
    has, precision = present(data, table, name), data.columns[other]
    expected = pc.if_else(pc.equal(precision, "year"), 4, pc.if_else(
        pc.equal(precision, "month"), 7, pc.if_else(pc.equal(precision, "day"), 10, -1)))
    wrong_shape = pc.and_(has, pc.not_equal(pc.utf8_length(column), expected))
    yield from _errors("precision-mismatch", wrong_shape, data, table, name,
                       lambda v: f"{v!r} does not have the shape its {other} gives")
    well_formed = pc.and_(has, matches(column, DATE))
    yield from _errors("date-impossible", pc.and_(well_formed, pc.invert(on_calendar(column))), data, table, name,
                       lambda v: f"{v!r} is not a day on the calendar")


def check_dependents(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    """``x-requiredWith``: this field is set exactly when the named one is."""
    other = field.get("x-requiredWith")
    if other is None or other not in data.columns:
        return
    name = field["name"]
    mine, theirs = present(data, table, name), present(data, table, other)
    yield from _errors("dependent-missing", pc.and_(theirs, pc.invert(mine)), data, table, name,
                       lambda v: f"must be set because {other} is set")
    yield from _errors("dependent-missing", pc.and_(mine, pc.invert(theirs)), data, table, name,
                       lambda v: f"must be empty because {other} is empty")


def check_exactly_one(data: CsvTable, table: Table) -> Iterator[ValidationError]:
    group = table.schema.get("x-exactlyOne")
    if not group or not all(g in data.columns for g in group):
        return
    count = None
    for name in group:
        one = pc.cast(present(data, table, name), pa.int64())
        count = one if count is None else pc.add(count, one)
    for i in _where(pc.not_equal(count, 1)):
        yield ValidationError("exactly-one", f"exactly one of {group} must be set, found {count[i].as_py()}",
                              file=table.path, row=data.row_number(i), field=group[0])


FIELD_RULES = (check_required, check_type, check_enum, check_pattern, check_range, check_length,
               check_precision, check_dependents, check_formula_prefix)


def check_table(data: CsvTable, table: Table) -> Iterator[ValidationError]:
    header_errors = list(check_header(data, table))
    yield from header_errors
    if header_errors:
        return  # cells cannot be trusted to sit under the right field
    for field in table.fields:
        for rule in FIELD_RULES:
            yield from rule(data, table, field)
    yield from check_exactly_one(data, table)
