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
    events = _rows("events")
    assert sum(1 for e in events if not e["date_start"]) == 9 and len(events) == 38
    assert sum(1 for e in events if e["date_basis"] == "stated") == 8
    proposals_004 = [p for p in _rows("proposals") if p["source_id"].startswith("004")]
    assert len(proposals_004) == 26 and sum(p["proposer_id"] == "nurlan-mustafayev" for p in proposals_004) == 22
    for author in ("Artin Dersimonian", "Nurlan Mustafayev"):
        assert author in FLAT and any(r["author"] == author for r in _rows("sources"))
