"""The data dictionary (docs/data-dictionary.md), generated from the Table Schemas."""
from __future__ import annotations

from .package import Table, field_required


def _constraints(field: dict) -> str:
    c = field.get("constraints", {})
    parts = []
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    for key, label in (("minimum", "≥"), ("maximum", "≤")):
        if key in c:
            parts.append(f"{label} {c[key]}")
    if "minLength" in c:
        parts.append(f"at least {c['minLength']} character(s)")
    if field.get("type") == "list":
        parts.append(f"list separated by `{field.get('delimiter', ',')}`")
    if "x-precisionField" in field:
        parts.append(f"shape set by `{field['x-precisionField']}`")
    if "x-requiredWith" in field:
        parts.append(f"set exactly when `{field['x-requiredWith']}` is set")
    if field.get("x-verbatim"):
        parts.append("verbatim: the source's exact characters, never trimmed or escaped")
    return "; ".join(parts).replace("|", "\\|")


def _relations(table: Table) -> list[str]:
    lines = []
    for fk in table.foreign_keys:
        ref = fk["reference"]
        target = ref.get("resource") or f"{table.name} (self-reference)"
        lines.append(f"- `{', '.join(fk['fields'])}` → `{target}`.`{', '.join(ref['fields'])}`")
    return lines


def render(tables: list[Table]) -> str:
    out = ["# Data dictionary", "",
           "Generated from `schemas/*.json` by `aapeace generate`; do not edit by hand.", ""]
    for table in tables:
        out += [f"## `{table.name}`", "", table.schema.get("description", ""), "",
                f"File: `{table.path}` (JSON: `{table.export_path}`). "
                f"Primary key: `{', '.join(table.primary_key)}`.", ""]
        if table.schema.get("x-exactlyOne"):
            out += [f"Exactly one of {', '.join(f'`{n}`' for n in table.schema['x-exactlyOne'])} is set.", ""]
        out += ["| column | type | required | meaning | constraints |", "| --- | --- | --- | --- | --- |"]
        for field in table.fields:
            meaning = field.get("description", "").replace("|", "\\|")
            required = "yes" if field_required(field, table) else ""
            out.append(f"| `{field['name']}` | {field.get('type', 'string')} | {required} | "
                       f"{meaning} | {_constraints(field)} |")
        relations = _relations(table)
        if relations:
            out += ["", "Relations:", ""] + relations
        out.append("")
    return "\n".join(out)
