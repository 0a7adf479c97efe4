"""The fast export check renders exactly what the reference writer (json.dumps) writes."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aapeace.validators.reading import read_csv
from aapeace.validators.render import export_matches
from aapeace.validators.tables import check_table
from packages import tables
from strategies import packages
from test_properties import write


def _checked(root: Path, table):
    data, errors = read_csv((root / table.path).read_bytes(), table.path)
    assert not errors and not list(check_table(data, table))  # fills the typed columns
    return data


def test_shipped_exports_match_in_one_chunk_and_in_many(checkout):
    for table in tables(checkout).values():
        data = _checked(checkout, table)
        for chunk in (1 << 16, 7, 1):
            assert export_matches(checkout / table.export_path, table, data, chunk) is True, (table.name, chunk)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packages(), st.integers(1, 4), st.data())
def test_generated_exports_match_and_any_changed_byte_is_seen(drawn, chunk, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")  # exports written by the reference writer
        for table in tables(root).values():
            rows = _checked(root, table)
            path = root / table.export_path
            assert export_matches(path, table, rows, chunk) is True, table.name
            raw = bytearray(path.read_bytes())
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] = (raw[at] + 1) % 128 if raw[at] < 128 else ord("x")
            path.write_bytes(bytes(raw))
            assert export_matches(path, table, rows, chunk) is False, table.name
