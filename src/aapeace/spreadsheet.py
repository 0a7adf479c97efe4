"""Spreadsheet-safe CSV: the one place that knows how a cell is defused.

A spreadsheet program treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in
some programs, a tab or carriage return) as a formula: a quote such as ``@nmustafayev``
or a note beginning with ``=`` would be evaluated, and a crafted one could run a command
(CSV injection). The spreadsheet export prefixes such a cell with a single quote ``'``,
which spreadsheets take as "this is text" and do not display. The canonical CSVs in
``data/`` are never changed: offsets and quotes there must stay exact.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def is_formula_like(cell: str) -> bool:
    """Would a spreadsheet read this cell as a formula?"""
    return cell.startswith(FORMULA_STARTS)


def safe_cell(cell: str) -> str:
    """The cell as a spreadsheet should receive it: prefixed with ' when it looks like a formula."""
    return ESCAPE + cell if is_formula_like(cell) else cell


def safe_row(cells: Iterable[str]) -> list[str]:
    return [safe_cell(c) for c in cells]


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[str]]) -> None:
    """A CSV that spreadsheets open safely and correctly: defused cells, a UTF-8 byte order
    mark (without it Excel reads UTF-8 as a legacy code page and garbles curly quotes and
    dashes), CRLF line ends (RFC 4180)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(safe_row(header))
        writer.writerows(safe_row(r) for r in rows)
