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

from .errors import ValidationError

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@cache
def profile(name: str) -> jsonschema.protocols.Validator:
    text = importlib_resources.files(__package__).joinpath("profiles", name).read_text(encoding="utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def _pointer(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def read_descriptor(path: Path) -> tuple[dict | None, list[ValidationError]]:
    label = path.name
    if not path.is_file():
        return None, [ValidationError("descriptor-missing", f"no {DESCRIPTOR} at {path}", file=label)]
    try:
        descriptor = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, [ValidationError("descriptor-unreadable", f"cannot read {label}: {exc}", file=label)]
    if not isinstance(descriptor, dict):
        return None, [ValidationError("descriptor-unreadable", f"{label} is not a JSON object", file=label)]
    return descriptor, []


def check_profile(descriptor: dict, label: str) -> Iterator[ValidationError]:
    for error in sorted(profile("datapackage.json").iter_errors(descriptor), key=lambda e: list(e.absolute_path)):
        yield ValidationError("descriptor-profile", f"{_pointer(error)}: {error.message}", file=label,
                              field=_pointer(error))


def check_version(descriptor: dict, label: str) -> Iterator[ValidationError]:
    version = descriptor.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        yield ValidationError("version-not-semver", f"version {version!r} is not MAJOR.MINOR.PATCH",
                              file=label, field="version")


def unsafe_reason(path: object, root: Path) -> str | None:
    """Why a path may not be opened, or None. Nothing outside the package is ever read."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    if URL.match(path):
        return "is a URL: this validator never fetches"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return "is absolute"
    parts = re.split(r"[/\\]", path)
    if ".." in parts:
        return "climbs out of the package with '..'"
    if any(part.startswith(".") for part in parts):
        return "names a hidden file or folder"
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root.resolve()):
        return "leads outside the package through a symbolic link"
    return None


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
    for error in profile("tableschema.json").iter_errors(schema):
        yield ValidationError("schema-invalid", f"{_pointer(error)}: {error.message}", file=label,
                              field=_pointer(error))
    fields = [f.get("name") for f in schema.get("fields", []) if isinstance(f, dict)]
    if len(set(fields)) != len(fields):
        yield ValidationError("schema-invalid", "field names repeat", file=label, field="fields")
    known = set(fields)
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
            try:
                schema = json.loads((root / schema).read_bytes().decode("utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                errors.append(ValidationError("schema-unreadable", f"cannot read {schema}: {exc}", file=schema))
                continue
        if not isinstance(schema, dict):
            errors.append(ValidationError("schema-invalid", "the schema is not a JSON object", file=schema_label))
            continue
        schema_errors = list(check_schema(schema, resource.get("name"), names, schema_label))
        errors.extend(schema_errors)
        if not schema_errors:
            tables.append(Table(resource["name"], resource["path"], schema, resource))
    return tables, errors
