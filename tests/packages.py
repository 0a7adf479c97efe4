"""Building packages for tests: small packages from a few rows, cell edits, regenerating.

The seam every rule test uses: ``small_package(root)`` writes, in a temporary folder, a
package with the shipped descriptor and schemas, the two source texts and only a few rows
of each table (the first ``rows`` of each, the rows named in ``keep``, and every row those
refer to, so every foreign key resolves), then generates its derived files. It takes tens
of milliseconds, where copying and regenerating the whole package took seconds. Test
helpers only; the schemas drive everything, so a new column needs no change here.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from aapeace import croissant, csvio, generate, zenodo
from aapeace.model import open_package

CHECKOUT = Path(__file__).resolve().parents[1]
# The package's files at the top level: the descriptor and the catalogue records derived from it.
TOP_FILES = ("datapackage.json", croissant.FILE, zenodo.FILE)


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text(csvio.dumps(header, rows), encoding="utf-8", newline="")


def set_cell(root: Path, table: str, index: int, field: str, value: str) -> None:
    path = root / "data" / f"{table}.csv"
    header, rows = read_rows(path)
    rows[index][header.index(field)] = value
    write_rows(path, header, rows)


def get_cell(root: Path, table: str, index: int, field: str) -> str:
    header, rows = read_rows(root / "data" / f"{table}.csv")
    return rows[index][header.index(field)]


def regenerate(root: Path, exports: bool = True) -> None:
    """Refresh exports, JSON Schemas and hashes, so that only the intended break remains."""
    generate.write(root / "datapackage.json", with_docs=False, with_exports=exports)


def tables(root: Path):
    return {t.name: t for t in open_package(root).tables}


def _closure(source: Path, chosen: dict[str, set[int]]) -> dict[str, set[int]]:
    """``chosen`` grown until every foreign key of a chosen row points at a chosen row."""
    package = open_package(source)
    rows = {t.name: read_rows(source / t.path) for t in package.tables}
    index = {}  # (table, fields) -> key -> row index
    changed = True
    while changed:
        changed = False
        for table in package.tables:
            header, records = rows[table.name]
            for fk in table.foreign_keys:
                target_header, target_rows = rows[fk.resource]
                lookup = index.setdefault((fk.resource, fk.reference_fields), {
                    tuple(r[target_header.index(f)] for f in fk.reference_fields): i
                    for i, r in enumerate(target_rows)})
                for i in list(chosen[table.name]):
                    key = tuple(records[i][header.index(f)] for f in fk.fields)
                    if all(key) and key in lookup and lookup[key] not in chosen[fk.resource]:
                        chosen[fk.resource].add(lookup[key])
                        changed = True
    return chosen


def small_package(root: Path, rows: int = 3, keep: dict[str, list[str]] | None = None,
                  source: Path = CHECKOUT) -> Path:
    """A package of a few rows per table at ``root`` (see the module's docstring).

    ``keep`` maps a table to quote fragments: the first row whose quote holds each is kept too.
    """
    package = open_package(source)
    chosen: dict[str, set[int]] = {}
    for table in package.tables:
        header, records = read_rows(source / table.path)
        chosen[table.name] = set(range(min(rows, len(records))))
        if table.name == "sources":
            chosen[table.name] = set(range(len(records)))  # every text, so resource indices stay the same
        for fragment in (keep or {}).get(table.name, []):
            at = header.index("quote")
            found = next((i for i, r in enumerate(records) if fragment in r[at]), None)
            if found is None:
                raise AssertionError(f"no {table.name} row quotes {fragment!r}")
            chosen[table.name].add(found)
    chosen = _closure(source, chosen)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "datapackage.json", root)
    shutil.copytree(source / "schemas", root / "schemas")
    shutil.copytree(source / "data" / "sources", root / "data" / "sources")
    for table in package.tables:
        header, records = read_rows(source / table.path)
        write_rows(root / table.path, header, [records[i] for i in sorted(chosen[table.name])])
    regenerate(root)
    return root


def new_package(root: Path, texts: dict[str, str]) -> None:
    """An empty package with the shipped schemas and the given source texts."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(CHECKOUT / "schemas", root / "schemas", ignore=shutil.ignore_patterns("jsonschema"))
    (root / "data" / "sources").mkdir(parents=True)
    descriptor = json.loads((CHECKOUT / "datapackage.json").read_text(encoding="utf-8"))
    resources = [r for r in descriptor["resources"] if r.get("type") == "table"]
    for r in resources:
        r.pop("hash", None)
        r.pop("bytes", None)
    for source_id, text in texts.items():
        (root / "data" / "sources" / f"{source_id}.txt").write_text(text, encoding="utf-8", newline="")
        resources.append({"name": f"text-{source_id.replace('_', '-')}", "path": f"data/sources/{source_id}.txt",
                          "format": "txt", "mediatype": "text/plain", "encoding": "utf-8"})
    descriptor["resources"] = resources
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")


FIXTURE_TEXT = CHECKOUT / "tests" / "fixtures" / "contributor-text.txt"


def text_package(root: Path, source_id: str, text: str, body: tuple[int, int],
                 rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """A package holding one text (a test fixture) and the given rows (every other cell
    empty); each span row's quote is cut from the text by its offsets."""
    import hashlib

    new_package(root, {source_id: text})
    given = {"sources": [{"source_id": source_id, "title": "Test fixture", "publisher": "Test fixture",
                          "path": f"data/sources/{source_id}.txt",
                          "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "length": str(len(text)),
                          "body_start": str(body[0]), "body_end": str(body[1]), "language": "en",
                          "rights": "Test fixture written for the suite; not a real text"}]}
    for name, items in (rows or {}).items():
        given[name] = [{**r, "source_id": source_id, "quote": text[int(r["span_start"]):int(r["span_end"])]}
                       for r in items]
    for name, table in tables(root).items():
        write_rows(root / table.path, table.field_names,
                   [[r.get(f, "") for f in table.field_names] for r in given.get(name, [])])
    regenerate(root)
    return root


def fixture_package(root: Path) -> Path:
    """The contributor fixture text (astral characters before and inside the body) with two actors."""
    text = FIXTURE_TEXT.read_text(encoding="utf-8")
    def span(quote: str) -> dict[str, str]:
        at = text.index(quote)
        return {"span_start": str(at), "span_end": str(at + len(quote))}
    actors = [{"actor_id": "nikol-pashinyan", "name": "Nikol Pashinyan", "kind": "person", **span("Nikol Pashinyan")},
              {"actor_id": "ilham-aliyev", "name": "Ilham Aliyev", "kind": "person", **span("Ilham Aliyev")}]
    return text_package(root, "900_0123456789abcdef", text, (text.index("On 14"), text.index("Newsletter")),
                        {"actors": actors})
