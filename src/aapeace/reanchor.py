"""``aapeace reanchor SOURCE_ID NEW_TEXT``: move every span to a corrected text.

Each row citing the source is placed in the new text by, in order:

1. **exact match**: its quote at the same offsets (``unchanged``), or exactly once in the
   new text (``moved``);
2. **the diff**: its offsets mapped through the character diff of the two texts
   (diff-match-patch's ``diff_main`` and ``diff_xIndex``), taken when the quote stands
   exactly there (``moved``; this settles a quote that occurs several times);
3. **approximate matching** of the quote near that place (diff-match-patch's
   ``match_main``, with the quote's first words as the pattern): never taken, only shown
   as a candidate of a row that ``needs-review``.

A quote is never changed and a row is never moved on a guess: whatever the first two steps
do not settle is reported for review, with the candidate. ``--write`` writes the new text,
its ``sources`` row (sha256, length, body mapped through the diff or given) and the moved
spans through the Writer, only when no row needs review (or with ``--keep-unresolved``,
which leaves those rows as they are for the validator to point at).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from . import csvio, files
from .dataset import Dataset
from .interchange import span_tables
from .spans import occurrences, source_of

# diff-match-patch's bitap matcher works on patterns up to this many characters.
PATTERN = 32
MAX_OCCURRENCES = 1000


@dataclass
class Placed:
    table: str
    key: dict[str, str]
    status: str              # unchanged | moved | needs-review
    method: str              # how: same offsets, unique exact match, diff, or why not
    old: tuple[int, int]
    new: tuple[int, int] | None
    quote: str
    candidate: str = ""      # needs-review: the new text where the quote most likely went

    def to_dict(self) -> dict:
        return asdict(self)


def _matcher():
    try:
        from diff_match_patch import diff_match_patch
    except ImportError:
        raise ImportError("reanchor needs diff-match-patch: pip install 'armenia-azerbaijan-peace[contribute]'") \
            from None
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # the exact diff, however long it takes: offsets depend on it
    return dmp


def place(old: str, new: str, start: int, end: int, quote: str, dmp, diffs) -> tuple[str, str, tuple | None, str]:
    """(status, method, new span or None, candidate text)."""
    found = occurrences(new, quote, MAX_OCCURRENCES)
    mapped = dmp.diff_xIndex(diffs, start)
    if new[start:end] == quote and (len(found) == 1 or mapped == start):
        return "unchanged", "same offsets", (start, end), ""
    if len(found) == 1:
        return "moved", "unique exact match", (found[0], found[0] + len(quote)), ""
    if found and mapped in found:
        return "moved", "diff", (mapped, mapped + len(quote)), ""
    if found:
        return "needs-review", f"the quote occurs {len(found)} times and the diff places it at none of them " \
                               f"(at {found[:10]})", None, ""
    mapped_end = dmp.diff_xIndex(diffs, end)
    at = dmp.match_main(new, quote[:PATTERN], min(mapped, len(new)))
    if at != -1:
        candidate = new[at:at + len(quote)]
        return "needs-review", f"no exact match; approximate match at {at}", None, candidate
    return "needs-review", "no exact or approximate match; the diff maps it to " \
                           f"{mapped}-{mapped_end}", None, new[mapped:max(mapped, mapped_end)]


@dataclass
class Result:
    source_id: str
    placed: list[Placed]
    body: tuple[int, int]
    new_text: str

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("unchanged", "moved", "needs-review"), 0)
        for p in self.placed:
            out[p.status] += 1
        return out


def reanchor(data: Dataset, source_id: str, new_text: str, body: tuple[int, int] | None = None) -> Result:
    old, old_body = source_of(data, source_id)
    dmp = _matcher()
    diffs = dmp.diff_main(old, new_text, False)
    if body is None:
        lo, hi = old_body or (0, len(old))
        body = (dmp.diff_xIndex(diffs, lo), dmp.diff_xIndex(diffs, hi) if hi < len(old) else len(new_text))
    placed = []
    for table in span_tables(data):
        for row in data.rows(table.name):
            if row["source_id"] != source_id:
                continue
            start, end = int(row["span_start"]), int(row["span_end"])
            status, method, new, candidate = place(old, new_text, start, end, row["quote"], dmp, diffs)
            if new is not None and not (body[0] <= new[0] and new[1] <= body[1]):
                status, method, new = "needs-review", f"found by {method}, but outside the body {body}", None
            placed.append(Placed(table.name, {k: row[k] for k in table.primary_key}, status, method, (start, end),
                                 new, row["quote"], candidate))
    return Result(source_id, placed, body, new_text)


def write(data: Dataset, result: Result) -> list[Path]:
    """The new text, its sources row and every moved span, then the derived files."""
    from . import generate

    sources = data.table("sources")
    writer = files.Writer(data.root, overwrite=True, create=False)
    row = next(r for r in data.rows("sources") if r["source_id"] == result.source_id)
    encoded = result.new_text.encode("utf-8")
    moved = {(p.table, tuple(p.key.items()), p.old): p.new for p in result.placed if p.status == "moved"}
    tables = {}
    for table in span_tables(data):
        rows = []
        for r in data.rows(table.name):
            cells = dict(r)
            new = moved.get((table.name, tuple((k, r[k]) for k in table.primary_key),
                             (int(r["span_start"]), int(r["span_end"])))) if r["source_id"] == result.source_id else None
            if new is not None:
                cells["span_start"], cells["span_end"] = str(new[0]), str(new[1])
            rows.append([cells[f] for f in table.field_names])
        tables[table.path] = csvio.dumps(table.field_names, rows)
    source_rows = []
    for r in data.rows("sources"):
        cells = dict(r)
        if r["source_id"] == result.source_id:
            cells.update(sha256=files.sha256_hex(encoded), length=str(len(result.new_text)),
                         body_start=str(result.body[0]), body_end=str(result.body[1]))
        source_rows.append([cells.get(f, "") for f in sources.field_names])
    tables[sources.path] = csvio.dumps(sources.field_names, source_rows)
    writer.check([row["path"], *tables])
    written = [writer.write(row["path"], encoded)]
    written += [writer.write(path, text) for path, text in tables.items()
                if files.read_bytes(data.root, path) != text.encode("utf-8")]
    return written + generate.write(data.descriptor_path)
