from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aapeace.spans import QuoteNotFound, find_quote, occurrences

TEXT = "by\u00a0Nurlan Mustafayev. Nurlan Mustafayev is a specialist 😀 in law."


def test_offsets_are_code_points_not_bytes():
    span = find_quote(TEXT, "in law")
    assert TEXT[span.start:span.end] == "in law"
    assert span.start != TEXT.encode("utf-8").index("in law".encode("utf-8"))  # NBSP and emoji differ in bytes


def test_a_repeated_quote_needs_an_occurrence():
    with pytest.raises(QuoteNotFound, match="occurs 2 times"):
        find_quote(TEXT, "Nurlan Mustafayev")
    assert find_quote(TEXT, "Nurlan Mustafayev", occurrence=2).start == TEXT.rindex("Nurlan Mustafayev")


def test_a_space_typed_for_a_non_breaking_space_is_explained():
    with pytest.raises(QuoteNotFound, match="non-breaking"):
        find_quote(TEXT, "by Nurlan")


def test_within_limits_the_search_to_the_body():
    with pytest.raises(QuoteNotFound):
        find_quote(TEXT, "by\u00a0Nurlan", within=(5, len(TEXT)))


@given(st.text(min_size=1), st.data())
def test_every_found_span_slices_back_to_its_quote(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    n = len(occurrences(text, quote))
    which = data.draw(st.integers(1, n))
    span = find_quote(text, quote, occurrence=which)
    assert text[span.start:span.end] == quote
