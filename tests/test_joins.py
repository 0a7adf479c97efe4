"""aapeace.joins: what one text says, what it cites, where texts disagree, points; and an id
its table does not hold is named as unknown (a typo must not look like "no rows")."""
from __future__ import annotations

import pandas as pd
import pytest

from aapeace import joins
from aapeace.loader import load, source_texts


@pytest.fixture(scope="module")
def shipped(checkout):
    return load(checkout)


def _sources(tables):
    return list(tables["sources"]["source_id"])


def test_said_by_keeps_only_the_rows_of_that_text(shipped):
    for source_id in _sources(shipped):
        said = joins.said_by(shipped, source_id)
        assert "sources" not in said and "event_dates" in said
        for name, frame in said.items():
            assert set(frame["source_id"]) <= {source_id}, name
            everything = shipped[name]
            assert len(frame) == int((everything["source_id"] == source_id).sum()), name


def test_a_shared_event_has_each_texts_own_date(shipped):
    # The 2020 war: one event row, but each text's date stays its own (000 gives the year only).
    dates = shipped["event_dates"]
    war = dates.loc[dates["event_id"] == "war-2020"].set_index(dates.loc[dates["event_id"] == "war-2020",
                                                                         "source_id"].str[:3])
    assert war.loc["000", "date_precision"] == "year" and str(war.loc["000", "date_start"]) == "2020"
    assert war.loc["004", "date_precision"] == "day"
    assert set(war["source_id"]) == set(_sources(shipped))


def test_cited_by_reaches_rows_through_mentions_and_links(shipped):
    for source_id in _sources(shipped):
        cited = joins.cited_by(shipped, source_id)
        assert set(cited["source_id"]) == {source_id}
        own = set(shipped["actors"].loc[shipped["actors"]["source_id"] == source_id, "actor_id"])
        via = cited.loc[cited["table"] == "actors"]
        assert own <= set(via["key"]) and own == set(via.loc[via["via"] == "row", "key"])
        mentioned = shipped["mentions"].loc[shipped["mentions"]["source_id"] == source_id, "actor_id"].dropna()
        assert set(mentioned) <= set(via["key"])
        linked = shipped["event_actors"].loc[shipped["event_actors"]["source_id"] == source_id, "actor_id"]
        assert set(linked) <= set(via.loc[via["via"] == "event_actors", "key"])


def test_every_span_cited_by_a_text_is_that_texts_slice(shipped, checkout):
    texts = source_texts(checkout)
    for source_id in _sources(shipped):
        spans = joins.cited_by(shipped, source_id)[["span_start", "span_end", "quote"]]
        for start, end, quote in spans.itertuples(index=False):
            assert texts[source_id][start:end] == quote


def test_a_text_cites_more_actors_than_it_first_annotated(shipped):
    # The reason cited_by exists: actors.source_id is only where an actor was first annotated.
    later = _sources(shipped)[-1]
    first_seen = int((shipped["actors"]["source_id"] == later).sum())
    assert joins.cited_by(shipped, later).query("table == 'actors'")["key"].nunique() > first_seen


def test_date_disagreements_list_every_claim_of_an_event_the_texts_date_differently(shipped):
    found = joins.date_disagreements(shipped)
    assert not found.empty
    for _, claims in found.groupby("event_id"):
        assert claims["source_id"].nunique() >= 2
        shown = {(str(a), str(b), str(p)) for a, b, p in
                 claims[["date_start", "date_end", "date_precision"]].itertuples(index=False)}
        assert len(shown) >= 2
    agreed = set(shipped["event_dates"]["event_id"]) - set(found["event_id"])
    for event_id in agreed:
        claims = shipped["event_dates"].loc[shipped["event_dates"]["event_id"] == event_id]
        assert len({(str(a), str(b), str(p)) for a, b, p in
                    claims[["date_start", "date_end", "date_precision"]].itertuples(index=False)}) == 1


def test_unknown_ids_are_named_not_answered_with_an_empty_frame(shipped):
    with pytest.raises(KeyError, match="no-such-source"):
        joins.said_by(shipped, "no-such-source")
    with pytest.raises(KeyError, match="no-such-source"):
        joins.cited_by(shipped, "no-such-source")
    with pytest.raises(KeyError, match="nobody"):
        joins.events_of_actor(shipped, "nobody")


def test_events_of_an_actor_come_earliest_first_and_undated_last(shipped):
    first = shipped["event_dates"].groupby("event_id")["date_start_first"].min()
    for actor_id in ("armenia", "azerbaijan", "russia"):
        events = joins.events_of_actor(shipped, actor_id)
        starts = list(events["event_id"].map(first))
        dated = [s for s in starts if not pd.isna(s)]
        assert dated == sorted(dated)
        assert all(pd.isna(s) for s in starts[len(dated):])


def _proposals(rows):
    frame = pd.DataFrame(rows, columns=["proposal_id", "part_of", "point"])
    frame["point"] = frame["point"].astype("Int64")
    return {"proposals": frame}


def test_a_sub_recommendation_reaches_its_point_through_any_depth():
    tables = _proposals([("plan", None, None), ("p1", "plan", 1), ("p1-a", "p1", None), ("p1-a-i", "p1-a", None),
                         ("p2", "plan", 2), ("loose", None, None)])
    points = joins.proposal_points(tables).set_index("proposal_id")
    assert points.loc["p1-a-i", "point"] == 1 and points.loc["p1-a-i", "point_id"] == "p1"
    assert points.loc["p2", "point"] == 2 and points.loc["p2", "point_id"] == "p2"
    assert pd.isna(points.loc["plan", "point"]) and pd.isna(points.loc["loose", "point_id"])


def test_a_cycle_of_parents_ends_without_a_point():
    tables = _proposals([("a", "b", None), ("b", "a", None)])
    points = joins.proposal_points(tables)
    assert points["point"].isna().all()


def test_every_shipped_proposal_under_the_six_points_has_its_point(shipped):
    points = joins.proposal_points(shipped).set_index("proposal_id")
    proposals = shipped["proposals"].set_index("proposal_id")
    for proposal_id, row in proposals.iterrows():
        if not pd.isna(row["point"]):
            assert points.loc[proposal_id, "point"] == row["point"]
        parent = row["part_of"]
        if not pd.isna(parent) and not pd.isna(points.loc[parent, "point"]):
            assert points.loc[proposal_id, "point"] == points.loc[parent, "point"]


@pytest.fixture(scope="module")
def small_tables(small_template):
    return load(small_template)


@pytest.mark.parametrize("helper, table, column", [
    (joins.events_of_actor, "actors", "actor_id"),
    (joins.actors_of_event, "events", "event_id"),
    (joins.instruments_of_proposal, "proposals", "proposal_id"),
    (joins.positions_on, "proposals", "proposal_id"),
])
def test_an_unknown_id_is_named_not_an_empty_frame(small_tables, helper, table, column):
    known = small_tables[table][column].iloc[0]
    helper(small_tables, known)  # a known id: no error, whether or not it has rows here
    with pytest.raises(joins.UnknownId) as caught:
        helper(small_tables, known + "x")
    error = caught.value
    assert isinstance(error, KeyError) and (error.table, error.column, error.value) == (table, column, known + "x")
    assert str(error).startswith(f"unknown {column} '{known}x': no row of {table} has it")
    assert f"did you mean '{known}'" in str(error)


def test_a_known_id_without_links_is_an_empty_frame(small_tables):
    linked = set(small_tables["event_actors"]["actor_id"])
    lonely = [a for a in small_tables["actors"]["actor_id"] if a not in linked]
    if not lonely:
        pytest.fail("the small package should hold an actor in no event")
    assert joins.events_of_actor(small_tables, lonely[0]).empty
