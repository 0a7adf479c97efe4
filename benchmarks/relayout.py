"""Rewrite a package's JSON exports in another valid layout (indented, as a fork's own
tools might write them): the same rows in other bytes. The benchmark validates such a
copy next to the canonical one to show the export check has no cliff.

    python benchmarks/relayout.py PACKAGE_DIR [--indent 2]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from aapeace.model import open_package


def relayout(root: Path, indent: int | str | None = 2) -> list[str]:
    """Re-lay-out every table's export in place; the paths rewritten."""
    done = []
    for table in open_package(root).tables:
        path = root / table.export_path
        rows = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
        done.append(table.export_path)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path)
    parser.add_argument("--indent", type=int, default=2)
    args = parser.parse_args()
    relayout(args.package, args.indent)


if __name__ == "__main__":
    main()
