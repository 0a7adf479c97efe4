"""The package's CSV dialect: one set of rules for reading and writing every table.

The CSVs are UTF-8 without a byte order mark, every row (the last included) ends with LF,
and a cell is quoted only when it must be (the csv module's QUOTE_MINIMAL, and a cell
holding a CR). A double quote appears only in a quoted cell, doubled, and a quoted cell
ends at its closing quote: RFC 4180 with LF. Files that break these rules are refused with
the row at fault, because readers (Python's csv, pandas, DuckDB, polars, spreadsheets)
disagree on them. Reading keeps every character: no newline translation (a CR inside a
quoted cell stays a CR) and no cap on the length of a cell (the validator has its own,
reported limit). Standard library only, so that ``load()`` stays light.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import PackageError, ValidationError

BOM = b"\xef\xbb\xbf"
# One cell: quoted (doubled quotes inside, any character including line breaks) or bare
# (no comma, quote or line break). Possessive quantifiers: the engine never backtracks, so
# even a 100 MB quoted cell that never closes costs one pass.
_QUOTED = rb'"[^"]*+(?:""[^"]*+)*+"'
_BARE = rb'[^,"\r\n]*+'
_CELL = rb"(?:" + _QUOTED + rb"|" + _BARE + rb")"
_RECORD = re.compile(_CELL + rb"(?:," + _CELL + rb")*+\n")
_RUN = re.compile(rb"(?:" + _CELL + rb"(?:," + _CELL + rb")*+\n)*+")
_QUOTED_CELL = re.compile(_QUOTED)
_BARE_CELL = re.compile(_BARE)

# The csv module's cap is a C long; 2**31 - 1 fits everywhere and is far past any real cell.
NO_FIELD_LIMIT = 2**31 - 1


@contextmanager
def unlimited_fields() -> Iterator[None]:
    """Let the csv module read cells longer than its default 131,072 characters."""
    previous = csv.field_size_limit()
    csv.field_size_limit(NO_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def records(text: str) -> list[list[str]]:
    """Every record of CSV text, header included, with no cell length limit."""
    with unlimited_fields():
        return list(csv.reader(io.StringIO(text, newline="")))


def cell(value: str) -> str:
    """One cell, quoted only when it must be.

    As the csv module's QUOTE_MINIMAL, except that a cell holding a CR is quoted too: with
    LF as the line terminator the csv module writes such a cell bare, and every reader
    then splits the row at the CR.
    """
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def row(cells: Sequence[str]) -> str:
    if len(cells) == 1 and cells[0] == "":
        return '""\n'  # a lone empty cell would otherwise be a blank line
    return ",".join(map(cell, cells)) + "\n"


def dumps(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """CSV text in the package's canonical form."""
    return row(header) + "".join(map(row, rows))


# --- the dialect's structure -------------------------------------------------------------

def well_formed(data: bytes) -> bool:
    """Whether CSV bytes follow the dialect's structure: one vectorised pass (numpy, which
    pandas brings), equivalent to matching the grammar above, without decoding.

    A quote that opens a cell must stand at the cell's start (after a comma, a line break,
    the file's start, or a quote that just closed: a doubled quote); a quote that closes one
    must be followed by a comma, LF, the end or another quote; no CR outside quotes; no quote
    left open; the last row ends with LF.
    """
    import numpy as np

    if data.startswith(BOM):
        return False
    if not data:
        return True
    if not data.endswith(b"\n"):
        return False
    arr = np.frombuffer(data, dtype=np.uint8)
    # Work on the quotes' positions only (few, next to the bytes): the k-th quote opens a
    # cell when k is even and closes it when k is odd, a doubled quote being a close and an
    # open side by side.
    quotes = np.flatnonzero(arr == 0x22)
    if quotes.size % 2:
        return False  # a quote left open
    if b"\r" in data:
        crs = np.flatnonzero(arr == 0x0D)
        if np.any(np.searchsorted(quotes, crs) % 2 == 0):
            return False  # a CR outside quotes
    if not quotes.size:
        return True
    opens, closes = quotes[0::2], quotes[1::2]
    before = arr[np.maximum(opens - 1, 0)]
    doubled = np.zeros(opens.size, dtype=bool)
    doubled[1:] = closes[:-1] == opens[1:] - 1
    if not np.all((opens == 0) | (before == 0x2C) | (before == 0x0A) | doubled):
        return False
    after = arr[np.minimum(closes + 1, len(arr) - 1)]
    return bool(np.all((after == 0x2C) | (after == 0x0A) | (after == 0x22)))


def _problem_in_record(data: bytes, start: int) -> tuple[str, str, int]:
    """(code, message, where to resume) for a record at ``start`` that is not well formed."""
    pos, end = start, len(data)
    while True:
        quoted = data.startswith(b'"', pos)
        match = (_QUOTED_CELL if quoted else _BARE_CELL).match(data, pos)
        if match is None:
            return "quote-malformed", "a quoted cell is never closed (an odd number of double quotes)", end
        pos = match.end()
        if pos == end:
            return "final-newline-missing", "the last row does not end with LF", end
        char = data[pos:pos + 1]
        if char == b",":
            pos += 1
            continue
        resume = data.find(b"\n", pos)
        resume = end if resume == -1 else resume + 1
        if char == b"\n":  # cannot happen for a record _RECORD refused; kept for safety
            return "quote-malformed", "the row could not be read", resume
        if char == b"\r":
            kind = "CR LF" if data[pos + 1:pos + 2] == b"\n" else "a bare CR"
            return "line-ending-crlf", f"the row ends with {kind}; the package's CSVs end every row with LF alone", \
                resume
        if quoted:
            return "quote-malformed", "text follows the closing quote of a quoted cell (write the whole cell " \
                "in quotes, with each inner quote doubled)", resume
        return "quote-malformed", "a double quote stands inside an unquoted cell (quote the cell and double " \
            "the inner quote)", resume


# Past this many broken rows a file is reported as broken "at least" that often: the scan
# stops, so a hostile file of twenty million broken rows costs one bounded pass.
MAX_PROBLEMS = 1_000


def _records_in(data: bytes, start: int, end: int) -> int:
    """How many records end in data[start:end], a stretch of well-formed records (there,
    an LF ends a record exactly when an even number of quotes precede it)."""
    import numpy as np

    part = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    lfs = np.flatnonzero(part == 0x0A)
    if b'"' not in data[start:end]:
        return int(lfs.size)
    quotes = np.flatnonzero(part == 0x22)
    return int(np.count_nonzero(np.searchsorted(quotes, lfs) % 2 == 0))


def record_ends(data: bytes):
    """The offset of the LF that ends each record (the header's first) of well-formed CSV
    bytes, as a numpy array: an LF ends a record exactly when an even number of quotes
    precede it."""
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    lfs = np.flatnonzero(arr == 0x0A)
    if b'"' not in data:
        return lfs
    quotes = np.flatnonzero(arr == 0x22)
    return lfs[np.searchsorted(quotes, lfs) % 2 == 0]


def _scan(data: bytes, stop_at: int | None = None) -> Iterator[tuple[int, int, str, str]]:
    """(row, offset, code, message) of each record that breaks the dialect, in order. Runs of
    good records are matched in one call and counted in one vectorised pass."""
    pos, row, end = 0, 1, len(data)
    while pos < end:
        run = _RUN.match(data, pos)
        if run.end() > pos:
            if stop_at is not None and run.end() > stop_at:
                run_end = pos
                while True:  # step record by record up to the offset
                    match = _RECORD.match(data, run_end)
                    if match is None or match.end() > stop_at:
                        break
                    run_end, row = match.end(), row + 1
                yield row, run_end, "", ""
                return
            row += _records_in(data, pos, run.end())
            pos = run.end()
            if pos >= end:
                return
        if stop_at is not None and pos > stop_at:
            yield row, pos, "", ""
            return
        code, message, resume = _problem_in_record(data, pos)
        yield row, pos, code, message
        pos, row = resume, row + 1


def structure_errors(data: bytes, label: str) -> Iterator[ValidationError]:
    """The first row of each kind that breaks the dialect, with how many rows break it.

    Rows are records (the header is row 1): a quoted line break does not start a new row.
    """
    if data.startswith(BOM):
        yield ValidationError("byte-order-mark", f"{label} starts with a UTF-8 byte order mark (EF BB BF); save it "
                              "as UTF-8 without BOM", file=label, row=1)
        data = data[len(BOM):]
    if well_formed(data):
        return
    first: dict[str, tuple[int, str]] = {}
    counts: dict[str, int] = {}
    problems = 0
    for row, _, code, message in _scan(data):
        first.setdefault(code, (row, message))
        counts[code] = counts.get(code, 0) + 1
        problems += 1
        if problems >= MAX_PROBLEMS:
            break
    for code, (at, message) in first.items():
        many = "at least " if problems >= MAX_PROBLEMS else ""
        more = f" ({many}{counts[code]:,} rows in all)" if counts[code] > 1 else ""
        yield ValidationError(code, f"row {at}: {message}{more}", file=label, row=at)


def row_at(data: bytes, offset: int) -> int:
    """The row (header = 1) holding byte ``offset``, counting records, not lines."""
    row = 1
    for row, at, code, _ in _scan(data, stop_at=offset):
        if not code or at >= offset:
            return row
    return row


def parse(data: bytes, label: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and every (row number, cells) of CSV bytes in the dialect; raises
    PackageError naming the first row that breaks it (structure, UTF-8, blank or ragged)."""
    for error in structure_errors(data, label):
        raise PackageError(error)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageError(ValidationError(
            "encoding-error", f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
            file=label, row=row_at(data, exc.start))) from None
    all_records = records(text)
    if not all_records or not all_records[0] or all_records[0] == [""]:
        raise PackageError(ValidationError("file-empty", f"{label} has no header row", file=label, row=1))
    header, out = all_records[0], []
    for number, record in enumerate(all_records[1:], start=2):
        if not any(record):
            raise PackageError(ValidationError("blank-row", f"row {number} is blank", file=label, row=number))
        if len(record) != len(header):
            raise PackageError(ValidationError("row-ragged", f"row {number} has {len(record)} cells, the header "
                                               f"{len(header)}", file=label, row=number))
        out.append((number, record))
    return header, out
