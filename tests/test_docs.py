"""The hand-written annotation guide must define every enum value the schemas allow."""
from __future__ import annotations

import json
import re

from conftest import CHECKOUT

GUIDE = (CHECKOUT / "docs" / "annotation-guide.md").read_text(encoding="utf-8")


def test_the_guide_defines_every_enum_value_once_per_list():
    defined = set(re.findall(r"^- `([a-z0-9-]+)`:", GUIDE, flags=re.M))
    for path in sorted((CHECKOUT / "schemas").glob("*.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            for value in field.get("constraints", {}).get("enum", []):
                assert value in defined or f"`{value}`" in GUIDE, f"{path.name}:{field['name']} value {value!r}"


def test_the_guide_has_a_section_for_each_enumerated_field():
    for path in sorted((CHECKOUT / "schemas").glob("*.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            if "enum" in field.get("constraints", {}) and "precision" not in field["name"] and "basis" not in field["name"]:
                assert f"### {path.stem}.{field['name']}" in GUIDE, f"{path.stem}.{field['name']}"
