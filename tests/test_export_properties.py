"""Property: for any valid package the strategies draw (astral characters, NBSP, quotes,
commas and formula-like cells included), the exports keep every row and every span."""
from __future__ import annotations

import csv
import sqlite3
import tempfile
from pathlib import Path

from conftest import examples
from hypothesis import HealthCheck, given, settings

from aapeace import diff
from aapeace.dataset import open_dataset
from aapeace.export import export
from aapeace.spreadsheet import safe_cell
from strategies import packages
from test_properties import write

SETTINGS = settings(max_examples=examples(15, 100), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(packages())
def test_sqlite_keeps_rows_keys_and_spans(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        data = open_dataset(root)
        path, _ = export(data, "sqlite", Path(tmp) / "db.sqlite")
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
            for table in data.tables:
                assert con.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0] == len(drawn.rows[table.name])
                if table.has_spans:
                    wrong = con.execute(
                        f'SELECT count(*) FROM "{table.name}" t JOIN source_texts s USING (source_id) '
                        "WHERE substr(s.text, t.span_start + 1, t.span_end - t.span_start) != t.quote").fetchone()[0]
                    assert wrong == 0, table.name
        finally:
            con.close()


@SETTINGS
@given(packages())
def test_csv_safe_differs_from_the_canonical_csv_only_by_the_prefix(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        data = open_dataset(root)
        export(data, "csv-safe", Path(tmp) / "out")
        for table in data.tables:
            # newline="": Path.read_text would turn a CR LF inside a cell into LF
            with open(root / table.path, encoding="utf-8", newline="") as handle:
                want = list(csv.reader(handle))
            with open(Path(tmp) / "out" / f"{table.name}.csv", encoding="utf-8-sig", newline="") as handle:
                got = list(csv.reader(handle))
            assert got == [[safe_cell(c) for c in row] for row in want]


@SETTINGS
@given(packages())
def test_a_package_has_no_diff_with_itself(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        d = diff.compare(open_dataset(root), open_dataset(root))
        assert d.empty and d.required_bump == "none"
