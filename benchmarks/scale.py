"""Scale the shipped package to about N rows by replicating it, keeping every relation
and every span valid.

Copy k of every row gets its keys prefixed with ``c<k>-`` (and so do the foreign keys
pointing at them), so each copy is a complete, self-consistent replica; spans keep
pointing into the two real source texts. N counts rows across all tables (a "1M-row
package"); ``--per-table`` makes N the row count of the largest table instead.

    python benchmarks/scale.py OUT_DIR --rows 100000
"""
from __future__ import annotations

import argparse
import csv
import math
import shutil
import sys
import time
from pathlib import Path

from aapeace import generate
from aapeace.model import open_package, shipped_root


def prefixed_columns(table) -> list[str]:
    """Columns holding keys of this package's own rows (not source ids): these get the prefix."""
    columns = {f for f in table.primary_key if (table.field(f).pattern or "").startswith("^[a-z0-9]+(-")}
    for fk in table.foreign_keys:
        if fk.resource != "sources":
            columns.update(fk.fields)
    if table.name == "mentions":
        columns.add("mention_id")
    return [f for f in table.field_names if f in columns]


def scale(out: Path, rows: int, per_table: bool = False, source: Path | None = None) -> dict[str, int]:
    source = source or shipped_root()
    tables = open_package(source).tables
    base = {}
    for t in tables:
        with open(source / t.path, encoding="utf-8", newline="") as handle:
            base[t.name] = list(csv.reader(handle))
    replicated = [t for t in tables if t.name != "sources"]
    unit = max(len(base[t.name]) - 1 for t in replicated) if per_table else sum(len(base[t.name]) - 1 for t in replicated)
    copies = max(1, math.ceil(rows / unit))
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("*.json", "__pycache__"))
    shutil.copy2(source / "datapackage.json", out / "datapackage.json")
    shutil.copytree(source / "schemas", out / "schemas", dirs_exist_ok=True)
    counts = {}
    for t in tables:
        header, *body = base[t.name]
        with open(out / t.path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            if t.name == "sources":
                writer.writerows(body)
                counts[t.name] = len(body)
                continue
            at = [header.index(c) for c in prefixed_columns(t)]
            for k in range(copies):
                prefix = f"c{k}-"
                for row in body:
                    row = list(row)
                    for i in at:
                        if row[i]:
                            row[i] = prefix + row[i]
                    writer.writerow(row)
            counts[t.name] = copies * len(body)
    generate.write(out / "datapackage.json", with_docs=False)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--per-table", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    counts = scale(args.out, args.rows, args.per_table)
    print(f"{sum(counts.values())} rows in {time.perf_counter() - started:.1f} s: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
