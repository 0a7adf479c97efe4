"""A spreadsheet-safe copy of a table: the same cells, except that a cell a spreadsheet would
run as a formula gets a leading apostrophe.

The canonical CSVs in data/ are exact: a quote is the source text character for character,
so it can begin with "@" or "-" when the text does. Spreadsheets (Excel, LibreOffice, Google
Sheets) treat a cell starting with =, +, -, @, tab or carriage return as a formula, which
is how "CSV injection" works. So the canonical files stay exact and machine-readable, and
anyone who opens a table in a spreadsheet uses this copy, where such a cell reads '@text:
shown as text, never run. The validator reports such cells in every field except the
verbatim quotes (see docs/failure-modes.md).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import TextIO

# OWASP's list of characters that make a spreadsheet read a cell as a formula.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_dangerous(value: str) -> bool:
    return value.startswith(DANGEROUS_PREFIXES)


def safe_cell(value: str) -> str:
    """The cell as a spreadsheet should receive it: a ' before a dangerous first character."""
    return "'" + value if is_dangerous(value) else value


def write_safe_csv(target: str | Path | TextIO, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a CSV with every cell (header included) made safe; returns how many were escaped.

    A path is written as UTF-8 with a byte order mark and CR LF line ends, which is what
    lets Excel read non-ASCII text (ə, non-breaking spaces, curly quotes) correctly; an open
    handle (opened with ``newline=""``) is written as it is. This copy is for people, not
    for byte-exact round trips: the canonical CSVs are.
    """
    if not hasattr(target, "write"):
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            return write_safe_csv(handle, header, rows)
    writer = csv.writer(target, lineterminator="\r\n")
    escaped = 0
    for record in chain([header], rows):
        cells = [safe_cell(cell) for cell in record]
        escaped += sum(a != b for a, b in zip(cells, record))
        writer.writerow(cells)
    return escaped
