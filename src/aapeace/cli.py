"""Command line: ``aapeace validate | generate | span``. This module only parses arguments
and formats results; the work is done elsewhere. Exit codes: 0 fine, 1 problems found,
2 could not run."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2


def _validate(args: argparse.Namespace) -> int:
    from aapeace.validators import limits, validate

    try:
        bounds = limits.Limits(**{
            **({"max_file_bytes": limits.parse_size(args.max_file_size)} if args.max_file_size else {}),
            **({"max_cell_chars": args.max_cell_length} if args.max_cell_length else {})})
    except ValueError as exc:
        print(f"aapeace validate: --max-file-size: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    with limits.applied(bounds):
        report = validate(args.path)
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for error in report.errors:
            print(f"{error.location()}: [{error.code}] {error.message}")
        if not args.quiet or not report.valid:
            verdict = "valid" if report.valid else f"{len(report.errors)} error(s)"
            print(f"{report.package}: {verdict}")
    if report.valid:
        return EXIT_OK
    # No descriptor at all: there was nothing to validate, which is a usage problem.
    return EXIT_CANNOT_RUN if {e.code for e in report.errors} == {"descriptor-missing"} else EXIT_INVALID


def _generate(args: argparse.Namespace) -> int:
    from aapeace import generate

    return generate.main(args.path, args.check)


def _span(args: argparse.Namespace) -> int:
    from aapeace.package import resolve_descriptor
    from aapeace.spans import QuoteNotFound, find_quote, read_text

    root = resolve_descriptor(args.package).parent
    with open(root / "data" / "sources.csv", encoding="utf-8", newline="") as handle:
        rows = {r["source_id"]: r for r in csv.DictReader(handle)}
    if args.source_id not in rows:
        print(f"unknown source_id {args.source_id!r}; known: {', '.join(rows)}", file=sys.stderr)
        return EXIT_INVALID
    row = rows[args.source_id]
    text = read_text(root / row["path"])
    within = None if args.anywhere else (int(row["body_start"]), int(row["body_end"]))
    try:
        span = find_quote(text, args.quote, args.occurrence, within)
    except QuoteNotFound as exc:
        print(f"{args.source_id}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(json.dumps({"source_id": args.source_id, "span_start": span.start, "span_end": span.end,
                      "quote": span.quote}, ensure_ascii=False))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="aapeace", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)

    v = commands.add_parser("validate", help="validate a package in five layers and report every error",
                            description="Validate a data package (descriptor, tables, keys, spans, exports). "
                                        "Exit 0 valid, 1 invalid, 2 could not run. Never fetches anything.")
    v.add_argument("path", nargs="?", help="a datapackage.json or its folder (default: the shipped package)")
    v.add_argument("--format", choices=["text", "json"], default="text", help="report format (default: text)")
    v.add_argument("--quiet", action="store_true", help="print nothing when the package is valid")
    v.add_argument("--max-file-size", metavar="SIZE",
                   help="largest file read, e.g. 500M or 2G (default 100M); larger files are reported, not read")
    v.add_argument("--max-cell-length", metavar="N", type=int,
                   help="longest cell in characters (default 131072, the csv module's own limit)")
    v.set_defaults(run=_validate)

    g = commands.add_parser("generate", help="regenerate derived files (JSON Schemas, JSON exports, hashes, docs)",
                            description="Regenerate every derived file from the Table Schemas and CSVs; "
                                        "with --check, write nothing and exit 1 if any is stale.")
    g.add_argument("path", nargs="?", help="a datapackage.json or its folder (default: the shipped package)")
    g.add_argument("--check", action="store_true", help="report stale files instead of writing them")
    g.set_defaults(run=_generate)

    s = commands.add_parser("span", help="find the offsets of an exact quote in a source text",
                            description="Print span_start/span_end of QUOTE in the source text, searching its "
                                        "article body only unless --anywhere.")
    s.add_argument("source_id")
    s.add_argument("quote")
    s.add_argument("--occurrence", type=int, help="which occurrence (1-based) when the quote repeats")
    s.add_argument("--anywhere", action="store_true", help="search the whole text, not only the body")
    s.add_argument("--package", help="the package (default: the shipped package)")
    s.set_defaults(run=_span)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a user sees a sentence, never a traceback
        print(f"aapeace {args.command}: could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
