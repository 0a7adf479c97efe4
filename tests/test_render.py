"""The fast export check renders exactly what the reference writer (json.dumps) writes, in
the canonical layout and indented (json.dumps(indent=...), as pretty-printers write it)."""
from __future__ import annotations

import json
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


def _write_table(root: Path, name: str, text: str):
    """Table ``name`` with ``text`` as its CSV in a package folder at ``root``; the table."""
    table = TABLES[name]
    (root / "data").mkdir()
    (root / table.path).write_text(text, encoding="utf-8", newline="")
    return table


@settings(max_examples=examples(40, 200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_csv(), st.integers(1, 4), st.data())
def test_generated_exports_match_and_any_changed_byte_is_seen(drawn, chunk, data):
    name, text = drawn
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        table = _write_table(root, name, text)
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


@settings(max_examples=examples(25, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_csv(), st.sampled_from([1, 2, 4, "\t", "  "]), st.sampled_from(["", "\n"]), st.integers(1, 4),
       st.data())
def test_indented_exports_match_and_any_changed_byte_is_seen(drawn, indent, end, chunk, data):
    name, text = drawn
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        table = _write_table(root, name, text)
        path = root / table.export_path
        rows = jsonrows.typed_rows(table, text)
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=indent) + end, encoding="utf-8", newline="")
        csv_data = _checked(root, table)
        assert export_matches(root, table, csv_data, chunk) is (bool(rows) or end == "\n")
        raw = bytearray(path.read_bytes())
        # anywhere, or where a row ends (the glue between rows and chunks) or the file ends
        ends = [i + 1 for i in range(len(raw) - 1) if raw[i:i + 2] == b"},"] + [len(raw) - 1, len(raw) - 2]
        at = data.draw(st.one_of(st.integers(0, len(raw) - 1), st.sampled_from([i for i in ends if i >= 0])))
        edit = data.draw(st.sampled_from(["change", "drop", "double", "space"]))
        if edit == "change":
            raw[at] = (raw[at] + 1) % 128 if raw[at] < 128 else ord("x")
        elif edit == "drop":
            del raw[at]
        elif edit == "double":
            raw[at:at] = raw[at:at + 1]
        else:
            raw[at:at] = b" "
        path.write_bytes(bytes(raw))
        # any edit leaves the layout json.dumps writes (a value changed, or whitespace it would not
        # put), unless all it did was add or drop the final line break
        laid_out = json.dumps(rows, ensure_ascii=False, indent=indent).encode()
        expected = bytes(raw) in (laid_out, laid_out + b"\n") and bool(rows)
        assert export_matches(root, table, csv_data, chunk) is expected, bytes(raw)
