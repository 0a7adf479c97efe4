"""The joins users ask for most, each a few lines of pandas over ``load()``'s tables.

A helper given an id that its table does not hold raises ``UnknownId`` (a ``KeyError``),
so a typo is never mistaken for "no rows"."""
from __future__ import annotations

import difflib

import pandas as pd

Tables = dict[str, pd.DataFrame]


class UnknownId(KeyError):
    """No row of ``table`` has ``value`` in ``column``."""

    def __init__(self, table: str, column: str, value: object, near: list[str]):
        super().__init__(value)
        self.table, self.column, self.value = table, column, value
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        self.message = f"unknown {column} {value!r}: no row of {table} has it{hint}"

    def __str__(self) -> str:
        return self.message


def _known(tables: Tables, table: str, column: str, value: str) -> None:
    ids = tables[table][column]
    if not (ids == value).any():
        raise UnknownId(table, column, value, difflib.get_close_matches(str(value), ids.astype(str).tolist(), n=3))


def events_of_actor(tables: Tables, actor_id: str) -> pd.DataFrame:
    """The events an actor takes part in, with its role, earliest first."""
    _known(tables, "actors", "actor_id", actor_id)
    links = tables["event_actors"].loc[tables["event_actors"]["actor_id"] == actor_id, ["event_id", "role"]]
    events = links.merge(tables["events"], on="event_id")
    return events.sort_values("date_start", key=lambda s: s.map(_sort_key), kind="stable").reset_index(drop=True)


def actors_of_event(tables: Tables, event_id: str) -> pd.DataFrame:
    """The actors of one event, with their roles and names."""
    _known(tables, "events", "event_id", event_id)
    links = tables["event_actors"].loc[tables["event_actors"]["event_id"] == event_id, ["actor_id", "role"]]
    return links.merge(tables["actors"][["actor_id", "name", "kind"]], on="actor_id").reset_index(drop=True)


def instruments_of_proposal(tables: Tables, proposal_id: str) -> pd.DataFrame:
    """The instruments a proposal acts on, with the action and the instrument's holder and target."""
    _known(tables, "proposals", "proposal_id", proposal_id)
    links = tables["proposal_instruments"]
    links = links.loc[links["proposal_id"] == proposal_id, ["instrument_id", "action", "quote"]]
    return links.merge(tables["leverage_instruments"].drop(columns=["quote", "source_id", "span_start", "span_end"]),
                       on="instrument_id").reset_index(drop=True)


def instrument_actions(tables: Tables) -> pd.DataFrame:
    """Every (proposal, instrument, action) with the proposer and source side by side.

    Where the two texts want opposite things done with one instrument, this is where it
    shows: filter on ``instrument_id`` and compare the ``action`` column.
    """
    links = tables["proposal_instruments"][["proposal_id", "instrument_id", "action", "source_id", "quote"]]
    proposals = tables["proposals"][["proposal_id", "title", "proposer_id"]].rename(columns={"title": "proposal"})
    instruments = tables["leverage_instruments"][["instrument_id", "name", "holder_id", "target_id"]].rename(
        columns={"name": "instrument"})
    return (links.merge(proposals, on="proposal_id").merge(instruments, on="instrument_id")
            .sort_values(["instrument_id", "source_id"]).reset_index(drop=True))


def positions_on(tables: Tables, proposal_id: str) -> pd.DataFrame:
    """Who stands where on a proposal, as the sources report it."""
    _known(tables, "proposals", "proposal_id", proposal_id)
    positions = tables["positions"].loc[tables["positions"]["proposal_id"] == proposal_id]
    return positions.merge(tables["actors"][["actor_id", "name"]], on="actor_id").reset_index(drop=True)


def _sort_key(value: object) -> str:
    # Periods of different precision do not compare; their ISO start does.
    return "9999" if value is None or value is pd.NaT or (isinstance(value, float)) else str(value)
