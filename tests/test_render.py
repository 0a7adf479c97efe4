"""The fast export check renders exactly what the reference writer (json.dumps) writes."""
from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aapeace.validators import registry
from aapeace.validators.reading import read_csv
from aapeace.validators.json_render import export_matches
from aapeace.validators.types import typed_table
from aapeace import csvio, jsonrows
from packages import tables
from strategies import TABLES, cell, table_rows


def _checked(root: Path, table):
    data, errors = read_csv((root / table.path).read_bytes(), table.path)
    assert not errors
    data = typed_table(table, data)  # the typed columns the integer fields render from
    assert not list(registry.run(2, table, data))
    return data


def test_shipped_exports_match_in_one_chunk_and_in_many(checkout):
    for table in tables(checkout).values():
        data = _checked(checkout, table)
        for chunk in (1 << 16, 7, 1):
            assert export_matches(checkout, table, data, chunk) is True, (table.name, chunk)


@st.composite
def table_csv(draw) -> tuple[str, str]:
    """A table's name and a CSV of valid rows of it (any table: the export check reads one table)."""
    name = draw(st.sampled_from(sorted(TABLES)))
    table = TABLES[name]
    rows = draw(st.lists(table_rows(table), max_size=6))
    return name, csvio.dumps(table.field_names, ([cell(r[f]) for f in table.field_names] for r in rows))


@settings(max_examples=examples(40, 200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_csv(), st.integers(1, 4), st.data())
def test_generated_exports_match_and_any_changed_byte_is_seen(drawn, chunk, data):
    name, text = drawn
    table = TABLES[name]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        (root / table.path).write_text(text, encoding="utf-8", newline="")
        path = root / table.export_path
        # the export as the reference writer (json.dumps per row, what `generate` writes) has it
        path.write_text(jsonrows.dumps(jsonrows.typed_rows(table, text)), encoding="utf-8", newline="")
        rows = _checked(root, table)
        assert export_matches(root, table, rows, chunk) is True, table.name
        raw = bytearray(path.read_bytes())
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = (raw[at] + 1) % 128 if raw[at] < 128 else ord("x")
        path.write_bytes(bytes(raw))
        assert export_matches(root, table, rows, chunk) is False, table.name
