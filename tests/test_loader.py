from __future__ import annotations

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


def test_a_tampered_file_is_refused_by_name(package_copy):
    path = package_copy / "data" / "actors.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match="data/actors.csv"):
        load(package_copy)


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
