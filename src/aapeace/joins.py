"""The joins users ask for most, each a few lines of pandas over ``load()``'s tables.

A helper given an id that its table does not hold raises ``UnknownId`` (a ``KeyError``),
so a typo is never mistaken for "no rows"."""
from __future__ import annotations

import difflib

import pandas as pd

Tables = dict[str, pd.DataFrame]
# Every table but sources carries these (the span contract).
SPAN_COLUMNS = {"source_id", "span_start", "span_end", "quote"}


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
    """The events an actor takes part in, with its role, earliest first (by the earliest date
    any text gives the event; undated events last)."""
    _known(tables, "actors", "actor_id", actor_id)
    links = tables["event_actors"].loc[tables["event_actors"]["actor_id"] == actor_id, ["event_id", "role"]]
    events = links.merge(tables["events"], on="event_id")
    first = tables["event_dates"].groupby("event_id")["date_start"].agg(lambda s: min(p.start_time for p in s))
    order = events["event_id"].map(first).sort_values(kind="stable", na_position="last")
    return events.loc[order.index].reset_index(drop=True)


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


def said_by(tables: Tables, source_id: str) -> Tables:
    """What one text says, and where: every table cut to the rows whose own span lies in
    ``source_id`` (``event_dates`` included, so an event's dates are that text's dates).
    ``sources`` and tables without spans are left out."""
    _known(tables, "sources", "source_id", source_id)
    return {name: frame.loc[frame["source_id"] == source_id].reset_index(drop=True)
            for name, frame in tables.items() if SPAN_COLUMNS <= set(frame.columns)}


def cited_by(tables: Tables, source_id: str) -> pd.DataFrame:
    """Every row that ``source_id`` cites through any of its spans: one line per (row, span).

    ``via`` says how the text cites the row: ``row`` (the row's own span), or the name of the
    table whose row of that text names it by a foreign key (``mentions`` for a mention,
    ``event_actors`` for an actor's part in an event, ``event_dates`` for a date, ...).
    ``actors.source_id`` is only where an actor was first annotated; count the actors a
    text cites with ``cited_by(t, s).query("table == 'actors'")["key"].nunique()``.
    """
    _known(tables, "sources", "source_id", source_id)
    keyed = {name: frame.attrs["primary_key"][0] for name, frame in tables.items()
             if len(frame.attrs.get("primary_key", [])) == 1}
    parts = []
    for name, frame in tables.items():
        if not SPAN_COLUMNS <= set(frame.columns):
            continue
        mine = frame.loc[frame["source_id"] == source_id]
        spans = mine[["span_start", "span_end", "quote"]]
        key = mine[frame.attrs["primary_key"]].astype(str).agg(" / ".join, axis=1)
        parts.append(spans.assign(table=name, key=key, via="row"))
        for fields, target, _ in frame.attrs.get("foreign_keys", []):
            if len(fields) != 1 or target == name or target == "sources" or target not in keyed:
                continue
            column = fields[0]
            named = mine.loc[mine[column].notna()]
            parts.append(named[["span_start", "span_end", "quote"]].assign(
                table=target, key=named[column].astype(str), via=name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["span_start", "span_end", "quote", "table", "key", "via"])
    out.insert(0, "source_id", source_id)
    return (out[["source_id", "table", "key", "via", "span_start", "span_end", "quote"]]
            .sort_values(["table", "key", "span_start"], kind="stable").reset_index(drop=True))


def date_disagreements(tables: Tables) -> pd.DataFrame:
    """Events that two or more texts date differently (start, end or precision), one line
    per text's claim, so the texts' dates sit side by side."""
    dates = tables["event_dates"]
    claim = dates[["date_start", "date_end", "date_precision"]].apply(
        lambda row: "|".join("" if pd.isna(v) else str(v) for v in row), axis=1)
    differs = claim.groupby(dates["event_id"]).transform("nunique") > 1
    return dates.loc[differs].sort_values(["event_id", "source_id"]).reset_index(drop=True)


def proposal_points(tables: Tables) -> pd.DataFrame:
    """The numbered point each proposal belongs to: its own ``point``, or that of the nearest
    ancestor (through ``part_of``) that has one; empty where none has. Columns
    ``proposal_id``, ``point``, ``point_id`` (the proposal that carries the number)."""
    proposals = tables["proposals"].set_index("proposal_id")
    parent, number = proposals["part_of"].to_dict(), proposals["point"].to_dict()
    rows = []
    for proposal_id in proposals.index:
        seen, current = set(), proposal_id
        # Walk up until a numbered proposal, the top, or a cycle (the validator reports cycles).
        while current is not None and not pd.isna(current) and current not in seen:
            seen.add(current)
            if not pd.isna(number.get(current)):
                rows.append((proposal_id, number[current], current))
                break
            current = parent.get(current)
        else:
            rows.append((proposal_id, pd.NA, pd.NA))
    out = pd.DataFrame(rows, columns=["proposal_id", "point", "point_id"])
    out["point"] = out["point"].astype("Int64")
    out["point_id"] = out["point_id"].astype("string")
    return out
