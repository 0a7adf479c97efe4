"""Layer 1: the descriptor against the Data Package v2 profile, and each Table Schema against
the Table Schema profile. Paths are vetted here, before any file is opened."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

import jsonschema

from aapeace.package import DESCRIPTOR, Table, is_table

from . import jsonfile
from .errors import ValidationError
from .safety import unsafe_reason  # noqa: F401 - vetted here, before any file is opened
from .tables import pattern_problem

# What the span layer reads from the sources table (validators/spans.py, load_sources).
SOURCE_FIELDS = ("source_id", "path", "sha256")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@cache
def profile(name: str) -> jsonschema.protocols.Validator:
    text = importlib_resources.files(__package__).joinpath("profiles", name).read_text(encoding="utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def _pointer(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def read_descriptor(path: Path) -> tuple[dict | None, list[ValidationError]]:
    label = path.name
    if not path.exists():
        return None, [ValidationError("descriptor-missing", f"no {DESCRIPTOR} at {path}", file=label)]
    descriptor, errors = jsonfile.read(path, label, "descriptor-unreadable")
    if descriptor is not None and not isinstance(descriptor, dict):
        return None, [ValidationError("descriptor-unreadable", f"{label} is not a JSON object", file=label)]
    return descriptor, errors


def check_profile(descriptor: dict, label: str) -> Iterator[ValidationError]:
    for error in sorted(profile("datapackage.json").iter_errors(descriptor), key=lambda e: list(e.absolute_path)):
        yield ValidationError("descriptor-profile", f"{_pointer(error)}: {error.message}", file=label,
                              field=_pointer(error))


def usable(descriptor: dict) -> dict:
    """The descriptor as the later layers may read it: ``resources`` a list of objects whose
    name, path, schema, hash and bytes have the types the profile requires. Anything else is
    dropped here (the profile check has already reported it), so that a malformed descriptor
    yields errors, never a crash."""
    kept = []
    resources = descriptor.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            continue
        resource = dict(resource)
        path = resource.get("path")
        if not (isinstance(path, str) or (isinstance(path, list) and path and all(isinstance(p, str) for p in path))):
            resource.pop("path", None)
        for key, ok in (("schema", (str, dict)), ("hash", str), ("bytes", int)):
            if key in resource and (not isinstance(resource[key], ok) or isinstance(resource[key], bool)):
                del resource[key]
        kept.append(resource)
    return {**descriptor, "resources": kept}


def check_version(descriptor: dict, label: str) -> Iterator[ValidationError]:
    version = descriptor.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        yield ValidationError("version-not-semver", f"version {version!r} is not MAJOR.MINOR.PATCH",
                              file=label, field="version")


def check_paths(descriptor: dict, root: Path, label: str) -> Iterator[ValidationError]:
    for index, resource in enumerate(descriptor.get("resources", [])):
        if not isinstance(resource, dict):
            continue
        for key in ("path", "schema"):
            value = resource.get(key)
            if key == "schema" and not isinstance(value, str):
                continue
            values = value if isinstance(value, list) else [value]
            for item in values:
                reason = unsafe_reason(item, root) if key in resource else None
                if reason:
                    yield ValidationError("path-unsafe", f"resources/{index}/{key} {item!r} {reason}",
                                          file=label, field=f"resources/{index}/{key}")


def _names(value: object) -> list:
    return value if isinstance(value, list) else [value]


def check_schema(schema: dict, name: str, names: set[str], label: str) -> Iterator[ValidationError]:
    shape_errors = [ValidationError("schema-invalid", f"{_pointer(error)}: {error.message}", file=label,
                                    field=_pointer(error))
                    for error in profile("tableschema.json").iter_errors(schema)]
    if shape_errors:
        yield from shape_errors
        return  # the checks below read the schema in the shape the profile guarantees
    fields = [f.get("name") for f in schema.get("fields", []) if isinstance(f, dict)]
    if len(set(fields)) != len(fields):
        yield ValidationError("schema-invalid", "field names repeat", file=label, field="fields")
    known = set(fields)
    yield from _check_field_rules(schema, known, label)
    for key in _names(schema.get("primaryKey", [])):
        if key not in known:
            yield ValidationError("schema-invalid", f"primaryKey names unknown field {key!r}", file=label,
                                  field="primaryKey")
    for fk in schema.get("foreignKeys", []):
        if not isinstance(fk, dict):
            continue
        for key in _names(fk.get("fields", [])):
            if key not in known:
                yield ValidationError("schema-invalid", f"foreignKeys names unknown field {key!r}",
                                      file=label, field="foreignKeys")
        target = (fk.get("reference") or {}).get("resource") or name
        if target not in names:
            yield ValidationError("schema-invalid", f"foreignKeys reference unknown resource {target!r}",
                                  file=label, field="foreignKeys")
        referenced = _names(fk["reference"]["fields"])
        if len(referenced) != len(_names(fk["fields"])):
            yield ValidationError("schema-invalid", f"foreignKeys pairs {len(_names(fk['fields']))} field(s) with "
                                  f"{len(referenced)} referenced field(s)", file=label, field="foreignKeys")
        elif target == name:
            for key in referenced:
                if key not in known:
                    yield ValidationError("schema-invalid", f"a self-reference names unknown field {key!r}",
                                          file=label, field="foreignKeys")


def _check_references(tables: list[Table]) -> Iterator[ValidationError]:
    """A foreign key into another table must name that table's fields (else it could not be checked)."""
    fields_of = {t.name: set(t.field_names) for t in tables}
    for table in tables:
        for fk in table.foreign_keys:
            target = fk["reference"].get("resource") or table.name
            for key in _names(fk["reference"]["fields"]):
                if target in fields_of and key not in fields_of[target]:
                    yield ValidationError("schema-invalid", f"foreignKeys reference field {key!r}, which "
                                          f"{target} does not have", file=_schema_label(table), field="foreignKeys")


def _schema_label(table: Table) -> str:
    schema = table.resource.get("schema")
    return schema if isinstance(schema, str) else DESCRIPTOR


def _check_sources_table(tables: list[Table]) -> Iterator[ValidationError]:
    """The span layer reads each source text through the sources table: it needs these fields."""
    for table in tables:
        missing = [n for n in SOURCE_FIELDS if table.name == "sources" and n not in table.field_names]
        if missing:
            yield ValidationError("schema-invalid", f"the sources table lacks field(s) {missing}, which spans "
                                  "need to find and check their texts", file=_schema_label(table), field="fields")


def _readable(tables: list[Table]) -> list[Table]:
    """The tables later layers can read: the first of each name, and a sources table with its fields."""
    kept: dict[str, Table] = {}
    for table in tables:
        if table.name == "sources" and not all(n in table.field_names for n in SOURCE_FIELDS):
            continue
        kept.setdefault(table.name, table)
    return list(kept.values())


def _check_unique_names(resources: list[dict], label: str) -> Iterator[ValidationError]:
    """Resource names are keys: foreign keys and tools find a resource by its name."""
    seen: set[str] = set()
    for index, resource in enumerate(resources):
        if resource["name"] in seen:
            yield ValidationError("descriptor-profile", f"resources/{index}/name {resource['name']!r} repeats an "
                                  "earlier resource's name", file=label, field=f"resources/{index}/name")
        seen.add(resource["name"])


def _check_field_rules(schema: dict, known: set, label: str) -> Iterator[ValidationError]:
    """What the profile cannot say: patterns that compile, and x- rules that name real fields."""
    for index, field in enumerate(schema.get("fields", [])):
        if not isinstance(field, dict):
            continue
        pattern = (field.get("constraints") or {}).get("pattern")
        problem = pattern_problem(pattern) if isinstance(pattern, str) else None
        if problem:
            yield ValidationError("schema-invalid", problem, file=label, field=f"fields/{index}/constraints/pattern")
        for rule in ("x-precisionField", "x-requiredWith"):
            if rule in field and field[rule] not in known:
                yield ValidationError("schema-invalid", f"{rule} names unknown field {field[rule]!r}", file=label,
                                      field=f"fields/{index}/{rule}")
    for name in schema.get("x-exactlyOne", []):
        if name not in known:
            yield ValidationError("schema-invalid", f"x-exactlyOne names unknown field {name!r}", file=label,
                                  field="x-exactlyOne")


def load_tables(descriptor: dict, root: Path, label: str) -> tuple[list[Table], list[ValidationError]]:
    """Tables whose descriptor entry and schema are sound enough to read their data."""
    tables, errors = [], []
    resources = [r for r in descriptor.get("resources", []) if isinstance(r, dict)]
    names = {r.get("name") for r in resources}
    for resource in resources:
        if not is_table(resource) or not isinstance(resource.get("path"), str):
            continue
        if unsafe_reason(resource["path"], root):
            continue
        schema, schema_label = resource.get("schema"), label
        if isinstance(schema, str):
            if unsafe_reason(schema, root):
                continue
            schema_label = schema
            schema, read_errors = jsonfile.read(root / schema, schema, "schema-unreadable")
            errors.extend(read_errors)
            if schema is None:
                continue
        if not isinstance(schema, dict):
            errors.append(ValidationError("schema-invalid", "the schema is not a JSON object", file=schema_label))
            continue
        schema_errors = list(check_schema(schema, resource.get("name"), names, schema_label))
        errors.extend(schema_errors)
        if not schema_errors:
            tables.append(Table(resource["name"], resource["path"], schema, resource))
    errors.extend(_check_references(tables))
    errors.extend(_check_unique_names(resources, label))
    errors.extend(_check_sources_table(tables))
    return _readable(tables), errors
