"""Regenerate every derived file from its source of truth, or check that none is stale.

Derived: the JSON Schemas (from the Table Schemas), the JSON exports (from the CSVs), the
data dictionary and error catalogue (docs/), and each resource's ``hash`` and ``bytes`` in
the descriptor. Nothing else is written: the CSVs, texts and Table Schemas are the user's.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import coverage, csvio, dictionary, exports, jsonschemas
from .package import read_json, resolve_descriptor, sha256_of, tables_of


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _error_catalogue() -> str:
    from aapeace.validators.errors import CATALOGUE, LAYERS

    lines = ["# Error codes", "", "Generated from `validators/errors.py` by `aapeace generate`.",
             "Codes are stable: tools may match on them.", "", "| code | layer | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{code}` | {layer} ({LAYERS[layer]}) | {meaning} |" for code, (layer, meaning) in CATALOGUE.items()]
    return "\n".join(lines) + "\n"


def derived_files(descriptor_path: Path, with_docs: bool = True, with_exports: bool = True) -> dict[Path, str]:
    """Every derived file's path and the exact text it should hold, descriptor last.

    ``with_exports=False`` refreshes only schemas and hashes: exports need valid CSVs.
    """
    root = descriptor_path.parent
    descriptor = read_json(descriptor_path)
    tables = tables_of(descriptor, root)
    files: dict[Path, str] = {}
    for table in tables:
        files[root / jsonschemas.json_schema_path(table)] = _json(jsonschemas.row_schema(table))
        if with_exports:
            text = csvio.read_text(root / table.path)  # a CR inside a cell is kept, not turned into LF
            files[root / table.export_path] = exports.dumps(exports.typed_rows(table, text))
    if with_docs:
        files[root / "docs" / "data-dictionary.md"] = dictionary.render(tables)
        files[root / "docs" / "coverage.md"] = coverage.render(tables, root)
        files[root / "docs" / "errors.md"] = _error_catalogue()
    for resource in descriptor["resources"]:
        path = root / resource["path"]
        resource["hash"] = f"sha256:{sha256_of(path)}"
        resource["bytes"] = path.stat().st_size
    files[descriptor_path] = _json(descriptor)
    return files


def stale(descriptor_path: Path, with_docs: bool = True) -> list[Path]:
    return [path for path, text in derived_files(descriptor_path, with_docs).items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def write(descriptor_path: Path, with_docs: bool = True, with_exports: bool = True) -> list[Path]:
    written = []
    for path, text in derived_files(descriptor_path, with_docs, with_exports).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    return written


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
