"""`aapeace suggest`: known names as exact whole words inside the body, stated dates with
their ISO form and precision; written to a file of its own, never into the data."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from aapeace import suggest
from aapeace.cli import main
from aapeace.dataset import open_dataset
from packages import FIXTURE_TEXT, text_package

SOURCE = "900_0123456789abcdef"


def _package(root: Path) -> Path:
    text = FIXTURE_TEXT.read_text(encoding="utf-8")

    def actor(actor_id: str, name: str, aliases: str = "") -> dict[str, str]:
        at = text.index("Nikol Pashinyan")
        return {"actor_id": actor_id, "name": name, "kind": "person", "aliases": aliases,
                "span_start": str(at), "span_end": str(at + 15)}
    actors = [actor("nikol-pashinyan", "Nikol Pashinyan", "Nikol Pashinyan|Pashinyan"),
              actor("arm", "Arm"),  # inside "Armenia": never a whole word there
              actor("newsletter", "Newsletter")]  # only outside the body
    return text_package(root, SOURCE, text, (text.index("On 14"), text.index("Newsletter")), {"actors": actors})


def test_names_are_whole_words_inside_the_body_and_dates_are_iso(tmp_path):
    rows = suggest.suggestions(open_dataset(_package(tmp_path / "pkg")), SOURCE)
    got = [(r["kind"], r["form"] or r["date"], r["precision"], r["quote"]) for r in rows]
    assert got == [("date", "2024-03-14", "day", "14 March 2024"),
                   ("name", "Nikol Pashinyan", "", "Nikol Pashinyan"),
                   ("date", "2024-04", "month", "April 2024")]
    text = FIXTURE_TEXT.read_text(encoding="utf-8")
    assert all(text[int(r["span_start"]):int(r["span_end"])] == r["quote"] for r in rows)
    assert json.loads(rows[1]["key"]) == {"actor_id": "nikol-pashinyan"}


def test_dates_in_every_stated_form_and_no_impossible_one():
    import re
    found = {}
    for pattern, precision, parts in suggest.DATES:
        for text in ("on March 14, 2024", "on 2024-03-14", "in May 1992", "31 February 2024"):
            for m in re.finditer(pattern, text):
                found.setdefault(text, []).append((precision, suggest._iso(*parts(m.groups()))))
    assert ("day", "2024-03-14") in found["on March 14, 2024"] and ("day", "2024-03-14") in found["on 2024-03-14"]
    assert ("month", "1992-05") in found["in May 1992"]
    assert ("day", None) in found["31 February 2024"]  # dropped by suggestions()


def test_suggestions_go_to_their_own_file_never_into_the_data(tmp_path, capsys):
    root = _package(tmp_path / "pkg")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    out = tmp_path / "review" / "suggestions.csv"
    assert main(["suggest", SOURCE, str(out), "--package", str(root)]) == 0
    assert [r["kind"] for r in csv.DictReader(out.open(encoding="utf-8", newline=""))] == ["date", "name", "date"]
    assert main(["suggest", SOURCE, str(out), "--package", str(root)]) == 2  # never overwritten
    assert main(["suggest", SOURCE, str(tmp_path / "s.txt"), "--package", str(root)]) == 2
    assert main(["suggest", "nope", str(tmp_path / "s.json"), "--package", str(root)]) == 2
    assert main(["suggest", SOURCE, str(root / "data" / "s.json"), "--package", str(root)]) == 2
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
