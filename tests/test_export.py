"""``aapeace export``: JSON, SQLite with keys, Parquet, spreadsheet-safe CSV; never overwrites."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aapeace.dataset import open_dataset
from aapeace.export import export
from aapeace.model import open_package
from aapeace.spreadsheet import is_dangerous as is_formula_like
from packages import read_rows, regenerate, set_cell


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=300)


def _tables(checkout: Path):
    return open_package(checkout).tables


def test_json_export_equals_the_shipped_json(checkout, tmp_path):
    result = run("export", "json", str(tmp_path / "out"), "--package", str(checkout))
    assert result.returncode == 0, result.stderr
    for table in _tables(checkout):
        assert (tmp_path / "out" / f"{table.name}.json").read_bytes() == (checkout / table.export_path).read_bytes()


@pytest.fixture(scope="module")
def database(checkout, tmp_path_factory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("sqlite") / "aapeace.sqlite"
    result = run("export", "sqlite", str(path), "--package", str(checkout))
    assert result.returncode == 0, result.stderr
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    yield con
    con.close()


def test_sqlite_holds_every_row_and_no_dangling_key(database, checkout):
    for table in _tables(checkout):
        with open(checkout / table.path, encoding="utf-8", newline="") as handle:
            expected = sum(1 for _ in csv.reader(handle)) - 1
        assert database.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0] == expected
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    assert dict(database.execute("SELECT key, value FROM package_info"))["version"] == open_dataset(checkout).version


def test_sqlite_declares_the_schemas_keys(database, checkout):
    for table in _tables(checkout):
        pk = [row[1] for row in sorted(database.execute(f'PRAGMA table_info("{table.name}")'), key=lambda r: r[5])
              if row[5]]
        assert pk == list(table.primary_key), table.name
        declared = {(fk.fields, fk.resource) for fk in table.foreign_keys}
        found = {}
        for row in database.execute(f'PRAGMA foreign_key_list("{table.name}")'):
            found.setdefault(row[0], (row[2], []))[1].append(row[3])
        assert {(tuple(cols), target) for target, cols in found.values()} == declared, table.name


def test_sqlite_refuses_what_the_schema_forbids(database):
    row = database.execute("SELECT * FROM actors LIMIT 1").fetchone()
    columns = [d[0] for d in database.execute("SELECT * FROM actors LIMIT 0").description]
    bad_kind = dict(zip(columns, row), actor_id="new-actor", kind="empire")
    dangling = dict(zip(columns, row), actor_id="new-actor-2", part_of="nobody")
    for values in (bad_kind, dangling):
        with pytest.raises(sqlite3.IntegrityError):
            database.execute(f"INSERT INTO actors ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                             list(values.values()))
    database.rollback()


def test_sqlite_spans_check_out_in_sql(database, checkout):
    for table in _tables(checkout):
        if not table.has_spans:
            continue
        wrong = database.execute(
            f'SELECT count(*) FROM "{table.name}" t JOIN source_texts s USING (source_id) '
            "WHERE substr(s.text, t.span_start + 1, t.span_end - t.span_start) != t.quote").fetchone()[0]
        assert wrong == 0, table.name


def test_sqlite_lists_are_json_arrays(database):
    aliases = json.loads(database.execute("SELECT aliases FROM actors WHERE actor_id = 'azerbaijan'").fetchone()[0])
    assert aliases == ["Azerbaijan", "Baku"]
    assert database.execute("SELECT count(*) FROM actors, json_each(actors.aliases) WHERE value = 'Baku'").fetchone()[0] == 1


def test_parquet_is_typed_and_carries_the_schema(checkout, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is in the validate and test extras: pip install '.[validate]'")
    result = run("export", "parquet", str(tmp_path), "--package", str(checkout), "--tables", "actors,event_dates")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actors.parquet", "event_dates.parquet"]
    actors = pq.read_table(tmp_path / "actors.parquet")
    events = pq.read_table(tmp_path / "event_dates.parquet")
    assert str(actors.schema.field("span_start").type) == "int64"
    assert str(actors.schema.field("aliases").type).startswith("list<")
    assert actors.schema.field("name").metadata[b"description"] == b"Canonical English name."
    assert json.loads(actors.schema.metadata[b"aapeace.table_schema"])["primaryKey"] == ["actor_id"]
    assert actors.num_rows == len(read_rows_of(checkout, "actors"))
    assert "2020-11-10" in events.column("date_start").to_pylist()  # dates keep their precision as text
    assert "1994" in events.column("date_start").to_pylist()


def read_rows_of(checkout: Path, name: str) -> list[list[str]]:
    with open(checkout / "data" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def test_parquet_without_pyarrow_says_what_to_install(checkout, tmp_path):
    script = ("import sys; sys.modules['pyarrow'] = None; from aapeace.cli import main; "
              f"sys.exit(main(['export', 'parquet', {str(tmp_path / 'out')!r}, '--package', {str(checkout)!r}]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 2
    assert "needs pyarrow" in result.stderr and "[parquet]" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.fixture
def formula_package(small_copy):
    """A small package whose first mention quotes a stretch of its text starting with '-'
    (a spreadsheet formula prefix): verbatim, so valid, and a cell csv-safe must defuse."""
    header, rows = read_rows(small_copy / "data" / "mentions.csv")
    row = dict(zip(header, rows[0]))
    text = (small_copy / "data" / "sources" / f"{row['source_id']}.txt").read_text(encoding="utf-8")
    source_header, sources = read_rows(small_copy / "data" / "sources.csv")
    source = next(dict(zip(source_header, r)) for r in sources if r[0] == row["source_id"])
    start = text.index("-", int(source["body_start"]), int(source["body_end"]))
    quote = text[start:start + 3]
    set_cell(small_copy, "mentions", 0, "span_start", str(start))
    set_cell(small_copy, "mentions", 0, "span_end", str(start + len(quote)))
    set_cell(small_copy, "mentions", 0, "quote", quote)
    regenerate(small_copy)
    return small_copy


def test_csv_safe_defuses_formula_cells_and_only_those(formula_package, tmp_path):
    checkout = formula_package
    result = run("export", "csv-safe", str(tmp_path), "--package", str(checkout))
    assert result.returncode == 0, result.stderr
    defused = 0
    for table in _tables(checkout):
        canonical = (checkout / table.path).read_text(encoding="utf-8")
        exported = (tmp_path / f"{table.name}.csv").read_bytes()
        assert exported.startswith(b"\xef\xbb\xbf")
        got = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"), newline="")))
        want = list(csv.reader(io.StringIO(canonical, newline="")))
        assert len(got) == len(want)
        for got_row, want_row in zip(got, want):
            for g, w in zip(got_row, want_row, strict=True):
                assert g == ("'" + w if is_formula_like(w) else w)
                defused += g != w
    assert defused >= 1
    assert "'-" in (tmp_path / "mentions.csv").read_text(encoding="utf-8-sig")


def test_the_canonical_csvs_keep_the_unescaped_cell(formula_package):
    rows = read_rows_of(formula_package, "mentions")
    assert any(cell.startswith("-") for row in rows for cell in row)


def test_export_never_overwrites(checkout, tmp_path):
    (tmp_path / "actors.json").write_text("mine", encoding="utf-8")
    result = run("export", "json", str(tmp_path), "--package", str(checkout))
    assert result.returncode == 2 and "will not overwrite" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actors.json"]
    assert (tmp_path / "actors.json").read_text(encoding="utf-8") == "mine"
    db = tmp_path / "db.sqlite"
    db.write_bytes(b"mine")
    assert run("export", "sqlite", str(db), "--package", str(checkout)).returncode == 2
    assert db.read_bytes() == b"mine"


def test_sqlite_into_a_folder_is_named_after_the_package(checkout, tmp_path):
    files = export(open_dataset(checkout), "sqlite", tmp_path)
    # the database and, beside it, its Datasette metadata (tests/test_datasette.py serves both)
    assert files == [tmp_path / "armenia-azerbaijan-peace-process.sqlite",
                     tmp_path / "armenia-azerbaijan-peace-process.metadata.json"] and all(f.is_file() for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)  # no temporary file left


def test_unknown_table_exits_2(checkout, tmp_path):
    result = run("export", "json", str(tmp_path / "x"), "--package", str(checkout), "--tables", "nope")
    assert result.returncode == 2 and "unknown table" in result.stderr


def test_the_export_module_does_not_import_pyarrow():
    code = "import sys, aapeace.export, aapeace.cli; print('pyarrow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
