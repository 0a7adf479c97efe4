"""W3C Web Annotation: every row an Annotation with a TextPositionSelector (code points, or
UTF-16 units on request) and a TextQuoteSelector; export then import gives back the same
rows, byte for byte; shifted or unreadable annotations are refused."""
from __future__ import annotations

import json
from pathlib import Path


from aapeace import webannotation
from aapeace.dataset import open_dataset
from interchange_cases import import_errors, round_trip
from packages import fixture_package

SOURCE = "900_0123456789abcdef"



def _items(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["type"] == "AnnotationCollection" and document["total"] == len(document["first"]["items"])
    return document["first"]["items"]


def test_each_row_is_an_annotation_with_both_selectors_and_its_key(tmp_path):
    root = fixture_package(tmp_path / "pkg")
    for units in ("codepoints", "utf16"):
        round_trip(webannotation, root, tmp_path / units, units)
    text = (root / f"data/sources/{SOURCE}.txt").read_text(encoding="utf-8")
    at = text.index("Nikol Pashinyan")
    [first, _] = _items(tmp_path / "codepoints" / f"{SOURCE}.jsonld")
    position, quote = first["target"]["selector"]
    assert position == {"type": "TextPositionSelector", "start": at, "end": at + 15}
    assert quote["exact"] == "Nikol Pashinyan" and text[:at].endswith(quote["prefix"]) and len(quote["prefix"]) == 32
    assert text[at + 15:].startswith(quote["suffix"])
    assert first["id"] == "urn:x-aapeace:row:actors:%5B%22nikol-pashinyan%22%5D"
    described = json.loads(first["body"][1]["value"])
    assert described["table"] == "actors" and described["key"] == {"actor_id": "nikol-pashinyan"}
    [shifted, _] = _items(tmp_path / "utf16" / f"{SOURCE}.jsonld")
    assert shifted["target"]["selector"][0]["start"] == at + 2  # two astral characters before it


def test_shifted_or_unreadable_annotations_are_refused(tmp_path):
    root = fixture_package(tmp_path / "pkg")
    webannotation.export(open_dataset(root), tmp_path / "out", "utf16")
    assert {c for c, _ in import_errors(webannotation, root, tmp_path / "out")} == {"annotation-quote-mismatch"}
    path = tmp_path / "out" / f"{SOURCE}.jsonld"
    document = json.loads(path.read_text(encoding="utf-8"))
    items = document["first"]["items"]
    items[0]["body"] = items[0]["body"][:1]
    items[1]["target"]["selector"][0]["start"] = "3"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert import_errors(webannotation, root, tmp_path / "out", "utf16") == [
        ("annotation-values-missing", 1), ("annotation-unreadable", 2)]
    path.write_text('{"type": "AnnotationPage"}', encoding="utf-8")
    assert import_errors(webannotation, root, tmp_path / "out") == [("annotation-unreadable", None)]
