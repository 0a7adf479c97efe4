"""DATASHEET.md has every section of a datasheet, and the numbers it gives are the data's."""
from __future__ import annotations

import csv
import re

from conftest import CHECKOUT

SHEET = (CHECKOUT / "DATASHEET.md").read_text(encoding="utf-8")
FLAT = " ".join(SHEET.split())  # line breaks folded, for phrases that wrap
SECTIONS = ("Motivation", "Composition", "Collection process", "Preprocessing", "Uses", "Distribution", "Maintenance")


def _rows(table: str) -> list[dict]:
    with open(CHECKOUT / "data" / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_section_is_there_in_order():
    positions = [SHEET.find(f"\n## {s}") for s in SECTIONS]
    assert -1 not in positions and positions == sorted(positions)


def test_row_counts_are_the_datas():
    tables = {p.stem for p in (CHECKOUT / "data").glob("*.csv")}
    counted = [(t, n) for t, n in re.findall(r"`([a-z_]+)` \((\d+)\)", FLAT) if t in tables]
    assert {t for t, _ in counted} == tables
    for table, count in counted:
        assert len(_rows(table)) == int(count), table


def test_the_contrasts_it_describes_are_in_the_joins():
    actions = {(r["instrument_id"], r["action"], r["source_id"][:3]) for r in _rows("proposal_instruments")}
    assert {("section-907", "enforce", "000"), ("section-907", "repeal", "004"),
            ("us-security-assistance-azerbaijan", "suspend", "000"),
            ("us-security-assistance-azerbaijan", "maintain", "004")} <= actions
    events, dates = _rows("events"), _rows("event_dates")
    undated = len({e["event_id"] for e in events} - {d["event_id"] for d in dates})
    assert f"{undated} of {len(events)} events" in FLAT
    basis = {b: sum(d["date_basis"] == b for d in dates) for b in ("stated", "resolved", "outside-knowledge")}
    assert (f"{basis['stated']} are `stated`, {basis['resolved']} `resolved`" in FLAT
            and f"{basis['outside-knowledge']} from `outside-knowledge`" in FLAT)
    proposals_004 = [p for p in _rows("proposals") if p["source_id"].startswith("004")]
    own = sum(p["proposer_id"] == "nurlan-mustafayev" for p in proposals_004)
    assert f"more proposals ({len(proposals_004)}, of which {own} are the author's own)" in FLAT
    for author in ("Artin Dersimonian", "Nurlan Mustafayev"):
        assert author in FLAT and any(r["author"] == author for r in _rows("sources"))
