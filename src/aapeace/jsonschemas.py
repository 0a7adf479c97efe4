"""Derive a JSON Schema for one row of a table from its Table Schema.

The Table Schema is the single source of truth; this translation is the only place that
knows how its constraints (and our ``x-`` cross-field rules) read in JSON Schema.
"""
from __future__ import annotations

from .model import Field, Table

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SHAPES = {"year": r"^[0-9]{4}$", "month": r"^[0-9]{4}-[0-9]{2}$", "day": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "list": "array", "date": "string"}


def anchored(pattern: str) -> str:
    # JSON Schema patterns search; Table Schema patterns match the whole value. The
    # lookahead is for validators built on Python's re, where `$` also matches before a
    # final newline (ECMA-262 and RE2 do not): without it "armenia\n" would pass as a slug.
    return f"^(?:{pattern})$(?![\\s\\S])"


# A text cell may not open as a spreadsheet formula (validators/text.py, formula-prefix);
# verbatim quotes are exempt, and for a list it is the cell's first character, its first item's.
FORMULA_START = {"pattern": r"^[=+\-@\t\r]"}
# Nor may it hold a control character but tab, LF and CR (validators/tables.py, control-character).
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
FORMULA_OR_CONTROL = {"pattern": FORMULA_START["pattern"] + "|" + CONTROL}


def _value_schema(field: Field) -> dict:
    kind = field.type
    schema: dict = {"type": JSON_TYPES[kind]}
    guard = kind in ("string", "list") and not field.verbatim
    if kind == "date":
        schema["format"] = "date"
    if kind == "list":
        item: dict = {"type": "string"}
        if field.enum is not None:
            item["enum"] = list(field.enum)
        if field.pattern is not None:
            item["pattern"] = anchored(field.pattern)
        if guard:
            item["not"] = {"pattern": CONTROL}
            # prefixItems takes the first item away from `items` (2020-12), so it repeats the
            # item's rules and adds the formula guard, which only a cell's first item needs.
            schema["prefixItems"] = [{"allOf": [item, {"not": FORMULA_START}]}]
        schema["items"] = item
        return schema
    for value, theirs in ((field.minimum, "minimum"), (field.maximum, "maximum"), (field.min_length, "minLength"),
                          (field.max_length, "maxLength")):
        if value is not None:
            schema[theirs] = value
    if field.enum is not None:
        schema["enum"] = list(field.enum)
    if field.pattern is not None:
        schema["pattern"] = anchored(field.pattern)
    if guard:
        schema["not"] = FORMULA_OR_CONTROL
    if kind == "integer":
        schema.setdefault("minimum", -(2**63))
        schema.setdefault("maximum", 2**63 - 1)
    return schema


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _is_null(name: str) -> dict:
    return {"properties": {name: {"type": "null"}}}


def _not_null(name: str) -> dict:
    return {"properties": {name: {"not": {"type": "null"}}}}


def _precision_rules(date: str, precision: str) -> list[dict]:
    rules = [{"if": {"properties": {precision: {"const": level}}},
              "then": {"properties": {date: {"anyOf": [{"type": "null"}, {"pattern": shape, **(
                  {"format": "date"} if level == "day" else {})}]}}}}
             for level, shape in SHAPES.items()]
    # A date with no precision to read it by is as wrong as a precision with no date.
    rules.append({"if": _is_null(precision), "then": _is_null(date)})
    return rules


def row_schema(table: Table) -> dict:
    properties, required, rules = {}, [], []
    for field in table.fields:
        name = field.name
        value = _value_schema(field)
        if not field.must_be_present:
            value = _nullable(value)
        properties[name] = {"description": field.description, **value}
        required.append(name)
        if field.precision_field:
            rules.extend(_precision_rules(name, field.precision_field))
        if field.required_with:
            other = field.required_with
            rules.append({"if": _is_null(other), "then": _is_null(name), "else": _not_null(name)})
    if table.exactly_one:
        rules.append({"oneOf": [_not_null(name) for name in table.exactly_one]})
    schema = {"$schema": DIALECT, "title": f"One row of {table.name}",
              "description": table.description,
              "comment": "Generated from the Table Schema by `aapeace generate`; do not edit.",
              "type": "object", "properties": properties, "required": required,
              "additionalProperties": False}
    if rules:
        schema["allOf"] = rules
    return schema


def json_schema_path(table: Table) -> str:
    return table.json_schema_path
