"""Shared by the brat and Web Annotation tests: export, import, compare the CSV bytes."""
from __future__ import annotations

from pathlib import Path

from aapeace import interchange
from aapeace.dataset import open_dataset


def round_trip(module, root: Path, out: Path, units: str) -> interchange.Merged:
    """Export ``root`` with ``module`` and read it back; every table's CSV must be the same bytes."""
    data = open_dataset(root)
    module.export(data, out, units)
    merged = interchange.merge(data, module.read(open_dataset(root), out, units))
    for table in interchange.span_tables(data):
        assert merged.csv[table.name].encode("utf-8") == (root / table.path).read_bytes(), table.name
        assert merged.counts[table.name]["added"] == merged.counts[table.name]["removed"] == 0
        assert merged.counts[table.name]["changed"] == 0
    return merged


def import_errors(module, root: Path, folder: Path, units: str = "codepoints") -> list[tuple[str, int | None]]:
    data = open_dataset(root)
    try:
        interchange.merge(data, module.read(data, folder, units))
    except interchange.ImportFailed as exc:
        return [(e.code, e.row) for e in exc.errors]
    return []
