"""brat standoff, both ways: ``aapeace export brat OUT`` and ``aapeace import brat DIR``.

One document per source text: ``<source_id>.txt`` (the text, byte for byte) and
``<source_id>.ann``. Each row is a text-bound annotation whose type is its table, followed
by an ``AnnotatorNotes`` line holding the row's other cells as a JSON object:

    T1<TAB>mentions 587 625<TAB>Azerbaijani victory in the war of 2020
    #1<TAB>AnnotatorNotes T1<TAB>{"mention_id": "war-2020--000_…", "actor_id": "", …}

A span across a line break is written as brat writes one, fragments split at the break
(``10 15;16 20``); on import a row's span runs from the first fragment's start to the last
one's end, and only line breaks and spaces may lie between fragments. Offsets are code
points (as brat's Python server counts them) unless ``--offsets utf16`` (INCEpTION and
other Java or JavaScript tools count UTF-16 code units); either way they are converted
exactly. ``annotation.conf`` names the tables as entity types, for brat itself.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import files
from .dataset import Dataset
from .errors import ValidationError
from .interchange import (LINE_BREAKS, Annotation, ImportFailed, annotations, document_text, one_line, position,
                          quote_mismatch, span_tables)
from .offsets import Counter

NOTE = "AnnotatorNotes"
# At most 18 digits: any real offset fits, and int() is never asked for a hostile number.
_FRAGMENT = re.compile(r"^([0-9]{1,18}) ([0-9]{1,18})\Z")
# JSON leaves these raw; in an .ann line each would end the line for some reader.
_RAW_BREAKS = re.compile("[\x85\u2028\u2029]")


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at the line breaks inside it, as brat cuts a span that crosses one.
    The first fragment starts at ``start`` and the last ends at ``end`` even where a line
    break stands there, so that the span read back is the span written (found by the
    round-trip property: a quote that starts with a newline)."""
    out, at = [], start
    for i in range(start, end):
        if text[i] in LINE_BREAKS:
            if i > at:
                out.append((at, i))
            at = i + 1
    if end > at:
        out.append((at, end))
    if not out:
        return [(start, end)]
    out[0] = (start, out[0][1])
    out[-1] = (out[-1][0], end)
    return out


def shown(text: str, parts: list[tuple[int, int]]) -> str:
    """The text field of a T line: the fragments joined by spaces, on one line."""
    return one_line(" ".join(text[a:b] for a, b in parts))


def note(values: dict[str, str]) -> str:
    text = json.dumps(values, ensure_ascii=False)
    return _RAW_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def document(text: str, items: list[Annotation], units: str) -> str:
    counter = Counter(text)
    lines = []
    for n, a in enumerate(items, 1):
        parts = fragments(text, a.start, a.end)
        where = ";".join(f"{counter.out(x, units)} {counter.out(y, units)}" for x, y in parts)
        lines.append(f"T{n}\t{a.table} {where}\t{shown(text, parts)}\n")
        lines.append(f"#{n}\t{NOTE} T{n}\t{note(a.values)}\n")
    return "".join(lines)


def config(data: Dataset) -> str:
    entities = "\n".join(t.name for t in span_tables(data))
    return f"[entities]\n{entities}\n\n[relations]\n\n[events]\n\n[attributes]\n"


def files_of(data: Dataset) -> list[str]:
    names = [f"{s}.{ext}" for s in (r["source_id"] for r in data.rows("sources")) for ext in ("txt", "ann")]
    return names + ["annotation.conf"]


def export(data: Dataset, out: Path, units: str) -> list[Path]:
    if out.exists():
        files.Writer(out, create=False).check(files_of(data))  # a refusal writes nothing
    texts, grouped = data.texts(), annotations(data)
    writer = files.Writer(out)
    written = []
    for source_id, items in grouped.items():
        written.append(writer.write(f"{source_id}.txt", texts[source_id]))
        written.append(writer.write(f"{source_id}.ann", document(texts[source_id], items, units)))
    written.append(writer.write("annotation.conf", config(data)))
    return written


def _parse_line(line: str, number: int, label: str, errors: list[ValidationError]):
    ident, sep, rest = line.partition("\t")
    if not sep:
        errors.append(ValidationError("annotation-unreadable", "not a brat line (ID, tab, annotation)", file=label,
                                      row=number))
        return None
    if ident.startswith("T"):
        head, sep, quote = rest.partition("\t")
        kind, _, spans = head.partition(" ")
        parts = [_FRAGMENT.match(p) for p in spans.split(";")]
        if not sep or not kind or not all(parts):
            errors.append(ValidationError("annotation-unreadable", f"{ident}: not a text-bound annotation "
                                          "(TYPE START END[;START END]…, tab, text)", file=label, row=number))
            return None
        return "T", ident, (kind, [(int(m.group(1)), int(m.group(2))) for m in parts], quote)
    if ident.startswith("#"):
        head, sep, body = rest.partition("\t")
        kind, _, target = head.partition(" ")
        if kind != NOTE or not target:
            errors.append(ValidationError("annotation-unreadable", f"{ident}: a note must be '{NOTE} T…'",
                                          file=label, row=number))
            return None
        return "#", ident, (target, body)
    errors.append(ValidationError("annotation-unsupported", f"{ident}: only text-bound annotations (T) and their "
                                  "notes (#) are read; links between rows are rows of the link tables, so brat "
                                  "relations, events, attributes and normalisations are not imported (delete "
                                  "them, or record the link as a row)", file=label, row=number))
    return None


def read_document(folder: Path, source_id: str, text: str, units: str,
                  errors: list[ValidationError]) -> list[Annotation]:
    label = f"{source_id}.ann"
    lines = files.decode(files.read_bytes(folder, label), label).split("\n")
    bound: dict[str, tuple[int, str, list, str]] = {}
    notes: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines, 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        parsed = _parse_line(line, number, label, errors)
        if parsed is None:
            continue
        kind, ident, payload = parsed
        if kind == "T":
            bound[ident] = (number, *payload)
        elif payload[0] in notes:
            errors.append(ValidationError("annotation-unreadable", f"{ident}: {payload[0]} has a second note; its "
                                          "row's values are one JSON object (remarks go in a note column)",
                                          file=label, row=number))
        else:
            notes[payload[0]] = (number, payload[1])
    for target, (number, _) in notes.items():
        if target not in bound:
            errors.append(ValidationError("annotation-unreadable", f"a note for {target}, which is not a text-bound "
                                          "annotation of this file", file=label, row=number))
    counter = Counter(text)
    out = []
    for ident, (number, table, parts, quote) in bound.items():
        values = _values(ident, table, notes.get(ident), label, number, errors)
        converted = [position(text, counter, a, b, units, label, number, errors) for a, b in parts]
        if values is None or None in converted:
            continue
        converted.sort()
        if quote != shown(text, converted):
            errors.append(quote_mismatch(quote, shown(text, converted), units, label, number))
            continue
        gaps = [text[b:c] for (_, b), (c, _) in zip(converted, converted[1:])]
        if any(gap.strip() for gap in gaps) or any(c < b for (_, b), (c, _) in zip(converted, converted[1:])):
            errors.append(ValidationError("annotation-offsets-invalid", f"{ident}: the fragments leave out words or "
                                          "overlap; a row cites one unbroken span", file=label, row=number))
            continue
        start, end = converted[0][0], converted[-1][1]
        out.append(Annotation(table, source_id, start, end, text[start:end], values, label, number))
    return out


def _values(ident: str, table: str, found: tuple[int, str] | None, label: str, number: int,
            errors: list[ValidationError]) -> dict | None:
    if found is None:
        errors.append(ValidationError("annotation-values-missing", f"{ident} ({table}) has no {NOTE} with its row's "
                                      "values: add a note holding a JSON object of the row's other columns, e.g. "
                                      "the key, as an exported annotation of the same table shows", file=label,
                                      row=number))
        return None
    try:
        values = json.loads(found[1])
    except ValueError as exc:
        values = exc
    if not isinstance(values, dict):
        errors.append(ValidationError("annotation-unreadable", f"the note of {ident} is not a JSON object of the "
                                      "row's values", file=label, row=found[0]))
        return None
    return values


def read(data: Dataset, folder: Path, units: str) -> dict[str, list[Annotation]]:
    """source_id -> the annotations of every .ann file in ``folder``; ImportFailed with every
    problem otherwise."""
    errors: list[ValidationError] = []
    texts = data.texts()
    out = {}
    names = sorted(p.name for p in folder.iterdir() if p.suffix == ".ann" and not p.name.startswith("."))
    if not names:
        raise ImportFailed([ValidationError("annotation-unreadable", f"{folder} holds no .ann file", file=str(folder))])
    for name in names:
        source_id = name[:-len(".ann")]
        text = document_text(data, texts, folder, source_id, name, errors)
        if text is not None:
            out[source_id] = read_document(folder, source_id, text, units, errors)
    if errors:
        raise ImportFailed(errors)
    return out
