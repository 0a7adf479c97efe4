"""The coverage report (docs/coverage.md), generated from the data: rows per table per
source, counts of every enum value, and how each table's dates were obtained. Rows are read
through the dataset (the one door)."""
from __future__ import annotations

from collections import Counter

from .dataset import Dataset


def render(data: Dataset) -> str:
    tables = data.tables
    has = {t.name for t in tables}
    sources = [r["source_id"] for r in data.rows("sources")] if "sources" in has else []
    out = ["# Coverage", "", "Generated from the data by `aapeace generate`; do not edit by hand.", "",
           "## Rows per table and source", "",
           "| table | " + " | ".join(f"`{s}`" for s in sources) + " | total |",
           "| --- |" + " --- |" * (len(sources) + 1)]
    for table in tables:
        if not table.has_spans:
            continue
        rows = data.rows(table.name)
        per = Counter(r["source_id"] for r in rows)
        out.append(f"| `{table.name}` | " + " | ".join(str(per[s]) for s in sources) + f" | {len(rows)} |")
    out += ["", "## Enumerated values", ""]
    for table in tables:
        for field in table.fields:
            enum = field.enum_texts
            if not enum or table.name == "sources":
                continue
            counts = Counter(r[field.name] for r in data.rows(table.name))
            shown = ", ".join(f"`{v}` {counts[v]}" for v in enum if counts[v])
            unused = [v for v in enum if not counts[v]]
            empty = counts.get("", 0)
            out.append(f"- `{table.name}.{field.name}`: {shown}"
                       + (f"; empty {empty}" if empty else "")
                       + (f" (unused: {', '.join(unused)})" if unused else ""))
    dated = [t for t in tables if "date_basis" in t.field_names and "date_precision" in t.field_names]
    for table in dated:
        rows = data.rows(table.name)
        basis = Counter(r.get("date_basis") or "undated" for r in rows)
        precision = Counter(r.get("date_precision") or "undated" for r in rows)
        out += ["", f"## Dates in `{table.name}`", "",
                "- basis: " + ", ".join(f"{v} {n}" for v, n in sorted(basis.items())),
                "- precision: " + ", ".join(f"{v} {n}" for v, n in sorted(precision.items()))]
    return "\n".join(out) + "\n"
