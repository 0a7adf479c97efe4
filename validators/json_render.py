"""Render a table's JSON export from its CSV columns, vectorised.

The reference is ``aapeace.jsonrows.dumps`` (json.dumps per row); this produces the same
bytes from whole pyarrow columns, so layer 5 can confirm an export with one byte
comparison instead of parsing and checking every row. A property test holds the two to
byte equality. Field types it cannot render exactly (number, boolean, date) return None,
and the caller takes the precise path.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from aapeace import files
from aapeace.model import Field, Table

from .buffers import may_need_escape
from .reading import CsvTable

SUPPORTED = {"string", "integer", "list"}
# json.dumps(ensure_ascii=False) escapes exactly these: backslash, quote, and C0 controls.
SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(column: pa.Array) -> pa.Array:
    if not may_need_escape(column):
        return column
    column = pc.replace_substring(column, "\\", "\\\\")
    column = pc.replace_substring(column, '"', '\\"')
    for code in range(0x20):
        char = chr(code)
        if pc.any(pc.match_substring(column, char)).as_py():
            column = pc.replace_substring(column, char, SHORT.get(char, f"\\u{code:04x}"))
    return column


def _value(table: Table, data: CsvTable, field: Field) -> pa.Array | None:
    """One field's JSON text per row."""
    raw = data.columns[field.name]
    present = data.present.get(field.name)
    missing = pc.is_in(raw, value_set=pa.array(field.missing_values, pa.string())) if present is None \
        else pc.invert(present)
    if field.type == "integer":
        typed = data.typed.get(field.name)
        if typed is None:
            return None
        text = pc.cast(typed, pa.string())
    elif field.type == "list":
        text = pc.binary_join_element_wise('["', pc.replace_substring(escape(raw), field.delimiter, '", "'), '"]', "")
    elif field.type == "string":
        text = pc.binary_join_element_wise('"', escape(raw), '"', "")
    else:
        return None
    if not pc.any(missing).as_py():
        return text
    return pc.if_else(missing, "null", text)


HEAD, TAIL = b"[\n", b"\n]\n"


def render_lines(table: Table, data: CsvTable, offset: int = 0, length: int | None = None) -> pa.Array | None:
    """One JSON object per row (rows ``offset`` to ``offset + length``), as json.dumps would
    write it; None when a field type is not rendered here."""
    if any(f.type not in SUPPORTED for f in table.fields):
        return None
    part = data.slice(offset, length)
    pieces: list = []
    for i, field in enumerate(table.fields):
        value = _value(table, part, field)
        if value is None:
            return None
        pieces += [("{" if i == 0 else ", ") + json.dumps(field.name, ensure_ascii=False) + ": ", value]
    pieces.append("}")
    return pc.binary_join_element_wise(*pieces, "")


def open_export(root: Path, table: Table) -> BinaryIO | None:
    """The table's export opened for reading through a descriptor the door vetted (a regular
    file inside the package); None when the door refuses it."""
    try:
        fd = files.open_regular(files.vet(root, table.export_path), table.export_path)
    except files.Refused:
        return None
    return open(fd, "rb")


def export_matches(root: Path, table: Table, data: CsvTable, chunk: int = 1 << 16) -> bool:
    """Whether the export file holds exactly the bytes the CSV renders to, compared a chunk of
    rows at a time so that memory stays bounded. False also when it cannot tell (the
    precise path then decides) or the file may not be opened."""
    handle = open_export(root, table)
    if handle is None:
        return False
    with handle:
        if data.num_rows == 0:
            return handle.read(4) == b"[]\n"
        if handle.read(len(HEAD)) != HEAD:
            return False
        # An export in another layout differs in its first row: tell so before rendering a chunk.
        first = render_lines(table, data, 0, 1)
        if first is None or handle.read(len(want := first[0].as_buffer())) != want.to_pybytes():
            return False
        handle.seek(len(HEAD))
        for offset in range(0, data.num_rows, chunk):
            lines = render_lines(table, data, offset, chunk)
            if lines is None:
                return False
            if isinstance(lines, pa.ChunkedArray):
                lines = lines.combine_chunks()
            offsets = pa.array([0, len(lines)], pa.int32())
            body = pc.binary_join(pa.ListArray.from_arrays(offsets, lines), ",\n")[0].as_buffer()
            last = offset + chunk >= data.num_rows
            glue = TAIL if last else b",\n"
            got = handle.read(body.size + len(glue))
            if len(got) != body.size + len(glue) or not got.endswith(glue) or \
                    not pa.py_buffer(got)[:body.size].equals(body):
                return False
        return handle.read(1) == b""
