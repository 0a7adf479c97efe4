"""``aapeace browse``: one self-contained HTML page to check every row against its words.

The page shows each source text with every cited span highlighted (a key says what the
shades mean). Choosing a row (in the list, the timeline or a link in another row) scrolls to
its span and marks it; choosing a passage lists the rows that cite it. Rows can be filtered
by table, actor and source. The timeline has one bar per text's date for an event, tagged
with that text, drawn to the window's width with a zoom to a period. Below a width the
panes stack, so the page reads on a narrow window.

Everything the page needs is inside the file: the data as JSON in a script element, the
script and the style inline. It opens from disk with no server and makes no request.
What it holds is computed here from the Table Schemas (which tables have spans, which
fields are foreign keys), so a new table or column needs no change to this module.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from . import files
from .dataset import Dataset
from .errors import PackageError, ValidationError
from .model import Table

TEMPLATE = Path(__file__).with_name("browse.html")
ACTORS, SOURCES, EVENTS = "actors", "sources", "events"
# A table whose rows date an event (one text's claim each) has these; the timeline shows each claim.
DATED_BY, EVENT_KEY = "date_start", "event_id"
LABEL_FIELDS = ("name", "title", "summary")  # the first a table has labels its rows


def row_id(table: str, key: list[str]) -> str:
    return f"{table}:{' / '.join(key)}"


def _single_fks(table: Table) -> dict[str, str]:
    """field -> referenced table, for single-field foreign keys (self-references included)."""
    return {fk.fields[0]: fk.resource for fk in table.foreign_keys if len(fk.fields) == 1}


def _label(table: Table, row: dict[str, str]) -> str:
    for name in LABEL_FIELDS:
        if row.get(name):
            return row[name]
    return " · ".join(row.get(k, "") for k in table.primary_key)


def _actors_of_rows(data: Dataset, tables: list[Table]) -> dict[str, set[str]]:
    """Which actors each row concerns, from the foreign keys alone.

    A row's own actors are the actor keys it holds (an actor row is its own). A link row
    that names an actor also lends that actor to the thing it links (event_actors gives an
    event its actors). A row that names no actor (proposal_instruments, a mention of an
    event) takes the actors of the things it refers to.
    """
    direct: dict[str, set[str]] = {}
    lent: dict[str, set[str]] = defaultdict(set)
    refs: dict[str, list[str]] = {}
    for table in tables:
        fks = _single_fks(table)
        for row in data.rows(table.name):
            rid = row_id(table.name, [row.get(k, "") for k in table.primary_key])
            own = {row[f] for f, target in fks.items() if target == ACTORS and row.get(f)}
            if table.name == ACTORS:
                own.add(row.get(table.primary_key[0], ""))
            direct[rid] = own
            refs[rid] = [row_id(target, [row[f]]) for f, target in fks.items()
                         if target not in (ACTORS, SOURCES) and target != table.name and row.get(f)]
            for target in refs[rid]:
                lent[target] |= own
    out = {}
    for rid, own in direct.items():
        mine = own | lent.get(rid, set())
        if not mine:
            for target in refs[rid]:
                mine |= direct.get(target, set()) | lent.get(target, set())
        out[rid] = mine
    return out


def _offset(row: dict[str, str], name: str, table: Table, number: int) -> int:
    """A span or body offset as a whole number; PackageError with its place if it is not one."""
    value = row.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise PackageError(ValidationError("type-error", f"{value!r} is not a whole number; run `aapeace validate` "
                                           "for every error", file=table.path, row=number, field=name))
    return int(value)


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def payload(data: Dataset) -> dict:
    """Everything the page shows, as plain data."""
    texts = data.texts()
    tables = [t for t in data.tables if t.has_spans]
    actors_of = _actors_of_rows(data, tables)
    rows, events, dated = [], [], set()
    titles = {r.get(EVENT_KEY, ""): _label(t, r) for t in tables if t.name == EVENTS for r in data.rows(EVENTS)}
    for table in tables:
        for number, row in zip(data.row_numbers(table.name), data.rows(table.name)):
            key = [row.get(k, "") for k in table.primary_key]
            rid = row_id(table.name, key)
            rows.append({"id": rid, "table": table.name, "key": " / ".join(key), "label": _label(table, row),
                         "source": row["source_id"], "start": _offset(row, "span_start", table, number),
                         "end": _offset(row, "span_end", table, number),
                         "quote": row["quote"], "actors": sorted(actors_of[rid]), "fields": row})
            if DATED_BY in table.field_names and row.get(DATED_BY):
                dated.add(row.get(EVENT_KEY, ""))
                events.append({"id": rid, "title": titles.get(row.get(EVENT_KEY, ""), _label(table, row)),
                               "source": row["source_id"], "start": row[DATED_BY],
                               "end": row.get("date_end", ""), "precision": row.get("date_precision", ""),
                               "basis": row.get("date_basis", "")})
    events += [{"id": row_id(EVENTS, [eid]), "title": title, "source": "", "start": "", "end": "", "precision": "",
                "basis": ""}
               for eid, title in titles.items() if eid not in dated]
    sources = []
    source_table = data.table(SOURCES)
    for number, row in zip(data.row_numbers(SOURCES), data.rows(SOURCES)):
        sources.append({"id": row["source_id"], "title": row.get("title", ""), "author": row.get("author", ""),
                        "publisher": row.get("publisher", ""), "published": row.get("published", ""),
                        "rights": row.get("rights", ""), "body_start": _offset(row, "body_start", source_table, number),
                        "body_end": _offset(row, "body_end", source_table, number), "text": texts[row["source_id"]]})
    links = {}
    for table in tables:
        targets = {}
        for f, target in _single_fks(table).items():
            target_table = next((t for t in tables if t.name == target), None)
            if target_table is not None and len(target_table.primary_key) == 1:
                targets[f] = target
        links[table.name] = targets
    actor_names = {r.get("actor_id", ""): r.get("name", "") for r in data.rows(ACTORS)} \
        if any(t.name == ACTORS for t in tables) else {}
    return {
        "package": {"name": data.name, "version": data.version, "title": data.package.title},
        "tables": [{"name": t.name, "fields": t.field_names, "key": list(t.primary_key)} for t in tables],
        "links": links,
        "actors": sorted(([a, n] for a, n in actor_names.items()), key=lambda an: an[1].lower()),
        "sources": sources,
        "rows": rows,
        "events": events,
    }


def _script_json(value: object) -> str:
    # Inside <script>, "</script>" or "<!--" in the data would end or confuse the element:
    # escape <, > and & (valid JSON escapes, decoded back by JSON.parse).
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render(data: Dataset) -> str:
    from html import escape

    page = TEMPLATE.read_text(encoding="utf-8")
    title = f"{data.package.title or data.name} {data.version} — span browser"
    return page.replace("{{TITLE}}", escape(title)).replace("{{DATA}}", _script_json(payload(data)))


def write(data: Dataset, out: Path) -> Path:
    """Write the page to ``out`` (a file, or a folder to hold ``<name>-<version>.html``) through
    ``files.Writer``: never over an existing file or a symbolic link, never through a fixed
    temporary name. The page is rendered (every file read) before anything is written."""
    if out.is_dir():
        folder, name = out, _file_name(f"{data.name or 'package'}-{data.version}.html")
    else:
        folder, name = out.parent, out.name
    files.Writer(folder, create=False).check([name])
    html = render(data)
    return files.Writer(folder).write(name, html)
