"""Finding and reading a data package on disk: descriptor, resources, Table Schemas.

Standard library only, so that ``load()`` stays light.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

DESCRIPTOR = "datapackage.json"
SPAN_FIELDS = ("source_id", "span_start", "span_end", "quote")


URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
MAX_PATH_PART = 200  # bytes; file systems refuse names past 255, and ".json" is added to table paths


def unsafe_reason(path: object, root: Path) -> str | None:
    """Why a path may not be opened, or None. Nothing outside the package is ever read."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode"
    if b"\0" in encoded:
        return "contains a NUL character"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):  # a drive letter before any URL scheme
        return "is absolute"
    if URL.match(path):
        return "is a URL: nothing is ever fetched"
    parts = re.split(r"[/\\]", path)
    if ".." in parts:
        return "climbs out of the package with '..'"
    if any(part.startswith(".") for part in parts):
        return "names a hidden file or folder"
    if any(len(part.encode("utf-8")) > MAX_PATH_PART for part in parts) or len(encoded) > 4 * MAX_PATH_PART:
        return "is too long"
    try:
        resolved = (root / path).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return "cannot be resolved (a loop of symbolic links?)"
    if not resolved.is_relative_to(root.resolve()):
        return "leads outside the package through a symbolic link"
    return None


def shipped_root() -> Path:
    """The package shipped with this install: inside the wheel, or the checkout's top level."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_package", here.parent.parent):
        if (candidate / DESCRIPTOR).is_file():
            return candidate
    raise FileNotFoundError("no shipped datapackage.json found beside the aapeace module")


def resolve_descriptor(path: str | Path | None) -> Path:
    """A descriptor path from a descriptor, a folder holding one, or None (the shipped package)."""
    if path is None:
        return shipped_root() / DESCRIPTOR
    p = Path(path)
    return p / DESCRIPTOR if p.is_dir() else p


def read_json(path: Path) -> object:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def declared_hash(resource: dict) -> tuple[str, str] | None:
    """(algorithm, hex digest) of a resource's ``hash``; v2 writes ``sha256:<hex>``, bare hex is md5."""
    value = resource.get("hash")
    if not isinstance(value, str):
        return None
    algorithm, _, digest = value.rpartition(":")
    return (algorithm or "md5", digest.lower())


@dataclass
class Table:
    """A tabular resource and its Table Schema, as the descriptor declares them."""

    name: str
    path: str
    schema: dict
    resource: dict

    @property
    def fields(self) -> list[dict]:
        return self.schema.get("fields", [])

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field(self, name: str) -> dict | None:
        return next((f for f in self.fields if f["name"] == name), None)

    @property
    def primary_key(self) -> list[str]:
        pk = self.schema.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[dict]:
        return self.schema.get("foreignKeys", [])

    @property
    def has_spans(self) -> bool:
        return all(name in self.field_names for name in SPAN_FIELDS)

    @property
    def export_path(self) -> str:
        return str(Path(self.path).with_suffix(".json"))


def is_table(resource: dict) -> bool:
    return resource.get("type") == "table" or "schema" in resource


def schema_of(resource: dict, root: Path) -> dict:
    schema = resource.get("schema", {})
    if isinstance(schema, str):
        schema = read_json(root / schema)
    return schema  # type: ignore[return-value]


def tables_of(descriptor: dict, root: Path) -> list[Table]:
    """Every tabular resource with its schema read (raises on an unreadable schema)."""
    return [Table(r["name"], r["path"], schema_of(r, root), r)
            for r in descriptor.get("resources", []) if is_table(r)]


def field_enum(field: dict) -> list | None:
    return field.get("constraints", {}).get("enum")


def field_required(field: dict, table: Table) -> bool:
    return bool(field.get("constraints", {}).get("required")) or field["name"] in table.primary_key
