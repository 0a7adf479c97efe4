"""Reading a CSV into string columns, with exact row numbers.

The fast path hands the bytes to pyarrow's CSV reader. When the file is structurally
irregular (ragged or blank rows, bad UTF-8) pyarrow cannot tell us *which* rows, so we
re-read it with the standard library's csv module, which can; well-formed files never pay
for that, nor for decoding the whole file into a Python str (a str of non-Latin text costs
two to four bytes a character; pyarrow checks UTF-8 on its own).
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from aapeace import csvio, files, limits
from aapeace.csvio import unlimited_fields
from aapeace.errors import ValidationError


@dataclass(frozen=True)
class CsvTable:
    """A CSV's cells as pyarrow string arrays (chunked, as read); "" is an empty cell.

    Immutable: ``typed`` (each integer or number field's values, null where a cell is
    missing or not of the type) is filled once, before any rule runs (see types.py)."""

    header: list[str]
    columns: dict[str, pa.Array | pa.ChunkedArray]
    # Row number of each record, the header being row 1; None means record i is row i + 2.
    row_numbers: list[int] | None = None
    typed: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # field -> whether each cell holds a value (is not one of the field's missing values)
    present: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        # Read-only views: a rule cannot add, drop or swap a column another rule reads.
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))
        object.__setattr__(self, "typed", MappingProxyType(dict(self.typed)))
        object.__setattr__(self, "present", MappingProxyType(dict(self.present)))

    @property
    def num_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def slice(self, offset: int, length: int | None = None) -> "CsvTable":
        """Rows ``offset`` to ``offset + length`` (zero-copy); row numbers stay those of the file."""
        columns = {k: v.slice(offset, length) for k, v in self.columns.items()}
        typed = {k: v.slice(offset, length) for k, v in self.typed.items()}
        numbers = None
        if self.row_numbers is not None:
            numbers = self.row_numbers[offset:None if length is None else offset + length]
        elif offset:
            numbers = list(range(offset + 2, offset + 2 + len(next(iter(columns.values())))))
        present = {k: v.slice(offset, length) for k, v in self.present.items()}
        return CsvTable(self.header, columns, numbers, MappingProxyType(typed), MappingProxyType(present))

    def with_typed(self, typed: dict[str, pa.Array], present: dict[str, pa.Array]) -> "CsvTable":
        return CsvTable(self.header, self.columns, self.row_numbers, MappingProxyType(dict(typed)),
                        MappingProxyType(dict(present)))

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers is not None else index + 2


def read_bytes(root: Path, relative: str) -> tuple[bytes | None, list[ValidationError]]:
    """A table's bytes through the one door (vetted, regular file, within the size limit)."""
    try:
        data = files.read_bytes(root, relative)
    except files.Refused as exc:
        return None, [exc.error]
    if not data:
        return None, [ValidationError("file-empty", f"{relative} is empty (0 bytes): a table needs at least its "
                                      "header row", file=relative)]
    return data, []


def decode(data: bytes, label: str) -> tuple[str | None, list[ValidationError]]:
    """Strict UTF-8; the error names the row (a record, not a line) of the first bad byte."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [ValidationError(
            "encoding-error", f"{label} is not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset "
            f"{exc.start}", file=label, row=csvio.row_at(data, exc.start))]


def _header(data: bytes) -> list[str] | None:
    """The header row, decoding only its line when it holds no quoted line break."""
    end = data.find(b"\n")
    first = data if end == -1 else data[:end + 1]
    if first.count(b'"') % 2:
        first = data  # a quoted line break inside the header: read it all
    try:
        with unlimited_fields():
            return next(csv.reader(io.StringIO(first.decode("utf-8"), newline="")), None)
    except UnicodeDecodeError:
        return None


def read_csv(data: bytes, label: str) -> tuple[CsvTable | None, list[ValidationError]]:
    """Parse CSV bytes. Returns None with errors when no header can be read."""
    errors = list(csvio.structure_errors(data, label))
    if any(e.code == "quote-malformed" for e in errors):
        return None, errors  # readers split such a file differently: no cell can be trusted to its field
    if data.startswith(csvio.BOM):
        # Reported once; reading on without it keeps the first column name from looking wrong.
        data = data[len(csvio.BOM):]
    table, parse_errors = _parse(data, label, well_formed=not errors)
    errors += parse_errors
    if table is not None:
        errors += check_cell_lengths(table, label)
    return table, errors


def check_cell_lengths(data: CsvTable, label: str) -> list[ValidationError]:
    limit = limits.current().max_cell_chars
    out = []
    for name, column in data.columns.items():
        lengths = pc.utf8_length(column)
        if not len(lengths) or pc.max(lengths).as_py() <= limit:
            continue
        for i in pc.indices_nonzero(pc.greater(lengths, limit)).to_pylist():
            out.append(ValidationError("cell-too-long", f"the cell has {lengths[i].as_py():,} characters, over the "
                                       f"limit of {limit:,} (raise it with --max-cell-length)", file=label,
                                       row=data.row_number(i), field=name))
    return out


def _blank_rows(data: bytes, table: pa.Table, header: list[str], label: str
                ) -> tuple[CsvTable, list[ValidationError]]:
    """Blank rows of a well-formed file found without a Python loop: empty lines from the
    record ends (pyarrow skipped them), rows of empty cells from the columns."""
    import numpy as np

    ends = csvio.record_ends(data)
    empty = np.flatnonzero(np.diff(ends) == 1) + 2  # row numbers (header = 1) of empty lines
    rows = np.setdiff1d(np.arange(2, len(ends) + 1), empty, assume_unique=True)  # what pyarrow read
    columns = {name: table.column(name) for name in header}
    blank = pc.equal(columns[header[0]], "")
    for name in header[1:]:
        blank = pc.and_(blank, pc.equal(columns[name], ""))
    blank_mask = blank.to_numpy(zero_copy_only=False) if isinstance(blank, pa.Array) else \
        pc.fill_null(blank, False).combine_chunks().to_numpy(zero_copy_only=False)
    bad = np.sort(np.concatenate((empty, rows[blank_mask])))
    cap = limits.current().max_errors_per_code
    errors = [ValidationError("blank-row", f"row {n} of {label} is blank", file=label, row=int(n)) for n in bad[:cap]]
    if len(bad) > cap:
        errors.append(ValidationError("errors-capped", f"{len(bad) - cap:,} more blank-row error(s) in {label} not "
                                      f"shown ({len(bad):,} in all)", file=label))
    keep = pa.array(~blank_mask)
    kept = {name: pc.filter(column, keep) for name, column in columns.items()}
    return CsvTable(list(header), kept, rows[~blank_mask].tolist()), errors


BLOCK_SIZES = (1 << 20, 1 << 24, 1 << 28)


def _parse(data: bytes, label: str, well_formed: bool = False) -> tuple[CsvTable | None, list[ValidationError]]:
    header_line = _header(data)
    if header_line is None:
        text, errors = decode(data, label)
        if text is None:
            return None, errors
        with unlimited_fields():
            header_line = next(csv.reader(io.StringIO(text, newline="")), None)
    if not header_line:
        return None, [ValidationError("header-mismatch", f"{label} has no header row", file=label, row=1)]
    if len(header_line) > limits.current().max_columns:
        return None, [ValidationError("too-many-columns", f"{label} has {len(header_line):,} columns in its header, "
                                      f"over the limit of {limits.current().max_columns:,}", file=label, row=1)]
    counts = Counter(header_line)
    if len(counts) != len(header_line):
        dupes = sorted(h for h, n in counts.items() if n > 1)
        return None, [ValidationError("header-mismatch", f"{label} repeats column(s) {dupes}",
                                      file=label, row=1, field=dupes[0])]
    table = None
    # Small blocks are parsed in parallel (1 MB: twice as fast as 16 MB on a 54 MB file, two
    # cores); a record longer than a block is refused by pyarrow, so larger blocks are tried.
    for block in BLOCK_SIZES:
        try:
            table = pacsv.read_csv(
                pa.BufferReader(data),
                read_options=pacsv.ReadOptions(use_threads=True, block_size=block),
                # Empty lines are skipped only where their rows can be told without pyarrow (a
                # well-formed file: see _blank_rows); elsewhere they make the slow path say where.
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=well_formed),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in header_line},
                    strings_can_be_null=False, quoted_strings_can_be_null=False))
            break
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            if "straddl" not in str(exc) or block >= len(data):
                break  # ragged rows or bad UTF-8: the slow path says where
    if table is not None and table.column_names != header_line:
        table = None  # pyarrow read the header differently (it skips a second BOM, say): trust csv
    if table is not None:
        columns = {name: table.column(name) for name in header_line}
        empty = [pc.equal(column, "") for column in columns.values()]
        blank = empty[0]
        for mask in empty[1:]:
            blank = pc.and_(blank, mask)
        if not pc.any(blank).as_py() and not (well_formed and b"\n\n" in data):
            return CsvTable(list(header_line), columns), []
        if well_formed:
            return _blank_rows(data, table, list(header_line), label)
    text, errors = decode(data, label)
    if text is None:
        return None, errors
    return _read_slowly(text, header_line, label)


def _read_slowly(text: str, header: list[str], label: str) -> tuple[CsvTable, list[ValidationError]]:
    with unlimited_fields():
        return _read_records(text, header, label)


def _read_records(text: str, header: list[str], label: str) -> tuple[CsvTable, list[ValidationError]]:
    errors: list[ValidationError] = []
    counts = Counter()
    cap = limits.current().max_errors_per_code
    cells: list[list[str]] = [[] for _ in header]
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    for number, record in enumerate(reader, start=2):
        if sum(counts.values()) > 10 * cap:
            # A file of nothing but broken rows: enough is said, and the rest is not read.
            errors.append(ValidationError("errors-capped", f"more than {10 * cap:,} blank or ragged rows in {label}: "
                                          f"the table is not read past row {number}", file=label, row=number))
            break
        if not any(record):  # an empty line, or a row of empty cells
            counts["blank-row"] += 1
            if counts["blank-row"] <= cap:  # a file of a million blank lines must not make a million errors
                errors.append(ValidationError("blank-row", f"row {number} of {label} is blank", file=label,
                                              row=number))
            continue
        if len(record) != len(header):
            counts["row-ragged"] += 1
            if counts["row-ragged"] <= cap:
                errors.append(ValidationError(
                    "row-ragged", f"row {number} has {len(record)} cells, the header {len(header)}",
                    file=label, row=number))
            continue
        for column, value in zip(cells, record):
            column.append(value)
        numbers.append(number)
    for code, count in counts.items():
        if count > cap:
            errors.append(ValidationError("errors-capped", f"{count - cap:,} more {code} error(s) in {label} not "
                                          f"shown ({count:,} in all)", file=label, field=None))
    columns = {name: pa.array(values, type=pa.string()) for name, values in zip(header, cells)}
    return CsvTable(list(header), columns, numbers), errors
