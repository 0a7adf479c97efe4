"""The package as an MLCommons Croissant description (``croissant.json``), generated from the
model so that dataset search engines and ML hubs read the same tables the validator checks.

Croissant is JSON-LD on schema.org: the Dataset's ``distribution`` lists every file (each
table's CSV and each source text, by relative ``contentUrl`` and ``sha256``), and each table
is a ``RecordSet`` whose ``Field``s extract its CSV's columns. Types, descriptions, primary
keys (``key``) and foreign keys (``references``) come from the Table Schemas; a list column
is a repeated field split on its delimiter. Nothing here names a table or a column.

No URL or identifier is invented: ``url`` is written only when the descriptor gives a
``homepage``, and the licences are the addresses the descriptor gives.
"""
from __future__ import annotations

from collections.abc import Mapping

from .model import Field, Package, Table

FILE = "croissant.json"  # at the top level, beside the descriptor
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
# The JSON-LD context of Croissant 1.0, as the specification gives it (readers warn on any other).
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/", "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "samplingRate": "cr:samplingRate", "equivalentProperty": "cr:equivalentProperty",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}
# Table Schema type -> schema.org data type. A list is text, repeated (split on its delimiter).
DATA_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float", "boolean": "sc:Boolean",
              "date": "sc:Date", "list": "sc:Text"}
TEXT_FORMAT = "text/plain"  # a source text that is not a resource of its own


def field_id(table: str, field: str) -> str:
    return f"{table}/{field}"


def _field(table: Table, field: Field) -> dict:
    out: dict = {"@type": "cr:Field", "@id": field_id(table.name, field.name), "name": field.name,
                 "description": field.description, "dataType": DATA_TYPES[field.type],
                 "source": {"fileObject": {"@id": table.path}, "extract": {"column": field.name}}}
    if field.type == "list":
        out["repeated"] = True
        out["source"]["transform"] = {"separator": field.delimiter}
    for fk in table.foreign_keys:
        # Croissant's references point at another RecordSet (readers join on them, and a
        # table joined to itself is a cycle they refuse): a self-reference is left to the
        # description and the Table Schema.
        if field.name in fk.fields and not fk.self_reference:
            target = fk.reference_fields[fk.fields.index(field.name)]
            out["references"] = {"field": {"@id": field_id(fk.resource, target)}}
    return out


def _record_set(table: Table) -> dict:
    out: dict = {"@type": "cr:RecordSet", "@id": table.name, "name": table.name,
                 "description": table.description or table.resource.description}
    if table.primary_key:
        keys = [{"@id": field_id(table.name, k)} for k in table.primary_key]
        out["key"] = keys[0] if len(keys) == 1 else keys
    out["field"] = [_field(table, f) for f in table.fields]
    return out


def _file(path: str, name: str, description: str, sha256: str, size: int | None, media_type: str) -> dict:
    out = {"@type": "cr:FileObject", "@id": path, "name": name, "description": description, "contentUrl": path,
           "encodingFormat": media_type}
    if size is not None:
        out["contentSize"] = f"{size} B"
    out["sha256"] = sha256
    return out


def _bib(text: str) -> str:
    # A brace or backslash in a title would end or escape the BibTeX value early.
    return text.translate({ord("{"): "(", ord("}"): ")", ord("\\"): "/"})


def cite_as(package: Package) -> str:
    """A BibTeX entry from the descriptor alone (no address: none is known)."""
    authors = " and ".join("{" + _bib(c.title) + "}" for c in package.creators)
    year = package.created[:4]
    lines = [f"@misc{{{_bib(package.name)}-{_bib(package.version)},", f"  title = {{{_bib(package.title)}}},"]
    if authors:
        lines.append(f"  author = {{{authors}}},")
    if year.isdigit():
        lines.append(f"  year = {{{year}}},")
    lines.append(f"  version = {{{_bib(package.version)}}},")
    lines.append("  note = {Frictionless Data Package}")
    return "\n".join(lines) + "\n}"


def render(package: Package, digests: Mapping[str, tuple[str, int]], texts: Mapping[str, tuple[str, str]]) -> dict:
    """The Croissant description. ``digests``: each resource's path -> (sha256, bytes) as the
    file is now; ``texts``: each source text's path -> (what it is, the sha256 its row records),
    for the texts that are not resources of their own."""
    distribution = [_file(r.path, r.name, r.description or r.title or texts.get(r.path, ("", ""))[0],
                          *digests[r.path], "text/csv" if r.is_table else r.media_type or "application/octet-stream")
                    for r in package.resources]
    listed = {r.path for r in package.resources}
    distribution += [_file(path, path.rsplit("/", 1)[-1], description, sha256, None, TEXT_FORMAT)
                     for path, (description, sha256) in texts.items() if path not in listed]
    out: dict = {"@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO, "name": package.title or package.name,
                 "alternateName": package.name, "description": package.description, "version": package.version,
                 "citeAs": cite_as(package),
                 "creator": [{"@type": "sc:Organization", "name": c.title} for c in package.creators],
                 "license": [lic.url for lic in package.licenses if lic.url],
                 "keywords": list(package.keywords)}
    if package.created:
        out["datePublished"] = package.created[:10]
    if package.homepage:
        out["url"] = package.homepage
    out["distribution"] = distribution
    out["recordSet"] = [_record_set(t) for t in package.tables]
    return out
