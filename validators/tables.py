"""Layer 2: each table against its Table Schema.

Each rule is a small generator of findings over whole columns (pyarrow compute), so a
million rows cost a handful of vectorised passes, not a Python loop per cell. A rule only
reports; it never stops the others and never changes the table. The header rule runs
first: cells cannot be trusted to sit under the right field when it fails.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aapeace.model import Field, Table
from aapeace.spreadsheet import DANGEROUS_PREFIXES

from .reading import CsvTable
from .registry import Finding, rule
from .buffers import any_first_byte, may_hold_control
from .types import integer_ok, matches, number_ok, present

DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
YEAR_MONTH_DAY = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
SHAPE_OF_PRECISION = {"year": 4, "month": 7, "day": 10}
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def anchored(pattern: str) -> str:
    """Table Schema patterns match the whole value (XML Schema semantics)."""
    return f"^(?:{pattern})$"


def _where(mask: pa.Array) -> list[int]:
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()


def _findings(code: str, mask: pa.Array, data: CsvTable, field: str, message) -> Iterator[Finding]:
    column = data.columns[field]
    for i in _where(mask):
        yield Finding(code, message(column[i].as_py()), i, field)


def pattern_problem(pattern: str) -> str | None:
    """Why a Table Schema pattern cannot be used (by RE2 here and in the JSON export check), or None."""
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), anchored(pattern))
        re.compile(anchored(pattern))  # the generated JSON Schema must compile for other tools too
    except (pa.ArrowInvalid, re.error, ValueError, OverflowError, RecursionError) as exc:
        return f"pattern {pattern!r} is not a regular expression this validator can run: {exc}"
    return None


def _date_parts(column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of YYYY[-MM[-DD]] strings (month and day 1 where absent, 0 where malformed)."""
    shaped = matches(column, YEAR_MONTH_DAY)
    safe = pc.if_else(shaped, column, "0000-00-00")
    length = pc.utf8_length(safe).to_numpy(zero_copy_only=False)
    padded = pc.utf8_rpad(safe, 10, "x")

    def part(a: int, b: int, default: int) -> np.ndarray:
        text = pc.utf8_slice_codeunits(padded, a, b)
        text = pc.if_else(pc.match_substring_regex(text, r"^[0-9]+$"), text, str(default))
        return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)

    year = part(0, 4, 0)
    month = np.where(length >= 7, part(5, 7, 0), 1)
    day = np.where(length >= 10, part(8, 10, 0), 1)
    return year, month, day


def on_calendar(column: pa.Array) -> pa.Array:
    """For YYYY[-MM[-DD]] strings: is it on the calendar? Year 0000 is not (no calendar a reader
    uses has it); Arrow's strptime would roll 02-30 over."""
    year, month, day = _date_parts(column)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid_month = (month >= 1) & (month <= 12)
    days = np.where(valid_month, DAYS_IN_MONTH[np.clip(month, 1, 12) - 1], 0) + ((month == 2) & leap)
    return pa.array((year >= 1) & valid_month & (day >= 1) & (day <= days))


@rule("header-mismatch", scope="header")
def check_header(table: Table, data: CsvTable, context=None) -> Iterator[Finding]:
    if list(data.header) != table.field_names:
        missing = [n for n in table.field_names if n not in data.header]
        extra = [n for n in data.header if n not in table.field_names]
        detail = "; ".join(filter(None, [missing and f"missing {missing}", extra and f"unexpected {extra}",
                                         not (missing or extra) and "columns out of order"]))
        yield Finding("header-mismatch", f"header differs from the schema: {detail}; expected {table.field_names}",
                      None, (missing or extra or [None])[0], row=1)


@rule("required-missing")
def check_required(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    if field.must_be_present:
        yield from _findings("required-missing", pc.invert(present(data, field)), data, field.name,
                             lambda v: "a value is required")


@rule("type-error")
def check_type(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    """The lexical form of each present cell (the typed columns were built from the same tests)."""
    column, has = data.columns[field.name], present(data, field)
    if field.type == "integer":
        yield from _findings("type-error", pc.and_(has, pc.invert(integer_ok(column))), data, field.name,
                             lambda v: f"{v!r} is not an integer (64-bit)")
    elif field.type == "number":
        yield from _findings("type-error", pc.and_(has, pc.invert(number_ok(column))), data, field.name,
                             lambda v: f"{v!r} is not a number")
    elif field.type == "boolean":
        allowed = pa.array(list(field.true_values + field.false_values), pa.string())
        yield from _findings("type-error", pc.and_(has, pc.invert(pc.is_in(column, value_set=allowed))), data,
                             field.name, lambda v: f"{v!r} is not a boolean")
    elif field.type == "date":
        bad = pc.and_(has, pc.invert(pc.and_(matches(column, DATE), on_calendar(column))))
        yield from _findings("type-error", bad, data, field.name, lambda v: f"{v!r} is not an ISO date")


def _items(data: CsvTable, field: Field) -> tuple[pa.Array, pa.Array | None]:
    """Values to check constraints on: the cells (parents None), or for a list field each
    item with the row it belongs to."""
    column = data.columns[field.name]
    if field.type != "list":
        return column, None
    parts = pc.split_pattern(column, field.delimiter)
    return pc.list_flatten(parts), pc.list_parent_indices(parts)


def _item_findings(code: str, bad: pa.Array, parents: pa.Array | None, values: pa.Array, field: Field,
                   message) -> Iterator[Finding]:
    for i in _where(bad):
        row = i if parents is None else parents[i].as_py()
        yield Finding(code, message(values[i].as_py()), row, field.name)


def _present_items(data: CsvTable, field: Field, parents: pa.Array | None) -> pa.Array:
    has = present(data, field)
    return has if parents is None else pc.take(has, parents)


@rule("enum-error")
def check_enum(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    if field.enum is None:
        return
    values, parents = _items(data, field)
    has = _present_items(data, field, parents)
    bad = pc.and_(has, pc.invert(pc.is_in(values, value_set=pa.array(field.enum_texts, pa.string()))))
    shown = ", ".join(field.enum_texts)
    yield from _item_findings("enum-error", bad, parents, values, field, lambda v: f"{v!r} is not one of: {shown}")


@rule("pattern-error")
def check_pattern(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    if field.pattern is None:
        return
    values, parents = _items(data, field)
    has = _present_items(data, field, parents)
    bad = pc.and_(has, pc.invert(pc.match_substring_regex(values, anchored(field.pattern))))
    yield from _item_findings("pattern-error", bad, parents, values, field,
                              lambda v: f"{v!r} does not match {field.pattern}")


INT64 = (-(2**63), 2**63 - 1)


def _outside(column: pa.Array, bound: int | float, below: bool) -> pa.Array:
    """Where a typed column lies below (or above) a bound, compared exactly: a bound past what
    int64 or float64 hold (a fork may write 10**400) decides every row at once, never overflows."""
    if isinstance(bound, int) and not INT64[0] <= bound <= INT64[1]:
        if pa.types.is_integer(column.type) or abs(bound) > 2**1023:
            everything = (bound > 0) == below  # every value is below a huge bound, above a hugely negative one
            return pc.and_(pc.is_valid(column), pa.scalar(everything))
        bound = float(bound)
    return pc.less(column, bound) if below else pc.greater(column, bound)


@rule("minimum-error", "maximum-error")
def check_range(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    typed = data.typed.get(field.name)
    if typed is None:
        return
    if field.minimum is not None:
        yield from _findings("minimum-error", _outside(typed, field.minimum, below=True), data, field.name,
                             lambda v: f"{v} is below the minimum {field.minimum}")
    if field.maximum is not None:
        yield from _findings("maximum-error", _outside(typed, field.maximum, below=False), data, field.name,
                             lambda v: f"{v} is above the maximum {field.maximum}")


@rule("length-error")
def check_length(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    if field.min_length is None and field.max_length is None:
        return
    length = pc.cast(pc.utf8_length(data.columns[field.name]), pa.int64())
    bad = _outside(length, field.min_length or 0, below=True)
    if field.max_length is not None:
        bad = pc.or_(bad, _outside(length, field.max_length, below=False))
    bad = pc.and_(bad, present(data, field))
    shown = f"{field.min_length or 0}..{field.max_length if field.max_length is not None else '∞'}"
    yield from _findings("length-error", bad, data, field.name, lambda v: f"length {len(v)} is outside {shown}")


@rule("precision-mismatch", "date-impossible")
def check_precision(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    """A date with ``x-precisionField``: its shape matches the precision, and it is on the calendar."""
    other = field.precision_field
    if other is None:
        return
    column, has, precision = data.columns[field.name], present(data, table.field(field.name)), data.columns[other]
    expected = pc.if_else(pc.equal(precision, "year"), 4, pc.if_else(
        pc.equal(precision, "month"), 7, pc.if_else(pc.equal(precision, "day"), 10, -1)))
    wrong_shape = pc.and_(has, pc.not_equal(pc.utf8_length(column), expected))
    yield from _findings("precision-mismatch", wrong_shape, data, field.name,
                         lambda v: f"{v!r} does not have the shape its {other} gives")
    well_formed = pc.and_(has, matches(column, YEAR_MONTH_DAY))
    yield from _findings("date-impossible", pc.and_(well_formed, pc.invert(on_calendar(column))), data, field.name,
                         lambda v: f"{v!r} is not a date on the calendar")


def _interval(column: pa.Array, end: bool) -> np.ndarray:
    """Each YYYY[-MM[-DD]] date as the ordinal of its first (or last) day, as year*10000+month*100+day."""
    year, month, day = _date_parts(column)
    length = pc.utf8_length(column).to_numpy(zero_copy_only=False)
    if end:
        month = np.where(length < 7, 12, month)
        day = np.where(length < 10, 31, day)
    return year * 10000 + month * 100 + day


@rule("date-order")
def check_date_order(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    """``x-notBefore``: the date may not end before the other date starts (2020 may end a
    span that starts 2020-11-10; 2019 may not)."""
    other = field.not_before
    if other is None:
        return
    mine, theirs = data.columns[field.name], data.columns[other]
    both = pc.and_(pc.and_(present(data, field), present(data, table.field(other))),
                   pc.and_(matches(mine, YEAR_MONTH_DAY), matches(theirs, YEAR_MONTH_DAY)))
    before = pa.array(_interval(mine, end=True) < _interval(theirs, end=False))
    bad = pc.and_(both, before)
    starts = theirs
    for i in _where(bad):
        yield Finding("date-order", f"{mine[i].as_py()!r} ends before {other} {starts[i].as_py()!r} starts", i,
                      field.name)


@rule("dependent-missing")
def check_dependents(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    """``x-requiredWith``: this field is set exactly when the named one is."""
    other = field.required_with
    if other is None:
        return
    mine, theirs = present(data, field), present(data, table.field(other))
    yield from _findings("dependent-missing", pc.and_(theirs, pc.invert(mine)), data, field.name,
                         lambda v: f"must be set because {other} is set")
    yield from _findings("dependent-missing", pc.and_(mine, pc.invert(theirs)), data, field.name,
                         lambda v: f"must be empty because {other} is empty")


@rule("formula-prefix")
def check_formula_prefix(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    """Text cells must not open with what a spreadsheet reads as the start of a formula.

    Fields marked ``x-verbatim`` (the quotes) are exempt: they must equal the source text
    character for character, so they cannot be changed; the spreadsheet-safe export
    (aapeace.spreadsheet) escapes them instead. See docs/failure-modes.md.
    """
    if field.type not in ("string", "list") or field.verbatim:
        return
    column = data.columns[field.name]
    if not any_first_byte(column, DANGEROUS_BYTES):
        return
    first = pc.utf8_slice_codeunits(column, 0, 1)
    bad = pc.is_in(first, value_set=pa.array(DANGEROUS_PREFIXES, pa.string()))
    for i in pc.indices_nonzero(bad).to_pylist():
        value = column[i].as_py()
        shown = value if len(value) <= 60 else value[:60] + "…"
        yield Finding("formula-prefix", f"{shown!r} starts with {value[0]!r}, which a spreadsheet may run as a "
                      "formula; start the text differently", i, field.name)


CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
# The prefixes are single ASCII characters, so each is its own first byte in UTF-8.
DANGEROUS_BYTES = bytes(ord(p) for p in DANGEROUS_PREFIXES)
assert all(len(p) == 1 and p.isascii() for p in DANGEROUS_PREFIXES)


@rule("control-character")
def check_control_characters(table: Table, data: CsvTable, field: Field) -> Iterator[Finding]:
    """Text cells hold no control character but tab, LF and CR. The verbatim quote is exempt:
    it must equal its source text, which the sources row's hash pins."""
    if field.type not in ("string", "list") or field.verbatim:
        return
    column = data.columns[field.name]
    if not may_hold_control(column):
        return
    bad = pc.match_substring_regex(column, CONTROL)
    for i in _where(bad):
        value = column[i].as_py()
        at = next(j for j, c in enumerate(value) if re.match(CONTROL, c))
        yield Finding("control-character", f"character {at} is U+{ord(value[at]):04X}, a control character; "
                      "remove it", i, field.name)


@rule("exactly-one", scope="table")
def check_exactly_one(table: Table, data: CsvTable, context=None) -> Iterator[Finding]:
    group = table.exactly_one
    if not group:
        return
    count = None
    for name in group:
        one = pc.cast(present(data, table.field(name)), pa.int64())
        count = one if count is None else pc.add(count, one)
    for i in _where(pc.not_equal(count, 1)):
        yield Finding("exactly-one", f"exactly one of {list(group)} must be set, found {count[i].as_py()}", i,
                      group[0])
