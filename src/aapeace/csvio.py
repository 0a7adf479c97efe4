"""The package's CSV text, read and written exactly.

The CSVs are UTF-8 without a byte order mark, rows end with LF, and a cell is quoted only
when it must be (the csv module's QUOTE_MINIMAL, and a cell holding a CR). Reading keeps every character: no newline
translation (a CR inside a quoted cell stays a CR) and no cap on the length of a cell (the
validator has its own, reported limit). Standard library only, so that ``load()`` stays light.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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


def read_text(path: str | Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


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
