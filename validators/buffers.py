"""Questions answered on a string column's raw UTF-8 bytes with numpy, in one pass and no
Python per cell: "could any cell hold X?". A False is certain; a True only sends the
column to the rule's exact (RE2, per-value) check, which finds the cells and says why.
Bytes outside the column's rows (a sliced buffer) can only add a True, never hide one."""
from __future__ import annotations

import numpy as np
import pyarrow as pa


def _chunks(column: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return column.chunks if isinstance(column, pa.ChunkedArray) else [column]


def string_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's value offsets (one more than its length) and its data bytes."""
    wide = pa.types.is_large_string(array.type)
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[array.offset:array.offset + len(array) + 1].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def _plain(array: pa.Array) -> bool:
    return pa.types.is_string(array.type) or pa.types.is_large_string(array.type)


COUNT_SLICE = 1 << 20


def byte_counts(column: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """How often each byte value occurs in the column's cells (one pass over its UTF-8 data),
    or None when the column is not a plain string array."""
    counts = np.zeros(256, dtype=np.int64)
    for array in _chunks(column):
        if not _plain(array):
            return None
        offsets, data = string_buffers(array)
        if len(offsets):
            # a slice at a time: bincount widens its input to 64-bit integers (8 bytes a byte)
            for at in range(int(offsets[0]), int(offsets[-1]), COUNT_SLICE):
                counts += np.bincount(data[at:min(at + COUNT_SLICE, int(offsets[-1]))], minlength=256)
    return counts


# C0 controls but tab, LF and CR; and DEL.
_CONTROL_BYTES = np.array([b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D)] + [0x7F])


def may_hold_control(column: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any cell may hold a C0 control but tab, LF and CR, DEL, or a C1 control
    (U+0080 to U+009F, which UTF-8 writes as 0xC2 0x80 to 0xC2 0x9F)."""
    counts = byte_counts(column)
    if counts is None or counts[_CONTROL_BYTES].any():
        return True
    if not counts[0xC2]:
        return False  # no C1 control without its lead byte
    for array in _chunks(column):
        offsets, data = string_buffers(array)
        data = data[offsets[0]:offsets[-1]] if len(offsets) else data[:0]
        lead = np.flatnonzero(data[:-1] == 0xC2)
        if lead.size and np.any((data[lead + 1] >= 0x80) & (data[lead + 1] <= 0x9F)):
            return True
    return False


def only_digits(column: pa.Array | pa.ChunkedArray, longest: int) -> bool:
    """Whether every byte of every cell is an ASCII digit and no cell is longer than
    ``longest`` bytes (empty cells allowed)."""
    counts = byte_counts(column)
    if counts is None or counts.sum() != counts[0x30:0x3A].sum():
        return False
    return all(not len(a) or int(np.diff(string_buffers(a)[0]).max()) <= longest for a in _chunks(column))


def any_first_byte(column: pa.Array | pa.ChunkedArray, first: bytes) -> bool:
    """Whether any non-empty cell starts with one of the bytes ``first``."""
    wanted = np.frombuffer(first, dtype=np.uint8)
    for array in _chunks(column):
        if not _plain(array):
            return True
        offsets, data = string_buffers(array)
        starts = offsets[:-1][np.diff(offsets) > 0]
        if starts.size and np.isin(data[starts], wanted).any():
            return True
    return False


def may_need_escape(column: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any cell holds what json.dumps escapes: a C0 control, a quote or a backslash."""
    counts = byte_counts(column)
    return counts is None or bool(counts[:0x20].any() or counts[0x22] or counts[0x5C])
