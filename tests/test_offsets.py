"""UTF-16 code units and code points, converted exactly (astral characters take two units)."""
from __future__ import annotations

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from aapeace.offsets import Counter, OffsetError

TEXT = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from(["😀", "𝄞", "\U0010ffff", "a"])), max_size=40)


@settings(max_examples=examples(200, 2_000), deadline=None)
@given(TEXT)
def test_utf16_offsets_are_what_javascript_counts_and_convert_back(text):
    counter = Counter(text)
    for i in range(len(text) + 1):
        units = counter.to_utf16(i)
        assert units == len(text[:i].encode("utf-16-le")) // 2
        assert counter.from_utf16(units) == i
        assert counter.inward(counter.out(i, "utf16"), "utf16") == i


def test_an_offset_inside_a_surrogate_pair_or_past_the_end_is_refused():
    counter = Counter("a😀b")
    assert [counter.to_utf16(i) for i in range(4)] == [0, 1, 3, 4]
    with pytest.raises(OffsetError, match="surrogate pair"):
        counter.from_utf16(2)
    for bad in (-1, 5):
        with pytest.raises(OffsetError, match="outside"):
            counter.from_utf16(bad)
    with pytest.raises(OffsetError, match="outside"):
        counter.inward(4, "codepoints")
