"""`aapeace agree`: rows matched one to one by span overlap, precision/recall/F1 with A as
the reference, Cohen's kappa on each enum column of the matched rows."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from aapeace import agree
from aapeace.cli import main
from aapeace.dataset import open_dataset
from packages import FIXTURE_TEXT, text_package

SOURCE = "900_0123456789abcdef"
TEXT = FIXTURE_TEXT.read_text(encoding="utf-8")


def _actor(actor_id: str, kind: str, quote: str, nth: int = 1) -> dict[str, str]:
    at = -1
    for _ in range(nth):
        at = TEXT.index(quote, at + 1)
    return {"actor_id": actor_id, "name": quote, "kind": kind, "span_start": str(at), "span_end": str(at + len(quote))}


def _package(root: Path, actors: list[dict[str, str]]) -> Path:
    return text_package(root, SOURCE, TEXT, (TEXT.index("On 14"), TEXT.index("Newsletter")), {"actors": actors})


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = _package(tmp_path / "a", [_actor("nikol-pashinyan", "person", "Nikol Pashinyan"),
                                  _actor("ilham-aliyev", "person", "Ilham Aliyev"),
                                  _actor("armenia", "state", "Armenia")])
    # B marks "Pashinyan" only, calls Aliyev a state, misses Armenia and adds the EU.
    b = _package(tmp_path / "b", [_actor("pashinyan", "person", "Pashinyan"),
                                  _actor("aliyev", "state", "Ilham Aliyev"),
                                  _actor("eu", "international-organisation", "European Union")])
    return a, b


def test_precision_recall_f1_and_kappa_by_hand(pair):
    shared, results = agree.agree(open_dataset(pair[0]), open_dataset(pair[1]))
    [actors] = [r for r in results if r.table == "actors"]
    assert shared == [SOURCE] and (actors.a_rows, actors.b_rows, actors.matched) == (3, 3, 2)
    assert actors.precision == actors.recall == actors.f1 == pytest.approx(2 / 3)
    # kind: (person, person) and (person, state): observed 1/2, chance 2*1/4 = 1/2, kappa 0.
    assert actors.kappa["kind"] == {"pairs": 2, "observed": 0.5, "kappa": 0.0}
    assert all(r.matched == 0 and r.f1 is None for r in results if r.table != "actors")


def test_kappa_and_matching_on_known_values():
    assert agree.kappa([("x", "x"), ("x", "y"), ("y", "y"), ("y", "y")]) == pytest.approx(0.5)
    assert agree.kappa([("x", "x"), ("x", "x")]) is None  # chance agreement 1: undefined
    assert agree.kappa([]) is None
    assert agree.match([(0, 10), (20, 30)], [(5, 25), (0, 9)]) == [(0, 1), (1, 0)]
    assert agree.match([(0, 10)], [(9, 20)], min_overlap=0.1) == []


@settings(max_examples=examples(50, 2_000), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1])), max_size=12),
       st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1])), max_size=12))
def test_matching_is_one_to_one_over_overlapping_spans_and_finds_every_candidate(left, right):
    pairs = agree.match(left, right)
    assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)
    assert all(agree._overlap(left[i], right[j]) > 0 for i, j in pairs)
    brute = {(i, j) for i, a in enumerate(left) for j, b in enumerate(right) if agree._overlap(a, b) > 0}
    assert set(agree._overlapping(left, right)) >= brute
    assert agree.match(left, left) == [(i, i) for i in range(len(left))] or len(set(left)) < len(left)


def test_the_cli_prints_a_table_and_json(pair, capsys):
    assert main(["agree", str(pair[0]), str(pair[1])]) == 0
    out = capsys.readouterr().out
    assert "actors" in out and "0.667" in out and "actors.kind" in out
    assert main(["agree", str(pair[0]), str(pair[1]), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    [actors] = [t for t in report["tables"] if t["table"] == "actors"]
    assert actors["matched"] == 2 and actors["kappa"]["kind"]["kappa"] == 0.0


def test_packages_without_a_shared_text_are_not_compared(pair, small_template, capsys):
    assert main(["agree", str(pair[0]), str(small_template)]) == 2
    assert "share no source text" in capsys.readouterr().err
    assert main(["agree", str(pair[0]), str(pair[1]), "--source", "000_70f3f05990dbd550"]) == 2
    assert main(["agree", str(pair[0]), str(pair[1]), "--source", SOURCE]) == 0
