"""``load()``: every table of a package as a typed pandas DataFrame.

Types are honest: integers stay integers (nullable ``Int64`` where a cell may be empty),
enums are categoricals with the schema's categories, lists are Python lists, dates are
``pandas.Period`` at the precision the row gives (a year stays a year: no day is
invented) with their first and last day beside them as sortable datetimes
(``<field>_first``, ``<field>_last``), and a text such as "NA" stays the text "NA". Only the schema's
``missingValues`` (by default the empty cell) become missing.

The loader reads through the same door as the validator (``model``, ``files``, ``csvio``,
``dataset``): the same vetted paths, the same strict CSV dialect and the same lexical forms
of every type, so nothing loads that ``aapeace validate`` would refuse on those grounds.
Every failure is a ``LoadError`` carrying the validator's code, file, row and field.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import files
from .dataset import Dataset
from .errors import CATALOGUE, PackageError, ValidationError
from .jsonrows import INTEGER, NUMBER
from .model import Field, Package, Table, open_package

PERIOD_FREQ = {4: "Y", 7: "M", 10: "D"}
# Beside each date of x-precisionField precision: its first and last day, sortable.
FIRST, LAST = "_first", "_last"
PRECISION_LENGTH = {"year": 4, "month": 7, "day": 10}
DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z", re.ASCII)
INT64 = (-(2**63), 2**63 - 1)
HINT = " (run `aapeace validate` for every error)"


class LoadError(PackageError):
    """A package that cannot be loaded. The message names the file, and the row and field where
    known; ``code`` is the validator's error code for the problem where one applies, and
    ``error`` the same as a ValidationError (None only when no code applies)."""

    def __init__(self, message: str, *, code: str | None = None, file: str | None = None,
                 row: int | None = None, field: str | None = None) -> None:
        ValueError.__init__(self, message)
        self.code, self.file, self.row, self.field = code, file, row, field
        self.error = ValidationError(code, message, file=file, row=row, field=field) if code in CATALOGUE else None
        self.errors = (self.error,) if self.error is not None else ()

    @classmethod
    def from_package_error(cls, exc: PackageError) -> LoadError:
        error = exc.error
        out = cls(str(exc), code=error.code, file=error.file, row=error.row, field=error.field)
        out.errors = exc.errors
        return out


class IntegrityError(LoadError):
    """A file differs from the hash its descriptor declares."""

    def __init__(self, file: str, expected: str, actual: str) -> None:
        super().__init__(f"{file}: expected sha256 {expected} (declared in the descriptor), actual sha256 {actual}; "
                         "the file was changed after the package was built", code="hash-mismatch", file=file)
        self.expected, self.actual = expected, actual


class _Cell(ValueError):
    """A cell that is not of its field's type; ``code`` is the validator's code for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- opening and verifying ---------------------------------------------------------------

def _open(path: str | Path | None) -> Package:
    try:
        return open_package(path)
    except PackageError as exc:
        raise LoadError.from_package_error(exc) from None
    except FileNotFoundError as exc:  # no shipped package beside the module
        raise LoadError(str(exc), code="descriptor-missing", file="datapackage.json") from None


def verify_hashes(package: Package) -> None:
    """Every resource that declares a sha256 (or a size) is read through the door and checked."""
    for resource in package.resources:
        if resource.sha256 is None and resource.bytes is None:
            continue
        data = files.read_bytes(package.root, resource.path)
        if resource.sha256 is not None:
            actual = files.sha256_hex(data)
            if actual != resource.sha256:
                raise IntegrityError(resource.path, resource.sha256, actual)
        if resource.bytes is not None and len(data) != resource.bytes:
            raise LoadError(f"{resource.path}: {len(data):,} bytes, the descriptor declares {resource.bytes:,}; the "
                            "file was changed after the package was built", code="bytes-mismatch", file=resource.path)


# --- typing cells --------------------------------------------------------------------------

def _integer(raw: str, field: Field) -> int:
    if not INTEGER.match(raw):
        raise _Cell("type-error", f"{raw!r} is not an integer (ASCII digits with an optional sign)")
    value = int(raw)
    if not INT64[0] <= value <= INT64[1]:
        raise _Cell("type-error", f"{raw!r} is not an integer (64-bit)")
    if field.enum is not None and value not in field.enum:
        raise _Cell("enum-error", f"{raw!r} is not one of the allowed values {list(field.enum)}")
    return value


def _number(raw: str, field: Field) -> float:
    if not NUMBER.match(raw):
        raise _Cell("type-error", f"{raw!r} is not a number")
    return float(raw)


def _boolean(raw: str, field: Field) -> bool:
    if raw in field.true_values:
        return True
    if raw in field.false_values:
        return False
    raise _Cell("type-error", f"{raw!r} is not a boolean (true: {list(field.true_values)}, false: "
                f"{list(field.false_values)})")


def _list(raw: str, field: Field) -> list[str]:
    items = raw.split(field.delimiter)
    allowed = field.enum_texts
    if allowed is not None:
        for item in items:
            if item not in allowed:
                raise _Cell("enum-error", f"item {item!r} is not one of the allowed values {list(allowed)}")
    return items


def _enum(raw: str, field: Field) -> str:
    if raw not in field.enum_texts:  # pandas would turn it into a missing value: data lost silently
        raise _Cell("enum-error", f"{raw!r} is not one of the allowed values {list(field.enum_texts)}")
    return raw


def _period(raw: str, freq: str | None = None) -> pd.Period:
    match = DATE.match(raw)
    if match is None or (freq == "D" and len(raw) != 10):
        raise _Cell("type-error", f"{raw!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)" if freq is None
                    else f"{raw!r} is not an ISO date (YYYY-MM-DD)")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)  # year 0000, month 13, February 30: pandas would raise or guess
    except ValueError:
        raise _Cell("date-impossible", f"{raw!r} is not on the calendar") from None
    return pd.Period(raw, freq=freq or PERIOD_FREQ[len(raw)])


def _cells(table: Table, field: Field, rows: list[dict[str, str]], numbers: list[int],
           convert: Callable[[str], object]) -> tuple[list, bool]:
    """Every cell of a column converted (None where missing), and whether any is missing."""
    missing, out, absent = field.missing_values, [], False
    name = field.name
    for number, row in zip(numbers, rows):
        raw = row[name]
        if raw in missing:
            out.append(None)
            absent = True
            continue
        try:
            out.append(convert(raw))
        except _Cell as exc:
            raise LoadError(f"{table.path}, row {number}, field {name}: [{exc.code}] {exc}{HINT}", code=exc.code,
                            file=table.path, row=number, field=name) from None
    return out, absent


def _precision_dates(table: Table, field: Field, rows: list[dict[str, str]], numbers: list[int]) -> list:
    """Dates whose precision another field gives: a Period at that precision; a date that is set
    must have the shape its precision gives (the validator's precision-mismatch)."""
    other = field.precision_field
    other_missing = table.field(other).missing_values if table.field(other) else ("",)
    values, _ = _cells(table, field, rows, numbers, _period)
    for value, number, row in zip(values, numbers, rows):
        precision = row[other]
        expected = None if precision in other_missing else PRECISION_LENGTH.get(precision, -1)
        if value is not None and len(row[field.name]) != expected:
            raise LoadError(f"{table.path}, row {number}, field {field.name}: [precision-mismatch] {row[field.name]!r} "
                            f"does not have the shape its {other} {precision!r} gives{HINT}", code="precision-mismatch",
                            file=table.path, row=number, field=field.name)
    return values


def _required(table: Table, field: Field, rows: list[dict[str, str]], numbers: list[int]) -> None:
    """A required or key cell must hold a value: a schema that declares the value missing (a
    fork's missingValues holding a quote, say) must not load it as missing."""
    if not field.must_be_present:
        return
    for number, row in zip(numbers, rows):
        if row[field.name] in field.missing_values:
            raise LoadError(f"{table.path}, row {number}, field {field.name}: [required-missing] a value is "
                            f"required{HINT}", code="required-missing", file=table.path, row=number,
                            field=field.name)


def column(table: Table, field: Field, rows: list[dict[str, str]], numbers: list[int]):
    """One column as the typed pandas array ``load()`` returns."""
    _required(table, field, rows, numbers)
    kind = field.type
    if kind == "integer":
        values, absent = _cells(table, field, rows, numbers, lambda raw: _integer(raw, field))
        # Through Python ints, not float64: a float cannot hold every 64-bit integer.
        return pd.array(values, dtype="int64" if field.must_be_present and not absent else "Int64")
    if kind == "number":
        values, _ = _cells(table, field, rows, numbers, lambda raw: _number(raw, field))
        return pd.array([float("nan") if v is None else v for v in values], dtype="float64")
    if kind == "boolean":
        values, _ = _cells(table, field, rows, numbers, lambda raw: _boolean(raw, field))
        return pd.array(values, dtype="boolean")
    if kind == "list":
        values, _ = _cells(table, field, rows, numbers, lambda raw: _list(raw, field))
        out = np.empty(len(values), dtype=object)  # one list per cell, never a 2-D array
        for i, value in enumerate(values):
            out[i] = value
        return out
    if field.precision_field is not None:
        values = _precision_dates(table, field, rows, numbers)
        return pd.array(values, dtype=object)
    if kind == "date":
        values, _ = _cells(table, field, rows, numbers, lambda raw: _period(raw, "D"))
        return pd.array(values, dtype=pd.PeriodDtype("D"))
    if field.enum is not None:
        values, _ = _cells(table, field, rows, numbers, lambda raw: _enum(raw, field))
        return pd.Categorical(values, categories=list(field.enum_texts))
    values, _ = _cells(table, field, rows, numbers, str)
    return pd.array(values, dtype="string")


def bounds(periods) -> tuple[pd.Series, pd.Series]:
    """The first and the last day a column of mixed-precision Periods can mean, as datetimes.

    Periods of different precision do not compare, so a column of them cannot be sorted;
    these can, and keep the precision honest: 2022-12 is 2022-12-01 to 2022-12-31, not a day.
    """
    first = [pd.NaT if p is None else p.start_time for p in periods]
    last = [pd.NaT if p is None else p.end_time.normalize() for p in periods]
    # Seconds, not nanoseconds: pandas' nanosecond range ends in 2262 and starts in 1677.
    return (pd.array(pd.to_datetime(first).as_unit("s"), dtype="datetime64[s]"),
            pd.array(pd.to_datetime(last).as_unit("s"), dtype="datetime64[s]"))


def read_table(dataset: Dataset, table: Table) -> pd.DataFrame:
    """One table, read through the door and typed by its Table Schema."""
    rows, numbers = dataset.rows(table.name), dataset.row_numbers(table.name)
    frame = {}
    for field in table.fields:
        try:
            frame[field.name] = column(table, field, rows, numbers)
        except LoadError:
            raise
        except (ValueError, TypeError, KeyError, OverflowError) as exc:  # pandas refusing what got past the checks
            raise LoadError(f"{table.path}, field {field.name}: {type(exc).__name__}: {exc}{HINT}", code="type-error",
                            file=table.path, field=field.name) from None
    for field in table.fields:
        if field.precision_field is not None:
            first, last = bounds(frame[field.name])
            frame[field.name + FIRST], frame[field.name + LAST] = first, last
    out = pd.DataFrame(frame, index=pd.RangeIndex(len(rows)))
    # The keys travel with the frame, so helpers (aapeace.joins) follow the schema, not a copy of it.
    out.attrs["primary_key"] = list(table.primary_key)
    out.attrs["foreign_keys"] = [(list(fk.fields), fk.resource, list(fk.reference_fields))
                                 for fk in table.foreign_keys]  # (fields, table, its fields)
    return out


def _guarded(label: str, action: Callable[[], object]):
    """Run ``action``; whatever escapes the door or pandas becomes a LoadError."""
    try:
        return action()
    except LoadError:
        raise
    except PackageError as exc:
        raise LoadError.from_package_error(exc) from None
    except PermissionError as exc:
        raise LoadError(f"{label}: cannot be read: permission denied ({exc})", code="file-unreadable",
                        file=label) from None
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError,
            MemoryError) as exc:
        raise LoadError(f"{label}: cannot load: {type(exc).__name__}: {exc}{HINT}", file=label) from None


def load(path: str | Path | None = None, *, verify: bool = True) -> dict[str, pd.DataFrame]:
    """Load every table of the package at ``path`` (a descriptor or its folder; None: the
    package shipped with this install).

    With ``verify`` (the default) every file is first checked against the sha256 its
    descriptor declares, and IntegrityError names the file that differs.
    """
    package = _guarded("datapackage.json", lambda: _open(path))
    if verify:
        _guarded(package.descriptor_path.name, lambda: verify_hashes(package))
    dataset = Dataset(package)
    return {table.name: _guarded(table.path, lambda table=table: read_table(dataset, table))
            for table in package.tables}


def source_texts(path: str | Path | None = None, *, verify: bool = True) -> dict[str, str]:
    """source_id -> the decoded source text, so that ``text[span_start:span_end] == quote``.

    Every text is read through the door and checked against the sha256 its sources row
    records (LoadError code source-hash-mismatch); with ``verify`` every file is also
    checked against the hash its descriptor declares.
    """
    package = _guarded("datapackage.json", lambda: _open(path))
    if verify:
        _guarded(package.descriptor_path.name, lambda: verify_hashes(package))
    dataset = Dataset(package)
    label = package.table("sources").path if package.has_table("sources") else package.descriptor_path.name
    return _guarded(label, dataset.texts)
