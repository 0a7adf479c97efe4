"""The byte-level confirmers (validators/buffers.py, the span corpus, the cycle check) against
the per-value reference each one stands in front of: a "no" must be certain, and on
unsliced columns the answer must be exact. Drawn values include controls, C1 characters,
quotes, backslashes, non-ASCII and astral characters; columns are drawn whole, sliced and
chunked, because a sliced Arrow array keeps the bytes of rows outside it."""
from __future__ import annotations

import re

import pyarrow as pa
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from aapeace.model import ForeignKey
from aapeace.validators import keys
from aapeace.validators.buffers import any_first_byte, byte_counts, may_hold_control, may_need_escape, only_digits
from aapeace.validators.reading import CsvTable
from aapeace.validators.spans import _Corpus
from aapeace.validators.tables import CONTROL, DANGEROUS_BYTES
from aapeace.validators.types import integer_ok

# Characters that matter to one confirmer or another, mixed with everything else.
SPECIAL = st.sampled_from(["\x00", "\x07", "\t", "\n", "\r", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\xa0",
                           "\xc2", "=", "+", "-", "@", '"', "\\", "é", "Ա", "\U0001f600", "a", ","])
TEXT = st.text(st.one_of(SPECIAL, st.characters(exclude_categories=("Cs",))), max_size=12)


@st.composite
def columns(draw) -> tuple[pa.Array | pa.ChunkedArray, list[str]]:
    """A string column and the values it holds (whole, a slice of a larger array, or chunked)."""
    values = draw(st.lists(TEXT, max_size=12))
    shape = draw(st.sampled_from(["whole", "sliced", "chunked"]))
    if shape == "whole":
        return pa.array(values, pa.string()), values
    if shape == "sliced":
        before, after = draw(st.lists(TEXT, max_size=3)), draw(st.lists(TEXT, max_size=3))
        return pa.array(before + values + after, pa.string()).slice(len(before), len(values)), values
    cut = draw(st.integers(0, len(values)))
    return pa.chunked_array([pa.array(values[:cut], pa.string()), pa.array(values[cut:], pa.string())],
                            pa.string()), values


def _whole(column) -> bool:
    return isinstance(column, pa.Array) and column.offset == 0


@settings(max_examples=examples(100, 3_000))
@given(columns())
def test_control_characters_are_never_missed(drawn) -> None:
    column, values = drawn
    truth = any(re.search(CONTROL, v) for v in values)
    answer = may_hold_control(column)
    assert answer or not truth
    if _whole(column):
        assert answer == truth


@settings(max_examples=examples(100, 3_000))
@given(columns())
def test_formula_prefixes_are_never_missed(drawn) -> None:
    column, values = drawn
    truth = any(v[:1].encode() and v[:1].encode()[0] in DANGEROUS_BYTES for v in values)
    assert any_first_byte(column, DANGEROUS_BYTES) == truth  # only row starts are read: exact even when sliced


@settings(max_examples=examples(100, 3_000))
@given(columns())
def test_json_escapes_are_never_missed(drawn) -> None:
    column, values = drawn
    truth = any(re.search(r'[\x00-\x1f"\\]', v) for v in values)
    answer = may_need_escape(column)
    assert answer or not truth
    if _whole(column):
        assert answer == truth


@st.composite
def spans(draw) -> tuple[dict, list]:
    texts = {}
    for i in range(draw(st.integers(1, 3))):
        text = draw(st.text(st.one_of(SPECIAL, st.characters(exclude_categories=("Cs",))), min_size=0, max_size=30))
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        texts[f"s{i}"] = (text, start, end)
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        source = draw(st.sampled_from([*texts, "unknown"]))
        text = texts.get(source, ("",))[0]
        a = draw(st.one_of(st.none(), st.integers(-2, len(text) + 2)))
        b = draw(st.one_of(st.none(), st.integers(-2, len(text) + 2)))
        exact = text[a:b] if a is not None and b is not None and 0 <= a <= b else ""
        quote = draw(st.one_of(st.just(exact), TEXT, st.just(exact + "x"), st.just(exact[:-1]),
                               st.just(exact.upper())))
        rows.append((source, a, b, quote))
    return texts, rows


@settings(max_examples=examples(100, 3_000))
@given(spans())
def test_a_confirmed_span_is_exactly_its_quote_in_the_body(drawn) -> None:
    texts, rows = drawn
    arrays = [pa.array([r[k] for r in rows], t) for k, t in enumerate((pa.string(), pa.int64(), pa.int64(),
                                                                        pa.string()))]
    confirmed = _Corpus(texts).confirmed(*arrays).tolist()
    for (source, a, b, quote), ok in zip(rows, confirmed):
        known = texts.get(source)
        truth = known is not None and a is not None and b is not None and \
            known[1] <= a < b <= known[2] and quote == known[0][a:b]
        assert ok == truth, (source, a, b, quote)


@st.composite
def parent_tables(draw) -> CsvTable:
    n = draw(st.integers(0, 12))
    # Often distinct, non-empty ids (long chains, real cycles), else repeated or empty ones.
    distinct = draw(st.booleans())
    names = st.sampled_from([f"r{i}" for i in range(n + 2)] + ([] if distinct else [""]))
    ids = draw(st.lists(names, min_size=n, max_size=n, unique=distinct))
    parents = draw(st.lists(st.sampled_from([*ids, "", "dangling"]) if ids else st.just(""), min_size=n,
                            max_size=n))
    return CsvTable(["id", "parent"], {"id": pa.array(ids, pa.string()), "parent": pa.array(parents, pa.string())})


def _walk(fk: ForeignKey, data: CsvTable) -> set[str]:
    """The reference walk, step by step (keys._cycles without its numpy shortcut)."""
    child_ids = data.columns["id"].to_pylist()
    parent_of = dict(zip(child_ids, data.columns["parent"].to_pylist()))
    cycle: set[str] = set()
    for start in child_ids:
        seen, node = [], start
        while node and node in parent_of and node not in seen:
            seen.append(node)
            node = parent_of[node]
        if node and node in seen:
            cycle.update(seen[seen.index(node):])
    return cycle


@settings(max_examples=examples(100, 3_000))
@given(parent_tables())
def test_the_cycle_shortcut_only_clears_tables_without_cycles(data: CsvTable) -> None:
    fk = ForeignKey(fields=("parent",), resource="t", reference_fields=("id",), self_reference=True)
    truth = _walk(fk, data)
    cleared = keys._all_reach_a_root(fk, data)
    if cleared:
        assert not truth
    ids = data.columns["id"].to_pylist()
    if len(set(ids)) == len(ids) and "" not in ids:
        assert cleared == (not truth)  # exact where the walk and the shortcut read the same graph
    assert keys._cycles(fk, data) == truth


def test_a_record_longer_than_a_parse_block_is_read_by_the_fast_reader() -> None:
    from aapeace.validators.reading import BLOCK_SIZES, read_csv

    long = "é" * (BLOCK_SIZES[0] // 2 + 10)  # more bytes than the first block holds
    data = f'a,b\n"{long}\n",y\n1,2\n'.encode()
    table, errors = read_csv(data, "t.csv")
    assert table.row_numbers is None  # pyarrow read it, in a larger block; no per-row fallback
    assert table.columns["a"].to_pylist() == [long + "\n", "1"]
    assert [e.code for e in errors] == ["cell-too-long"]


@settings(max_examples=examples(100, 3_000))
@given(columns(), st.integers(1, 9))
def test_byte_counts_are_the_bytes_of_the_cells(drawn, piece) -> None:
    from aapeace.validators import buffers

    column, values = drawn
    expected = [0] * 256
    for value in values:
        for byte in value.encode("utf-8"):
            expected[byte] += 1
    kept, buffers.COUNT_SLICE = buffers.COUNT_SLICE, piece  # counted a few bytes at a time
    try:
        assert byte_counts(column).tolist() == expected  # exact even when sliced: only the rows' bytes
    finally:
        buffers.COUNT_SLICE = kept


DIGITS = st.text(st.sampled_from("0123456789"), max_size=21)
INTEGERS = st.one_of(DIGITS, st.builds(lambda sign, d: sign + d, st.sampled_from(["+", "-"]), DIGITS),
                     st.sampled_from(["9223372036854775807", "9223372036854775808", "0009223372036854775807",
                                      "-9223372036854775808", "1 ", "١٢"]))


@settings(max_examples=examples(100, 3_000))
@given(st.lists(INTEGERS, max_size=8), st.integers(0, 20))
def test_integer_cells_are_told_as_the_lexical_rule_says(values, longest) -> None:
    column = pa.array(values, pa.string())
    def lexical(v: str) -> bool:  # [+-]?[0-9]+ within int64, as the package's integers are written
        return re.fullmatch(r"[+-]?[0-9]+", v, re.ASCII) is not None and abs(int(v)) <= 2**63 - 1
    assert integer_ok(column).to_pylist() == [lexical(v) for v in values]
    digits = all(v.isascii() and v.isdigit() or v == "" for v in values)
    assert only_digits(column, longest) == (digits and all(len(v) <= longest for v in values))
