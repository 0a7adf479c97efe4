"""Spans: how a row points at its text.

Offsets are Python ``str`` indices (Unicode code points) into the decoded UTF-8 text,
start inclusive, end exclusive, as the W3C TextPositionSelector defines them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    quote: str


class QuoteNotFound(LookupError):
    """The quote does not occur in the text, or occurs more than once and no occurrence was chosen."""


def read_text(path: str | Path) -> str:
    # newline="" keeps CR characters: offsets are counted in the file as it is.
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def occurrences(text: str, quote: str) -> list[int]:
    """Every offset at which ``quote`` starts in ``text`` (overlapping matches included)."""
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def find_quote(text: str, quote: str, occurrence: int | None = None,
               within: tuple[int, int] | None = None) -> Span:
    """Locate ``quote`` exactly in ``text``.

    ``within`` limits the search to a (start, end) window such as the article body;
    ``occurrence`` (1-based) picks one when the quote occurs more than once there.
    """
    if not quote:
        raise QuoteNotFound("the quote is empty")
    lo, hi = within if within else (0, len(text))
    starts = [s for s in occurrences(text, quote) if lo <= s and s + len(quote) <= hi]
    if not starts:
        hint = ""
        if "\u00a0" in text[lo:hi] and quote.replace("\u00a0", " ") != quote.replace(" ", "\u00a0"):
            hint = " (the text has non-breaking spaces, U+00A0: copy them exactly)"
        raise QuoteNotFound(f"quote not found{hint}: {quote!r}")
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteNotFound(
                f"quote occurs {len(starts)} times, at {starts}: choose one with an occurrence number")
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise QuoteNotFound(f"occurrence {occurrence} asked, but the quote occurs {len(starts)} times")
    start = starts[occurrence - 1]
    return Span(start, start + len(quote), quote)
