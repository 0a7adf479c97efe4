"""croissant.json, read by the MLCommons reference library: it validates, and the records it
loads for each RecordSet are the rows of the table's CSV, typed as the loader types them."""
from __future__ import annotations

import json
import math
from pathlib import Path

import mlcroissant as mlc
import pytest

from aapeace import croissant, generate
from aapeace.dataset import open_dataset
from aapeace.files import sha256_hex
from aapeace.model import open_package
from packages import CHECKOUT, set_cell


def _sample(tables) -> set[str]:
    """The record sets the everyday run loads (each load takes a second or two): the first
    with a list column (split on its delimiter) and the first that references another
    table (a join in mlcroissant). ``-m slow`` loads every one."""
    with_list = next((t.name for t in tables if any(f.type == "list" for f in t.fields)), None)
    with_join = next((t.name for t in tables if any(not fk.self_reference for fk in t.foreign_keys)), None)
    return {with_list, with_join} - {None}


_TABLES = open_package(CHECKOUT).tables
TABLES = [pytest.param(t.name, marks=() if t.name in _sample(_TABLES) else pytest.mark.slow) for t in _TABLES]
TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float", "boolean": "sc:Boolean",
         "date": "sc:Date", "list": "sc:Text"}


def _plain(value: object) -> object:
    """A value as mlcroissant yields it (bytes, numpy scalars, NaN), as plain Python."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(dataset: mlc.Dataset, table: str) -> list[dict]:
    prefix = f"{table}/"
    return [{key.removeprefix(prefix): _plain(value) for key, value in record.items()}
            for record in dataset.records(record_set=table)]


def _expected(rows: list[dict]) -> list[dict]:
    # An empty list cell is a missing value to a reader of the CSV.
    return [{k: (None if v == [] else v) for k, v in row.items()} for row in rows]


@pytest.fixture(scope="module")
def described(checkout) -> tuple[dict, mlc.Dataset]:
    document = json.loads((checkout / croissant.FILE).read_text(encoding="utf-8"))
    return document, mlc.Dataset(jsonld=str(checkout / croissant.FILE))


def test_the_reference_library_validates_it_without_warnings(described):
    document, dataset = described
    assert document["conformsTo"] == croissant.CONFORMS_TO
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, issues.report()


def test_there_is_one_record_set_per_table(described, checkout):
    _, dataset = described
    assert [rs.name for rs in dataset.metadata.record_sets] == [t.name for t in open_package(checkout).tables]


@pytest.mark.parametrize("table", TABLES)
def test_each_record_set_loads_the_rows_of_its_csv(checkout, table):
    # A fresh reader per record set: mlcroissant 1.1 keeps a record set it yielded as a
    # generator, and a later join on it then fails.
    dataset = mlc.Dataset(jsonld=str(checkout / croissant.FILE))
    assert _records(dataset, table) == _expected(open_dataset(checkout).typed_rows(table))


def test_fields_types_keys_and_references_follow_the_table_schemas(described, checkout):
    document, _ = described
    data = open_dataset(checkout)
    sets = {rs["@id"]: rs for rs in document["recordSet"]}
    for table in data.tables:
        fields = {f["name"]: f for f in sets[table.name]["field"]}
        assert list(fields) == table.field_names
        for field in table.fields:
            assert fields[field.name]["dataType"] == TYPES[field.type]
            assert fields[field.name]["description"] == field.description
            assert fields[field.name]["source"]["fileObject"]["@id"] == table.path
            assert fields[field.name].get("repeated", False) == (field.type == "list")
        key = sets[table.name]["key"]
        assert [k["@id"] for k in (key if isinstance(key, list) else [key])] == \
            [f"{table.name}/{k}" for k in table.primary_key]
        for fk in table.foreign_keys:
            for mine, theirs in zip(fk.fields, fk.reference_fields):
                reference = fields[mine].get("references")
                assert reference == (None if fk.self_reference else {"field": {"@id": f"{fk.resource}/{theirs}"}})


def test_every_file_is_listed_with_its_sha256(described, checkout):
    document, _ = described
    data = open_dataset(checkout)
    listed = {f["contentUrl"]: f for f in document["distribution"]}
    texts = {row["path"] for row in data.rows("sources")}
    assert set(listed) == {r.path for r in data.package.resources} | texts
    for path, entry in listed.items():
        content = (checkout / path).read_bytes()
        assert entry["sha256"] == sha256_hex(content) and entry["contentSize"] == f"{len(content)} B"


def test_an_edited_csv_makes_it_stale_and_the_library_refuses_the_old_hash(small_copy):
    set_cell(small_copy, "actors", 0, "description", "changed")
    stale = {p.name for p in generate.stale(small_copy / "datapackage.json")}
    assert croissant.FILE in stale
    with pytest.raises(Exception) as refused:
        list(mlc.Dataset(jsonld=str(small_copy / croissant.FILE)).records(record_set="actors"))
    assert "Hash of downloaded file" in str(refused.value.__cause__)


def test_a_new_table_gets_its_record_set_with_no_code_change(small_copy):
    """Generic over the descriptor: a table added to it is described, its key and columns from its schema."""
    descriptor = json.loads((small_copy / "datapackage.json").read_text(encoding="utf-8"))
    schema = {"fields": [{"name": "note_id", "type": "string", "description": "Its id."},
                         {"name": "actor_id", "type": "string", "description": "The actor."},
                         {"name": "weight", "type": "number", "description": "A weight."}],
              "primaryKey": ["note_id"],
              "foreignKeys": [{"fields": ["actor_id"], "reference": {"resource": "actors", "fields": ["actor_id"]}}]}
    (small_copy / "schemas" / "extra_notes.json").write_text(json.dumps(schema), encoding="utf-8")
    actor = open_dataset(small_copy).rows("actors")[0]["actor_id"]
    (small_copy / "data" / "extra_notes.csv").write_text(f"note_id,actor_id,weight\nn1,{actor},0.5\n",
                                                         encoding="utf-8")
    descriptor["resources"].append({"name": "extra_notes", "type": "table", "path": "data/extra_notes.csv",
                                    "schema": "schemas/extra_notes.json"})
    (small_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    generate.write(small_copy / "datapackage.json", with_docs=False)
    dataset = mlc.Dataset(jsonld=str(small_copy / croissant.FILE))
    assert _records(dataset, "extra_notes") == [{"note_id": "n1", "actor_id": actor, "weight": 0.5}]
    document = json.loads((small_copy / croissant.FILE).read_text(encoding="utf-8"))
    [extra] = [rs for rs in document["recordSet"] if rs["@id"] == "extra_notes"]
    assert [f["dataType"] for f in extra["field"]] == ["sc:Text", "sc:Text", "sc:Float"]


def test_no_address_is_invented(described, checkout):
    document, _ = described
    assert "url" not in document  # the descriptor gives no homepage
    assert document["license"] == [lic.url for lic in open_dataset(checkout).package.licenses] != []
    assert document["version"] == open_dataset(checkout).version
    assert "doi" not in json.dumps(document).lower()


def test_source_paths_stay_relative(described):
    document, _ = described
    for entry in document["distribution"]:
        assert not Path(entry["contentUrl"]).is_absolute() and ":" not in entry["contentUrl"]
