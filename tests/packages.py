"""Building packages for tests: write tables, edit cells, regenerate derived files.

Test helpers only; the schemas drive everything, so a new column needs no change here.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from aapeace import csvio, generate
from aapeace.package import read_json, tables_of

CHECKOUT = Path(__file__).resolve().parents[1]


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
    return {t.name: t for t in tables_of(read_json(root / "datapackage.json"), root)}


def new_package(root: Path, texts: dict[str, str]) -> None:
    """An empty package with the shipped schemas and the given source texts."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(CHECKOUT / "schemas", root / "schemas", ignore=shutil.ignore_patterns("jsonschema"))
    (root / "data" / "sources").mkdir(parents=True)
    descriptor = read_json(CHECKOUT / "datapackage.json")
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
