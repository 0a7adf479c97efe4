"""Whether a JSON export holds its CSV's typed values, in any valid JSON layout.

The byte comparison (json_render.py) confirms an export written exactly as ``generate``
writes it. An export re-laid-out by other tools (indented, keys in another order, other
whitespace) holds the same rows in other bytes; here it is parsed a block at a time with
the standard library's C scanner and compared column by column with the typed CSV
columns, so it costs about one parse instead of a jsonschema run and a comparison per
row. The answer is only ever True when the precise path (json_exports.check_export)
would find nothing: anything this check cannot vouch for (a repeated key, NaN, an extra
or missing key, 725 for 725.0, true for 1, a file over the size limit, a row over the
block limit, bytes that are not UTF-8 or not JSON) makes it answer False, and the
precise path then decides and names file, row and field.
"""
from __future__ import annotations

import codecs
import gc
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from aapeace import limits
from aapeace.model import Field, Table

from .json_render import open_export
from .reading import CsvTable
from .types import present

BLOCK = 1 << 22  # bytes read at a time
MAX_PENDING = 1 << 26  # one row longer than this is left to the precise path
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, nothing more
_NONE = type(None)
# The Python types a field's JSON values may have; json.loads gives 725 as int, 725.0 as float.
_TYPES = {"string": {str}, "integer": {int}, "list": {list}}


class _Unsure(Exception):
    """The export may differ from its CSV: the precise path must look."""


def _unique(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Unsure  # a repeated key is an error the precise path names
    return obj


def _constant(name: str) -> object:
    raise _Unsure  # NaN, Infinity: not JSON


def _elements(decoder: json.JSONDecoder, text: str, at: int) -> tuple[list, int] | None:
    """The whole elements from ``at`` (an element's start) to the last "}" it can, parsed in
    one call of the C scanner, and where they end; None when none ends in ``text``. Lexing is
    left to right from a state outside any string, so a cut that fell inside a string or a
    row cannot parse as an array: it fails, and an earlier "}" is tried."""
    cut = len(text)
    for _ in range(4):
        cut = text.rfind("}", at, cut)
        if cut < 0:
            return None
        candidate = "[" + text[at:cut + 1] + "]"
        try:
            values, end = decoder.raw_decode(candidate)
        except json.JSONDecodeError:
            continue
        if end == len(candidate):
            return values, cut + 1
    return None


def _batches(handle: BinaryIO, block: int) -> Iterator[list]:
    """The elements of the top-level JSON array in ``handle``, a list at a time, reading a
    block of bytes at a time; raises _Unsure for anything but one array and whitespace."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_constant)
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    text, at, eof = "", 0, False

    def more() -> None:
        nonlocal text, at, eof
        if eof or len(text) - at > MAX_PENDING:
            raise _Unsure
        chunk = handle.read(block)
        eof = not chunk
        text = text[at:] + utf8.decode(chunk, final=eof)
        at = 0

    def skip() -> str:
        """The next character after whitespace ("" at the end of the file)."""
        nonlocal at
        while True:
            at = _SPACE.match(text, at).end()
            if at < len(text) or eof:
                return text[at:at + 1]
            more()

    if skip() != "[":
        raise _Unsure
    at += 1
    if skip() == "]":
        at += 1
    else:
        while True:
            parsed = _elements(decoder, text, at)
            if parsed is None:
                more()  # the row runs on into the next block; at the end of the file, it is bad
                continue
            values, at = parsed
            yield values
            sep = skip()
            at += 1
            if sep == "]":
                break
            if sep != ",":
                raise _Unsure
            skip()
    if skip() != "":
        raise _Unsure


@contextmanager
def _no_gc() -> Iterator[None]:
    """Parsed rows hold no cycles, yet each allocation counts towards a collection that walks
    every live object: without the collector the parse takes about half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _expected(data: CsvTable, field: Field) -> list | None:
    """One field's column as the JSON values ``jsonrows.typed_value`` gives for it."""
    raw, has = data.columns[field.name], present(data, field)
    if field.type == "integer":
        column = data.typed.get(field.name)
        return None if column is None else column.to_pylist()
    if field.type == "list":
        return pc.if_else(has, pc.split_pattern(raw, field.delimiter),
                          pa.scalar(None, pa.list_(pa.string()))).to_pylist()
    if field.type == "string":
        return pc.if_else(has, raw, pa.scalar(None, pa.string())).to_pylist()
    return None  # types no shipped schema uses (number, boolean, dates) take the precise path


def _same_columns(table: Table, data: CsvTable, rows: list) -> bool:
    """Whether ``rows`` (parsed JSON) are exactly the typed rows of ``data``, column by column."""
    width = len(table.fields)
    if set(map(type, rows)) - {dict} or set(map(len, rows)) - {width}:
        return False
    for field in table.fields:
        expected = _expected(data, field)
        if expected is None:
            return False
        try:
            got = list(map(itemgetter(field.name), rows))
        except KeyError:
            return False
        # list equality is == per value, and 1 == 1.0 == True: the types are checked apart
        if set(map(type, got)) - _TYPES[field.type] - {_NONE} or got != expected:
            return False
    return True


def export_values_match(root: Path, table: Table, data: CsvTable, chunk: int = 1 << 16,
                        block: int = BLOCK) -> bool:
    """Whether the export holds exactly the CSV's typed values, in any JSON layout; compared
    ``chunk`` rows at a time, so memory stays bounded. False whenever it cannot tell."""
    handle = open_export(root, table)
    if handle is None:
        return False
    with handle:
        if os.fstat(handle.fileno()).st_size > limits.current().max_file_bytes:
            return False
        done, pending = 0, []
        try:
            with _no_gc():
                for batch in _batches(handle, block):
                    pending += batch
                    while len(pending) >= chunk:
                        if not _same_columns(table, data.slice(done, chunk), pending[:chunk]):
                            return False
                        done += chunk
                        del pending[:chunk]
                if done + len(pending) != data.num_rows:
                    return False
                return not pending or _same_columns(table, data.slice(done, len(pending)), pending)
        except (_Unsure, UnicodeDecodeError, RecursionError, ValueError):
            return False
