"""Derived files are generated, never edited: a stale one fails here (and in CI)."""
from __future__ import annotations

from aapeace import generate
from packages import set_cell


def test_no_derived_file_is_stale(checkout):
    stale = generate.stale(checkout / "datapackage.json")
    assert stale == [], f"run `aapeace generate` and commit: {stale}"


def test_an_edited_csv_makes_its_export_and_hash_stale(package_copy):
    set_cell(package_copy, "actors", 0, "description", "changed")
    stale = {p.relative_to(package_copy).as_posix() for p in generate.stale(package_copy / "datapackage.json")}
    assert {"data/actors.json", "datapackage.json"} <= stale


def test_generate_then_check_is_clean(package_copy):
    set_cell(package_copy, "actors", 0, "description", "changed")
    generate.write(package_copy / "datapackage.json")
    assert generate.stale(package_copy / "datapackage.json") == []


def _strip_dialects(root) -> dict:
    import json

    descriptor = root / "datapackage.json"
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    for resource in document["resources"]:
        resource.pop("dialect", None)
    descriptor.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return document


def test_a_table_without_a_dialect_is_valid_and_generate_declares_ours(small_copy):
    """The validator does not require a declared dialect (the spec's defaults read the files
    the same way), but generate states it on every table, so --check finds it missing."""
    import json

    from aapeace.model import DIALECT
    from aapeace.validators import validate

    before = _strip_dialects(small_copy)
    assert validate(small_copy).valid
    assert generate.stale(small_copy / "datapackage.json", with_docs=False) == [small_copy / "datapackage.json"]
    generate.write(small_copy / "datapackage.json", with_docs=False)
    after = json.loads((small_copy / "datapackage.json").read_text(encoding="utf-8"))
    for old, new in zip(before["resources"], after["resources"]):
        table = old.get("type") == "table"
        assert new.get("dialect") == (DIALECT if table else None), old["name"]
        if table:  # placed before the schema, everything else kept in order
            keys = list(new)
            assert keys.index("dialect") == keys.index("schema") - 1
            assert [k for k in keys if k != "dialect"] == list(old)
    assert validate(small_copy).valid and generate.stale(small_copy / "datapackage.json", with_docs=False) == []


def test_generate_completes_a_partial_dialect_and_keeps_its_metadata(small_copy):
    import json

    from aapeace.model import DIALECT

    descriptor = small_copy / "datapackage.json"
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    document["resources"][1]["dialect"] = {"delimiter": ",", "title": "RFC 4180 with LF"}
    descriptor.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    generate.write(descriptor, with_docs=False)
    written = json.loads(descriptor.read_text(encoding="utf-8"))["resources"][1]["dialect"]
    assert written == {**DIALECT, "title": "RFC 4180 with LF"}
