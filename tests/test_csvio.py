"""The one CSV dialect: the vectorised verdict equals the grammar, and each way to break it
is found at its row."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aapeace import csvio
from aapeace.errors import PackageError

# The dialect's grammar, written out: the reference the fast verdict must agree with.
GRAMMAR = re.compile(rb"(?:" + csvio._CELL + rb"(?:," + csvio._CELL + rb")*+\n)*+")
BYTES = st.lists(st.sampled_from([b"a", b",", b'"', b"\n", b"\r", b"\xc3\xa9"]), max_size=40).map(b"".join)


@given(BYTES)
def test_the_fast_verdict_is_the_grammar(data: bytes):
    assert csvio.well_formed(data) == (GRAMMAR.fullmatch(data) is not None)


@given(BYTES)
def test_a_file_is_well_formed_exactly_when_no_structure_error_is_found(data: bytes):
    assert csvio.well_formed(data) == (not list(csvio.structure_errors(data, "t.csv")))


# A row of empty cells is a blank row, which the dialect refuses: the writer is never given one.
@given(st.lists(st.lists(st.text(max_size=8), min_size=2, max_size=2).filter(any), max_size=5))
def test_what_we_write_is_well_formed_and_reads_back(rows):
    text = csvio.dumps(["a", "b"], rows)
    data = text.encode("utf-8")
    assert csvio.well_formed(data)
    header, records = csvio.parse(data, "t.csv")
    assert header == ["a", "b"]
    assert [cells for _, cells in records] == rows


CASES = [  # (bytes, code, row): each break of the dialect, found at its row (header = 1)
    (b"a,b\r\n1,2\r\n", "line-ending-crlf", 1),
    (b"a,b\n1,2\r3,4\n", "line-ending-crlf", 2),
    (b'a,b\n"Azer"baijani,2\n', "quote-malformed", 2),
    (b'a,b\nAzer"baijani,2\n', "quote-malformed", 2),
    (b'a,b\n"x\ny",2\n"open,3\n', "quote-malformed", 3),
    (b"a,b\n1,2", "final-newline-missing", 2),
    (b'\xef\xbb\xbfa,b\n1,2\n', "byte-order-mark", 1),
]


@pytest.mark.parametrize("data,code,row", CASES)
def test_each_break_is_found_at_its_row(data: bytes, code: str, row: int):
    found = [(e.code, e.row) for e in csvio.structure_errors(data, "t.csv")]
    assert (code, row) in found
    with pytest.raises(PackageError) as raised:
        csvio.parse(data, "t.csv")
    assert raised.value.code == code


def test_a_stray_quote_does_not_hide_a_later_crlf():
    data = b'a,b\nAz"er,2\n3,4\r\n5,6\n'
    found = {(e.code, e.row) for e in csvio.structure_errors(data, "t.csv")}
    assert found == {("quote-malformed", 2), ("line-ending-crlf", 3)}


def test_a_quoted_cell_that_never_closes_is_one_pass_not_a_hang():
    data = b'a\n"' + b"x" * 5_000_000 + b"\n"
    assert [e.code for e in csvio.structure_errors(data, "t.csv")] == ["quote-malformed"]


def test_the_row_of_a_byte_counts_records_not_lines():
    data = b'a\n"x\ny"\nz\xff\n'
    assert csvio.row_at(data, data.index(b"\xff")) == 3
