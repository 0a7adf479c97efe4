from __future__ import annotations

import pytest

from aapeace.spreadsheet import is_formula_like, safe_cell, write_csv


@pytest.mark.parametrize("cell", ["=1+1", "+44 20", "-5", "@nmustafayev", "\tx", "\rx", "=HYPERLINK(\"x\")"])
def test_formula_like_cells_are_prefixed_with_a_quote(cell):
    assert is_formula_like(cell)
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Armenia", "'quoted", " =1", "a=b", "1-2", "«@»", "\n="])
def test_other_cells_are_left_exactly_as_they_are(cell):
    assert safe_cell(cell) == cell


def test_written_file_has_a_bom_crlf_and_defused_cells(tmp_path):
    path = tmp_path / "t.csv"
    write_csv(path, ["a", "b"], [["@x", "plain, with comma"], ["–dash", "=1"]])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 3
    assert raw.decode("utf-8-sig") == "a,b\r\n'@x,\"plain, with comma\"\r\n–dash,'=1\r\n"
