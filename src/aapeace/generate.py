"""Regenerate every derived file from its source of truth, or check that none is stale.

Derived: the JSON Schemas (from the Table Schemas), the JSON exports (from the CSVs), the
data dictionary, coverage report and error catalogue (docs/), and each resource's ``hash``
and ``bytes`` in the descriptor. Nothing else is written: the CSVs, texts and Table
Schemas are the user's. Everything is derived from the model and read through the one
door; everything is written through ``files.Writer`` inside the package's folder, never
through or over a symbolic link, and never over a file the package declares as its own.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import coverage, dictionary, exports, files, jsonschemas
from .dataset import Dataset
from .errors import CATALOGUE, LAYERS, PackageError, ValidationError
from .model import DESCRIPTOR, open_package, resolve_descriptor

DOCS = ("docs/data-dictionary.md", "docs/coverage.md", "docs/errors.md")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _error_catalogue() -> str:
    lines = ["# Error codes", "", "Generated from `src/aapeace/errors.py` by `aapeace generate`.",
             "Codes are stable: tools may match on them.", "", "| code | layer | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{code}` | {layer} ({LAYERS[layer]}) | {meaning} |" for code, (layer, meaning) in CATALOGUE.items()]
    return "\n".join(lines) + "\n"


def _refuse_collisions(derived: dict[str, str], owned: dict[str, str]) -> None:
    """A derived file may never take the place of a file the package declares (a table whose
    path ends in .json would otherwise have its CSV overwritten by its own export)."""
    for relative in derived:
        if relative in owned:
            raise PackageError(ValidationError(
                "path-unsafe", f"the derived file {relative} would overwrite {owned[relative]}, which the package "
                "declares as its own; nothing is written", file=DESCRIPTOR))


def _derived(descriptor_path: Path, with_docs: bool, with_exports: bool) -> tuple[Path, dict[str, str]]:
    package = open_package(descriptor_path)
    root = package.root
    data = Dataset(package)
    out: dict[str, str] = {}
    for table in package.tables:
        out[table.json_schema_path] = _json(jsonschemas.row_schema(table))
        if with_exports:
            out[table.export_path] = exports.dumps(data.typed_rows(table.name))
    if with_docs:
        out["docs/data-dictionary.md"] = dictionary.render(package.tables)
        out["docs/coverage.md"] = coverage.render(data)
        out["docs/errors.md"] = _error_catalogue()
    descriptor = package.descriptor
    for resource in package.resources:
        content = files.read_bytes(root, resource.path)
        raw = descriptor["resources"][resource.index]
        raw["hash"] = f"sha256:{files.sha256_hex(content)}"
        raw["bytes"] = len(content)
    owned = {r.path: f"resource {r.name}" for r in package.resources}
    owned.update({r.schema_path: f"the Table Schema of {r.name}" for r in package.resources if r.schema_path})
    _refuse_collisions(out, owned)
    name = package.descriptor_path.name
    if name in out:
        raise PackageError(ValidationError("path-unsafe", f"a derived file would overwrite the descriptor {name}",
                                           file=DESCRIPTOR))
    out[name] = _json(descriptor)
    return root, out


def derived_files(descriptor_path: Path, with_docs: bool = True, with_exports: bool = True) -> dict[Path, str]:
    """Every derived file's path and the exact text it should hold, descriptor last.

    ``with_exports=False`` refreshes only schemas and hashes: exports need readable CSVs.
    Raises PackageError when the package or a file it needs cannot be read.
    """
    root, out = _derived(Path(descriptor_path), with_docs, with_exports)
    return {root / relative: text for relative, text in out.items()}


def _current(root: Path, relative: str) -> bytes | None:
    try:
        return files.read_bytes(root, relative)
    except PackageError:
        return None


def _stale(root: Path, out: dict[str, str]) -> list[str]:
    return [relative for relative, text in out.items() if _current(root, relative) != text.encode("utf-8")]


def stale(descriptor_path: Path, with_docs: bool = True) -> list[Path]:
    root, out = _derived(Path(descriptor_path), with_docs, True)
    return [root / relative for relative in _stale(root, out)]


def write(descriptor_path: Path, with_docs: bool = True, with_exports: bool = True) -> list[Path]:
    """Write every stale derived file (and only those) inside the package's folder; return them.
    Every target is checked before the first is written (files.WriteRefused otherwise)."""
    root, out = _derived(Path(descriptor_path), with_docs, with_exports)
    writer = files.Writer(root, overwrite=True, create=False)
    writer.check(list(out))
    return [writer.write(relative, out[relative]) for relative in _stale(root, out)]


def main(path: str | None, check: bool) -> int:
    descriptor_path = resolve_descriptor(path)
    if check:
        out = stale(descriptor_path)
        for p in out:
            print(f"stale: {p}")
        return 1 if out else 0
    for p in write(descriptor_path):
        print(f"wrote {p}")
    return 0
