"""Other people's tools read our descriptor too: the reference implementation must agree."""
from __future__ import annotations

import frictionless


def test_frictionless_validates_the_shipped_package(checkout):
    report = frictionless.validate(str(checkout / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_sees_a_dangling_self_reference(small_copy):
    from packages import regenerate, set_cell

    set_cell(small_copy, "actors", 0, "part_of", "nobody-at-all")
    regenerate(small_copy)
    report = frictionless.validate(str(small_copy / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {e[0] for e in report.flatten(["type"])}
