"""Layer 4: spans against their source texts, and files against their declared hashes."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path


from aapeace.package import Table, declared_hash, sha256_of

from .descriptor import unsafe_reason
from .errors import ValidationError
from .reading import CsvTable, decode
from .safety import source_refusal, too_large


CHUNK = 1 << 16


def describe_difference(expected: str, actual: str) -> str:
    """Say where and how two nearly equal strings differ: whitespace, NBSP, normalisation."""
    if unicodedata.normalize("NFC", expected) == unicodedata.normalize("NFC", actual):
        return "they differ only by Unicode normalisation (NFC vs NFD)"
    at = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
    a = expected[at] if at < len(expected) else "<end>"
    b = actual[at] if at < len(actual) else "<end>"
    name = lambda c: c if c == "<end>" else f"{c!r} U+{ord(c):04X} {unicodedata.name(c, '?')}"
    return f"first difference at character {at}: the text has {name(a)}, the quote has {name(b)}"


def load_sources(loaded: dict[str, tuple[Table, CsvTable]], root: Path
                 ) -> tuple[dict[str, tuple[str, int, int]], list[ValidationError]]:
    """source_id -> (text, body_start, body_end), checking each file against its row."""
    if "sources" not in loaded:
        return {}, []
    table, data = loaded["sources"]
    texts, errors = {}, []
    rows = {name: data.columns[name].to_pylist() for name in ("source_id", "path", "sha256")}
    ints = {name: data.typed.get(name) for name in ("length", "body_start", "body_end")}
    for i, source_id in enumerate(rows["source_id"]):
        where = dict(file=table.path, row=data.row_number(i))
        refused = source_refusal(root, rows["path"][i], table.path, data.row_number(i))
        if refused:
            errors.append(refused)
            continue
        path = root / rows["path"][i]
        if not path.is_file():
            errors.append(ValidationError("source-file-missing", f"{rows['path'][i]} does not exist",
                                          field="path", **where))
            continue
        raw = path.read_bytes()
        text, decode_errors = decode(raw, rows["path"][i])
        errors.extend(decode_errors)
        if text is None:
            continue
        if sha256_of(path) != rows["sha256"][i]:
            errors.append(ValidationError("source-hash-mismatch",
                                          f"{rows['path'][i]} has sha256 {sha256_of(path)}, the row says {rows['sha256'][i]}",
                                          field="sha256", **where))
        length = ints["length"][i].as_py() if ints["length"] is not None else None
        if length is not None and length != len(text):
            errors.append(ValidationError("source-length-mismatch",
                                          f"{rows['path'][i]} has {len(text)} characters, the row says {length}",
                                          field="length", **where))
        start = ints["body_start"][i].as_py() if ints["body_start"] is not None else None
        end = ints["body_end"][i].as_py() if ints["body_end"] is not None else None
        if start is None or end is None or not 0 <= start <= end <= len(text):
            errors.append(ValidationError("body-out-of-bounds",
                                          f"body [{start}, {end}) does not lie within the text's {len(text)} characters",
                                          field="body_end", **where))
            start, end = 0, len(text)
        texts[source_id] = (text, start, end)
    return texts, errors


def check_table_spans(data: CsvTable, table: Table,
                      texts: dict[str, tuple[str, int, int]]) -> Iterator[ValidationError]:
    starts, ends = data.typed.get("span_start"), data.typed.get("span_end")
    if starts is None or ends is None:
        return
    # In chunks, so that only one chunk of quotes exists as Python strings at a time.
    for offset in range(0, data.num_rows, CHUNK):
        rows = zip(*(column.slice(offset, CHUNK).to_pylist() for column in
                     (data.columns["source_id"], starts, ends, data.columns["quote"])))
        for i, (source_id, a, b, quote) in enumerate(rows, start=offset):
            known = texts.get(source_id)
            if known is None or a is None or b is None:
                continue  # a dangling source_id or a bad integer is reported by its own rule
            text, body_start, body_end = known
            if body_start <= a < b <= body_end and text[a:b] == quote:
                continue  # the common case, decided without building anything
            yield from _span_errors(text, source_id, body_start, body_end, a, b, quote,
                                    dict(file=table.path, row=data.row_number(i)))


def _span_errors(text: str, source_id: str, body_start: int, body_end: int, a: int, b: int, quote: str,
                 where: dict) -> Iterator[ValidationError]:
    if a < 0:
        return  # reported by the field's minimum rule; a negative index would wrap around
    if b <= a:
        yield ValidationError("span-reversed", f"span [{a}, {b}) ends where or before it starts",
                              field="span_end", **where)
        return
    if b > len(text):
        yield ValidationError("span-out-of-bounds", f"span [{a}, {b}) runs past the end of "
                              f"{source_id} ({len(text)} characters)", field="span_end", **where)
        return
    if text[a:b] != quote:
        yield ValidationError("quote-mismatch", f"quote is not text[{a}:{b}] = {text[a:b]!r}; "
                              + describe_difference(text[a:b], quote), field="quote", **where)
    if a < body_start or b > body_end:
        yield ValidationError("span-outside-body", f"span [{a}, {b}) lies outside the article body "
                              f"[{body_start}, {body_end}) of {source_id}", field="span_start", **where)


def check_spans(loaded: dict[str, tuple[Table, CsvTable]], root: Path) -> Iterator[ValidationError]:
    texts, errors = load_sources(loaded, root)
    yield from errors
    for table, data in loaded.values():
        if table.has_spans:
            yield from check_table_spans(data, table, texts)


def check_declared_hashes(descriptor: dict, root: Path,
                          digests: dict[str, str] | None = None) -> Iterator[ValidationError]:
    """Every resource's file against its declared ``hash`` and ``bytes``; ``digests`` holds
    sha256 already computed from bytes read for another layer."""
    for resource in descriptor.get("resources", []):
        path = resource.get("path")
        if not isinstance(path, str) or unsafe_reason(path, root) or not (root / path).is_file() or too_large(root / path):
            continue  # unsafe paths are never opened; missing files are reported where they are read
        declared = declared_hash(resource)
        if declared and declared[0] == "sha256":
            actual = (digests or {}).get(path) or sha256_of(root / path)
            if actual != declared[1]:
                yield ValidationError("hash-mismatch", f"{path} has sha256 {actual}, the descriptor declares "
                                      f"{declared[1]} (changed on purpose? run `aapeace generate`)", file=path)
        size = resource.get("bytes")
        if isinstance(size, int) and (root / path).stat().st_size != size:
            yield ValidationError("bytes-mismatch", f"{path} has {(root / path).stat().st_size} bytes, "
                                  f"the descriptor declares {size}", file=path)
