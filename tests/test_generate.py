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
