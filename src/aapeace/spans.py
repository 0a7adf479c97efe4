"""Spans: how a row points at its text.

Offsets are Python ``str`` indices (Unicode code points) into the decoded UTF-8 text,
start inclusive, end exclusive, as the W3C TextPositionSelector defines them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import files
from .errors import PackageError, ValidationError

if TYPE_CHECKING:
    from .dataset import Dataset


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    quote: str


class QuoteNotFound(LookupError):
    """The quote does not occur in the text, or occurs more than once and no occurrence was
    chosen (``repeated``: then ``what`` says where, and the caller names its own way to choose)."""

    def __init__(self, what: str, repeated: bool = False):
        super().__init__(f"{what}: choose one with occurrence=N (counted from 1)" if repeated else what)
        self.what, self.repeated = what, repeated


class UnknownSource(LookupError):
    """No row of the sources table has this source_id."""


def source_of(data: Dataset, source_id: str) -> tuple[str, tuple[int, int] | None]:
    """The text of one source (read through the one door and checked against the sha256 its
    row records) and its article body as (body_start, body_end), or None when the row gives
    no readable body. Raises UnknownSource, or PackageError for a text that cannot be read."""
    table = data.table("sources")
    for number, row in zip(data.row_numbers("sources"), data.rows("sources")):
        if row.get("source_id") != source_id:
            continue
        if "path" not in row or "sha256" not in row:
            raise PackageError(ValidationError("contract-loosened", "the sources table has no path and sha256 "
                                               "columns, which finding and checking the texts needs",
                                               file=table.schema_label))
        try:
            text = files.read_source_text(data.root, row["path"], row["sha256"])
        except PackageError as exc:
            raise PackageError(ValidationError(exc.error.code, f"source text of {source_id!r}: {exc.error.message}",
                                               file=table.path, row=number, field="path")) from None
        start, end = row.get("body_start", ""), row.get("body_end", "")
        body = (int(start), int(end)) if start.isascii() and start.isdigit() and end.isascii() and end.isdigit() \
            else None
        return text, body
    known = [row.get("source_id", "") for row in data.rows("sources")]
    more = f" and {len(known) - SHOWN_OFFSETS:,} more" if len(known) > SHOWN_OFFSETS else ""
    raise UnknownSource(f"unknown source_id {_shown(source_id)}; known: {', '.join(known[:SHOWN_OFFSETS])}{more}")


# How many offsets a message about a repeated quote lists; the search stops one past them.
SHOWN_OFFSETS = 10
# How many characters of the quote a message repeats.
SHOWN_QUOTE = 200


def occurrences(text: str, quote: str, limit: int | None = None,
                within: tuple[int, int] | None = None) -> list[int]:
    """The offsets at which ``quote`` starts in ``text`` (overlapping matches included), in
    order, lying wholly inside ``within`` (start, end) if given; at most ``limit`` of them:
    the search stops there, so a quote repeated millions of times costs only what is asked."""
    lo, hi = within if within else (0, len(text))
    found: list[int] = []
    if not quote:
        return found
    at = text.find(quote, lo, hi)
    while at != -1 and (limit is None or len(found) < limit):
        found.append(at)
        at = text.find(quote, at + 1, hi)
    return found


def _shown(quote: str) -> str:
    if len(quote) <= SHOWN_QUOTE:
        return repr(quote)
    return f"{quote[:SHOWN_QUOTE]!r}… ({len(quote):,} characters)"


def find_quote(text: str, quote: str, occurrence: int | None = None,
               within: tuple[int, int] | None = None) -> Span:
    """Locate ``quote`` exactly in ``text``.

    ``within`` limits the search to a (start, end) window such as the article body;
    ``occurrence`` (1-based) picks one when the quote occurs more than once there. The
    search stops as soon as the answer is known: at the chosen occurrence, or (with none
    chosen) one past the offsets a message about a repeated quote lists.
    """
    if not quote:
        raise QuoteNotFound("the quote is empty")
    if occurrence is not None and occurrence < 1:
        raise QuoteNotFound(f"occurrence {occurrence} asked: occurrences are counted from 1")
    lo, hi = within if within else (0, len(text))
    lo, hi = max(lo, 0), min(hi, len(text))
    wanted = SHOWN_OFFSETS + 1 if occurrence is None else occurrence
    starts = occurrences(text, quote, wanted, (lo, hi))
    if not starts:
        hint = ""
        if text.find("\u00a0", lo, hi) != -1 and quote.replace("\u00a0", " ") != quote.replace(" ", "\u00a0"):
            hint = " (the text has non-breaking spaces, U+00A0: copy them exactly)"
        raise QuoteNotFound(f"quote not found{hint}: {_shown(quote)}")
    if occurrence is None:
        if len(starts) > SHOWN_OFFSETS:
            raise QuoteNotFound(f"quote occurs more than {SHOWN_OFFSETS} times, first at {starts[:SHOWN_OFFSETS]}",
                                repeated=True)
        if len(starts) > 1:
            raise QuoteNotFound(f"quote occurs {len(starts)} times, at {starts}", repeated=True)
        occurrence = 1
    if occurrence > len(starts):  # the whole window was searched: the count is exact
        raise QuoteNotFound(f"occurrence {occurrence} asked, but the quote occurs {len(starts)} times")
    start = starts[occurrence - 1]
    return Span(start, start + len(quote), quote)
