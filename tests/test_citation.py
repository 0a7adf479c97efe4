"""CITATION.cff and the licences say the same as the descriptor, and the version is one."""
from __future__ import annotations

import json
import tomllib

import yaml

from conftest import CHECKOUT

DESCRIPTOR = json.loads((CHECKOUT / "datapackage.json").read_text(encoding="utf-8"))
CITATION = yaml.safe_load((CHECKOUT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_follows_cff_and_the_descriptor():
    assert CITATION["cff-version"] == "1.2.0" and CITATION["type"] == "dataset"
    assert {"message", "title", "authors", "version", "date-released", "license"} <= set(CITATION)
    assert CITATION["version"] == DESCRIPTOR["version"]
    assert CITATION["title"] == DESCRIPTOR["title"]
    assert CITATION["authors"][0]["name"] == DESCRIPTOR["contributors"][0]["title"]


def test_every_part_has_its_licence_in_every_place():
    licence_md = (CHECKOUT / "LICENSE.md").read_text(encoding="utf-8")
    declared = {lic["name"] for lic in DESCRIPTOR["licenses"]}
    assert declared == {"CC-BY-4.0", "MIT"}
    assert CITATION["license"] in declared
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(project["license"].replace(" AND ", " ").split()) == declared
    for needle in ("CC-BY-4.0", "MIT License", "Permission is hereby granted", "data/sources/*.txt",
                   "their publishers"):
        assert needle in licence_md, needle
    with open(CHECKOUT / "data" / "sources.csv", encoding="utf-8") as handle:
        assert "not covered by this package's open licences" in handle.read()


def test_the_changelog_has_a_section_for_the_version():
    changelog = (CHECKOUT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {DESCRIPTOR['version']} " in changelog
    assert changelog.index("## Unreleased") < changelog.index(f"## {DESCRIPTOR['version']}")
