"""Datasette metadata for the SQLite export, generated from the Table Schemas, so that
``datasette DB --metadata META`` shows what each table and column means, under which licence.

One entry per exported table (its description and every column's), a facet for each column
with a closed list of values (an ``array`` facet for a list column, which the database
stores as a JSON array), and the two tables the database adds. Datasette keys the metadata
by the database's name, which is its file name without the suffix.
"""
from __future__ import annotations

from pathlib import Path

from .model import Field, Package, Table
from .sqlite import ADDED_TABLES, column_description


def metadata_name(database: str) -> str:
    """The metadata file written beside a database file (``x.sqlite`` -> ``x.metadata.json``)."""
    return f"{Path(database).stem}.metadata.json"


def _facet(field: Field) -> object:
    return {"array": field.name} if field.type == "list" else field.name


def _table(table: Table) -> dict:
    out: dict = {"description": table.description or table.resource.description,
                 "columns": {f.name: column_description(f) for f in table.fields}}
    facets = [_facet(f) for f in table.fields if f.enum is not None]
    if facets:
        out["facets"] = facets
    return out


def render(package: Package, database: str, tables: list[str]) -> dict:
    """The metadata for ``database`` (its file name) holding ``tables`` of ``package``."""
    described = {name: _table(package.table(name)) for name in tables}
    described["package_info"] = _added("package_info")
    if "sources" in tables:
        described["source_texts"] = _added("source_texts")
    out: dict = {"title": package.title, "description": package.description}
    licences = [lic for lic in package.licenses if lic.name]
    if licences:  # Datasette shows one licence: the first, the data's; the description names all
        out["license"] = licences[0].name
        if licences[0].url:
            out["license_url"] = licences[0].url
        if len(licences) > 1:
            out["description"] += " Licences: " + "; ".join(lic.label for lic in licences) + "."
    out["source"] = f"Data package {package.name} {package.version}"
    if package.homepage:
        out["source_url"] = package.homepage
    out["databases"] = {Path(database).stem: {"tables": described}}
    return out


def _added(name: str) -> dict:
    description, columns = ADDED_TABLES[name]
    return {"description": description, "columns": dict(columns)}
