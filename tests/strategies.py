"""Hypothesis strategies for whole, valid packages, driven by the shipped Table Schemas.

Every value is drawn from what the schema allows (enums, patterns, ranges, x- rules),
every foreign key from the rows of its parent table, every span from its source's body.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from aapeace.model import Field, Table, open_package
from aapeace.spreadsheet import is_dangerous

CHECKOUT = Path(__file__).resolve().parents[1]
SPAN = ("source_id", "span_start", "span_end", "quote")
SHAPES = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d"}

# Characters that are easy to lose: NBSP, curly quotes, dashes, combining marks, astral
# emoji, newlines (LF, CR, CR LF inside a cell); plus ordinary letters.
TRICKY = st.sampled_from(list("\u00a0’“”–—\u0301\n\r\t\"',|=+-@") + ["😀", "Ա", "ə"])
CHARS = st.one_of(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S", "M")), TRICKY)


def _spreadsheet_safe(text: str) -> str:
    # A valid package's own words never open with a formula character (formula-prefix);
    # only the verbatim quotes may, and they come from the source texts, not from here.
    return "x" + text if is_dangerous(text) else text


WORDS = st.one_of(st.sampled_from(["NA", "null", "None", "0001", " padded ", "N/A", "nan", "#N/A", "TRUE",
                                   "\u00a0nbsp\u00a0", "'quoted"]),
                  st.text(CHARS, min_size=1, max_size=30).map(_spreadsheet_safe))


def schema_tables() -> list[Table]:
    return list(open_package(CHECKOUT).tables)


TABLES = {t.name: t for t in schema_tables()}


@dataclass
class Source:
    source_id: str
    text: str
    body_start: int
    body_end: int


@dataclass
class Drawn:
    sources: list[Source]
    rows: dict[str, list[dict]] = field(default_factory=dict)


def _fk_targets(table: Table) -> dict[str, tuple[str, str]]:
    out = {}
    for fk in table.foreign_keys:
        assert len(fk.fields) == 1, "the strategy handles single-field foreign keys"
        out[fk.fields[0]] = (fk.resource, fk.reference_fields[0])
    return out


@functools.lru_cache(maxsize=None)
def values(f: Field) -> st.SearchStrategy:
    """Valid values of one field (built once per field: building strategies is most of a draw's cost)."""
    assert f.type in ("string", "integer", "list"), f"the strategy draws no {f.type} values ({f.name})"
    if f.enum is not None:
        return st.sampled_from(f.enum)
    if f.type == "integer":
        return st.integers(-(2**63) if f.minimum is None else f.minimum,
                           2**63 - 1 if f.maximum is None else f.maximum)
    if f.type == "list":
        item = st.from_regex(f.pattern, fullmatch=True) if f.pattern is not None else WORDS
        items = item.filter(lambda s: f.delimiter not in s and s != "")
        return st.lists(items, min_size=1, max_size=3)
    text = st.from_regex(f.pattern, fullmatch=True).filter(lambda s: s != "") if f.pattern is not None else WORDS
    if f.min_length is not None or f.max_length is not None:
        text = text.filter(lambda s: (f.min_length or 0) <= len(s) and (f.max_length is None or len(s) <= f.max_length))
    return text


def _value(draw, f: Field):
    return draw(values(f))


def _date(draw, precision: str) -> str:
    return draw(st.dates()).strftime(SHAPES[precision]).zfill(len(SHAPES[precision].replace("%Y", "0000")))


def _first_day(date: str) -> str:
    return date + "-01-01"[len(date) - 4:]


def _last_day(date: str) -> str:
    return date + "-12-31"[len(date) - 4:]  # a day past the month's end still sorts after it


@st.composite
def sources(draw, count: int) -> list[Source]:
    ids = draw(st.lists(st.from_regex(r"[a-z0-9]{1,6}(_[a-z0-9]{1,6})?", fullmatch=True),
                        min_size=count, max_size=count, unique=True))
    out = []
    for source_id in ids:
        chrome = draw(st.text(CHARS, min_size=1, max_size=20))
        body = draw(st.text(CHARS, min_size=5, max_size=120))
        tail = draw(st.text(CHARS, max_size=20))
        out.append(Source(source_id, chrome + body + tail, len(chrome), len(chrome) + len(body)))
    return out


def _source_row(table: Table, source: Source, draw) -> dict:
    data = source.text.encode("utf-8")
    row = {f.name: None for f in table.fields}
    fixed = {"source_id": source.source_id, "path": f"data/sources/{source.source_id}.txt",
             "sha256": hashlib.sha256(data).hexdigest(), "length": len(source.text),
             "body_start": source.body_start, "body_end": source.body_end}
    for f in table.fields:
        row[f.name] = fixed.get(f.name, _value(draw, f) if f.must_be_present else None)
    return row


def _row(draw, table: Table, drawn: Drawn) -> dict | None:
    fks = _fk_targets(table)
    fields = {f.name: f for f in table.fields}
    row: dict = {}
    source = draw(st.sampled_from(drawn.sources))
    start = draw(st.integers(source.body_start, source.body_end - 1))
    end = draw(st.integers(start + 1, source.body_end))
    row.update(source_id=source.source_id, span_start=start, span_end=end, quote=source.text[start:end])
    group = list(table.exactly_one)
    chosen = draw(st.sampled_from(group)) if group else None
    precision_of = {f.precision_field for f in table.fields if f.precision_field}
    for name, f in fields.items():
        if name in row:
            continue
        required = f.must_be_present
        if name in fks:
            target, ref = fks[name]
            parents = [r[ref] for r in drawn.rows.get(target, [])]
            if group and name in group and name != chosen:
                row[name] = None
            elif parents and (required or name == chosen or draw(st.booleans())):
                row[name] = draw(st.sampled_from(parents))
            elif required or name == chosen:
                return None  # no parent to point at: this row cannot exist
            else:
                row[name] = None
        elif name in precision_of:
            row[name] = draw(st.sampled_from(f.enum)) if required or draw(st.booleans()) else None
        elif f.precision_field or f.required_with:
            continue  # drawn below, once what they depend on is known
        else:
            row[name] = _value(draw, f) if required or draw(st.booleans()) else None
    for name, f in fields.items():
        if f.precision_field:
            precision = row[f.precision_field]
            anchor = fields[f.precision_field].required_with
            row[name] = None if precision is None else (
                _date(draw, precision) if name == anchor or f.must_be_present or draw(st.booleans()) else None)
    for name, f in fields.items():  # x-notBefore: the date may not end before the other starts
        other = f.not_before
        if other and row.get(name) is not None and row.get(other) is not None \
                and _last_day(row[name]) < _first_day(row[other]):
            row[name] = row[other] if len(row[name]) == len(row[other]) else None
    for name, f in fields.items():
        if f.required_with and name not in precision_of:
            row[name] = _value(draw, f) if row[f.required_with] is not None else None
        elif f.required_with and row[f.required_with] is None:
            row[name] = None
    for name, f in fields.items():  # precision set but its anchor date is not: drop the precision
        if name in precision_of and f.required_with and row[f.required_with] is None:
            row[name] = None
    for name, f in fields.items():  # x-allowedPerReference: a value the referenced row allows
        rule = f.allowed_per_reference
        if rule is None or row.get(rule.foreign_key) is None:
            continue
        target, ref = fks[rule.foreign_key]
        parent = next(r for r in drawn.rows[target] if r[ref] == row[rule.foreign_key])
        allowed = rule.allowed_for(parent[rule.field])
        if not allowed:
            return None  # the parent's type takes no value here: this row cannot exist
        row[name] = draw(st.sampled_from(allowed))
    return {name: row[name] for name in fields}


@st.composite
def packages(draw, max_rows: int = 5) -> Drawn:
    drawn = Drawn(draw(sources(draw(st.integers(1, 2)))))
    for table in TABLES.values():
        if table.name == "sources":
            drawn.rows["sources"] = [_source_row(table, s, draw) for s in drawn.sources]
            continue
        rows, seen = [], set()
        drawn.rows[table.name] = rows  # visible to self-references while drawing
        for _ in range(draw(st.integers(0, max_rows))):
            row = _row(draw, table, drawn)
            key = row and tuple(row[k] for k in table.primary_key)
            if row is not None and key not in seen:
                seen.add(key)
                rows.append(row)
    return drawn


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    return str(value)


@st.composite
def table_rows(draw, table: Table) -> dict:
    """One valid row of ``table`` alone: each foreign key points at a drawn valid key (no
    parent table is drawn: this is for checks of one row, which do not follow keys)."""
    source = draw(sources(1))[0]
    if table.name == "sources":
        return _source_row(table, source, draw)
    drawn = Drawn([source])
    for fk in table.foreign_keys:
        if fk.resource == "sources":
            continue
        target = table if fk.self_reference else TABLES[fk.resource]
        keys = draw(st.lists(values(target.field(fk.reference_fields[0])), min_size=1, max_size=2))
        # A parent carries the fields an x-allowedPerReference rule reads, with a value that allows some.
        looked_up = {f.allowed_per_reference.field: [k for k, v in f.allowed_per_reference.allowed if v]
                     for f in table.fields if f.allowed_per_reference is not None
                     and f.allowed_per_reference.foreign_key == fk.fields[0]}
        drawn.rows.setdefault(fk.resource, []).extend(
            {fk.reference_fields[0]: k, **{name: draw(st.sampled_from(kinds)) for name, kinds in looked_up.items()}}
            for k in keys)
    row = _row(draw, table, drawn)
    assert row is not None, "every foreign key has a parent to point at"
    return row
