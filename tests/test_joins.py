"""The joins in ``aapeace.joins``: each returns the rows asked for, and an id its table does
not hold is named as unknown (a typo must not look like "no rows")."""
from __future__ import annotations

import pytest

from aapeace import joins, load


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
