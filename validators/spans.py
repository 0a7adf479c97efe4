"""Layer 4: spans against their source texts, and files against their declared hashes."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aapeace import files
from aapeace.errors import ValidationError
from aapeace.model import Package, Table

from .buffers import string_buffers
from .reading import CsvTable, decode
from .registry import Context, Finding, rule

CHUNK = 1 << 16


EXCERPT = 80        # characters of a span shown in a message
NORMALISE_UP_TO = 10_000  # longer spans are not compared under NFC: an error's cost must stay small


def _excerpt(text: str, a: int, b: int) -> str:
    if b - a <= EXCERPT:
        return repr(text[a:b])
    return f"{text[a:a + EXCERPT // 2]!r}…{text[b - EXCERPT // 2:b]!r} ({b - a:,} characters)"


def describe_difference(text: str, a: int, b: int, actual: str) -> str:
    """Say where and how the span text[a:b] and a nearly equal quote differ: whitespace,
    NBSP, normalisation. The span is never copied whole when it is long."""
    if b - a <= NORMALISE_UP_TO and len(actual) <= NORMALISE_UP_TO:
        expected = text[a:b]
        if unicodedata.normalize("NFC", expected) == unicodedata.normalize("NFC", actual):
            return "they differ only by Unicode normalisation (NFC vs NFD)"
    length = min(b - a, len(actual))
    at, step = 0, 4096  # find the first difference a block at a time, comparing in place
    while at < length and text.startswith(actual[at:at + step], a + at):
        at += step
    at = min(at, length)
    while at < length and text[a + at] == actual[at]:
        at += 1
    mine = text[a + at] if at < b - a else "<end>"
    theirs = actual[at] if at < len(actual) else "<end>"
    name = lambda c: c if c == "<end>" else f"{c!r} U+{ord(c):04X} {unicodedata.name(c, '?')}"
    return f"first difference at character {at}: the text has {name(mine)}, the quote has {name(theirs)}"


def load_sources(package: Package, loaded: dict[str, tuple[Table, CsvTable]]
                 ) -> tuple[dict[str, tuple[str, int, int]], list[ValidationError]]:
    """source_id -> (text, body_start, body_end), each text read through the one door and
    checked against its row (sha256, length, body bounds)."""
    if "sources" not in loaded:
        return {}, []
    table, data = loaded["sources"]
    needed = ("source_id", "path", "sha256", "length", "body_start", "body_end")
    if any(table.field(name) is None for name in needed):
        return {}, []  # the contract reports what the sources table lacks; no text can be checked
    texts, errors = {}, []
    read: dict[str, tuple[str, str | None, list[ValidationError]] | files.Refused] = {}  # each file read once
    rows = {name: data.columns[name].to_pylist() for name in ("source_id", "path", "sha256")}
    ints = {name: data.typed.get(name) for name in ("length", "body_start", "body_end")}
    for i, source_id in enumerate(rows["source_id"]):
        where = dict(file=table.path, row=data.row_number(i))
        relative = rows["path"][i]
        if relative in table.field("path").missing_values:
            continue  # reported by the required rule; there is no file
        if relative not in read:
            # A hostile sources table may name one large file in a million rows: read it once.
            try:
                raw = files.read_bytes(package.root, relative)
                text, decode_errors = decode(raw, relative)
                if not raw:
                    decode_errors.append(ValidationError("file-empty", f"{relative} is empty (0 bytes)",
                                                         file=relative))
                read[relative] = (files.sha256_hex(raw), text, decode_errors)
            except files.Refused as exc:
                read[relative] = exc
            first = True
        else:
            first = False
        if isinstance(read[relative], files.Refused):
            error = read[relative].error
            code = "source-file-missing" if error.code == "file-missing" else error.code
            errors.append(ValidationError(code, f"source text {error.message}", field="path", **where))
            continue
        actual, text, decode_errors = read[relative]
        if first:
            errors.extend(decode_errors)
        if text is None:
            continue
        if actual != rows["sha256"][i]:
            errors.append(ValidationError("source-hash-mismatch", f"{relative} has sha256 {actual}, the row says "
                                          f"{rows['sha256'][i]}", field="sha256", **where))
        length = ints["length"][i].as_py() if ints["length"] is not None else None
        if length is not None and length != len(text):
            errors.append(ValidationError("source-length-mismatch", f"{relative} has {len(text)} characters, the "
                                          f"row says {length}", field="length", **where))
        start = ints["body_start"][i].as_py() if ints["body_start"] is not None else None
        end = ints["body_end"][i].as_py() if ints["body_end"] is not None else None
        if start is None or end is None or not 0 <= start <= end <= len(text):
            errors.append(ValidationError("body-out-of-bounds", f"body [{start}, {end}) does not lie within the "
                                          f"text's {len(text)} characters", field="body_end", **where))
            start, end = 0, len(text)
        texts[source_id] = (text, start, end)
    return texts, errors


@rule("span-reversed", "span-out-of-bounds", "quote-mismatch", "span-outside-body", scope="table", layer=4)
def check_spans(table: Table, data: CsvTable, context: Context) -> Iterator[Finding]:
    if not table.has_spans or any(table.field(n).type != "integer" for n in ("span_start", "span_end")):
        return  # the contract rule reports span columns that are not integers
    starts, ends = data.typed.get("span_start"), data.typed.get("span_end")
    texts = context.texts
    corpus = _corpus(texts) if texts else None
    # In chunks, so that only one chunk of quotes exists as Python strings at a time.
    for offset in range(0, data.num_rows, CHUNK):
        chunk = [_one_array(column.slice(offset, CHUNK)) for column in
                 (data.columns["source_id"], starts, ends, data.columns["quote"])]
        # Rows whose quote is, byte for byte, the body's text at their span need no Python:
        # only the others are looked at one by one (in a valid package, none).
        doubtful = np.flatnonzero(~corpus.confirmed(*chunk)) if corpus else np.arange(len(chunk[0]))
        if not len(doubtful):
            continue
        rows = zip(*(pc.take(column, pa.array(doubtful)).to_pylist() for column in chunk))
        for i, (source_id, a, b, quote) in zip((doubtful + offset).tolist(), rows):
            known = texts.get(source_id)
            if known is None or a is None or b is None:
                continue  # a dangling source_id or a bad integer is reported by its own rule
            text, body_start, body_end = known
            # The common case, decided without copying the span: startswith compares in place.
            if body_start <= a < b <= body_end and len(quote) == b - a and text.startswith(quote, a):
                continue
            yield from _span_findings(text, source_id, body_start, body_end, a, b, quote, i)


def _one_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


_built: list = []  # (texts, its corpus): every table of one run checks against the same texts


def _corpus(texts: dict[str, tuple[str, int, int]]) -> "_Corpus":
    # Read once into a local: another thread's validation may replace the cached pair, and
    # a corpus is only ever used with the very texts it was built from.
    built = _built[0] if _built else None
    if built is None or built[0] is not texts:
        built = (texts, _Corpus(texts))
        _built[:] = [built]
    return built[1]


class _Corpus:
    """Every source text as UTF-8 bytes in one buffer, with each code point's byte offset:
    code point a of source s starts at byte ``at[first[s] + a]`` of ``bytes``."""

    def __init__(self, texts: dict[str, tuple[str, int, int]]) -> None:
        self.ids = pa.array(list(texts), type=pa.string())
        encoded, offsets, first, body = [], [], [], []
        base = points_before = 0
        for text, body_start, body_end in texts.values():
            raw = text.encode("utf-8")
            points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            width = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
            at = np.empty(len(points) + 1, dtype=np.int64)
            at[0] = base
            np.cumsum(width, out=at[1:])
            at[1:] += base
            encoded.append(raw)
            offsets.append(at)
            first.append(points_before)
            body.append((body_start, body_end))
            base += len(raw)
            points_before += len(at)
        self.bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        self.at = np.concatenate(offsets)
        self.first = np.array(first, dtype=np.int64)
        self.body = np.array(body, dtype=np.int64).reshape(-1, 2)

    def confirmed(self, source_id: pa.Array, a: pa.Array, b: pa.Array, quote: pa.Array) -> np.ndarray:
        """True where the row's span lies in its source's body and its quote is exactly that text."""
        if not (pa.types.is_string(quote.type) or pa.types.is_large_string(quote.type)):
            return np.zeros(len(quote), dtype=bool)  # another layout of strings: the loop decides
        which = pc.fill_null(pc.index_in(source_id, value_set=self.ids), -1).to_numpy(zero_copy_only=False)
        a = pc.fill_null(a, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        b = pc.fill_null(b, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        known = which >= 0
        source = np.maximum(which, 0)
        ok = known & (self.body[source, 0] <= a) & (a < b) & (b <= self.body[source, 1])
        ok &= quote.is_valid().to_numpy(zero_copy_only=False)
        # Within the body, so within the text: both offsets index this source's code points.
        begin = np.where(ok, self.at[self.first[source] + np.where(ok, a, 0)], 0)
        finish = np.where(ok, self.at[self.first[source] + np.where(ok, b, 0)], 0)
        offsets, data = string_buffers(quote)
        lengths = np.diff(offsets)
        ok &= lengths == finish - begin
        if not ok.any():
            return ok
        # Every quote byte against the text byte it should equal, in one pass over the
        # chunk's quote data (rows already refused are compared too, and ignored).
        low, high = int(offsets[0]), int(offsets[-1])
        where = np.repeat(begin - offsets[:-1], lengths) + np.arange(low, high)
        equal = np.take(self.bytes, where, mode="clip") == data[low:high]
        if equal.all():
            return ok
        row = np.repeat(np.arange(len(ok)), lengths)
        return ok & (np.bincount(row[~equal], minlength=len(ok)) == 0)


def _span_findings(text: str, source_id: str, body_start: int, body_end: int, a: int, b: int, quote: str,
                   i: int) -> Iterator[Finding]:
    if a < 0:
        return  # reported by the field's minimum rule; a negative index would wrap around
    if b <= a:
        yield Finding("span-reversed", f"span [{a}, {b}) ends where or before it starts", i, "span_end")
        return
    if b > len(text):
        yield Finding("span-out-of-bounds", f"span [{a}, {b}) runs past the end of {source_id} ({len(text)} "
                      "characters)", i, "span_end")
        return
    if len(quote) != b - a or not text.startswith(quote, a):
        yield Finding("quote-mismatch", f"quote is not text[{a}:{b}] = {_excerpt(text, a, b)}; "
                      + describe_difference(text, a, b, quote), i, "quote")
    if a < body_start or b > body_end:
        yield Finding("span-outside-body", f"span [{a}, {b}) lies outside the article body [{body_start}, "
                      f"{body_end}) of {source_id}", i, "span_start")


def check_declared_hashes(package: Package, digests: dict[str, str]) -> Iterator[ValidationError]:
    """Every resource's file against its declared sha256 and bytes. ``digests`` holds the
    sha256 of files already read for another layer; the others are read through the door."""
    for resource in package.resources:
        size = files.size_of(package.root, resource.path)
        if size is None:
            continue  # a missing, unsafe or irregular file is reported where it is read
        if resource.sha256 is not None:
            actual = digests.get(resource.path)
            if actual is None:
                try:
                    actual = files.sha256_hex(files.read_bytes(package.root, resource.path))
                except files.Refused:
                    continue  # too large or unreadable: reported by the check of resource files
            if actual != resource.sha256:
                yield ValidationError("hash-mismatch", f"{resource.path} has sha256 {actual}, the descriptor "
                                      f"declares {resource.sha256} (changed on purpose? run `aapeace generate`)",
                                      file=resource.path)
        if resource.bytes is not None and size != resource.bytes:
            yield ValidationError("bytes-mismatch", f"{resource.path} has {size} bytes, the descriptor declares "
                                  f"{resource.bytes}", file=resource.path)
