"""The property both annotation formats keep: for any valid package the strategies draw
(astral characters, CR, CR LF, NBSP and combining marks in the texts), export then import
gives back every table's CSV, byte for byte, with offsets in code points and in UTF-16."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings

from aapeace import brat, webannotation
from interchange_cases import round_trip
from strategies import packages
from test_properties import write


@pytest.mark.parametrize("module", [brat, webannotation], ids=["brat", "webannotation"])
@settings(max_examples=examples(6, 200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=packages())
def test_export_then_import_gives_back_the_same_bytes(module, drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        for units in ("codepoints", "utf16"):
            round_trip(module, root, Path(tmp) / units, units)
