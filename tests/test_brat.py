"""brat standoff: export then import gives back the same rows, byte for byte (astral
characters, CR, CR LF and NBSP in the texts included), in code points and in UTF-16 units;
every broken document is refused with its code and line, and nothing is written."""
from __future__ import annotations

from pathlib import Path

import pytest

from aapeace import brat
from aapeace.cli import main
from aapeace.dataset import open_dataset
from interchange_cases import import_errors, round_trip
from packages import fixture_package, text_package




@pytest.fixture
def fixture(tmp_path: Path) -> Path:
    return fixture_package(tmp_path / "pkg")


def test_astral_characters_shift_utf16_offsets_exactly(fixture, tmp_path):
    for units in ("codepoints", "utf16"):
        round_trip(brat, fixture, tmp_path / units, units)
    text = (fixture / "data/sources/900_0123456789abcdef.txt").read_text(encoding="utf-8")
    at = text.index("Nikol Pashinyan")
    points = (tmp_path / "codepoints" / "900_0123456789abcdef.ann").read_text(encoding="utf-8")
    units = (tmp_path / "utf16" / "900_0123456789abcdef.ann").read_text(encoding="utf-8")
    assert f"actors {at} {at + 15}\tNikol Pashinyan" in points
    assert f"actors {at + 2} {at + 17}\tNikol Pashinyan" in units  # two astral characters before it


def test_a_quote_that_starts_and_ends_with_a_line_break_comes_back_whole(tmp_path):
    # Found by the round-trip property in the fuzz profile: brat's fragments skip line breaks.
    text = "Test fixture headline\n\nOne line.\nTwo 😀 lines.\n"
    at = text.index("\nTwo")
    actor = {"actor_id": "lines", "name": "Lines", "kind": "person", "span_start": str(at),
             "span_end": str(len(text))}
    root = text_package(tmp_path / "pkg", "900_0123456789abcdef", text, (0, len(text)), {"actors": [actor]})
    for units in ("codepoints", "utf16"):
        round_trip(brat, root, tmp_path / units, units)


def test_utf16_offsets_read_as_code_points_are_refused(fixture, tmp_path):
    brat.export(open_dataset(fixture), tmp_path / "out", "utf16")
    assert {code for code, _ in import_errors(brat, fixture, tmp_path / "out", "codepoints")} == \
        {"annotation-quote-mismatch"}


def _exported(fixture: Path, tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    brat.export(open_dataset(fixture), out, "codepoints")
    return out, out / "900_0123456789abcdef.ann"


BROKEN = [
    ("no tab", lambda ann: ann + "T9 actors 1 2 x\n", "annotation-unreadable"),
    ("bad offsets", lambda ann: ann + "T9\tactors one two\tx\n", "annotation-unreadable"),
    ("huge offset", lambda ann: ann + f"T9\tactors 1 {'9' * 5000}\tx\n", "annotation-unreadable"),
    ("relation", lambda ann: ann + "R1\tpart_of Arg1:T1 Arg2:T2\n", "annotation-unsupported"),
    ("no values", lambda ann: ann.split("#1\t")[0] + "#2" + ann.split("#2", 1)[1], "annotation-values-missing"),
    ("unknown table", lambda ann: ann.replace("T1\tactors", "T1\tsources", 1), "annotation-unknown-table"),
    ("past the end", lambda ann: ann + "T9\tactors 10 100000\tx\n#9\tAnnotatorNotes T9\t{}\n",
     "annotation-offsets-invalid"),
    ("duplicate key", lambda ann: ann + ann.replace("T1", "T7").replace("#1", "#7").split("T2")[0],
     "annotation-key-duplicate"),
    ("unknown column", lambda ann: ann.replace('{"actor_id"', '{"colour": "", "actor_id"', 1), "annotation-unreadable"),
    ("second note", lambda ann: ann + "#9\tAnnotatorNotes T1\ta remark\n", "annotation-unreadable"),
]


@pytest.mark.parametrize("name,edit,code", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_document_is_refused_with_its_code(fixture, tmp_path, name, edit, code):
    out, ann = _exported(fixture, tmp_path)
    ann.write_text(edit(ann.read_text(encoding="utf-8")), encoding="utf-8")
    assert code in {c for c, _ in import_errors(brat, fixture, out)}


def test_a_row_of_another_source_is_not_made_twice(tmp_path):
    from aapeace import interchange

    root = fixture_package(tmp_path / "pkg")
    data = open_dataset(root)
    other = interchange.Annotation("actors", "004_other", 0, 1, "x", {"actor_id": "nikol-pashinyan", "name": "N",
                                                                       "kind": "person"}, "004_other.ann", 1)
    with pytest.raises(interchange.ImportFailed) as refused:
        interchange.merge(data, {"004_other": [other]})
    assert [(e.code, e.row) for e in refused.value.errors] == [("annotation-key-duplicate", 1)]


def test_a_changed_text_or_an_unknown_source_is_refused(fixture, tmp_path):
    out, ann = _exported(fixture, tmp_path)
    (out / "900_0123456789abcdef.txt").write_text("changed", encoding="utf-8")
    (out / "901_ffffffffffffffff.ann").write_text("", encoding="utf-8")
    assert {c for c, _ in import_errors(brat, fixture, out)} == {"annotation-text-differs", "annotation-unknown-source"}


def test_a_span_across_a_line_break_is_written_in_fragments_and_read_back_whole():
    text = "one\ntwo three"
    assert brat.fragments(text, 0, 9) == [(0, 3), (4, 9)]
    assert brat.shown(text, [(0, 3), (4, 9)]) == "one two t"
    # A span that starts or ends with a line break keeps it (its first and last fragments do).
    assert brat.fragments("a\n\nb\nc", 1, 5) == [(1, 5)]
    assert brat.fragments("ab\ncd\n", 0, 6) == [(0, 2), (3, 6)]
    assert brat.fragments("\n\n", 0, 2) == [(0, 2)]


def test_import_writes_edits_through_the_cli_and_refuses_without_writing(fixture, tmp_path, capsys):
    out, ann = _exported(fixture, tmp_path)
    before = (fixture / "data/actors.csv").read_bytes()
    text = ann.read_text(encoding="utf-8")
    # An annotator moves Pashinyan's span to cover "Nikol" only and deletes Aliyev's row.
    start = int(text.split("actors ", 1)[1].split()[0])
    edited = text.replace(f"actors {start} {start + 15}\tNikol Pashinyan", f"actors {start} {start + 5}\tNikol")
    edited = "".join(line for line in edited.splitlines(keepends=True) if "T2" not in line)
    ann.write_text(edited, encoding="utf-8")
    assert main(["import", "brat", str(out), "--into", str(fixture), "--dry-run"]) == 0
    assert (fixture / "data/actors.csv").read_bytes() == before
    assert "actors: 0 added, 1 changed, 1 removed" in capsys.readouterr().out
    assert main(["import", "brat", str(out), "--into", str(fixture)]) == 0
    rows = (fixture / "data/actors.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and ",Nikol," in rows[1]
    from aapeace.validators import iter_errors
    assert list(iter_errors(fixture)) == []
    ann.write_text(edited + "R1\tx Arg1:T1 Arg2:T1\n", encoding="utf-8")
    after = (fixture / "data/actors.csv").read_bytes()
    assert main(["import", "brat", str(out), "--into", str(fixture)]) == 1
    assert (fixture / "data/actors.csv").read_bytes() == after
    assert "annotation-unsupported" in capsys.readouterr().err
