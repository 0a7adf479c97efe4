"""A small package to fuzz, and strategies for hostile descriptor and CSV bytes.

The package is deliberately small (two tables, one source text) so that thousands of
validations fit in the suite: `items` uses every field type and rule the validator knows
(patterns, enums, ranges, lengths, list, dates with a precision and an order, a
dependent field, exactly one of a group, a self-reference), and carries the span contract
(the four span columns, typed and bounded, source_id a foreign key to `sources`);
`sources` is the shipped Table Schema with one text. The package is valid before any
mutation (test_fuzz checks it), so that what a mutation breaks is what gets reported.
Beside it lie traps a descriptor may point at: a symbolic link out of the package, a FIFO
(opening it would block forever), a folder named like a file, an empty file.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

from hypothesis import strategies as st

from aapeace import generate

CHECKOUT = Path(__file__).resolve().parents[1]
# A TEST FIXTURE, written for these tests; not a source text of the package, nor a quote of
# one. "Chrome. " before the body and " @Tail =x" after it stand for a page's navigation.
TEXT = "Chrome. The Minsk Group met in 2021; Azərbaycan\u00a0and Armenia signed. @Tail =x"
BODY = (8, 66)

ITEMS_SCHEMA = {
    "fields": [
        {"name": "item_id", "type": "string", "constraints": {"required": True, "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}},
        {"name": "kind", "type": "string", "constraints": {"required": True, "enum": ["alpha", "beta", "gamma"]}},
        {"name": "count", "type": "integer", "constraints": {"minimum": 0, "maximum": 1000}},
        {"name": "score", "type": "number"},
        {"name": "flag", "type": "boolean"},
        {"name": "day", "type": "date"},
        {"name": "tags", "type": "list", "delimiter": "|", "constraints": {"enum": ["red", "green"]}},
        {"name": "when", "type": "string", "x-precisionField": "precision",
         "constraints": {"pattern": "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"}},
        {"name": "until", "type": "string", "x-precisionField": "precision", "x-notBefore": "when",
         "constraints": {"pattern": "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"}},
        {"name": "precision", "type": "string", "x-requiredWith": "when",
         "constraints": {"enum": ["year", "month", "day"]}},
        {"name": "part_of", "type": "string"},
        {"name": "label", "type": "string", "constraints": {"minLength": 1, "maxLength": 40, "unique": True}},
        {"name": "left", "type": "string"},
        {"name": "right", "type": "integer"},
        {"name": "source_id", "type": "string", "constraints": {"required": True}},
        {"name": "span_start", "type": "integer", "constraints": {"required": True, "minimum": 0}},
        {"name": "span_end", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        {"name": "quote", "type": "string", "x-verbatim": True, "constraints": {"required": True, "minLength": 1}},
    ],
    "primaryKey": ["item_id"],
    "x-exactlyOne": ["left", "right"],
    "foreignKeys": [
        {"fields": ["part_of"], "reference": {"fields": ["item_id"]}},
        {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}},
    ],
}
HEADER = [f["name"] for f in ITEMS_SCHEMA["fields"]]


def _quote(a: int, b: int) -> list[str]:
    return ["s1", str(a), str(b), TEXT[a:b]]


ITEMS_ROWS = [
    ["a", "alpha", "3", "1.5", "true", "2021-02-28", "red|green", "2021", "2022", "year", "", "first", "x", "",
     *_quote(8, 23)],
    ["b-c", "beta", "", "", "", "", "", "", "", "", "a", "NA", "", "-7", *_quote(24, 36)],
    ["d", "gamma", "0", "-0.5", "0", "", "red", "2021-02", "", "month", "b-c", " null ", "y", "", *_quote(38, 66)],
]


def csv_bytes(header: list[str] | None, rows: list[list[str]], terminator: str = "\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=terminator)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def build(root: Path) -> Path:
    """Write the valid fuzz package (with its derived files) and its traps; returns its root."""
    (root / "data" / "sources").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "data" / "sources" / "s1.txt").write_text(TEXT, encoding="utf-8", newline="")
    shutil.copy2(CHECKOUT / "schemas" / "sources.json", root / "schemas" / "sources.json")
    (root / "schemas" / "items.json").write_text(json.dumps(ITEMS_SCHEMA, indent=2), encoding="utf-8")
    source = {"source_id": "s1", "title": "A text", "author": "", "author_basis": "", "publisher": "Nobody",
              "published": "", "published_precision": "", "published_basis": "", "url": "",
              "path": "data/sources/s1.txt", "sha256": hashlib.sha256(TEXT.encode()).hexdigest(),
              "length": str(len(TEXT)), "body_start": str(BODY[0]), "body_end": str(BODY[1]), "language": "en",
              "rights": "CC0", "note": ""}
    source_header = [f["name"] for f in json.loads((root / "schemas" / "sources.json").read_text())["fields"]]
    (root / "data" / "sources.csv").write_bytes(csv_bytes(source_header, [[source[h] for h in source_header]]))
    (root / "data" / "items.csv").write_bytes(csv_bytes(HEADER, ITEMS_ROWS))
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "fuzz-package", "version": "1.0.0",
        "licenses": [{"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/"}],
        "resources": [
            {"name": "sources", "type": "table", "path": "data/sources.csv", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "schema": "schemas/sources.json"},
            {"name": "items", "type": "table", "path": "data/items.csv", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8", "schema": "schemas/items.json"},
            {"name": "text-s1", "path": "data/sources/s1.txt", "format": "txt", "mediatype": "text/plain",
             "encoding": "utf-8"},
        ],
    }
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    generate.write(root / "datapackage.json", with_docs=False)
    outside = root.parent / "outside.csv"
    outside.write_text("secret\n", encoding="utf-8")
    (root / "data" / "link-out.csv").symlink_to(outside)
    os.mkfifo(root / "data" / "fifo.csv")
    (root / "data" / "folder.csv").mkdir()
    (root / "data" / "empty.csv").write_bytes(b"")
    return root


def descriptor_of(root: Path) -> dict:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


def refresh_hash(descriptor: dict, root: Path, path: str) -> bytes:
    """The descriptor, as JSON bytes, with ``path``'s hash and size brought up to date."""
    document = copy.deepcopy(descriptor)
    data = (root / path).read_bytes()
    for resource in document["resources"]:
        if resource.get("path") == path:
            resource["hash"] = f"sha256:{hashlib.sha256(data).hexdigest()}"
            resource["bytes"] = len(data)
    return json.dumps(document, indent=2).encode("utf-8")


# --- strategies ----------------------------------------------------------------------------

PATHS = ["data/items.csv", "data/sources.csv", "data/sources/s1.txt", "schemas/items.json", "../outside.csv",
         "/etc/hostname", "https://example.org/x.csv", "file:///etc/passwd", ".hidden.csv", "data/link-out.csv",
         "data/fifo.csv", "data/folder.csv", "data/empty.csv", "data/nothing.csv", "data/sources/../items.csv",
         "C:\\x.csv", "a" * 300, "data/\x00.csv", "data/\ud800.csv", "data", "."]
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([2**63, -(2**63) - 1, 10**30, 1e308, 0.5, float("nan"), float("inf")]),
    st.sampled_from(PATHS), st.sampled_from(["", "items", "sources", "string", "integer", "number", "boolean",
                                             "list", "date", "datetime", "any", "table", "csv", "default", "email",
                                             "sha256:00", "[", "^(a+)+$", "(?<=x)y", "\\p{L}", "year", "when",
                                             "left", "item_id", "source_id", "|", "\n"]),
    st.text(max_size=12))
JSON = st.recursive(LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(st.text(max_size=8) | st.sampled_from(
                                                        ["name", "path", "schema", "fields", "type"]), inner,
                                                        max_size=4)), max_leaves=12)


def _pointers(node, prefix=()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _pointers(child, prefix + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _pointers(child, prefix + (index,))
    return found


@st.composite
def mutated_json(draw, document: dict) -> dict:
    """The document with one to three nodes replaced, deleted or given a sibling."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        pointer = draw(st.sampled_from(_pointers(document)))
        if not pointer:
            continue
        parent = document
        for part in pointer[:-1]:
            parent = parent[part]
        key = pointer[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "sibling"]))
        if action == "replace":
            parent[key] = draw(JSON)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["name", "path", "schema", "x-exactlyOne", "x-verbatim", "missingValues",
                                         "primaryKey", "foreignKeys", "hash", "bytes", "format", "dialect", "data",
                                         "itemType", "delimiter", "trueValues", "constraints", "x-notBefore",
                                         "x-requiredWith", "x-precisionField", "uniqueKeys", "fieldsMatch",
                                         "$schema"]))] = draw(JSON)
        else:
            parent.append(draw(JSON))
    return document


def _inline_schema(descriptor: dict) -> dict:
    document = copy.deepcopy(descriptor)
    document["resources"][1]["schema"] = copy.deepcopy(ITEMS_SCHEMA)
    return document


def _repointed(draw, descriptor: dict) -> dict:
    """The descriptor with resource paths or schema paths pointed at traps (or at each other)."""
    document = copy.deepcopy(descriptor)
    for _ in range(draw(st.integers(1, 2))):
        resource = draw(st.sampled_from(document["resources"]))
        key = draw(st.sampled_from(["path", "path", "schema"]))
        value = draw(st.sampled_from(PATHS))
        resource[key] = [value, draw(st.sampled_from(PATHS))] if draw(st.integers(0, 4)) == 0 else value
    return document


@st.composite
def descriptor_bytes(draw, valid: dict) -> bytes:
    """Hostile datapackage.json bytes: noise, arbitrary JSON, or the valid descriptor (its items
    schema inline half the time, so that Table Schemas are fuzzed too) with a few nodes changed,
    then perhaps a textual edit: a repeated key, deep nesting, a BOM, a cut."""
    kind = draw(st.sampled_from(["noise", "json", "paths", "mutated", "mutated", "mutated", "mutated"]))
    if kind == "noise":
        return draw(st.binary(max_size=300))
    if kind == "json":
        return json.dumps(draw(JSON)).encode("utf-8")
    base = _inline_schema(valid) if draw(st.booleans()) else valid
    document = draw(mutated_json(base)) if kind == "mutated" else _repointed(draw, base)
    text = json.dumps(document, indent=draw(st.sampled_from([None, 2])))
    edit = draw(st.sampled_from(["none", "none", "none", "repeat-key", "deep", "bom", "cut", "byte"]))
    if edit == "repeat-key":
        at = draw(st.sampled_from([i for i, c in enumerate(text) if c == "{"] or [0]))
        text = text[:at + 1] + '"name": "dup", ' + text[at + 1:] if text[at:at + 1] == "{" else text
    elif edit == "deep":
        depth = draw(st.sampled_from([70, 1000, 100_000]))
        text = text[:-1] + ', "x-deep": ' + "[" * depth + "]" * depth + "}"
    elif edit == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    elif edit == "cut":
        text = text[:draw(st.integers(0, max(0, len(text) - 1)))]
    elif edit == "byte":
        data = text.encode("utf-8")
        at = draw(st.integers(0, len(data)))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
    return text.encode("utf-8")


CELLS = st.one_of(
    st.sampled_from(["", " ", "a", "b-c", "d", "alpha", "beta", "omega", "0", "-1", "3", "1001", "007", "+5",
                     "99999999999999999999", "1.5", "abc", "true", "maybe", "2021", "2021-02", "2021-02-28",
                     "2021-02-30", "21-2-3", "year", "month", "day", "red|green", "red|blue", "NA", "null", "None",
                     "=1+1", "+cmd", "-x", "@SUM(A1)", "\tx", "\rx", "s1", "s2", "8", "23", "66", "1000000",
                     "2020", "2021-01", "2021-03-01", "x", "y", "-7", "1e3",
                     TEXT[8:23], TEXT[9:23], TEXT[8:23].replace(" ", "\u00a0"), "\u00a0", "x" * 200]),
    st.text(st.sampled_from(list("ab1-,\"|\r\n\t =@\u00a0é😀")), max_size=20))


@st.composite
def rows(draw) -> list[list[str]]:
    """Rows near validity: each starts as a valid row, then some cells change and some rows
    gain or lose cells (ragged) or go blank."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        row = list(draw(st.sampled_from(ITEMS_ROWS)))
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(row) - 1))] = draw(CELLS)
        shape = draw(st.sampled_from(["same"] * 6 + ["short", "long", "blank"]))
        if shape == "short":
            row = row[:draw(st.integers(0, len(row) - 1))]
        elif shape == "long":
            row = row + draw(st.lists(CELLS, min_size=1, max_size=3))
        elif shape == "blank":
            row = [""] * draw(st.sampled_from([0, len(row)]))
        out.append(row)
    return out


@st.composite
def header(draw) -> list[str]:
    columns = list(HEADER)
    edit = draw(st.sampled_from(["none"] * 6 + ["drop", "repeat", "rename", "swap", "empty"]))
    i = draw(st.integers(0, len(columns) - 1))
    if edit == "drop":
        del columns[i]
    elif edit == "repeat":
        columns.insert(i, columns[0])
    elif edit == "rename":
        columns[i] = draw(st.sampled_from(["=evil", "Item_ID", "", " kind", "\ufeffitem_id"]))
    elif edit == "swap":
        columns[0], columns[i] = columns[i], columns[0]
    elif edit == "empty":
        columns = []
    return columns


@st.composite
def table_bytes(draw) -> bytes:
    """Hostile CSV bytes for data/items.csv: noise, CSV-like text, or near-valid rows written with
    LF, CR LF or CR, perhaps with a BOM, a stray byte or a cut."""
    kind = draw(st.sampled_from(["noise", "text", "rows", "rows", "rows", "rows"]))
    if kind == "noise":
        return draw(st.binary(max_size=400))
    if kind == "text":
        alphabet = st.sampled_from(list('abc019,"\r\n\t -=+@|\u00a0\ufeffé😀'))
        body = draw(st.text(alphabet, max_size=300))
        prefix = ",".join(HEADER) + "\n" if draw(st.booleans()) else ""
        return (prefix + body).encode("utf-8")
    data = csv_bytes(draw(header()), draw(rows()), draw(st.sampled_from(["\n"] * 4 + ["\r\n", "\r"])))
    edit = draw(st.sampled_from(["none"] * 5 + ["bom", "byte", "cut", "huge-cell"]))
    if edit == "bom":
        data = b"\xef\xbb\xbf" + data
    elif edit == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.sampled_from([0x00, 0x22, 0x0D, 0x80, 0xC3, 0xFF]))]) + data[at:]
    elif edit == "cut":
        data = data[:draw(st.integers(0, len(data)))]
    elif edit == "huge-cell":
        long_row = list(ITEMS_ROWS[0])
        long_row[HEADER.index("label")] = "x" * 140_000  # past the default cell limit of 131,072
        data += csv_bytes(None, [long_row])
    return data
