"""`aapeace add-source`: a text is checked (each refusal with its code and a fix, nothing
written), given the next id, copied byte for byte with its sources row and resource, and the
package stays valid; a text already there is refused; the body is never taken unconfirmed."""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest

from aapeace import addsource
from aapeace.cli import main
from packages import FIXTURE_TEXT

ARGS = ["--title", "Talks resume (test fixture)", "--publisher", "Test fixture", "--published", "2024-03"]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_text_is_added_with_its_row_and_the_package_stays_valid(small_copy, capsys):
    before = _snapshot(small_copy)
    assert main(["add-source", str(FIXTURE_TEXT), *ARGS, "--package", str(small_copy)]) == 1
    out = capsys.readouterr().out
    assert "proposed body" in out and "nothing was written" in out
    assert _snapshot(small_copy) == before
    assert main(["add-source", str(FIXTURE_TEXT), *ARGS, "--accept-body", "--package", str(small_copy)]) == 0
    assert "outside the Basic Multilingual Plane" in capsys.readouterr().out
    data = FIXTURE_TEXT.read_bytes()
    source_id = f"005_{hashlib.sha256(data).hexdigest()[:16]}"  # one past 004, the highest number
    assert (small_copy / f"data/sources/{source_id}.txt").read_bytes() == data
    row = (small_copy / "data/sources.csv").read_text(encoding="utf-8").splitlines()[-1]
    text = data.decode("utf-8")
    assert row.startswith(f"{source_id},Talks resume (test fixture),,,Test fixture,2024-03,month,stated,")
    assert f",{len(text)},{text.index('On 14')},{text.index('Newsletter') - 2}," in row
    from aapeace.validators import iter_errors
    assert list(iter_errors(small_copy)) == []
    again = _snapshot(small_copy)
    assert main(["add-source", str(FIXTURE_TEXT), *ARGS, "--accept-body", "--package", str(small_copy)]) == 1
    assert "[text-duplicate]" in capsys.readouterr().err and _snapshot(small_copy) == again


def _fixture() -> str:
    return FIXTURE_TEXT.read_text(encoding="utf-8").replace("Armenia", "Armenia Rémi", 1)


# Test fixtures for the refusals, made from the fixture text: each is one defect.
REFUSED = {
    "crlf": (lambda: _fixture().replace("\n", "\r\n").encode("utf-8"), "text-line-ending"),
    "nfd": (lambda: unicodedata.normalize("NFD", _fixture()).encode("utf-8"), "text-not-nfc"),
    "bom": (lambda: b"\xef\xbb\xbf" + _fixture().encode("utf-8"), "text-byte-order-mark"),
    "latin-1": (lambda: "Rémi".encode("latin-1"), "text-not-utf8"),
    "empty": (lambda: b" \n", "text-empty"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_text_that_offsets_cannot_count_is_refused_with_a_fix(small_copy, tmp_path, capsys, name):
    make, code = REFUSED[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(make())
    before = _snapshot(small_copy)
    assert main(["add-source", str(path), *ARGS, "--accept-body", "--package", str(small_copy)]) == 1
    err = capsys.readouterr().err
    assert f"[{code}]" in err and "fix" in err or code == "text-empty"
    assert _snapshot(small_copy) == before


def test_given_bounds_are_checked_and_the_id_counts_on():
    assert addsource.new_id(["000_aa", "004_bb", "x"], "f" * 64) == "005_ffffffffffffffff"
    assert addsource.new_id([], "0" * 64) == "000_0000000000000000"
    text = "Headline\n\n" + "word " * 25 + "\n\nSign up\n"
    assert addsource.propose_body(text) == (10, 10 + 125)
    assert addsource.propose_body("short") == (0, 5)


def test_given_body_bounds_outside_the_text_are_refused(small_copy, capsys):
    before = _snapshot(small_copy)
    for bounds in (["--body-start", "10", "--body-end", "100000"], ["--body-start", "50", "--body-end", "40"]):
        assert main(["add-source", str(FIXTURE_TEXT), *ARGS, *bounds, "--package", str(small_copy)]) == 1
        assert "[body-out-of-bounds]" in capsys.readouterr().err
    assert main(["add-source", str(FIXTURE_TEXT), *ARGS, "--body-start", "10", "--package", str(small_copy)]) == 2
    assert _snapshot(small_copy) == before
