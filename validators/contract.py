"""The span contract, as the validator's own rules (DESIGN.md, "Spans").

Every table except ``sources`` carries ``source_id``, ``span_start``, ``span_end`` and
``quote``, with these types and bounds, and ``source_id`` is a foreign key to ``sources``,
whose rows name each text's path, sha256, length and body. These rules hold whatever a
fork's Table Schemas declare: a fork may add tables, columns and constraints, but a schema
that drops or loosens any of these gets ``contract-loosened``, never a quiet pass.
"""
from __future__ import annotations

from collections.abc import Iterator

from aapeace.errors import ValidationError
from aapeace.model import Field, ForeignKey, Package, Table

SOURCES = "sources"
# field -> (type, must have a minimum of at least 0)
SPAN_CONTRACT = {"source_id": ("string", False), "span_start": ("integer", True),
                 "span_end": ("integer", True), "quote": ("string", False)}
SOURCES_CONTRACT = {"source_id": ("string", False), "path": ("string", False), "sha256": ("string", False),
                    "length": ("integer", True), "body_start": ("integer", True), "body_end": ("integer", True)}
SOURCE_KEY = ForeignKey(("source_id",), SOURCES, ("source_id",), False)


def _loosened(table: Table, message: str, field: str | None = None) -> ValidationError:
    return ValidationError("contract-loosened", f"{table.name}: {message}", file=table.schema_label, field=field)


def _field_rules(table: Table, contract: dict[str, tuple[str, bool]]) -> Iterator[ValidationError]:
    for name, (kind, bounded) in contract.items():
        field: Field | None = table.field(name)
        if field is None:
            yield _loosened(table, f"the field {name} is missing; the span contract requires it", "fields")
            continue
        if field.type != kind:
            yield _loosened(table, f"{name} is typed {field.type}; the contract requires {kind}", name)
        if not field.must_be_present:
            yield _loosened(table, f"{name} is not required; the contract requires every row to have it", name)
        if bounded and (field.minimum is None or field.minimum < 0):
            yield _loosened(table, f"{name} has no minimum of 0 or more; offsets and lengths cannot be negative",
                            name)


def check_contract(package: Package) -> Iterator[ValidationError]:
    span_tables = [t for t in package.tables if t.name != SOURCES]
    for table in span_tables:
        yield from _field_rules(table, SPAN_CONTRACT)
        if SOURCE_KEY not in table.foreign_keys and table.field("source_id") is not None:
            yield _loosened(table, "source_id is not declared a foreign key to sources.source_id", "foreignKeys")
    if not package.has_table(SOURCES):
        yield ValidationError("contract-loosened", "the package has no sources table (a resource named sources "
                              "with a Table Schema), so no span could be checked against its text",
                              file=package.descriptor_path.name, field="resources")
        return
    sources = package.table(SOURCES)
    yield from _field_rules(sources, SOURCES_CONTRACT)
    if sources.primary_key != ("source_id",):
        yield _loosened(sources, "the primary key is not source_id", "primaryKey")



def check_plain_files(package: Package, source_paths: set[str] | None) -> Iterator[ValidationError]:
    """A resource that is not a table must be a source text that a sources row names: any
    other file is one no rule reads, and a table renamed into such a file (``.txt``, no
    schema) would leave the contract unnoticed. ``source_paths`` is None when the sources
    table could not be read (its own errors say why); with no sources table at all, every
    plain file is such a file."""
    if source_paths is None and package.has_table(SOURCES):
        return  # the sources table could not be read: its own errors say why
    source_paths = source_paths or set()
    for resource in package.resources:
        if not resource.is_table and resource.path not in source_paths:
            yield ValidationError("contract-loosened", f"resources/{resource.index} ({resource.path}) is neither a "
                                  "table with a Table Schema nor a source text named in the sources table, so no "
                                  "rule would read it", file=package.descriptor_path.name,
                                  field=f"resources/{resource.index}")
