"""`aapeace reanchor`: spans follow a corrected text by exact match, then the diff; anything
else needs review with a candidate; quotes never change; nothing is written unless asked,
nor while a row needs review."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from aapeace import reanchor
from aapeace.cli import main
from aapeace.dataset import open_dataset
from packages import FIXTURE_TEXT, text_package

SOURCE = "900_0123456789abcdef"
TEXT = FIXTURE_TEXT.read_text(encoding="utf-8")


def _span(quote: str, nth: int = 1) -> dict[str, str]:
    at = -1
    for _ in range(nth):
        at = TEXT.index(quote, at + 1)
    return {"span_start": str(at), "span_end": str(at + len(quote))}


def _package(root: Path) -> Path:
    actors = [{"actor_id": "nikol-pashinyan", "name": "Nikol Pashinyan", "kind": "person", **_span("Nikol Pashinyan")},
              {"actor_id": "armenia", "name": "Armenia", "kind": "state", **_span("Armenia", 2)},
              {"actor_id": "border-commission", "name": "border commission", "kind": "government-body",
               **_span("the border commission would meet")}]
    return text_package(root, SOURCE, TEXT, (TEXT.index("On 14"), TEXT.index("Newsletter")), {"actors": actors})


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return _package(tmp_path / "pkg")


def _statuses(result: reanchor.Result) -> dict[str, tuple[str, str]]:
    return {p.key["actor_id"]: (p.status, p.method) for p in result.placed}


def test_exact_then_diff_then_review(package):
    # Armenia occurs three times in the new text: only the diff tells which one the row cites.
    new = TEXT.replace("Talks resume", "Talks resume, Armenia says,").replace("would meet", "will meet")
    result = reanchor.reanchor(open_dataset(package), SOURCE, new)
    assert _statuses(result) == {"nikol-pashinyan": ("moved", "unique exact match"), "armenia": ("moved", "diff"),
                                 "border-commission": ("needs-review", "no exact match; approximate match at "
                                                       f"{new.index('the border commission')}")}
    moved = {p.key["actor_id"]: p for p in result.placed}
    for name in ("nikol-pashinyan", "armenia"):
        start, end = moved[name].new
        assert new[start:end] == moved[name].quote
    assert moved["border-commission"].candidate.startswith("the border commission will meet")
    assert result.body == (new.index("On 14"), new.index("Newsletter"))


def test_an_unchanged_text_leaves_every_row_unchanged(package):
    result = reanchor.reanchor(open_dataset(package), SOURCE, TEXT)
    assert {s for s, _ in _statuses(result).values()} == {"unchanged"}


@settings(max_examples=examples(10, 200), deadline=None)
@given(st.data())
def test_edits_outside_the_quotes_never_lose_or_change_a_row(tmp_path_factory, data):
    root = tmp_path_factory.getbasetemp() / "reanchor-property" / "pkg"
    if not root.exists():  # built once: the examples only read it
        _package(root)
    rows = reanchor.reanchor(open_dataset(root), SOURCE, TEXT).placed
    cited = sorted(p.old for p in rows)
    # Insert or delete text only between the cited spans.
    cuts = [0] + [x for span in cited for x in span] + [len(TEXT)]
    pieces = [TEXT[a:b] for a, b in zip(cuts, cuts[1:])]
    for i in range(0, len(pieces), 2):
        gap = pieces[i]
        keep = data.draw(st.integers(0, len(gap)))
        pieces[i] = gap[:keep] + data.draw(st.text(st.sampled_from("ab 😀\n"), max_size=5)) + gap[keep:]
    new = "".join(pieces)
    body = (0, len(new))
    for p in reanchor.reanchor(open_dataset(root), SOURCE, new, body).placed:
        if p.status != "needs-review":
            assert new[p.new[0]:p.new[1]] == p.quote
        else:  # only a repeated quote whose place the diff could not tell
            assert "occurs" in p.method


def test_write_only_when_asked_and_when_nothing_needs_review(package, tmp_path, capsys):
    path = tmp_path / "new.txt"
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    path.write_text(TEXT.replace("would meet", "will meet"), encoding="utf-8")
    args = ["reanchor", SOURCE, str(path), "--package", str(package)]
    assert main(args) == 1 and "1 need review" in capsys.readouterr().out
    assert main([*args, "--write"]) == 1
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == before
    capsys.readouterr()
    assert main([*args, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"unchanged": 1, "moved": 1, "needs-review": 1}  # Armenia comes after the edit
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert main(["reanchor", SOURCE, str(crlf), "--package", str(package)]) == 1
    assert "[text-line-ending]" in capsys.readouterr().err
    new = "Corrected: " + TEXT
    path.write_text(new, encoding="utf-8")
    assert main([*args, "--write"]) == 0
    assert (package / f"data/sources/{SOURCE}.txt").read_text(encoding="utf-8") == new
    from aapeace.validators import iter_errors
    assert list(iter_errors(package)) == []
    quotes = [line.split(",")[-2] for line in (package / "data/actors.csv").read_text(encoding="utf-8").splitlines()]
    assert quotes[1:] == ["Nikol Pashinyan", "Armenia", "the border commission would meet"]
    # --keep-unresolved: the text and the rows that moved are written; the row needing review
    # stays as it was, for the validator to point at.
    path.write_text(new.replace("would meet", "will meet"), encoding="utf-8")
    assert main([*args, "--write", "--keep-unresolved"]) == 1
    assert {e.code for e in iter_errors(package)} == {"quote-mismatch"}
