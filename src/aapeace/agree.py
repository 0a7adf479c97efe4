"""``aapeace agree A B``: how far two annotations of the same texts agree.

Per table with spans, the rows of each source text are matched one to one by span
overlap: pairs are taken in order of their overlap (the Jaccard index of the two spans,
largest first) as long as it is above ``min_overlap`` (by default any shared character).
With A as the reference, precision is matched / B's rows, recall matched / A's rows, and
F1 their harmonic mean. For every enum column of the table (read from its schema) the
matched pairs' values give Cohen's kappa: (observed agreement - chance agreement) /
(1 - chance agreement), chance from each annotator's own distribution of values; it is
undefined (null) when chance agreement is 1 (both used one and the same value throughout).

Only sources both packages hold with the same sha256 are compared: spans into different
texts cannot be matched.
"""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

from .dataset import Dataset
from .interchange import span_tables


class NotComparable(ValueError):
    """The two packages share no source text (or no table) to compare."""


def kappa(pairs: list[tuple[str, str]]) -> float | None:
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(left[v] * right[v] for v in left) / (n * n)
    if chance == 1:
        return None
    return (observed - chance) / (1 - chance)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    if shared <= 0:
        return 0.0
    return shared / (max(a[1], b[1]) - min(a[0], b[0]))


def _overlapping(left: list[tuple[int, int]], right: list[tuple[int, int]]):
    """(i, j) for every pair of spans that share a character: the right spans sorted by start,
    only those starting within the longest right span's length before a left span are tried."""
    order = sorted(range(len(right)), key=lambda j: right[j][0])
    starts = [right[j][0] for j in order]
    longest = max((b - a for a, b in right), default=0)
    for i, (a, b) in enumerate(left):
        for k in range(bisect.bisect_left(starts, a - longest), bisect.bisect_left(starts, b)):
            yield i, order[k]


def match(left: list[tuple[int, int]], right: list[tuple[int, int]], min_overlap: float = 0.0) -> list[tuple[int, int]]:
    """Index pairs (i, j), one to one, greatest overlap first."""
    scored = ((_overlap(left[i], right[j]), i, j) for i, j in _overlapping(left, right))
    candidates = sorted((c for c in scored if c[0] > min_overlap), key=lambda c: (-c[0], c[1], c[2]))
    used_left, used_right, out = set(), set(), []
    for _, i, j in candidates:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            out.append((i, j))
    return sorted(out)


@dataclass
class TableAgreement:
    table: str
    a_rows: int
    b_rows: int
    matched: int
    kappa: dict[str, dict] = field(default_factory=dict)  # column -> {pairs, observed, kappa}

    @property
    def precision(self) -> float | None:
        return self.matched / self.b_rows if self.b_rows else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.a_rows if self.a_rows else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return None if not p or not r else 2 * p * r / (p + r)

    def to_dict(self) -> dict:
        return {"table": self.table, "a_rows": self.a_rows, "b_rows": self.b_rows, "matched": self.matched,
                "precision": self.precision, "recall": self.recall, "f1": self.f1, "kappa": self.kappa}


def _sources(data: Dataset) -> dict[str, str]:
    return {r["source_id"]: r.get("sha256", "") for r in data.rows("sources")}


def agree(a: Dataset, b: Dataset, min_overlap: float = 0.0,
          only: list[str] | None = None) -> tuple[list[str], list[TableAgreement]]:
    """The sources compared (all both packages hold, or those in ``only``), and the agreement
    per table both packages have."""
    left, right = _sources(a), _sources(b)
    shared = sorted(s for s in left if s in right and left[s] == right[s] and (not only or s in only))
    if not shared:
        raise NotComparable(f"the two packages share no source text{' of ' + ', '.join(only) if only else ''} with "
                            "the same sha256: nothing to compare")
    out = []
    b_tables = {t.name: t for t in span_tables(b)}
    for table in span_tables(a):
        if table.name not in b_tables:
            continue
        enums = [f.name for f in table.fields if f.enum is not None and b_tables[table.name].field(f.name) is not None]
        result = TableAgreement(table.name, 0, 0, 0)
        pairs: dict[str, list[tuple[str, str]]] = {name: [] for name in enums}
        for source in shared:
            rows_a = [r for r in a.rows(table.name) if r["source_id"] == source]
            rows_b = [r for r in b.rows(table.name) if r["source_id"] == source]
            spans_a = [(int(r["span_start"]), int(r["span_end"])) for r in rows_a]
            spans_b = [(int(r["span_start"]), int(r["span_end"])) for r in rows_b]
            matched = match(spans_a, spans_b, min_overlap)
            result.a_rows += len(rows_a)
            result.b_rows += len(rows_b)
            result.matched += len(matched)
            for i, j in matched:
                for name in enums:
                    pairs[name].append((rows_a[i][name], rows_b[j][name]))
        for name, values in pairs.items():
            observed = sum(x == y for x, y in values) / len(values) if values else None
            result.kappa[name] = {"pairs": len(values), "observed": observed, "kappa": kappa(values)}
        out.append(result)
    return shared, out


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_text(shared: list[str], results: list[TableAgreement]) -> str:
    lines = [f"sources compared: {', '.join(shared)} (A is the reference)", "",
             f"{'table':<24} {'A':>5} {'B':>5} {'matched':>7} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for r in results:
        lines.append(f"{r.table:<24} {r.a_rows:>5} {r.b_rows:>5} {r.matched:>7} {_number(r.precision):>9} "
                     f"{_number(r.recall):>7} {_number(r.f1):>6}")
    rows = [(r.table, name, k) for r in results for name, k in r.kappa.items() if k["pairs"]]
    if rows:
        lines += ["", f"{'enum column':<40} {'pairs':>5} {'agreement':>9} {'kappa':>6}"]
        lines += [f"{table + '.' + name:<40} {k['pairs']:>5} {_number(k['observed']):>9} {_number(k['kappa']):>6}"
                  for table, name, k in rows]
    return "\n".join(lines) + "\n"
