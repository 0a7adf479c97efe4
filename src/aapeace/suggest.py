"""``aapeace suggest SOURCE_ID OUT``: pre-annotation for a contributor to review, written to
a file of its own and never into the data.

Two kinds of candidate, each with its exact span inside the text's article body:

- ``name``: a name of a known row found as a whole word (the character before and after is
  no letter, digit or underscore), exact and case-sensitive: the ``name`` column and every
  item of the list columns (aliases) of each table that has a ``name`` column (actors and
  instruments in the shipped schemas), so a new text's mentions of known actors are found;
- ``date``: a date the text states (``14 March 2024``, ``March 14, 2024``, ``March 2024``,
  ``2024-03-14``, a year 1800–2099), with its ISO form and precision, a candidate for an
  event's date.

A longer match wins over one inside it ("Nikol Pashinyan" over "Pashinyan", "14 March 2024"
over "March 2024"). Nothing is added by itself: the contributor accepts rows by writing them.
OUT ends in ``.json`` (an array of objects) or ``.csv``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import csvio, files
from .dataset import Dataset
from .spans import source_of

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_MONTH = "|".join(MONTHS)
DATES = [  # (pattern, precision, groups -> (year, month, day))
    (re.compile(rf"\b([0-9]{{1,2}}) ({_MONTH}),? ([12][0-9]{{3}})\b"), "day", lambda g: (g[2], g[1], g[0])),
    (re.compile(rf"\b({_MONTH}) ([0-9]{{1,2}}),? ([12][0-9]{{3}})\b"), "day", lambda g: (g[2], g[0], g[1])),
    (re.compile(r"\b([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\b"), "day", lambda g: g),
    (re.compile(rf"\b({_MONTH}),? ([12][0-9]{{3}})\b"), "month", lambda g: (g[1], g[0], None)),
    (re.compile(r"\b(1[89][0-9]{2}|20[0-9]{2})\b"), "year", lambda g: (g[0], None, None)),
]
COLUMNS = ("kind", "table", "key", "form", "date", "precision", "source_id", "span_start", "span_end", "quote")


def _iso(year: str, month: str | None, day: str | None) -> str | None:
    import datetime

    number = MONTHS.index(month) + 1 if month in MONTHS else int(month) if month else None
    try:
        if day:
            return datetime.date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None  # 31 February: not a date, no suggestion
    return f"{year}-{number:02d}" if number else year


def _whole_word(text: str, start: int, end: int) -> bool:
    def word(c: str) -> bool:
        return c.isalnum() or c == "_"
    return not (start > 0 and word(text[start - 1])) and not (end < len(text) and word(text[end]))


def names(data: Dataset) -> list[tuple[str, dict[str, str], str]]:
    """(table, key, name form) for every name and list item of each table with a ``name`` column."""
    out = []
    for table in data.tables:
        if table.field("name") is None or not table.primary_key:
            continue
        lists = [f for f in table.fields if f.type == "list"]
        for row in data.rows(table.name):
            key = {k: row[k] for k in table.primary_key}
            forms = [row["name"]] + [item for f in lists if row[f.name] for item in row[f.name].split(f.delimiter)]
            out += [(table.name, key, form) for form in dict.fromkeys(forms) if form.strip()]
    return out


def _claim(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Take [start, end) unless a longer candidate already holds part of it."""
    if any(a < end and start < b for a, b in taken):
        return False
    taken.append((start, end))
    return True


def suggestions(data: Dataset, source_id: str) -> list[dict[str, str]]:
    text, body = source_of(data, source_id)
    lo, hi = body if body is not None else (0, len(text))
    found: list[tuple[int, int, dict]] = []
    for table, key, form in names(data):
        at = text.find(form, lo, hi)
        while at != -1:
            if _whole_word(text, at, at + len(form)):
                found.append((at, at + len(form), {"kind": "name", "table": table, "key": json.dumps(key), "form": form}))
            at = text.find(form, at + 1, hi)
    for pattern, precision, parts in DATES:
        for m in pattern.finditer(text, lo, hi):
            iso = _iso(*parts(m.groups()))
            if iso is not None:
                found.append((m.start(), m.end(), {"kind": "date", "date": iso, "precision": precision}))
    taken: dict[str, list[tuple[int, int]]] = {}
    out = []
    # Longest first, so a name or date inside a longer one of its kind is not suggested twice.
    for start, end, what in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if _claim(taken.setdefault(what["kind"] + what.get("key", ""), []), start, end):
            out.append({**dict.fromkeys(COLUMNS, ""), **what, "source_id": source_id, "span_start": str(start),
                        "span_end": str(end), "quote": text[start:end]})
    return sorted(out, key=lambda r: (int(r["span_start"]), int(r["span_end"]), r["kind"]))


def render(rows: list[dict[str, str]], out: Path) -> str:
    if out.suffix == ".json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    return csvio.dumps(COLUMNS, ([r[c] for c in COLUMNS] for r in rows))


class NotIntoTheData(ValueError):
    """OUT lies in a folder that holds the package's own files."""


def write(data: Dataset, source_id: str, out: Path) -> tuple[Path, int]:
    folders = {(data.root / r.path).parent.resolve() for r in data.package.resources}
    if out.parent.resolve() in folders:
        raise NotIntoTheData(f"{out} is in a folder of the package's own files: suggestions go to a file of "
                             "their own, outside data/")
    rows = suggestions(data, source_id)
    return files.Writer(out.parent).write(out.name, render(rows, out)), len(rows)
