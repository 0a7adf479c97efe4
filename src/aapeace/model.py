"""The package as a model, read once: descriptor and Table Schemas parsed into small
immutable objects, with every form the Data Package v2 and Table Schema v2 specs allow
normalised here and nowhere else.

A form the specs allow but these tools do not read (a multipart path, inline data, a
field type with no checks here, a hash in another algorithm …) is refused with its own
code, never skipped: a check that silently does not run is the way a fork could switch
checks off. Every other module reads ``Package``, ``Table`` and ``Field``; none reads a
schema dict. Standard library only, so that ``load()`` stays light.

``read_package`` collects every problem as data (the validator reports them all);
``open_package`` raises ``PackageError`` with the first (the other commands stop there).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from . import files, jsonfile, limits
from .errors import PackageError, ValidationError

DESCRIPTOR = "datapackage.json"
SPAN_FIELDS = ("source_id", "span_start", "span_end", "quote")
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
DATARESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
TABLEDIALECT_PROFILE = "https://datapackage.org/profiles/2.0/tabledialect.json"
# A name becomes part of file names (exports, JSON Schemas, HTML pages): a slug, no '..'.
NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]|\.(?!\.))*\Z")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\Z", re.ASCII)
SHA256 = re.compile(r"^sha256:([0-9a-f]{64})\Z")

TYPES = ("string", "integer", "number", "boolean", "list", "date")
DEFAULT_TRUE = ("true", "True", "TRUE", "1")
DEFAULT_FALSE = ("false", "False", "FALSE", "0")
# The one CSV dialect the package uses (RFC 4180 with LF): a declared dialect must say the same;
# `aapeace generate` states it in full on every table (readers that sniff would guess).
DIALECT = {"header": True, "headerRows": [1], "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"',
           "doubleQuote": True, "skipInitialSpace": False}
DIALECT_METADATA = {"$schema", "name", "title", "description"}
# Which constraints each field type supports; any other constraint the spec defines is refused.
CONSTRAINTS = {
    "string": {"required", "unique", "enum", "pattern", "minLength", "maxLength"},
    "list": {"required", "unique", "enum", "pattern"},  # enum and pattern apply to each item
    "integer": {"required", "unique", "enum", "minimum", "maximum"},
    "number": {"required", "unique", "minimum", "maximum"},
    "boolean": {"required", "unique"},
    "date": {"required", "unique"},
}
SPEC_CONSTRAINTS = {"required", "unique", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
                    "exclusiveMinimum", "exclusiveMaximum", "jsonSchema"}
# Field properties with a meaning for reading values; each is supported or refused below.
FIELD_RULES = ("x-precisionField", "x-requiredWith", "x-notBefore")


@dataclass(frozen=True)
class AllowedPerReference:
    """x-allowedPerReference: the values this field may take, per value of a field of the row
    its foreign key points at (an event_actors role per events.type). A referenced value the
    map does not list allows none: a new type must say which roles it takes."""
    foreign_key: str                                  # a single-field foreign key of this table
    field: str                                        # the field of the referenced table
    allowed: tuple[tuple[str, tuple[str, ...]], ...]  # referenced value -> allowed values

    def allowed_for(self, value: str) -> tuple[str, ...]:
        return dict(self.allowed).get(value, ())

    def to_dict(self) -> dict:
        return {"foreignKey": self.foreign_key, "field": self.field, "allowed": {k: list(v) for k, v in self.allowed}}


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    unique: bool = False
    enum: tuple | None = None
    pattern: str | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    delimiter: str = ","
    true_values: tuple[str, ...] = DEFAULT_TRUE
    false_values: tuple[str, ...] = DEFAULT_FALSE
    missing_values: tuple[str, ...] = ("",)
    precision_field: str | None = None   # x-precisionField: a YYYY[-MM[-DD]] date whose shape that field gives
    required_with: str | None = None     # x-requiredWith: set exactly when that field is set
    not_before: str | None = None        # x-notBefore: a date that must not end before that field's date starts
    verbatim: bool = False               # x-verbatim: the source's exact characters (quotes)
    allowed_per_reference: AllowedPerReference | None = None
    in_primary_key: bool = False

    @property
    def must_be_present(self) -> bool:
        return self.required or self.in_primary_key

    @property
    def enum_texts(self) -> tuple[str, ...] | None:
        """The enum as the CSV spells its values."""
        return None if self.enum is None else tuple(_text(v) for v in self.enum)

    def to_dict(self) -> dict:
        """The field as Table Schema JSON (for metadata that carries it, such as Parquet's)."""
        out: dict = {"name": self.name, "type": self.type}
        if self.description:
            out["description"] = self.description
        constraints = {k: v for k, v in (("required", self.required or None), ("unique", self.unique or None),
                                         ("enum", list(self.enum) if self.enum is not None else None),
                                         ("pattern", self.pattern), ("minimum", self.minimum),
                                         ("maximum", self.maximum), ("minLength", self.min_length),
                                         ("maxLength", self.max_length)) if v is not None}
        if constraints:
            out["constraints"] = constraints
        for key, value in (("x-precisionField", self.precision_field), ("x-requiredWith", self.required_with),
                           ("x-notBefore", self.not_before)):
            if value is not None:
                out[key] = value
        if self.verbatim:
            out["x-verbatim"] = True
        if self.allowed_per_reference is not None:
            out["x-allowedPerReference"] = self.allowed_per_reference.to_dict()
        return out


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str            # the referenced table; the table itself for a self-reference
    reference_fields: tuple[str, ...]
    self_reference: bool


@dataclass(frozen=True)
class Resource:
    index: int
    name: str
    path: str
    title: str = ""
    description: str = ""
    sha256: str | None = None     # the declared hash's hex digest (only sha256 is accepted)
    bytes: int | None = None
    is_table: bool = False
    schema_path: str | None = None  # None: the schema is inline in the descriptor
    media_type: str = ""


@dataclass(frozen=True)
class Table:
    resource: Resource
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()
    missing_values: tuple[str, ...] = ("",)
    exactly_one: tuple[str, ...] = ()
    description: str = ""
    schema_label: str = DESCRIPTOR  # where the schema was read: its file, or the descriptor
    _by_name: dict = dc_field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def path(self) -> str:
        return self.resource.path

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @property
    def has_spans(self) -> bool:
        """Carries all four span columns (the contract makes any table with one carry all)."""
        return all(name in self._by_name for name in SPAN_FIELDS)

    @property
    def export_path(self) -> str:
        return str(Path(self.path).with_suffix(".json").as_posix())

    @property
    def json_schema_path(self) -> str:
        return f"schemas/jsonschema/{self.name}.json"

    def to_dict(self) -> dict:
        """The Table Schema as JSON, normalised (for metadata that carries it)."""
        out: dict = {"fields": [f.to_dict() for f in self.fields], "missingValues": list(self.missing_values)}
        if self.description:
            out["description"] = self.description
        if self.primary_key:
            out["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            out["foreignKeys"] = [{"fields": list(fk.fields), "reference": {
                "resource": fk.resource, "fields": list(fk.reference_fields)}} for fk in self.foreign_keys]
        if self.unique_keys:
            out["uniqueKeys"] = [list(k) for k in self.unique_keys]
        if self.exactly_one:
            out["x-exactlyOne"] = list(self.exactly_one)
        return out


@dataclass(frozen=True)
class License:
    name: str   # an SPDX-style id, e.g. CC-BY-4.0
    title: str
    path: str   # the licence's address, as the descriptor gives it ("" if none)

    @property
    def url(self) -> str:
        """The licence's web address, or "" (a path to a file, or a script: nothing to link to)."""
        return web_address(self.path)

    @property
    def label(self) -> str:
        """The id and what it covers, e.g. 'MIT: Code (…)'."""
        return f"{self.name}: {self.title}" if self.title else self.name


@dataclass(frozen=True)
class Contributor:
    title: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Package:
    root: Path
    descriptor_path: Path
    name: str
    version: str
    title: str
    created: str
    licenses: tuple[License, ...]
    resources: tuple[Resource, ...]
    tables: tuple[Table, ...]
    # Dataset-level metadata, for the catalogue records (Croissant, Zenodo, Datasette)
    description: str = ""
    keywords: tuple[str, ...] = ()
    homepage: str = ""  # an http(s) address only (see web_address)
    contributors: tuple[Contributor, ...] = ()
    descriptor_text: str = dc_field(repr=False, default="{}")
    # (where, JSON text) of every Table Schema as written, for the validator's profile check
    schema_texts: tuple[tuple[str, str], ...] = dc_field(repr=False, default=())

    @property
    def descriptor(self) -> dict:
        """A fresh copy of the descriptor as written (for metadata comparisons and rewriting)."""
        return json.loads(self.descriptor_text)

    @property
    def creators(self) -> tuple[Contributor, ...]:
        """Whom a citation credits: the contributors with the creator role (all, if none has it)."""
        return tuple(c for c in self.contributors if "creator" in c.roles) or self.contributors

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise PackageError(ValidationError("schema-missing", f"the package has no table named {name!r}",
                                           file=DESCRIPTOR))

    def has_table(self, name: str) -> bool:
        return any(t.name == name for t in self.tables)


# --- finding a package -------------------------------------------------------------------

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


# --- reading ------------------------------------------------------------------------------

def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _names(value: object) -> list | None:
    """A field list as Table Schema writes it: one name or a list of names."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (_is_int(value) or isinstance(value, float)) and value == value and value not in (float("inf"), float("-inf"))


class _Problems:
    """Errors found while building the model, with one place that stamps their file."""

    def __init__(self) -> None:
        self.items: list[ValidationError] = []
        self.schemas: list[tuple[str, str]] = []
        # schema path -> its document: one file named by a thousand resources is read once
        self.documents: dict[object, dict | None] = {}
        self.profiled: set[int] = set()

    def add(self, code: str, message: str, file: str, field: str | None = None) -> None:
        self.items.append(ValidationError(code, message, file=file, field=field))


def read_package(path: str | Path | None = None) -> tuple[Package | None, list[ValidationError]]:
    """The package at ``path`` (a descriptor or its folder; None: the shipped one) and every
    problem found in its descriptor and Table Schemas. The package is None only when the
    descriptor itself cannot be read; otherwise it holds the tables that could be built."""
    descriptor_path = resolve_descriptor(path)
    root, label = descriptor_path.parent, descriptor_path.name
    if not descriptor_path.exists() and not descriptor_path.is_symlink():
        return None, [ValidationError("descriptor-missing", f"no {DESCRIPTOR} at {descriptor_path}", file=label)]
    document, errors = jsonfile.read(root, label, "descriptor-unreadable")
    if document is None and errors:
        return None, errors
    if not isinstance(document, dict):  # null, a list, a number …
        return None, errors + [ValidationError("descriptor-unreadable", f"{label} is not a JSON object", file=label)]
    problems = _Problems()
    problems.items.extend(errors)
    package = _build(document, root, descriptor_path, problems)
    return package, problems.items


def open_package(path: str | Path | None = None) -> Package:
    """The package at ``path``, or PackageError naming the first problem of its descriptor or schemas."""
    package, errors = read_package(path)
    if errors:
        raise PackageError(errors[0], tuple(errors))
    assert package is not None
    return package


def _build(document: dict, root: Path, descriptor_path: Path, problems: _Problems) -> Package:
    label = descriptor_path.name
    profile = document.get("$schema")
    if profile is not None and profile != DATAPACKAGE_PROFILE:
        problems.add("profile-version", f"$schema {profile!r} is not the Data Package v2 profile "
                     f"({DATAPACKAGE_PROFILE}); this package is read by v2's rules only", label, "$schema")
    name = document.get("name")
    if name is not None and not (isinstance(name, str) and NAME.match(name)):
        problems.add("name-unsafe", f"package name {name!r} is not a lowercase slug (a-z, 0-9, '.', '_', '-'; "
                     "no '..'); it becomes part of file names", label, "name")
    version = document.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        problems.add("version-not-semver", f"version {version!r} is not MAJOR.MINOR.PATCH", label, "version")
    raw_resources = document.get("resources")
    resources: list[Resource] = []
    schemas: list[tuple[Resource, object, str]] = []
    if not isinstance(raw_resources, list) or not raw_resources:
        problems.add("descriptor-profile", "resources must be a non-empty list of objects", label, "resources")
        raw_resources = []
    bound = limits.current().max_resources
    if len(raw_resources) > bound:
        problems.add("too-many-resources", f"{len(raw_resources):,} resources, over the limit of {bound:,}; "
                     "none is read", label, "resources")
        raw_resources = []
    seen: set[str] = set()
    paths: dict[object, int] = {}
    for index, raw in enumerate(raw_resources):
        built = _resource(index, raw, root, label, problems, seen)
        if built is None:
            continue
        resource, schema = built
        same = files.identity(root, resource.path) or resource.path
        if same in paths:
            # Legal in v2, but one file read as two resources (by one path, a link or a hard
            # link) multiplies the work a hostile descriptor can ask for (a thousand tables on
            # one large CSV) and checks nothing new.
            problems.add("descriptor-unsupported", f"resources/{index}/path {resource.path!r} is the file of "
                         f"resources/{paths[same]} again; each file is one resource", label,
                         f"resources/{index}/path")
            continue
        paths[same] = index
        resources.append(resource)
        if resource.is_table and schema is not None:
            schemas.append((resource, schema, resource.schema_path or label))
    known = {r.name for r in resources if r.is_table}
    tables = [t for t in (_table(r, s, where, root, known, problems) for r, s, where in schemas) if t is not None]
    tables = _check_references(tables, problems)
    return Package(root=root, descriptor_path=descriptor_path, name=name if isinstance(name, str) else "",
                   version=version if isinstance(version, str) else "", title=_str(document.get("title")),
                   created=_str(document.get("created")), licenses=_licenses(document.get("licenses")),
                   resources=tuple(resources), tables=tuple(tables), description=_str(document.get("description")),
                   keywords=_texts(document.get("keywords")), homepage=web_address(document.get("homepage")),
                   contributors=_contributors(document.get("contributors")),
                   descriptor_text=json.dumps(document, ensure_ascii=False), schema_texts=tuple(problems.schemas))


def _objects(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _texts(value: object) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _licenses(value: object) -> tuple[License, ...]:
    return tuple(License(_str(lic.get("name")), _str(lic.get("title")), _str(lic.get("path")))
                 for lic in _objects(value))


def _contributors(value: object) -> tuple[Contributor, ...]:
    # v1 wrote one "role"; v2 writes a list of "roles"
    return tuple(Contributor(_str(c.get("title")), _texts(c.get("roles")) or _texts([c.get("role")]))
                 for c in _objects(value) if _str(c.get("title")))


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"']+\Z")


def web_address(value: object) -> str:
    """``value`` if it is an http(s) address, else "": catalogue records turn addresses into
    links, and a ``javascript:`` one would run in a reader's browser."""
    return value if isinstance(value, str) and WEB_ADDRESS.match(value) else ""


def _resource(index: int, raw: object, root: Path, label: str, problems: _Problems,
              seen: set[str]) -> tuple[Resource, object] | None:
    where = f"resources/{index}"
    if not isinstance(raw, dict):
        problems.add("descriptor-profile", f"{where} is not an object", label, where)
        return None
    name = raw.get("name")
    if not isinstance(name, str):
        problems.add("descriptor-profile", f"{where}/name is missing or not a string", label, f"{where}/name")
        return None
    if not NAME.match(name):
        problems.add("name-unsafe", f"{where}/name {name!r} is not a lowercase slug (a-z, 0-9, '.', '_', '-'; "
                     "no '..'); it becomes part of file names", label, f"{where}/name")
        return None
    if name in seen:
        problems.add("descriptor-profile", f"{where}/name {name!r} repeats an earlier resource's name", label,
                     f"{where}/name")
        return None
    seen.add(name)
    ok = True
    if raw.get("$schema", DATARESOURCE_PROFILE) != DATARESOURCE_PROFILE:
        problems.add("profile-version", f"{where}/$schema {raw['$schema']!r} is not the Data Resource v2 profile "
                     f"({DATARESOURCE_PROFILE})", label, f"{where}/$schema")
        ok = False
    if "data" in raw:
        problems.add("descriptor-unsupported", f"{where} holds inline data; every resource here is a file "
                     "(inline data would not be checked)", label, f"{where}/data")
        ok = False
    path = raw.get("path")
    if isinstance(path, list):
        problems.add("descriptor-unsupported", f"{where}/path is a list (a multipart resource); every resource "
                     "here is one file, so its parts would not be checked", label, f"{where}/path")
        return None
    if not isinstance(path, str):
        if "data" not in raw:
            problems.add("descriptor-profile", f"{where} has no path", label, f"{where}/path")
        return None
    reason = files.unsafe_reason(path, root)
    if reason:
        problems.add("path-unsafe", f"{where}/path {path!r} {reason}", label, f"{where}/path")
        ok = False
    for key in ("compression", "compressionFormat"):
        if key in raw:
            problems.add("descriptor-unsupported", f"{where}/{key}: compressed files are not read here", label,
                         f"{where}/{key}")
            ok = False
    encoding = raw.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        problems.add("descriptor-unsupported", f"{where}/encoding {encoding!r}: every file here is UTF-8", label,
                     f"{where}/encoding")
        ok = False
    sha256 = None
    if "hash" in raw:
        match = SHA256.match(raw["hash"]) if isinstance(raw["hash"], str) else None
        if match is None:
            problems.add("hash-unsupported", f"{where}/hash {raw['hash']!r} is not sha256:<64 lowercase hex "
                         "digits>; a hash in another form could not be checked", label, f"{where}/hash")
            ok = False
        else:
            sha256 = match.group(1)
    size = raw.get("bytes")
    if size is not None and not (_is_int(size) and size >= 0):
        problems.add("descriptor-profile", f"{where}/bytes {size!r} is not a whole number of bytes", label,
                     f"{where}/bytes")
        ok = False
    schema = raw.get("schema")
    is_csv = path.lower().endswith(".csv") or str(raw.get("format", "")).lower() == "csv" \
        or str(raw.get("mediatype", "")).lower() == "text/csv"
    is_table = raw.get("type") == "table" or schema is not None or is_csv
    schema_path = None
    if is_table:
        if schema is None:
            problems.add("schema-missing", f"{where} ({name}) is a table without a Table Schema, so none of it "
                         "could be checked", label, f"{where}/schema")
            ok = False
        elif isinstance(schema, str):
            reason = files.unsafe_reason(schema, root)
            if reason:
                problems.add("path-unsafe", f"{where}/schema {schema!r} {reason}", label, f"{where}/schema")
                ok = False
            schema_path = schema
        elif not isinstance(schema, dict):
            problems.add("descriptor-profile", f"{where}/schema is neither a path nor an object", label,
                         f"{where}/schema")
            ok = False
        mediatype = raw.get("mediatype")
        if mediatype is not None and str(mediatype).lower() != "text/csv":
            problems.add("descriptor-unsupported", f"{where}/mediatype {mediatype!r}: tables here are text/csv",
                         label, f"{where}/mediatype")
            ok = False
        fmt = raw.get("format")
        if fmt is not None and str(fmt).lower() != "csv":
            problems.add("descriptor-unsupported", f"{where}/format {fmt!r}: tables here are CSV", label,
                         f"{where}/format")
            ok = False
        ok = _dialect(raw.get("dialect"), where, label, problems) and ok
    if not ok:
        return None
    return (Resource(index=index, name=name, path=path, title=_str(raw.get("title")),
                     description=_str(raw.get("description")), sha256=sha256, bytes=size, is_table=is_table,
                     schema_path=schema_path, media_type=_str(raw.get("mediatype"))), schema)


def _dialect(dialect: object, where: str, label: str, problems: _Problems) -> bool:
    if dialect is None:
        return True
    if not isinstance(dialect, dict):
        problems.add("descriptor-unsupported", f"{where}/dialect must be an inline object stating this package's "
                     "dialect", label, f"{where}/dialect")
        return False
    if dialect.get("$schema", TABLEDIALECT_PROFILE) != TABLEDIALECT_PROFILE:
        problems.add("profile-version", f"{where}/dialect/$schema {dialect['$schema']!r} is not the Table Dialect "
                     f"v2 profile ({TABLEDIALECT_PROFILE})", label, f"{where}/dialect/$schema")
        return False
    for key, value in dialect.items():
        if key in DIALECT_METADATA:
            continue
        if key not in DIALECT or DIALECT[key] != value or type(DIALECT[key]) is not type(value):
            problems.add("descriptor-unsupported", f"{where}/dialect/{key} {value!r}: the tables are read with one "
                         f"dialect ({json.dumps(DIALECT)})", label, f"{where}/dialect/{key}")
            return False
    return True


def _schema_document(schema: object, root: Path, where: str, problems: _Problems) -> dict | None:
    if isinstance(schema, dict):
        return schema
    # One schema file reached by many paths (the same path, links, hard links) is read once.
    key = files.identity(root, str(schema)) or str(schema)
    if key in problems.documents:
        return problems.documents[key]
    problems.documents[key] = None  # what a second resource sees if this one fails
    document, errors = jsonfile.read(root, str(schema), "schema-unreadable")
    problems.items.extend(errors)
    if document is None and errors:
        return None
    if not isinstance(document, dict):  # null, a list, a number …
        problems.add("schema-invalid", "the schema is not a JSON object", where)
        return None
    problems.documents[key] = document
    return document


def _missing_values(value: object, where: str, pointer: str, problems: _Problems) -> tuple[str, ...] | None:
    if value is None:
        return ("",)
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("value"), str):
                out.append(item["value"])  # v2: {"value": ..., "label": ...}
            else:
                problems.add("schema-invalid", f"{pointer} holds {item!r}, neither a string nor "
                             "{{value, label}}", where, pointer)
                return None
        return tuple(out)
    problems.add("schema-invalid", f"{pointer} is not a list", where, pointer)
    return None


def _table(resource: Resource, schema: object, where: str, root: Path, known: set[str],
           problems: _Problems) -> Table | None:
    document = _schema_document(schema, root, where, problems)
    if document is None:
        return None
    if id(document) not in problems.profiled:  # one schema file shared by many tables is checked once
        problems.profiled.add(id(document))
        problems.schemas.append((where, json.dumps(document, ensure_ascii=False)))
    before = len(problems.items)
    profile = document.get("$schema")
    if profile is not None and profile != TABLESCHEMA_PROFILE:
        problems.add("profile-version", f"$schema {profile!r} is not the Table Schema v2 profile "
                     f"({TABLESCHEMA_PROFILE})", where, "$schema")
    if document.get("fieldsMatch", "exact") != "exact":
        problems.add("schema-unsupported", f"fieldsMatch {document['fieldsMatch']!r}: a CSV's header must equal "
                     "the schema's fields exactly", where, "fieldsMatch")
    missing = _missing_values(document.get("missingValues"), where, "missingValues", problems)
    raw_fields = document.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields or not all(isinstance(f, dict) for f in raw_fields):
        problems.add("schema-invalid", "fields must be a non-empty list of objects", where, "fields")
        return None
    names = [f.get("name") for f in raw_fields]
    if not all(isinstance(n, str) and n for n in names):
        problems.add("schema-invalid", "every field needs a name (a non-empty string)", where, "fields")
        return None
    if len(set(names)) != len(names):
        problems.add("schema-invalid", "field names repeat", where, "fields")
        return None
    primary_key = _names(document.get("primaryKey", [])) if document.get("primaryKey", []) != [] else []
    if primary_key is None or any(k not in names for k in primary_key):
        problems.add("schema-invalid", f"primaryKey {document.get('primaryKey')!r} does not name fields of the "
                     "table", where, "primaryKey")
        primary_key = []
    unique_keys = []
    for i, key in enumerate(document.get("uniqueKeys", []) if isinstance(document.get("uniqueKeys", []), list)
                            else [None]):
        fields = _names(key)
        if fields is None or any(k not in names for k in fields):
            problems.add("schema-invalid", f"uniqueKeys/{i} {key!r} does not name fields of the table", where,
                         "uniqueKeys")
        else:
            unique_keys.append(tuple(fields))
    fields = [f for f in (_field(i, raw, names, set(primary_key), missing or ("",), where, problems)
                          for i, raw in enumerate(raw_fields)) if f is not None]
    foreign_keys = _foreign_keys(document.get("foreignKeys", []), resource.name, names, known, where, problems)
    single = {fk.fields[0]: fk for fk in foreign_keys if len(fk.fields) == 1}
    for i, f in enumerate(fields):
        rule = f.allowed_per_reference
        if rule is not None and rule.foreign_key not in single:
            problems.add("schema-invalid", f"field {f.name!r}: x-allowedPerReference foreignKey {rule.foreign_key!r} "
                         "is not a single-field foreign key of the table", where,
                         f"fields/{names.index(f.name)}/x-allowedPerReference")
    exactly_one = document.get("x-exactlyOne", [])
    if not (isinstance(exactly_one, list) and all(isinstance(n, str) and n in names for n in exactly_one)):
        problems.add("schema-invalid", f"x-exactlyOne {exactly_one!r} does not name fields of the table", where,
                     "x-exactlyOne")
        exactly_one = []
    if len(problems.items) > before or missing is None:
        return None
    return Table(resource=resource, fields=tuple(fields), primary_key=tuple(primary_key),
                 foreign_keys=tuple(foreign_keys), unique_keys=tuple(unique_keys), missing_values=missing,
                 exactly_one=tuple(exactly_one), description=_str(document.get("description")),
                 schema_label=where)


def _field(index: int, raw: dict, names: list[str], primary_key: set[str], missing: tuple[str, ...], where: str,
           problems: _Problems) -> Field | None:
    at = f"fields/{index}"
    name, kind = raw["name"], raw.get("type", "string")
    count = len(problems.items)

    def refuse(key: str, message: str) -> None:
        problems.add("schema-unsupported", f"field {name!r}: {message}", where, f"{at}/{key}")

    if kind not in TYPES:
        refuse("type", f"type {kind!r} is not checked here (supported: {', '.join(TYPES)})")
        return None
    if raw.get("format", "default") != "default":
        refuse("format", f"format {raw['format']!r} is not checked here (only the default format)")
    constraints = raw.get("constraints", {})
    if not isinstance(constraints, dict):
        problems.add("schema-invalid", f"field {name!r}: constraints is not an object", where, f"{at}/constraints")
        return None
    for key in constraints:
        if key in SPEC_CONSTRAINTS and key not in CONSTRAINTS[kind]:
            refuse(f"constraints/{key}", f"constraint {key} on a field of type {kind} is not checked here")
    for key, default in (("decimalChar", "."), ("bareNumber", True), ("itemType", "string")):
        if key in raw and raw[key] != default:
            refuse(key, f"{key} {raw[key]!r} is not read here (only {default!r})")
    for key in ("groupChar", "categories", "categoriesOrdered"):
        if key in raw:
            refuse(key, f"{key} is not read here")
    if kind != "boolean" and ("trueValues" in raw or "falseValues" in raw):
        refuse("trueValues", "trueValues/falseValues apply to boolean fields only")
    if kind != "list" and "delimiter" in raw:
        refuse("delimiter", "delimiter applies to list fields only")
    delimiter = raw.get("delimiter", ",")
    if not isinstance(delimiter, str) or not delimiter \
            or any(c in '"\\' or ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in delimiter):
        refuse("delimiter", f"delimiter {delimiter!r} must be a non-empty text without quotes, backslashes or "
               "control characters")
    truth = {}
    for key, default in (("trueValues", DEFAULT_TRUE), ("falseValues", DEFAULT_FALSE)):
        value = raw.get(key, list(default))
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            problems.add("schema-invalid", f"field {name!r}: {key} must be a non-empty list of texts", where,
                         f"{at}/{key}")
            value = list(default)
        truth[key] = tuple(value)
    if set(truth["trueValues"]) & set(truth["falseValues"]):
        problems.add("schema-invalid", f"field {name!r}: a value is both true and false", where, f"{at}/trueValues")
    checked = _constraints(name, kind, constraints, at, where, problems)
    rules = {}
    for key in FIELD_RULES:
        other = raw.get(key)
        if other is not None and (not isinstance(other, str) or other not in names or other == name):
            problems.add("schema-invalid", f"field {name!r}: {key} names {other!r}, not another field of the "
                         "table", where, f"{at}/{key}")
            other = None
        rules[key] = other
    if (rules["x-precisionField"] or rules["x-notBefore"]) and kind != "string":
        refuse("x-precisionField", "x-precisionField and x-notBefore apply to string dates (YYYY[-MM[-DD]])")
    verbatim = raw.get("x-verbatim", False)
    if not isinstance(verbatim, bool):
        problems.add("schema-invalid", f"field {name!r}: x-verbatim must be true or false", where, f"{at}/x-verbatim")
    elif verbatim and name != "quote":
        # Verbatim text is exempt from the formula and control-character rules; only the span's
        # quote must equal its source character for character, so only it may be.
        problems.add("schema-invalid", f"field {name!r}: x-verbatim is for the span's quote only", where,
                     f"{at}/x-verbatim")
    per_reference = _allowed_per_reference(raw.get("x-allowedPerReference"), name, names, checked.get("enum"),
                                           f"{at}/x-allowedPerReference", where, problems) \
        if "x-allowedPerReference" in raw else None
    field_missing = _missing_values(raw.get("missingValues"), where, f"{at}/missingValues", problems) \
        if "missingValues" in raw else missing
    if len(problems.items) > count:
        return None
    return Field(name=name, type=kind, description=_str(raw.get("description")), delimiter=delimiter,
                 true_values=truth["trueValues"], false_values=truth["falseValues"],
                 missing_values=field_missing or missing, precision_field=rules["x-precisionField"],
                 required_with=rules["x-requiredWith"], not_before=rules["x-notBefore"], verbatim=verbatim is True,
                 allowed_per_reference=per_reference,
                 in_primary_key=name in primary_key, **checked)


def _allowed_per_reference(raw: object, name: str, names: list[str], enum: tuple | None, at: str, where: str,
                           problems: _Problems) -> AllowedPerReference | None:
    def bad(what: str) -> None:
        problems.add("schema-invalid", f"field {name!r}: x-allowedPerReference {what}", where, at)

    if not (isinstance(raw, dict) and set(raw) == {"foreignKey", "field", "allowed"}):
        bad("must be an object with exactly foreignKey, field and allowed")
        return None
    key, other, allowed = raw["foreignKey"], raw["field"], raw["allowed"]
    if not (isinstance(key, str) and key in names and key != name):
        bad(f"foreignKey {key!r} is not another field of the table")
        return None
    if not (isinstance(other, str) and other):
        bad("field must name a field of the referenced table")
        return None
    if not (isinstance(allowed, dict) and allowed
            and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in allowed.values())):
        bad("allowed must map each referenced value to a list of values")
        return None
    strays = sorted({x for v in allowed.values() for x in v} - set(enum or ()))
    if enum is None or strays:
        bad(f"lists values outside the field's enum: {strays}" if enum is not None else "needs an enum on the field")
        return None
    return AllowedPerReference(key, other, tuple((k, tuple(v)) for k, v in allowed.items()))


def _constraints(name: str, kind: str, constraints: dict, at: str, where: str, problems: _Problems) -> dict:
    out: dict = {}

    def bad(key: str, what: str) -> None:
        problems.add("schema-invalid", f"field {name!r}: constraint {key} {constraints[key]!r} {what}", where,
                     f"{at}/constraints/{key}")

    for key in ("required", "unique"):
        if key in constraints:
            if isinstance(constraints[key], bool):
                out[key] = constraints[key]
            else:
                bad(key, "is not true or false")
    if "enum" in constraints:
        enum = constraints["enum"]
        ok_item = {"integer": _is_int, "number": _is_number}.get(kind, lambda v: isinstance(v, str))
        if isinstance(enum, list) and enum and all(ok_item(v) for v in enum):
            out["enum"] = tuple(enum)
        else:
            bad("enum", f"is not a non-empty list of {kind} values")
    if "pattern" in constraints:
        if isinstance(constraints["pattern"], str):
            out["pattern"] = constraints["pattern"]
        else:
            bad("pattern", "is not a text")
    for key, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
        if key in constraints:
            if _is_int(constraints[key]) and constraints[key] >= 0:
                out[attr] = constraints[key]
            else:
                bad(key, "is not a whole number ≥ 0")
    for key in ("minimum", "maximum"):
        if key in constraints:
            value = constraints[key]
            if (_is_int(value) if kind == "integer" else _is_number(value)):
                out[key] = value
            else:
                bad(key, f"is not of type {kind}")
    return out


def _foreign_keys(raw: object, table: str, names: list[str], known: set[str], where: str,
                  problems: _Problems) -> list[ForeignKey]:
    if not isinstance(raw, list):
        problems.add("schema-invalid", "foreignKeys is not a list", where, "foreignKeys")
        return []
    out = []
    for i, fk in enumerate(raw):
        at = f"foreignKeys/{i}"
        reference = fk.get("reference") if isinstance(fk, dict) else None
        fields = _names(fk.get("fields")) if isinstance(fk, dict) else None
        ref_fields = _names(reference.get("fields")) if isinstance(reference, dict) else None
        target = reference.get("resource", "") if isinstance(reference, dict) else None
        if fields is None or ref_fields is None or not isinstance(target, str):
            problems.add("schema-invalid", f"{at} needs fields and reference.fields (a name or a list of names)",
                         where, at)
            continue
        unknown = [f for f in fields if f not in names]
        if unknown:
            problems.add("schema-invalid", f"{at} names unknown field(s) {unknown}", where, at)
            continue
        if len(fields) != len(ref_fields):
            problems.add("schema-invalid", f"{at} pairs {len(fields)} field(s) with {len(ref_fields)} referenced "
                         "field(s)", where, at)
            continue
        target = target or table  # v2: an empty or absent resource is the table itself
        if target not in known:
            problems.add("schema-invalid", f"{at} references {target!r}, which is not a table of the package",
                         where, at)
            continue
        out.append(ForeignKey(tuple(fields), target, tuple(ref_fields), target == table))
    return out


def _check_references(tables: list[Table], problems: _Problems) -> list[Table]:
    """A foreign key must name fields its target table has (else it could not be checked)."""
    fields_of = {t.name: set(t.field_names) for t in tables}
    keys_of = {t.name: {t.primary_key, *t.unique_keys, *((f.name,) for f in t.fields if f.unique)} for t in tables}
    kept = []
    for table in tables:
        ok = True
        for i, fk in enumerate(table.foreign_keys):
            if fk.resource not in fields_of:
                problems.add("schema-invalid", f"foreignKeys/{i} references {fk.resource!r}, whose schema could "
                             "not be read", table.schema_label, f"foreignKeys/{i}")
                ok = False
                continue
            missing = [f for f in fk.reference_fields if f not in fields_of[fk.resource]]
            if missing:
                problems.add("schema-invalid", f"foreignKeys/{i} references field(s) {missing}, which "
                             f"{fk.resource} does not have", table.schema_label, f"foreignKeys/{i}")
                ok = False
            elif fk.reference_fields not in keys_of[fk.resource]:
                # A key that may repeat in its table points at no row in particular.
                problems.add("schema-invalid", f"foreignKeys/{i} references {list(fk.reference_fields)} of "
                             f"{fk.resource}, which is neither its primary key nor a unique key", table.schema_label,
                             f"foreignKeys/{i}")
                ok = False
        ok = _check_allowed_per_reference(table, {t.name: t for t in tables}, problems) and ok
        if ok:
            kept.append(table)
    return kept


def _check_allowed_per_reference(table: Table, by_name: dict[str, Table], problems: _Problems) -> bool:
    """The referenced field exists, and the map lists exactly its enum: a value it forgets would
    refuse every row, one it invents could never apply."""
    ok = True
    for i, f in enumerate(table.fields):
        rule = f.allowed_per_reference
        if rule is None:
            continue
        fk = next(k for k in table.foreign_keys if k.fields == (rule.foreign_key,))
        target = by_name.get(fk.resource)
        other = target.field(rule.field) if target is not None else None
        where = f"fields/{i}/x-allowedPerReference"
        if other is None or other.enum is None:
            problems.add("schema-invalid", f"field {f.name!r}: x-allowedPerReference field {rule.field!r} is not an "
                         f"enumerated field of {fk.resource}", table.schema_label, where)
            ok = False
            continue
        listed, values = [k for k, _ in rule.allowed], list(other.enum_texts)
        if sorted(listed) != sorted(values):
            problems.add("schema-invalid", f"field {f.name!r}: x-allowedPerReference must list every value of "
                         f"{fk.resource}.{rule.field} once (missing {sorted(set(values) - set(listed))}, extra "
                         f"{sorted(set(listed) - set(values))})", table.schema_label, where)
            ok = False
    return ok


def iter_span_tables(package: Package) -> Iterator[Table]:
    return (t for t in package.tables if t.has_spans)
