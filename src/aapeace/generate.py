"""Regenerate every derived file from its source of truth, or check that none is stale.

Derived: the JSON Schemas (from the Table Schemas), the JSON exports (from the CSVs), the
data dictionary, coverage report and error catalogue (docs/), the catalogue records
(``croissant.json`` for dataset search engines and ML hubs, ``.zenodo.json`` for archiving a
release), and in the descriptor each resource's ``hash`` and ``bytes`` and each table's
``dialect`` (the one CSV dialect, stated in full). Nothing else is written: the CSVs, texts and Table
Schemas are the user's. Everything is derived from the model and read through the one
door; everything is written through ``files.Writer`` inside the package's folder, never
through or over a symbolic link, and never over a file the package declares as its own
(a resource, a Table Schema, or a source text named in the ``sources`` table's ``path``).

``aapeace generate`` validates the package before writing (the hashes it writes vouch for
the data): it refuses a package with errors other than the stale derived files it repairs
(``REPAIRS``). The functions here do not validate: tests use them on broken packages.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import coverage, croissant, dictionary, files, jsonrows, jsonschemas, zenodo
from .dataset import Dataset
from .errors import CATALOGUE, LAYERS, PackageError, ValidationError
from .model import DESCRIPTOR, DIALECT, DIALECT_METADATA, Package, open_package

# Where a wheel installs the package's own copy (beside this module, in site-packages).
INSTALLED_PACKAGE = Path(__file__).resolve().parent / "_package"

DOCS = ("docs/data-dictionary.md", "docs/coverage.md", "docs/errors.md")

# The validator's codes for a stale derived file: what ``generate`` itself repairs, so they
# do not stop it. Any other error does (unless ``--allow-invalid``).
REPAIRS = frozenset({"hash-mismatch", "bytes-mismatch", "export-missing", "export-unreadable", "export-mismatch",
                     "export-row-invalid", "export-duplicate-key", "jsonschema-stale"})


def installed_copy(descriptor_path: Path) -> bool:
    """Is this the copy installed with aapeace? It is not a checkout: its docs are not there
    (so ``--check`` would call them stale) and regenerating would write into site-packages."""
    try:
        return Path(descriptor_path).resolve().is_relative_to(INSTALLED_PACKAGE)
    except (OSError, RuntimeError, ValueError):
        return False


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _error_catalogue() -> str:
    lines = ["# Error codes", "", "Generated from `src/aapeace/errors.py` by `aapeace generate`.",
             "Codes are stable: tools may match on them.", "", "| code | layer | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{code}` | {layer} ({LAYERS[layer]}) | {meaning} |" for code, (layer, meaning) in CATALOGUE.items()]
    return "\n".join(lines) + "\n"


def _with_dialect(raw: dict) -> dict:
    """A table resource stating the one CSV dialect (Table Dialect v2) in full, so that readers
    which sniff a dialect do not guess; placed before its schema. The model has refused any
    other dialect, so only a missing or partial one changes here."""
    out = {k: v for k, v in raw.items() if k != "dialect"}
    dialect = {**DIALECT, **{k: v for k, v in (raw.get("dialect") or {}).items() if k in DIALECT_METADATA}}
    keys = list(out)
    at = keys.index("schema") if "schema" in keys else len(keys)
    return {**dict(list(out.items())[:at]), "dialect": dialect, **dict(list(out.items())[at:])}


def _same_file_key(root: Path, relative: str) -> tuple[str, Path | None]:
    """What two package paths are compared by: the path as a case-insensitive file system or
    Windows reads it, and where it leads (a link inside the package to a derived file)."""
    try:
        resolved = (root / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        resolved = None
    return relative.replace("\\", "/").casefold(), resolved


def _owned(package: Package, data: Dataset) -> dict[str, tuple[str, str]]:
    """Every path the package owns -> (what it is, the file that declares it): the resources,
    their Table Schemas and every source text the sources table names (read through the
    one door)."""
    owned = {r.path: (f"resource {r.name}", DESCRIPTOR) for r in package.resources}
    owned.update({r.schema_path: (f"the Table Schema of {r.name}", DESCRIPTOR)
                  for r in package.resources if r.schema_path})
    if package.has_table("sources") and package.table("sources").field("path") is not None:
        table = package.table("sources")
        for number, row in zip(data.row_numbers("sources"), data.rows("sources")):
            if row.get("path"):
                owned.setdefault(row["path"], (f"the source text of {row.get('source_id', '')!r} "
                                               f"({table.path}, row {number})", table.path))
    return owned


def _refuse_collisions(root: Path, derived: dict[str, str], owned: dict[str, tuple[str, str]]) -> None:
    """A derived file may never take the place of a file the package owns (a table whose
    path ends in .json would otherwise have its CSV overwritten by its own export; a source
    text at docs/errors.md by the error catalogue)."""
    keys: dict[object, str] = {}
    for relative in owned:
        name, resolved = _same_file_key(root, relative)
        keys[name] = relative
        if resolved is not None:
            keys[resolved] = relative
    for relative in derived:
        name, resolved = _same_file_key(root, relative)
        hit = keys.get(name) or (keys.get(resolved) if resolved is not None else None)
        if hit is not None:
            what, where = owned[hit]
            raise PackageError(ValidationError(
                "path-unsafe", f"the derived file {relative} would overwrite {hit}, {what}, which the package "
                "owns; nothing is written", file=where))


def _digest(root: Path, relative: str) -> tuple[str, int]:
    content = files.read_bytes(root, relative)
    return files.sha256_hex(content), len(content)


def _source_texts(data: Dataset) -> dict[str, tuple[str, str]]:
    """Each source text's path -> (what it is: its id, title and rights; the sha256 its row
    records), from the sources table. The texts are not opened: the validator checks them."""
    if not data.package.has_table("sources") or data.table("sources").field("path") is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for row in data.rows("sources"):
        if row.get("path"):
            parts = [f"Source text {row.get('source_id', '')}", row.get("title", ""), row.get("rights", "")]
            out.setdefault(row["path"], (". ".join(p.rstrip(".") for p in parts if p) + ".", row.get("sha256", "")))
    return out


def _derived(descriptor_path: Path, with_docs: bool, with_exports: bool) -> tuple[Path, dict[str, str]]:
    package = open_package(descriptor_path)
    root = package.root
    data = Dataset(package)
    out: dict[str, str] = {}
    for table in package.tables:
        out[table.json_schema_path] = _json(jsonschemas.row_schema(table))
        if with_exports:
            out[table.export_path] = jsonrows.dumps(data.typed_rows(table.name))
    if with_docs:
        out["docs/data-dictionary.md"] = dictionary.render(package.tables)
        out["docs/coverage.md"] = coverage.render(data)
        out["docs/errors.md"] = _error_catalogue()
    digests = {resource.path: _digest(root, resource.path) for resource in package.resources}
    if with_exports:  # the texts are listed from the sources table, which must then be readable
        out[croissant.FILE] = _json(croissant.render(package, digests, _source_texts(data)))
    out[zenodo.FILE] = _json(zenodo.render(package))
    descriptor = package.descriptor
    for resource in package.resources:
        raw = descriptor["resources"][resource.index]
        if resource.is_table:
            descriptor["resources"][resource.index] = raw = _with_dialect(raw)
        raw["hash"] = f"sha256:{digests[resource.path][0]}"
        raw["bytes"] = digests[resource.path][1]
    _refuse_collisions(root, out, _owned(package, data))
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


class Plan:
    """The derived files of one package, computed and with every target checked, not yet written."""

    def __init__(self, root: Path, out: dict[str, str]) -> None:
        self.root, self.out = root, out
        self.writer = files.Writer(root, overwrite=True, create=False)
        self.writer.check(list(out))

    def write(self) -> list[Path]:
        """Write every stale derived file (and only those); return them."""
        return [self.writer.write(relative, self.out[relative]) for relative in _stale(self.root, self.out)]


def prepare(descriptor_path: Path, with_docs: bool = True, with_exports: bool = True) -> Plan:
    """Every derived file computed and every target checked (PackageError or
    files.WriteRefused otherwise); nothing is written yet."""
    return Plan(*_derived(Path(descriptor_path), with_docs, with_exports))


def write(descriptor_path: Path, with_docs: bool = True, with_exports: bool = True) -> list[Path]:
    """Write every stale derived file (and only those) inside the package's folder; return them.
    Every target is checked before the first is written (files.WriteRefused otherwise).
    The package is not validated: ``aapeace generate`` does that first."""
    return prepare(descriptor_path, with_docs, with_exports).write()


def blocking(errors: list[ValidationError]) -> list[ValidationError]:
    """The validator's errors that ``generate`` does not repair (an ``errors-capped`` entry
    counts when it counts one of them)."""
    out = [e for e in errors if e.code not in REPAIRS and e.code != "errors-capped"]
    codes = {e.code for e in out}
    return out + [e for e in errors if e.code == "errors-capped"
                  and any(f" more {code} error" in e.message for code in codes)]
