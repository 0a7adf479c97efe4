"""The benchmark's scaled packages must be valid, or the timings would measure error paths."""
from __future__ import annotations

import sys
from pathlib import Path

from aapeace.validators import iter_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from scale import scale  # noqa: E402


def test_a_scaled_package_keeps_every_relation_and_span_valid(checkout, tmp_path):
    counts = scale(tmp_path / "scaled", 2000, source=checkout)
    shipped = sum(1 for _ in (checkout / "data" / "actors.csv").open(encoding="utf-8")) - 1
    assert counts["actors"] >= 2 * shipped  # replicated at least twice
    assert list(iter_errors(tmp_path / "scaled")) == []
