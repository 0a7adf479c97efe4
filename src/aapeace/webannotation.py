"""W3C Web Annotation (JSON-LD), both ways: ``aapeace export webannotation OUT`` and
``aapeace import webannotation DIR``.

One ``AnnotationCollection`` per source text, ``<source_id>.jsonld``, beside the text
itself (``<source_id>.txt``). Each row is an ``Annotation``:

- ``id``: ``urn:x-aapeace:row:<table>:<primary key, as a percent-encoded JSON list>``;
- ``body``: a tagging ``TextualBody`` naming the table, and a describing ``TextualBody`` in
  ``application/json`` holding ``{"table", "key", "values"}``: the row's other cells
  exactly as the CSV holds them, so an import gives back the same bytes;
- ``target``: the source and two selectors, a ``TextPositionSelector`` (code points, as the
  model defines it, or UTF-16 code units with ``--offsets utf16`` for JavaScript tools such
  as Hypothesis) and a ``TextQuoteSelector`` (``exact`` with 32 characters of ``prefix``
  and ``suffix``), which does not depend on how offsets are counted.

An import takes the span from the position selector and refuses it when the text there is
not the quote selector's ``exact`` (shifted offsets are never taken silently).
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote as percent

from . import files, jsonfile
from .dataset import Dataset
from .errors import ValidationError
from .interchange import Annotation, ImportFailed, annotations, document_text, position, quote_mismatch
from .offsets import Counter

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_CHARS = 32
JSON_BODY = "application/json"


def _key(data: Dataset, a: Annotation) -> dict[str, str]:
    cells = {**a.values, "source_id": a.source_id}
    return {name: cells.get(name, "") for name in data.table(a.table).primary_key}


def annotation(data: Dataset, a: Annotation, text: str, counter: Counter, units: str, source: str) -> dict:
    key = _key(data, a)
    described = {"table": a.table, "key": key, "values": a.values}
    return {
        "@context": CONTEXT,
        "id": f"urn:x-aapeace:row:{a.table}:{percent(json.dumps(list(key.values()), ensure_ascii=False), safe='')}",
        "type": "Annotation",
        "motivation": "describing",
        "body": [
            {"type": "TextualBody", "purpose": "tagging", "value": a.table},
            {"type": "TextualBody", "purpose": "describing", "format": JSON_BODY,
             "value": json.dumps(described, ensure_ascii=False)},
        ],
        "target": {"source": source, "selector": [
            {"type": "TextPositionSelector", "start": counter.out(a.start, units), "end": counter.out(a.end, units)},
            {"type": "TextQuoteSelector", "exact": a.quote, "prefix": text[max(0, a.start - CONTEXT_CHARS):a.start],
             "suffix": text[a.end:a.end + CONTEXT_CHARS]},
        ]},
    }


def source_iri(row: dict[str, str], source_id: str) -> str:
    return row.get("url") or f"urn:x-aapeace:source:{source_id}"


def collection(data: Dataset, source_id: str, text: str, items: list[Annotation], units: str) -> dict:
    row = next(r for r in data.rows("sources") if r["source_id"] == source_id)
    counter, source = Counter(text), source_iri(row, source_id)
    return {
        "@context": CONTEXT,
        "id": f"urn:x-aapeace:collection:{source_id}",
        "type": "AnnotationCollection",
        "label": f"{data.name} {data.version}: rows citing {source_id} (offsets in {units})",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0,
                  "items": [annotation(data, a, text, counter, units, source) for a in items]},
    }


def export(data: Dataset, out: Path, units: str) -> list[Path]:
    sources = [r["source_id"] for r in data.rows("sources")]
    names = [f"{s}.{ext}" for s in sources for ext in ("txt", "jsonld")]
    if out.exists():
        files.Writer(out, create=False).check(names)  # a refusal writes nothing
    texts, grouped = data.texts(), annotations(data)
    writer = files.Writer(out)
    written = []
    for source_id, items in grouped.items():
        written.append(writer.write(f"{source_id}.txt", texts[source_id]))
        document = collection(data, source_id, texts[source_id], items, units)
        written.append(writer.write(f"{source_id}.jsonld", json.dumps(document, ensure_ascii=False, indent=2) + "\n"))
    return written


def _items(document: object) -> list | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if document.get("type") == "Annotation":
            return [document]
        page = document.get("first", document) if document.get("type") == "AnnotationCollection" else document
        if isinstance(page, dict) and isinstance(page.get("items"), list):
            return page["items"]
    return None


def _selector(target: object, kind: str) -> dict | None:
    selectors = target.get("selector") if isinstance(target, dict) else None
    selectors = selectors if isinstance(selectors, list) else [selectors]
    return next((s for s in selectors if isinstance(s, dict) and s.get("type") == kind), None)


def _described(item: dict) -> dict | None:
    bodies = item.get("body")
    bodies = bodies if isinstance(bodies, list) else [bodies]
    for body in bodies:
        if isinstance(body, dict) and body.get("format") == JSON_BODY and isinstance(body.get("value"), str):
            try:
                value = json.loads(body["value"])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _one(item: object, number: int, source_id: str, text: str, counter: Counter, units: str, label: str,
         errors: list[ValidationError]) -> Annotation | None:
    where = f"annotation {number}"
    if not isinstance(item, dict):
        errors.append(ValidationError("annotation-unreadable", f"{where} is not a JSON object", file=label, row=number))
        return None
    described = _described(item)
    if described is None or not isinstance(described.get("table"), str) or not isinstance(described.get("values"), dict):
        errors.append(ValidationError("annotation-values-missing", f"{where} has no {JSON_BODY} body holding its "
                                      "row ({\"table\", \"key\", \"values\"}), as exported annotations have",
                                      file=label, row=number))
        return None
    spot = _selector(item.get("target"), "TextPositionSelector")
    exact = _selector(item.get("target"), "TextQuoteSelector")
    if spot is None or type(spot.get("start")) is not int or type(spot.get("end")) is not int:
        errors.append(ValidationError("annotation-unreadable", f"{where} has no TextPositionSelector with whole-number "
                                      "start and end", file=label, row=number))
        return None
    span = position(text, counter, spot["start"], spot["end"], units, label, number, errors)
    if span is None:
        return None
    start, end = span
    if exact is not None and exact.get("exact") != text[start:end]:
        errors.append(quote_mismatch(str(exact.get("exact")), text[start:end], units, label, number))
        return None
    return Annotation(described["table"], source_id, start, end, text[start:end], described["values"], label, number)


def read(data: Dataset, folder: Path, units: str) -> dict[str, list[Annotation]]:
    errors: list[ValidationError] = []
    texts = data.texts()
    out = {}
    names = sorted(p.name for p in folder.iterdir() if p.suffix == ".jsonld" and not p.name.startswith("."))
    if not names:
        raise ImportFailed([ValidationError("annotation-unreadable", f"{folder} holds no .jsonld file",
                                            file=str(folder))])
    for name in names:
        source_id = name[:-len(".jsonld")]
        text = document_text(data, texts, folder, source_id, name, errors)
        if text is None:
            continue
        document, problems = jsonfile.read(folder, name, "annotation-unreadable")
        errors.extend(problems)
        items = _items(document) if document is not None else None
        if items is None:
            if document is not None:
                errors.append(ValidationError("annotation-unreadable", "not an Annotation, an AnnotationPage or an "
                                              "AnnotationCollection with its first page embedded", file=name))
            continue
        counter = Counter(text)
        found = [_one(item, n, source_id, text, counter, units, name, errors) for n, item in enumerate(items, 1)]
        out[source_id] = [a for a in found if a is not None]
    if errors:
        raise ImportFailed(errors)
    return out
