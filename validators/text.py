"""Rules about a CSV's text as a contributor's editor or a spreadsheet sees it: the byte order
mark, line endings, cells too long to handle, and cells a spreadsheet would run as formulas.

The package's CSVs are UTF-8 without a BOM and end rows with LF, so their bytes (and hashes)
are the same on every platform and round trips are exact.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aapeace.package import Table
from aapeace.spreadsheet import DANGEROUS_PREFIXES

from . import limits
from .errors import ValidationError

if TYPE_CHECKING:  # reading.py calls the rules here, so importing it at run time would be circular
    from .reading import CsvTable

BOM = b"\xef\xbb\xbf"
QUOTE, LF, CR = 0x22, 0x0A, 0x0D


def check_bom(data: bytes, label: str) -> list[ValidationError]:
    if not data.startswith(BOM):
        return []
    return [ValidationError("byte-order-mark", f"{label} starts with a UTF-8 byte order mark (EF BB BF); save it as "
                            "UTF-8 without BOM", file=label, row=1)]


def check_line_endings(data: bytes, label: str) -> list[ValidationError]:
    """One error per file, at the first row that ends with CR LF or a bare CR.

    A CR inside a quoted cell is the cell's content, not a line ending: a character is
    inside quotes when an odd number of double quotes precede it ("" escapes keep parity).
    """
    if b"\r" not in data:
        return []
    arr = np.frombuffer(data, dtype=np.uint8)
    inside = np.bitwise_xor.accumulate(arr == QUOTE, dtype=np.uint8).view(bool)
    crs = np.flatnonzero((arr == CR) & ~inside)
    if not crs.size:
        return []
    ends = (arr == LF) & ~inside
    followed = crs + 1 < len(arr)
    bare = crs[~followed | (arr[np.minimum(crs + 1, len(arr) - 1)] != LF)]
    ends[bare] = True
    first = int(crs[0])
    row = int(np.count_nonzero(ends[:first])) + 1
    kind = "CR LF" if first + 1 < len(arr) and arr[first + 1] == LF else "a bare CR"
    return [ValidationError("line-ending-crlf", f"row {row} ends with {kind} ({crs.size} row(s) in all end with CR); "
                            "the package's CSVs end every row with LF alone", file=label, row=row)]


def check_cell_lengths(data: CsvTable, label: str) -> Iterator[ValidationError]:
    limit = limits.current().max_cell_chars
    for name, column in data.columns.items():
        lengths = pc.utf8_length(column)
        if not len(lengths) or pc.max(lengths).as_py() <= limit:
            continue
        for i in pc.indices_nonzero(pc.greater(lengths, limit)).to_pylist():
            yield ValidationError("cell-too-long", f"the cell has {lengths[i].as_py():,} characters, over the limit "
                                  f"of {limit:,} (raise it with --max-cell-length)", file=label,
                                  row=data.row_number(i), field=name)


def check_formula_prefix(data: CsvTable, table: Table, field: dict) -> Iterator[ValidationError]:
    """Text cells must not open with what a spreadsheet reads as the start of a formula.

    Fields marked ``x-verbatim`` (the quotes) are exempt: they must equal the source text
    character for character, so they cannot be changed; the spreadsheet-safe export
    (aapeace.spreadsheet) escapes them instead. See docs/failure-modes.md.
    """
    if field.get("type", "string") not in ("string", "list") or field.get("x-verbatim") is True:
        return
    column = data.columns[field["name"]]
    first = pc.utf8_slice_codeunits(column, 0, 1)
    bad = pc.is_in(first, value_set=pa.array(DANGEROUS_PREFIXES, pa.string()))
    for i in pc.indices_nonzero(bad).to_pylist():
        value = column[i].as_py()
        shown = value if len(value) <= 60 else value[:60] + "…"
        yield ValidationError("formula-prefix", f"{shown!r} starts with {value[0]!r}, which a spreadsheet may run "
                              "as a formula; start the text differently", file=table.path,
                              row=data.row_number(i), field=field["name"])
