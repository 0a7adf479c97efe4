"""The coverage report (docs/coverage.md), generated from the data: rows per table per
source, counts of every enum value, and stated against inferred dates."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from .package import Table, field_enum


def _rows(table: Table, root: Path) -> list[dict]:
    with open(root / table.path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def render(tables: list[Table], root: Path) -> str:
    data = {t.name: _rows(t, root) for t in tables}
    sources = [r["source_id"] for r in data.get("sources", [])]
    out = ["# Coverage", "", "Generated from the data by `aapeace generate`; do not edit by hand.", "",
           "## Rows per table and source", "",
           "| table | " + " | ".join(f"`{s}`" for s in sources) + " | total |",
           "| --- |" + " --- |" * (len(sources) + 1)]
    for table in tables:
        if not table.has_spans:
            continue
        per = Counter(r["source_id"] for r in data[table.name])
        out.append(f"| `{table.name}` | " + " | ".join(str(per[s]) for s in sources) + f" | {len(data[table.name])} |")
    out += ["", "## Enumerated values", ""]
    for table in tables:
        for field in table.fields:
            enum = field_enum(field)
            if not enum or table.name == "sources":
                continue
            counts = Counter(r[field["name"]] for r in data[table.name])
            shown = ", ".join(f"`{v}` {counts[v]}" for v in enum if counts[v])
            unused = [v for v in enum if not counts[v]]
            empty = counts.get("", 0)
            out.append(f"- `{table.name}.{field['name']}`: {shown}"
                       + (f"; empty {empty}" if empty else "")
                       + (f" (unused: {', '.join(unused)})" if unused else ""))
    if "events" in data:
        events = data["events"]
        basis = Counter(r["date_basis"] or "undated" for r in events)
        precision = Counter(r["date_precision"] or "undated" for r in events)
        out += ["", "## Event dates", "",
                f"- basis: stated {basis['stated']}, inferred {basis['inferred']}, undated {basis['undated']}",
                f"- precision: day {precision['day']}, month {precision['month']}, year {precision['year']}, "
                f"undated {precision['undated']}"]
    return "\n".join(out) + "\n"
