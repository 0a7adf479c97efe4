"""Offsets as other tools count them, converted exactly.

The package counts Unicode code points (Python ``str`` indices). Tools written in
JavaScript or Java (Hypothesis, INCEpTION, most browser annotators) count UTF-16 code
units, in which every character outside the Basic Multilingual Plane (U+10000 and above:
many emoji, historic scripts) takes two units: a span after such a character is shifted by
one per character if the two are confused. Standard library only.
"""
from __future__ import annotations

import bisect
import re

UNITS = ("codepoints", "utf16")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class OffsetError(ValueError):
    """An offset that names no position of the text in the units given (past its end, or
    between the two halves of a surrogate pair)."""


class Counter:
    """Converts offsets into one text between code points and UTF-16 code units."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # The code point index of every astral character: each adds one UTF-16 unit after it.
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        # ... and the UTF-16 index of each, to convert back.
        self._astral16 = [at + i for i, at in enumerate(self._astral)]
        self.length16 = self.length + len(self._astral)

    def to_utf16(self, offset: int) -> int:
        if not 0 <= offset <= self.length:
            raise OffsetError(f"offset {offset} is outside the text (0 to {self.length} code points)")
        return offset + bisect.bisect_left(self._astral, offset)

    def from_utf16(self, offset: int) -> int:
        if not 0 <= offset <= self.length16:
            raise OffsetError(f"offset {offset} is outside the text (0 to {self.length16} UTF-16 code units)")
        before = bisect.bisect_left(self._astral16, offset)
        # An astral character at UTF-16 index u occupies u and u + 1: u + 1 is inside it.
        if before and self._astral16[before - 1] + 1 == offset:
            raise OffsetError(f"UTF-16 offset {offset} falls between the two halves of a surrogate pair "
                              "(inside one character): the offsets were not counted in UTF-16 code units")
        return offset - before

    def out(self, offset: int, units: str) -> int:
        """A code point offset in ``units``."""
        return offset if units == "codepoints" else self.to_utf16(offset)

    def inward(self, offset: int, units: str) -> int:
        """An offset counted in ``units`` as a code point offset (OffsetError if there is none)."""
        if units == "codepoints":
            if not 0 <= offset <= self.length:
                raise OffsetError(f"offset {offset} is outside the text (0 to {self.length} code points)")
            return offset
        return self.from_utf16(offset)
