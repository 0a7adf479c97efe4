"""Hypothesis strategies for whole, valid packages, driven by the shipped Table Schemas.

Every value is drawn from what the schema allows (enums, patterns, ranges, x- rules),
every foreign key from the rows of its parent table, every span from its source's body.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from aapeace.package import Table, field_required, read_json, tables_of
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
    return tables_of(read_json(CHECKOUT / "datapackage.json"), CHECKOUT)


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
        assert len(fk["fields"]) == 1, "the strategy handles single-field foreign keys"
        out[fk["fields"][0]] = (fk["reference"].get("resource") or table.name, fk["reference"]["fields"][0])
    return out


def _value(draw, f: dict):
    c = f.get("constraints", {})
    if "enum" in c:
        return draw(st.sampled_from(c["enum"]))
    if f.get("type") == "integer":
        return draw(st.integers(c.get("minimum", -(2**63)), c.get("maximum", 2**63 - 1)))
    if f.get("type") == "list":
        item = st.from_regex(c["pattern"], fullmatch=True) if "pattern" in c else WORDS
        items = item.filter(lambda s: f.get("delimiter", ",") not in s and s != "")
        return draw(st.lists(items, min_size=1, max_size=3))
    if "pattern" in c:
        return draw(st.from_regex(c["pattern"], fullmatch=True).filter(lambda s: s != ""))
    return draw(WORDS)


def _date(draw, precision: str) -> str:
    return draw(st.dates()).strftime(SHAPES[precision]).zfill(len(SHAPES[precision].replace("%Y", "0000")))


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
    row = {f["name"]: None for f in table.fields}
    fixed = {"source_id": source.source_id, "path": f"data/sources/{source.source_id}.txt",
             "sha256": hashlib.sha256(data).hexdigest(), "length": len(source.text),
             "body_start": source.body_start, "body_end": source.body_end}
    for f in table.fields:
        row[f["name"]] = fixed.get(f["name"], _value(draw, f) if field_required(f, table) else None)
    return row


def _row(draw, table: Table, drawn: Drawn) -> dict | None:
    fks = _fk_targets(table)
    fields = {f["name"]: f for f in table.fields}
    row: dict = {}
    source = draw(st.sampled_from(drawn.sources))
    start = draw(st.integers(source.body_start, source.body_end - 1))
    end = draw(st.integers(start + 1, source.body_end))
    row.update(source_id=source.source_id, span_start=start, span_end=end, quote=source.text[start:end])
    group = table.schema.get("x-exactlyOne") or []
    chosen = draw(st.sampled_from(group)) if group else None
    precision_of = {f["x-precisionField"] for f in table.fields if "x-precisionField" in f}
    for name, f in fields.items():
        if name in row:
            continue
        required = field_required(f, table)
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
            row[name] = draw(st.sampled_from(f["constraints"]["enum"])) if draw(st.booleans()) else None
        elif "x-precisionField" in f or "x-requiredWith" in f:
            continue  # drawn below, once what they depend on is known
        else:
            row[name] = _value(draw, f) if required or draw(st.booleans()) else None
    for name, f in fields.items():
        if "x-precisionField" in f:
            precision = row[f["x-precisionField"]]
            anchor = fields[f["x-precisionField"]].get("x-requiredWith")
            row[name] = None if precision is None else (
                _date(draw, precision) if name == anchor or draw(st.booleans()) else None)
    for name, f in fields.items():
        if "x-requiredWith" in f and name not in precision_of:
            row[name] = _value(draw, f) if row[f["x-requiredWith"]] is not None else None
        elif "x-requiredWith" in f and row[f["x-requiredWith"]] is None:
            row[name] = None
    for name, f in fields.items():  # precision set but its anchor date is not: drop the precision
        if name in precision_of and f.get("x-requiredWith") and row[f["x-requiredWith"]] is None:
            row[name] = None
    return {name: row[name] for name in fields}


@st.composite
def packages(draw, max_rows: int = 5) -> Drawn:
    drawn = Drawn(draw(sources(draw(st.integers(1, 2)))))
    for table in schema_tables():
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
