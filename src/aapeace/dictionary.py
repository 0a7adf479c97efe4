"""The data dictionary (docs/data-dictionary.md), generated from the model of the Table Schemas."""
from __future__ import annotations

from collections.abc import Iterable

from .model import Field, Table


def _constraints(field: Field) -> str:
    parts = []
    if field.enum is not None:
        parts.append("one of " + ", ".join(f"`{v}`" for v in field.enum))
    if field.pattern is not None:
        parts.append(f"pattern `{field.pattern}`")
    for value, label in ((field.minimum, "≥"), (field.maximum, "≤")):
        if value is not None:
            parts.append(f"{label} {value}")
    if field.min_length is not None:
        parts.append(f"at least {field.min_length} character(s)")
    if field.max_length is not None:
        parts.append(f"at most {field.max_length} character(s)")
    if field.type == "list":
        parts.append(f"list separated by `{field.delimiter}`")
    if field.precision_field:
        parts.append(f"shape set by `{field.precision_field}`")
    if field.required_with:
        parts.append(f"set exactly when `{field.required_with}` is set")
    if field.not_before:
        parts.append(f"not before `{field.not_before}`")
    if field.verbatim:
        parts.append("verbatim: the source's exact characters, never trimmed or escaped")
    if field.allowed_per_reference is not None:
        rule = field.allowed_per_reference
        parts.append(f"allowed values depend on `{rule.field}` of the row `{rule.foreign_key}` points at (table below)")
    return "; ".join(parts).replace("|", "\\|")


def _relations(table: Table) -> list[str]:
    lines = []
    for fk in table.foreign_keys:
        target = f"{table.name} (self-reference)" if fk.self_reference else fk.resource
        lines.append(f"- `{', '.join(fk.fields)}` → `{target}`.`{', '.join(fk.reference_fields)}`")
    return lines


def _allowed_table(table: Table, field: Field) -> list[str]:
    rule = field.allowed_per_reference
    if rule is None:
        return []
    target = next(fk.resource for fk in table.foreign_keys if fk.fields == (rule.foreign_key,))
    lines = ["", f"`{field.name}` by `{target}.{rule.field}` (x-allowedPerReference; any other combination is "
             "`combination-not-allowed`):", "", f"| `{rule.field}` | allowed `{field.name}` |", "| --- | --- |"]
    for value, allowed in rule.allowed:
        lines.append(f"| `{value}` | {', '.join(f'`{v}`' for v in allowed) or 'none'} |")
    return lines


def render(tables: Iterable[Table]) -> str:
    out = ["# Data dictionary", "",
           "Generated from `schemas/*.json` by `aapeace generate`; do not edit by hand.", ""]
    for table in tables:
        out += [f"## `{table.name}`", "", table.description, "",
                f"File: `{table.path}` (JSON: `{table.export_path}`). "
                f"Primary key: `{', '.join(table.primary_key)}`.", ""]
        if table.exactly_one:
            out += [f"Exactly one of {', '.join(f'`{n}`' for n in table.exactly_one)} is set.", ""]
        out += ["| column | type | required | meaning | constraints |", "| --- | --- | --- | --- | --- |"]
        for field in table.fields:
            meaning = field.description.replace("|", "\\|")
            required = "yes" if field.must_be_present else ""
            out.append(f"| `{field.name}` | {field.type} | {required} | {meaning} | {_constraints(field)} |")
        relations = _relations(table)
        if relations:
            out += ["", "Relations:", ""] + relations
        for field in table.fields:
            out += _allowed_table(table, field)
        out.append("")
    return "\n".join(out)
