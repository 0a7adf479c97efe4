"""``load()`` and ``source_texts()``: typed DataFrames read through the same door as the
validator, and every failure a LoadError with the validator's code, file, row and field.

The data-driven cases (tests/cases/loader.json) each write a one-table package of a few
rows in a temporary folder; the other tests break a private copy of the shipped package.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import aapeace
from aapeace import csvio, joins, jsonrows
from aapeace.errors import PackageError
from aapeace.loader import IntegrityError, LoadError, load, source_texts
from aapeace.model import open_package
from strategies import packages
from test_properties import write

CASES = json.loads((Path(__file__).parent / "cases" / "loader.json").read_text(encoding="utf-8"))["cases"]

# The one table of the cases' package: a field of every type the loader types.
SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True}},
        {"name": "n", "type": "integer"},
        {"name": "x", "type": "number"},
        {"name": "ok", "type": "boolean", "trueValues": ["yes", "Y"], "falseValues": ["no", "N"]},
        {"name": "tags", "type": "list", "delimiter": ";"},
        {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
        {"name": "when", "type": "string", "x-precisionField": "precision"},
        {"name": "precision", "type": "string", "constraints": {"enum": ["year", "month", "day"]}},
        {"name": "day", "type": "date"},
    ],
    "primaryKey": ["id"],
}


def tiny_package(root: Path, csv_text: str, resource: dict | None = None, schema: dict | None = None) -> Path:
    """A package of one table ``t`` (data/t.csv) holding ``csv_text`` exactly."""
    (root / "data").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "data" / "t.csv").write_bytes(csv_text.encode("utf-8"))
    (root / "schemas" / "t.json").write_text(json.dumps(schema or SCHEMA), encoding="utf-8")
    entry = {"name": "t", "type": "table", "path": "data/t.csv", "schema": "schemas/t.json", **(resource or {})}
    descriptor = {"name": "tiny", "version": "1.0.0", "resources": [entry]}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


plain = jsonrows.plain  # a loaded cell as the JSON value it stands for (dates as their ISO text)


def set_cell(root: Path, table: str, index: int, field: str, value: str) -> None:
    """One cell of data/<table>.csv changed, the file otherwise byte for byte the same."""
    path = root / "data" / f"{table}.csv"
    records = csvio.records(path.read_bytes().decode("utf-8"))
    records[index + 1][records[0].index(field)] = value
    path.write_bytes(csvio.dumps(records[0], records[1:]).encode("utf-8"))


def rehash(root: Path) -> None:
    """The descriptor's hash and bytes of every resource set to its file as it now is."""
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        data = (root / resource["path"]).read_bytes()
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")


# --- the data-driven cases ---------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_loader_case(tmp_path, case):
    root = tiny_package(tmp_path / "pkg", case["csv"], case.get("resource"))
    if "expect" in case:
        with pytest.raises(LoadError) as caught:
            load(root)
        error = caught.value
        assert [error.code, error.row, error.field] == case["expect"], str(error)
        assert error.file in ("data/t.csv", "datapackage.json"), error.file
        assert isinstance(error, PackageError) and error.error.code == error.code
        assert str(error)
    else:
        frame = load(root)["t"]
        for column, values in case["values"].items():
            assert [plain(v) for v in frame[column]] == values, column


def test_the_cases_types(tmp_path):
    csv_text = "id,n,x,ok,tags,kind,when,precision,day\na,1,1.5,yes,p;q,a,2022,year,2022-01-31\n" \
               "b,,,N,,b,2022-05,month,\n"
    frame = load(tiny_package(tmp_path / "pkg", csv_text))["t"]
    assert frame["n"].dtype == "Int64" and frame["x"].dtype == "float64" and frame["ok"].dtype == "boolean"
    assert isinstance(frame["kind"].dtype, pd.CategoricalDtype) and list(frame["kind"].cat.categories) == ["a", "b"]
    assert frame["when"].iloc[0].freqstr.startswith("Y") and frame["when"].iloc[1].freqstr.startswith("M")
    assert frame["day"].dtype == pd.PeriodDtype("D")
    assert frame["id"].dtype == "string"


def test_a_required_integer_with_no_missing_cell_is_int64(tmp_path):
    schema = {"fields": [{"name": "k", "type": "integer", "constraints": {"required": True}},
                         {"name": "m", "type": "integer"}]}
    frame = load(tiny_package(tmp_path / "pkg", "k,m\n1,2\n", schema=schema))["t"]
    assert frame["k"].dtype == "int64" and frame["m"].dtype == "Int64"


def test_missing_values_are_the_schemas(tmp_path):
    schema = {"fields": [{"name": "s"}, {"name": "k", "type": "integer"}], "missingValues": ["-", ""]}
    frame = load(tiny_package(tmp_path / "pkg", "s,k\n-,-\nNA,\n", schema=schema))["t"]
    assert [plain(v) for v in frame["s"]] == [None, "NA"] and [plain(v) for v in frame["k"]] == [None, None]


# --- the shipped package -----------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped(checkout):
    return load(checkout)


def test_every_table_is_loaded(shipped, checkout):
    assert list(shipped) == [t.name for t in open_package(checkout).tables]
    assert all(len(frame) for frame in shipped.values())


def test_types_follow_the_schema(shipped):
    events = shipped["events"]
    assert events["span_start"].dtype == "int64"
    assert isinstance(events["type"].dtype, pd.CategoricalDtype)
    assert list(shipped["event_dates"]["date_precision"].cat.categories) == ["year", "month", "day"]
    assert isinstance(shipped["actors"]["aliases"].dropna().iloc[0], list)
    assert shipped["proposals"]["point"].dtype == "Int64"


def test_dates_keep_their_precision(shipped):
    dates = shipped["event_dates"]
    for value, precision in zip(dates["date_start"], dates["date_precision"]):
        assert isinstance(value, pd.Period)
        assert value.freqstr[0] == {"year": "Y", "month": "M", "day": "D"}[precision]


def test_each_date_has_its_first_and_last_day_beside_it_and_sorts(shipped):
    dates = shipped["event_dates"]
    for field in ("date_start", "date_end"):
        assert str(dates[field + "_first"].dtype).startswith("datetime64")
        for period, first, last in zip(dates[field], dates[field + "_first"], dates[field + "_last"]):
            if period is None or (not isinstance(period, pd.Period) and pd.isna(period)):
                assert pd.isna(first) and pd.isna(last)
            else:
                assert first == period.start_time and last == period.end_time.normalize()
    ordered = dates.sort_values("date_start_first")
    assert ordered["date_start_first"].is_monotonic_increasing
    assert dates["date_start_first"].min() <= dates["date_start_last"].max()


def test_an_extra_date_column_does_not_reach_the_exports(shipped, checkout):
    # The bounds are the loader's convenience: frame_rows writes the schema's fields only.
    table = open_package(checkout).table("event_dates")
    rows = jsonrows.frame_rows(table, shipped["event_dates"])
    assert set(rows[0]) == set(table.field_names)


def test_text_na_stays_text(package_copy):
    set_cell(package_copy, "actors", 0, "description", "NA")
    set_cell(package_copy, "actors", 1, "description", "null")
    actors = load(package_copy, verify=False)["actors"]
    assert actors["description"].iloc[0] == "NA" and actors["description"].iloc[1] == "null"


def test_a_tampered_file_is_refused_by_name_with_both_hashes(package_copy):
    path = package_copy / "data" / "actors.csv"
    declared = next(r for r in open_package(package_copy).resources if r.name == "actors").sha256
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(IntegrityError, match="data/actors.csv") as caught:
        load(package_copy)
    error = caught.value
    assert (error.file, error.code) == ("data/actors.csv", "hash-mismatch")
    assert (error.expected, error.actual) == (declared, actual)
    assert f"expected sha256 {error.expected}" in str(error) and f"actual sha256 {actual}" in str(error)
    assert isinstance(error, LoadError)  # one except clause catches every loading failure


def _break(root, how: str) -> None:
    actors = root / "data" / "actors.csv"
    if how == "descriptor-not-json":
        (root / "datapackage.json").write_text("{", encoding="utf-8")
    elif how == "descriptor-too-deep":
        (root / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif how == "descriptor-not-an-object":
        (root / "datapackage.json").write_text("[]", encoding="utf-8")
    elif how == "file-missing":
        actors.unlink()
    elif how == "file-empty":
        actors.write_bytes(b"")
    elif how == "not-utf8":
        actors.write_bytes(actors.read_bytes() + b"\xe9,\n")
    elif how == "header-mismatch":
        actors.write_text(actors.read_text(encoding="utf-8").replace("kind", "sort", 1), encoding="utf-8")
    elif how == "ragged":
        actors.write_text(actors.read_text(encoding="utf-8") + "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\n", encoding="utf-8")
    elif how == "enum":
        set_cell(root, "actors", 0, "kind", "empire")
    elif how == "overflow":
        set_cell(root, "actors", 0, "span_start", "99999999999999999999")
    elif how == "fifo":  # opening it would block for ever
        actors.unlink()
        os.mkfifo(actors)
    elif how == "schema-not-json":
        (root / "schemas" / "actors.json").write_text("{", encoding="utf-8")


@pytest.mark.parametrize("how,code,row", [
    ("descriptor-not-json", "descriptor-unreadable", None), ("descriptor-too-deep", None, None),
    ("descriptor-not-an-object", "descriptor-unreadable", None), ("file-missing", "file-missing", None),
    ("file-empty", "file-empty", 1), ("not-utf8", "encoding-error", None), ("header-mismatch", "header-mismatch", 1),
    ("ragged", "row-ragged", None), ("enum", "enum-error", 2), ("overflow", "type-error", 2),
    ("schema-not-json", "schema-unreadable", None), ("fifo", "file-unreadable", None),
])
def test_bad_input_is_a_load_error_never_a_stray_exception(package_copy, how, code, row):
    _break(package_copy, how)
    with pytest.raises(LoadError) as caught:
        load(package_copy, verify=False)
    error = caught.value
    if how == "descriptor-too-deep":  # the JSON reader's own code for it
        assert error.code in ("descriptor-unreadable", "json-too-deep")
    else:
        assert error.code == code
    assert str(error)
    if row is not None:
        assert error.row == row
    if code not in (None, "descriptor-unreadable", "schema-unreadable"):
        assert error.file == "data/actors.csv"


def test_a_missing_descriptor_is_a_load_error(tmp_path):
    with pytest.raises(LoadError) as caught:
        load(tmp_path)
    assert caught.value.code == "descriptor-missing"


def test_the_default_is_the_shipped_package():
    assert set(aapeace.load()) >= {"actors", "events", "proposals", "leverage_instruments"}


def test_load_error_is_a_package_error_with_the_error_as_data():
    error = LoadError("x.csv, row 3: bad", code="type-error", file="x.csv", row=3, field="n")
    assert isinstance(error, PackageError) and isinstance(error, ValueError)
    assert (error.error.code, error.error.file, error.error.row, error.error.field) == ("type-error", "x.csv", 3, "n")
    assert str(error) == "x.csv, row 3: bad"
    assert LoadError("no code").error is None
    assert aapeace.LoadError is LoadError and aapeace.IntegrityError is IntegrityError



def test_the_public_names_import_from_the_package_and_complete():
    import subprocess
    import sys

    names = ", ".join(n for n in aapeace.__all__ if n != "__version__")
    script = f"from aapeace import {names}, __version__; import aapeace; print(' '.join(dir(aapeace)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(aapeace.__all__)
    assert {"load", "source_texts", "LoadError", "IntegrityError", "validate"} <= set(aapeace.__all__)

# --- failures the old loader let through or raised raw -----------------------------------

def test_permission_denied_is_a_load_error_file_unreadable(package_copy, monkeypatch):
    # Tests run as root, where mode 000 does not stop a read: refuse the open itself.
    real_open = os.open

    def refusing(path, *args, **kwargs):
        if os.fspath(path).endswith("actors.csv"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    monkeypatch.setattr("builtins.open", _refusing_builtin_open(open))
    with pytest.raises(LoadError) as caught:
        load(package_copy)
    assert (caught.value.code, caught.value.file) == ("file-unreadable", "data/actors.csv")


def _refusing_builtin_open(real):
    def refusing(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file).endswith("actors.csv"):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real(file, *args, **kwargs)
    return refusing


def test_a_fifo_as_a_table_never_blocks(package_copy):
    fifo = package_copy / "data" / "positions.csv"
    fifo.unlink()
    os.mkfifo(fifo)
    outcome: list = []

    def attempt():
        try:
            load(package_copy)
        except Exception as exc:  # noqa: BLE001 - the outcome is checked below
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the thread ends, then fail
        with open(fifo, "wb", opener=lambda p, f: os.open(p, f | os.O_NONBLOCK)) as handle:
            handle.close()
        pytest.fail("load() blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], LoadError), outcome
    assert (outcome[0].code, outcome[0].file) == ("file-unreadable", "data/positions.csv")


def test_source_texts_checks_each_texts_hash(package_copy):
    text = next((package_copy / "data" / "sources").glob("*.txt"))
    text.write_bytes(text.read_bytes().replace(b"Azerbaijan", b"Azerbaidjan", 1))
    rehash(package_copy)  # the descriptor agrees with the changed file; the sources row does not
    with pytest.raises(LoadError) as caught:
        source_texts(package_copy)
    error = caught.value
    assert (error.code, error.file, error.row, error.field) == ("source-hash-mismatch", "data/sources.csv",
                                                                error.row, "path")
    assert error.row >= 2 and text.name in str(error)


def test_source_texts_checks_the_declared_hash_too(package_copy):
    text = next((package_copy / "data" / "sources").glob("*.txt"))
    text.write_bytes(text.read_bytes() + b" ")
    with pytest.raises(IntegrityError):
        source_texts(package_copy)


def test_source_texts_match_the_quotes(checkout):
    texts = source_texts(checkout)
    events = load(checkout)["events"]
    for row in events.itertuples():
        assert texts[row.source_id][row.span_start:row.span_end] == row.quote


def test_source_texts_of_a_package_without_sources_is_empty(tmp_path):
    root = tiny_package(tmp_path / "pkg", "id,n,x,ok,tags,kind,when,precision,day\n"
                        "a,1,1.5,yes,p;q,a,2022,year,2022-01-31\n")
    assert source_texts(root) == {}


def test_a_hash_in_another_form_is_refused_not_skipped(package_copy):
    descriptor = json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][1]["hash"] = descriptor["resources"][1]["hash"].upper()  # SHA256:<HEX>
    (package_copy / "data" / "actors.csv").write_bytes(b"tampered\n")
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load(package_copy)
    assert caught.value.code == "hash-unsupported"


def test_importing_the_loader_stays_light():
    # pandas may import pyarrow (and its submodules) itself; the loader must add none of these.
    script = ("import sys, pandas; before = set(sys.modules); import aapeace.loader, aapeace; "
              "aapeace.load(); aapeace.source_texts(); "
              "print(sorted(m for m in set(sys.modules) - before if m in ('jsonschema', 'pyarrow', 'rich') "
              "or m.startswith('aapeace.validators')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- properties and joins ----------------------------------------------------------------

# Each example writes and regenerates a whole package (about a second): few in the default
# run, more in the long profile that .ci/run uses (HYPOTHESIS_PROFILE=fuzz).
EXAMPLES = 40 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 8


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packages())
def test_loaded_values_equal_the_written_values(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        loaded = load(root)
        for name, rows in drawn.rows.items():
            frame = loaded[name]
            assert len(frame) == len(rows)
            for i, row in enumerate(rows):
                for column, value in row.items():
                    got = frame[column].iloc[i]
                    if value is None:
                        assert got is None or pd.isna(got), (name, column, got)
                    elif isinstance(got, pd.Period):
                        assert got == pd.Period(value, freq=got.freq)
                    else:
                        assert got == value, (name, column, got, value)


def test_joins(shipped):
    actor = shipped["event_actors"]["actor_id"].iloc[0]
    assert len(joins.events_of_actor(shipped, actor)) >= 1
    proposal = shipped["proposal_instruments"]["proposal_id"].iloc[0]
    assert len(joins.instruments_of_proposal(shipped, proposal)) >= 1
    event = shipped["event_actors"]["event_id"].iloc[0]
    assert set(joins.actors_of_event(shipped, event)["actor_id"]) <= set(shipped["actors"]["actor_id"])
    assert len(joins.instrument_actions(shipped)) == len(shipped["proposal_instruments"])
    proposal = shipped["positions"]["proposal_id"].iloc[0]
    assert len(joins.positions_on(shipped, proposal)) >= 1
