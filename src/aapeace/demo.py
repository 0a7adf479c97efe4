"""The README's main job: load every table and print what is there (``python -m aapeace.demo``)."""
from __future__ import annotations

from . import joins
from .loader import load


def main() -> None:
    tables = load()
    for name, frame in tables.items():
        print(f"{name:22} {len(frame):5} rows")
    contrast = joins.instrument_actions(tables)
    contrast = contrast[contrast["instrument_id"] == "section-907"]
    for row in contrast.itertuples():
        print(f"section-907: {row.action:8} proposed by {row.proposer_id} ({row.source_id})")


if __name__ == "__main__":
    main()
