"""The property both annotation formats keep: for any valid package the strategies draw
(astral characters, CR, CR LF, NBSP and combining marks in the texts), export then import
gives back every table's CSV, byte for byte, with offsets in code points and in UTF-16."""
from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import examples
from hypothesis import HealthCheck, given, settings

from aapeace import brat, webannotation
from interchange_cases import round_trip
from strategies import packages
from test_properties import write


@settings(max_examples=examples(5, 100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=packages())
def test_export_then_import_gives_back_the_same_bytes(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")  # one package for both formats: writing it is most of the cost
        for module in (brat, webannotation):
            for units in ("codepoints", "utf16"):
                round_trip(module, root, Path(tmp) / module.__name__ / units, units)


def _add_table(root: Path, text: str) -> None:
    """A table the shipped schemas lack, as a fork or a later version adds one: a composite key
    that holds source_id (as an event's date per source would) and an enum column."""
    import json

    from packages import regenerate, write_rows

    actors = json.loads((root / "schemas/actors.json").read_text(encoding="utf-8"))
    span = [f for f in actors["fields"] if f["name"] in ("source_id", "span_start", "span_end", "quote")]
    actor = next(f for f in actors["fields"] if f["name"] == "actor_id")
    schema = {"$schema": actors["$schema"], "fields": [actor, {"name": "tone", "type": "string", "constraints": {
                  "required": True, "enum": ["plain", "warm"]}}, *span],
              "missingValues": [""], "primaryKey": ["actor_id", "source_id"],
              "foreignKeys": [{"fields": ["actor_id"], "reference": {"resource": "actors", "fields": ["actor_id"]}},
                              {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}]}
    (root / "schemas/actor_tones.json").write_text(json.dumps(schema), encoding="utf-8")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "actor_tones", "type": "table", "path": "data/actor_tones.csv",
                                    "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                                    "schema": "schemas/actor_tones.json"})
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    at = text.index("Ilham Aliyev")
    write_rows(root / "data/actor_tones.csv", [f["name"] for f in schema["fields"]],
               [["ilham-aliyev", "plain", "900_0123456789abcdef", str(at), str(at + 12), "Ilham Aliyev"]])
    regenerate(root)


def test_a_table_the_descriptor_adds_travels_too(tmp_path):
    from aapeace import agree, reanchor
    from aapeace.dataset import open_dataset
    from aapeace.validators import iter_errors
    from packages import FIXTURE_TEXT, fixture_package

    text = FIXTURE_TEXT.read_text(encoding="utf-8")
    root = fixture_package(tmp_path / "pkg")
    _add_table(root, text)
    assert list(iter_errors(root)) == []
    for module in (brat, webannotation):
        merged = round_trip(module, root, tmp_path / module.__name__, "utf16")
        assert merged.counts["actor_tones"]["unchanged"] == 1
    _, results = agree.agree(open_dataset(root), open_dataset(root))
    [tones] = [r for r in results if r.table == "actor_tones"]
    assert tones.f1 == 1 and tones.kappa["tone"] == {"pairs": 1, "observed": 1.0, "kappa": None}
    placed = reanchor.reanchor(open_dataset(root), "900_0123456789abcdef", "New: " + text).placed
    assert {(p.table, p.status) for p in placed} >= {("actor_tones", "moved")}
