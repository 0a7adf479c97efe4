"""Render a table's JSON export from its CSV columns, vectorised.

The reference is ``aapeace.jsonrows.dumps`` (json.dumps per row); this produces the same
bytes from whole pyarrow columns, so layer 5 can confirm an export with one byte
comparison instead of parsing and checking every row. A property test holds the two to
byte equality. Field types it cannot render exactly (number, boolean, date) return None,
and the caller takes the precise path.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from aapeace import files, limits
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


def _value(table: Table, data: CsvTable, field: Field, indent: str | None = None) -> pa.Array | None:
    """One field's JSON text per row (a list's items one per line when ``indent`` is given)."""
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
        # json.dumps(indent=...) puts each item of a list (never empty here) on its own line.
        opening, between, closing = ('["', '", "', '"]') if indent is None else \
            (f'[\n{indent * 3}"', f'",\n{indent * 3}"', f'"\n{indent * 2}]')
        text = pc.binary_join_element_wise(opening, pc.replace_substring(escape(raw), field.delimiter, between),
                                           closing, "")
    elif field.type == "string":
        text = pc.binary_join_element_wise('"', escape(raw), '"', "")
    else:
        return None
    if not pc.any(missing).as_py():
        return text
    return pc.if_else(missing, "null", text)


HEAD, TAIL = b"[\n", b"\n]\n"


def render_lines(table: Table, data: CsvTable, offset: int = 0, length: int | None = None,
                 indent: str | None = None) -> pa.Array | None:
    """One JSON object per row (rows ``offset`` to ``offset + length``), as json.dumps would
    write it (with ``indent``: as json.dumps(indent=...) lays out each element of the
    array); None when a field type is not rendered here."""
    if any(f.type not in SUPPORTED for f in table.fields):
        return None
    part = data.slice(offset, length)
    if indent is None:
        start, comma, end = "{", ", ", "}"
    else:
        start, comma, end = f"{indent}{{\n{indent * 2}", f",\n{indent * 2}", f"\n{indent}}}"
    pieces: list = []
    for i, field in enumerate(table.fields):
        value = _value(table, part, field, indent)
        if value is None:
            return None
        pieces += [(start if i == 0 else comma) + json.dumps(field.name, ensure_ascii=False) + ": ", value]
    pieces.append(end)
    return pc.binary_join_element_wise(*pieces, "")


def open_export(root: Path, table: Table) -> BinaryIO | None:
    """The table's export opened for reading through a descriptor the door vetted (a regular
    file inside the package); None when the door refuses it."""
    try:
        fd = files.open_regular(files.vet(root, table.export_path), table.export_path)
    except files.Refused:
        return None
    return open(fd, "rb")


def _indent_of(handle: BinaryIO) -> str | None:
    """The indent of an export laid out as json.dumps(indent=...) writes it (and jq, and
    JSON.stringify(rows, null, n)): the spaces or tabs between "[\n" and the first "{";
    None for any other start (the canonical layout has none)."""
    start = handle.read(HEAD.__len__() + 65)
    handle.seek(0)
    if not start.startswith(HEAD):
        return None
    indent = start[len(HEAD):].split(b"{", 1)[0]
    if indent and len(indent) <= 64 and not indent.strip(b" \t") and len(set(indent)) == 1:
        return indent.decode("ascii")
    return None


def _joined(lines: pa.Array | pa.ChunkedArray, glue: str) -> pa.Buffer:
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = pa.array([0, len(lines)], pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, lines), glue)[0].as_buffer()


def export_matches(root: Path, table: Table, data: CsvTable, chunk: int = 1 << 16) -> bool:
    """Whether the export file holds exactly the bytes the CSV renders to, compared a chunk of
    rows at a time so that memory stays bounded: in the canonical layout, or indented as
    json.dumps(indent=...) writes it (the layout pretty-printers give: no cliff for a fork
    that re-laid its exports out). False also when it cannot tell (the precise path then
    decides) or the file may not be opened."""
    handle = open_export(root, table)
    if handle is None:
        return False
    with handle:
        if os.fstat(handle.fileno()).st_size > limits.current().max_file_bytes:
            return False  # the precise path reports the file as too large, as for any other file
        if data.num_rows == 0:
            return handle.read(4) == b"[]\n"
        indent = _indent_of(handle)
        # a trailing line break is what json.dump leaves out and `generate` and jq write
        tails = (TAIL,) if indent is None else (TAIL, TAIL[:-1])
        if handle.read(len(HEAD)) != HEAD:
            return False
        # An export in another layout differs in its first row: tell so before rendering a chunk.
        first = render_lines(table, data, 0, 1, indent)
        if first is None or handle.read(len(want := first[0].as_buffer())) != want.to_pybytes():
            return False
        handle.seek(len(HEAD))
        for offset in range(0, data.num_rows, chunk):
            lines = render_lines(table, data, offset, chunk, indent)
            if lines is None:
                return False
            body = _joined(lines, ",\n")
            got = handle.read(body.size)
            if len(got) != body.size or not pa.py_buffer(got).equals(body):
                return False
            if offset + chunk < data.num_rows and handle.read(2) != b",\n":
                return False
        return handle.read(len(TAIL) + 1) in tails
