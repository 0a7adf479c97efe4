from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import aapeace
from aapeace import joins
from aapeace.loader import IntegrityError, LoadError, load
from aapeace.package import tables_of, read_json
from packages import regenerate, set_cell
from strategies import packages
from test_properties import write


@pytest.fixture(scope="module")
def shipped(checkout):
    return load(checkout)


def test_every_table_is_loaded(shipped, checkout):
    names = [t.name for t in tables_of(read_json(checkout / "datapackage.json"), checkout)]
    assert list(shipped) == names
    assert all(len(frame) for frame in shipped.values())


def test_types_follow_the_schema(shipped):
    events = shipped["events"]
    assert events["span_start"].dtype == "int64"
    assert isinstance(events["type"].dtype, pd.CategoricalDtype)
    assert list(events["date_precision"].cat.categories) == ["year", "month", "day"]
    assert isinstance(shipped["actors"]["aliases"].dropna().iloc[0], list)
    assert shipped["proposals"]["point"].dtype == "Int64"


def test_dates_keep_their_precision(shipped):
    events = shipped["events"]
    for value, precision in zip(events["date_start"], events["date_precision"]):
        if isinstance(value, pd.Period):
            assert value.freqstr[0] == {"year": "Y", "month": "M", "day": "D"}[precision]
        else:
            assert pd.isna(precision)


def test_text_na_stays_text(package_copy):
    set_cell(package_copy, "actors", 0, "description", "NA")
    set_cell(package_copy, "actors", 1, "description", "null")
    regenerate(package_copy)
    actors = load(package_copy)["actors"]
    assert actors["description"].iloc[0] == "NA" and actors["description"].iloc[1] == "null"


def test_a_tampered_file_is_refused_by_name_with_both_hashes(package_copy):
    import hashlib

    path = package_copy / "data" / "actors.csv"
    declared = next(r for r in read_json(package_copy / "datapackage.json")["resources"] if r["name"] == "actors")
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(IntegrityError, match="data/actors.csv") as caught:
        load(package_copy)
    error = caught.value
    assert (error.file, error.code) == ("data/actors.csv", "hash-mismatch")
    assert (error.expected, error.actual) == (declared["hash"].split(":")[1], actual)
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


@pytest.mark.parametrize("how,code", [
    ("descriptor-not-json", "descriptor-unreadable"), ("descriptor-too-deep", "descriptor-unreadable"),
    ("descriptor-not-an-object", "descriptor-unreadable"), ("file-missing", "file-missing"),
    ("file-empty", None), ("not-utf8", "encoding-error"), ("header-mismatch", "header-mismatch"),
    ("ragged", None), ("enum", "enum-error"), ("overflow", "type-error"), ("schema-not-json", None),
    ("fifo", "file-unreadable"),
])
def test_bad_input_is_a_load_error_never_a_stray_exception(package_copy, how, code):
    _break(package_copy, how)
    with pytest.raises(LoadError) as caught:
        load(package_copy, verify=False)
    assert caught.value.code == code
    assert str(caught.value)
    if code not in (None, "descriptor-unreadable"):
        assert caught.value.file == "data/actors.csv"


def test_a_missing_descriptor_is_a_load_error(tmp_path):
    with pytest.raises(LoadError):
        load(tmp_path)


def test_the_default_is_the_shipped_package():
    assert set(aapeace.load()) >= {"actors", "events", "proposals", "leverage_instruments"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
