"""Command line: aapeace validate | info | diff | export | browse | release | generate | span.

This module only parses arguments and formats results; the work is done elsewhere. Exit
codes: 0 fine, 1 problems found (or, for ``diff --exit-code``, differences), 2 could not run.
A command given ``--format json`` that cannot run prints ``{"error": ..., "exit_code": 2}``
on stdout as well as the sentence on stderr, so its stdout is always JSON."""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2
DISTRIBUTION = "armenia-azerbaijan-peace"

# What never reaches a terminal raw: C0 controls (ESC starts a command: clear a line, hide
# text, write the clipboard), DEL, C1 controls (a UTF-8 terminal may obey U+009B as ESC [)
# and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# What json.dumps(ensure_ascii=False) leaves raw (it escapes C0 only).
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def _safe(text: object, lines: bool = False) -> str:
    """``text`` fit for a terminal: each control character written as ``repr`` shows it
    (``\\x1b``, ``\\n``), so a cell or a file name can neither command the terminal nor forge a
    line. With ``lines``, the newlines between the lines of a multi-line output are kept."""
    return (_CONTROL_BUT_NEWLINE if lines else _CONTROL).sub(lambda m: repr(m.group())[1:-1], str(text))


def _escaped(value: object) -> object:
    """A copy of ``value`` (strings, lists, dicts, dataclasses) with every string made
    ``_safe``: what a multi-line text output is rendered from, so that a newline in a cell is
    escaped while the output's own newlines stay."""
    if isinstance(value, str):
        return _safe(value)
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_escaped(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _escaped(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def _json(value: object, indent: int | None = 2) -> str:
    """JSON with every control character escaped (json.dumps leaves DEL, C1 and U+2028/2029 raw)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@contextlib.contextmanager
def _progress_bar(enabled: bool):
    """A progress bar on a terminal's stderr; nothing at all otherwise (pipes, CI logs)."""
    if not enabled:
        yield lambda what, done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<40}", markup=False), BarColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("validating", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, description=_safe(what), completed=done, total=total)

        yield update


class _PandasHidden:
    """A finder that makes pandas look not installed (``ModuleNotFoundError``).

    pyarrow imports pandas the first time almost any Python value meets an Arrow array,
    only to ask whether it is a pandas object: a third of the validator's start-up, for
    nothing it uses. pyarrow without pandas is a configuration it supports, and it
    remembers the answer for the process, so this is used only by the command-line
    validator (a process that does nothing else), never by ``validate()`` in a caller's."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):  # noqa: ANN001, ANN205 - importlib's signature
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is not used by `aapeace validate`", name=name)
        return None


@contextlib.contextmanager
def _pandas_hidden():
    if "pandas" in sys.modules:  # already imported (a test calling main()): nothing to save
        yield
        return
    sys.meta_path.insert(0, _PandasHidden)
    try:
        yield
    finally:
        sys.meta_path.remove(_PandasHidden)


def _validate(args: argparse.Namespace) -> int:
    if "pyarrow" not in sys.modules:
        # Arrow's buffers from the C library's allocator, which returns freed memory at once,
        # rather than mimalloc, which keeps it for reuse: about 10% less peak memory at 1M
        # rows, at no measured cost in time (docs/benchmarks.md). Read by Arrow when it
        # loads, so set before; a user's own choice is kept.
        import os

        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    with _pandas_hidden():
        return _validate_here(args)


def _validate_here(args: argparse.Namespace) -> int:
    from aapeace.validators import limits, validate

    try:
        bounds = limits.Limits(**{
            **({"max_file_bytes": limits.parse_size(args.max_file_size)} if args.max_file_size else {}),
            **({"max_cell_chars": args.max_cell_length} if args.max_cell_length else {})})
    except ValueError as exc:
        print(_safe(f"aapeace validate: --max-file-size: {exc}"), file=sys.stderr)
        return EXIT_CANNOT_RUN
    with limits.applied(bounds), _progress_bar(sys.stderr.isatty() and not args.quiet) as progress:
        report = validate(args.path, progress)
    if args.format == "json":
        print(_json(report.to_dict()))
    else:
        for error in report.errors:
            print(_safe(f"{error.location()}: [{error.code}] {error.message}"))
        if not args.quiet or not report.valid:
            verdict = "valid" if report.valid else f"{len(report.errors)} error(s)"
            print(_safe(f"{report.package}: {verdict}"))
    if report.valid:
        return EXIT_OK
    # No descriptor at all: there was nothing to validate, which is a usage problem.
    return EXIT_CANNOT_RUN if {e.code for e in report.errors} == {"descriptor-missing"} else EXIT_INVALID


# Set by main() for a command run with --format json: what _cannot_run also prints on stdout.
_json_output = False
# The command main() last ran (run() ends the process early after `validate`).
_command: str | None = None


def _cannot_run(command: str, message: str) -> int:
    print(_safe(f"aapeace {command}: {message}"), file=sys.stderr)
    if _json_output:
        try:
            print(_json({"error": message, "exit_code": EXIT_CANNOT_RUN}))
        except BrokenPipeError:
            _silence_stdout()
    return EXIT_CANNOT_RUN


def _extra_providing(module: str) -> str | None:
    """The optional extra of this distribution that installs ``module``, read from the
    installed metadata (pyproject.toml's lists, so none is copied here); None if unknown."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        requirements = requires(DISTRIBUTION) or []
    except PackageNotFoundError:
        return None
    wanted = module.split(".")[0].lower().replace("_", "-")
    for line in requirements:
        name = re.match(r"[A-Za-z0-9._-]+", line)
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", line)
        if name and extra and extra.group(1) != "test" and name.group().lower().replace("_", "-") == wanted:
            return extra.group(1)
    return None


def _missing_module(exc: ModuleNotFoundError) -> str:
    module = exc.name or str(exc)
    extra = _extra_providing(module)
    if extra is None:
        return f"needs the Python module {module!r}, which is not installed"
    return f"needs {module}, which is not installed: pip install '{DISTRIBUTION}[{extra}]'"


VALIDATOR_MISSING = ("checking the package before writing its hashes needs the validator: pip install "
                     "'armenia-azerbaijan-peace[validate]' (or write without checking with --allow-invalid)")


def _generate(args: argparse.Namespace) -> int:
    from aapeace import generate
    from aapeace.model import resolve_descriptor

    descriptor_path = resolve_descriptor(args.path)
    if generate.installed_copy(descriptor_path):
        return _cannot_run("generate", f"{descriptor_path} is the copy installed with aapeace, not a checkout: "
                                       "pass the folder of a checkout (a clone or an unpacked sdist), "
                                       "e.g. `aapeace generate .` from its top")
    if args.check:
        stale = generate.stale(descriptor_path)
        for path in stale:
            print(_safe(f"stale: {path}"))
        return EXIT_INVALID if stale else EXIT_OK
    plan = generate.prepare(descriptor_path)  # every file derived and every target checked
    if not args.allow_invalid:
        # The hashes written vouch for the data: never for data the validator refuses.
        try:
            from aapeace.validators import iter_errors
            problems = generate.blocking(list(iter_errors(descriptor_path)))
        except ImportError as exc:
            return _cannot_run("generate", f"{VALIDATOR_MISSING}; missing: {exc.name or exc}")
        if problems:
            from aapeace.diff import error_lines

            print(_safe(f"aapeace generate: {descriptor_path} is not a valid package ({len(problems)} error(s) "
                        "that generate does not repair):"), file=sys.stderr)
            for line in error_lines(problems):
                print(f"  {_safe(line)}", file=sys.stderr)
            print("aapeace generate: nothing was written (its hashes would vouch for data the validator refuses): "
                  "fix the errors (`aapeace validate`), or write anyway with --allow-invalid", file=sys.stderr)
            return EXIT_INVALID
    for path in plan.write():
        print(_safe(f"wrote {path}"))
    return EXIT_OK


def _span(args: argparse.Namespace) -> int:
    from aapeace.dataset import open_dataset
    from aapeace.spans import QuoteNotFound, UnknownSource, find_quote, source_of

    data = open_dataset(args.package)
    try:
        text, body = source_of(data, args.source_id)
    except UnknownSource as exc:
        print(_safe(exc), file=sys.stderr)
        return EXIT_INVALID
    if body is None and not args.anywhere:
        return _cannot_run("span", f"the sources row of {args.source_id!r} gives no body_start/body_end as whole "
                                   "numbers: fix it, or search the whole text with --anywhere")
    try:
        span = find_quote(text, args.quote, args.occurrence, None if args.anywhere else body)
    except QuoteNotFound as exc:
        how = f"{exc.what}: choose one with --occurrence N (counted from 1)" if exc.repeated else exc
        print(_safe(f"{args.source_id}: {how}"), file=sys.stderr)
        return EXIT_INVALID
    print(_json({"source_id": args.source_id, "span_start": span.start, "span_end": span.end,
                 "quote": span.quote}, indent=None))
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from aapeace import info
    from aapeace.dataset import open_dataset

    summary = info.summary(open_dataset(args.path))
    if args.format == "json":
        print(_json(summary))
    else:
        print(_safe(info.render_text(_escaped(summary)), lines=True))
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from aapeace import diff
    from aapeace.dataset import open_dataset

    try:
        problems = {label: diff.validity_errors(path) for label, path in (("OLD", args.old), ("NEW", args.new))}
    except diff.ValidatorUnavailable as exc:
        if not args.allow_invalid:
            return _cannot_run("diff", str(exc))
        print("aapeace diff: the validator is not installed, so the packages were not checked "
              "(pip install 'armenia-azerbaijan-peace[validate]')", file=sys.stderr)
        problems = {}
    invalid = {label: errors for label, errors in problems.items() if errors}
    if invalid:
        for label, errors in invalid.items():
            path = args.old if label == "OLD" else args.new
            print(_safe(f"aapeace diff: {label} ({path}) is not a valid package ({len(errors)} error(s)):"),
                  file=sys.stderr)
            for line in diff.error_lines(errors):
                print(f"  {_safe(line)}", file=sys.stderr)
        if not args.allow_invalid:
            return _cannot_run("diff", "refusing to present corrupt input as changes; fix the package "
                                       "(`aapeace validate`), or compare what can be read with --allow-invalid")
    result = diff.compare(open_dataset(args.old), open_dataset(args.new),
                          allow_unreadable=args.allow_invalid)
    if args.format == "json":
        print(_json({**result.to_dict(), "valid": not invalid}))
    elif args.format == "markdown":
        print(_safe(diff.render_markdown(_escaped(result)), lines=True), end="")
    else:
        print(_safe(diff.render_text(_escaped(result), values=args.values), lines=True))
    if invalid:
        print(f"aapeace diff: {' and '.join(invalid)} {'is' if len(invalid) == 1 else 'are'} not valid: "
              "the comparison above is of what could be read, not a release check", file=sys.stderr)
    if args.check_version and not result.version_ok:
        if result.required_bump == "none":  # only a version that is not a semver step fails here
            problem = (f"version {result.new_version} is not a semver step from {result.old_version} "
                       f"(nothing needs a bump: {result.old_version} may stay)")
        else:
            problem = (f"version {result.new_version} does not cover the changes "
                       f"(they need a {result.required_bump} bump over {result.old_version})")
        print(_safe(f"aapeace diff: {problem}"), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_INVALID if args.exit_code and not result.empty else EXIT_OK


# Formats of annotation tools: one document per source text, written by their own modules.
ANNOTATION_FORMATS = ("webannotation", "brat")


def _annotation_module(fmt: str):
    from aapeace import brat, webannotation

    return {"brat": brat, "webannotation": webannotation}[fmt]


def _export(args: argparse.Namespace) -> int:
    from aapeace.dataset import open_dataset
    from aapeace.export import ExportError, export

    if args.format in ANNOTATION_FORMATS:
        out = Path(args.out)
        if (out.exists() or out.is_symlink()) and not out.is_dir():
            return _cannot_run("export", f"{out} is not a folder; the {args.format} export writes one document "
                                         "per source text into a folder")
        for path in _annotation_module(args.format).export(open_dataset(args.package), out, args.offsets):
            print(_safe(f"wrote {path}"))
        return EXIT_OK
    tables = [t for t in (args.tables or "").split(",") if t]
    try:
        written = export(open_dataset(args.package), args.format, Path(args.out), tables)
    except ExportError as exc:
        return _cannot_run("export", str(exc))
    for path in written:
        print(_safe(f"wrote {path}"))
    return EXIT_OK


def _print_errors(command: str, errors: list) -> None:
    for error in errors:
        print(_safe(f"{error.location()}: [{error.code}] {error.message}"), file=sys.stderr)


def _import(args: argparse.Namespace) -> int:
    from aapeace import interchange
    from aapeace.dataset import open_dataset

    folder = Path(args.dir)
    if not folder.is_dir():
        return _cannot_run("import", f"{folder} is not a folder of {args.format} documents")
    data = open_dataset(args.into)
    try:
        merged = interchange.merge(data, _annotation_module(args.format).read(data, folder, args.offsets))
    except interchange.ImportFailed as exc:
        _print_errors("import", exc.errors)
        print(_safe(f"aapeace import: {len(exc.errors)} error(s) in {folder}; nothing was written"), file=sys.stderr)
        return EXIT_INVALID
    for name, count in merged.counts.items():
        if any(count[k] for k in ("added", "changed", "removed")):
            print(_safe(f"{name}: {count['added']} added, {count['changed']} changed, {count['removed']} removed, "
                        f"{count['unchanged']} unchanged"))
    if args.dry_run:
        print("dry run: nothing was written")
        return EXIT_OK
    written = interchange.write(data, merged)
    for path in written:
        print(_safe(f"wrote {path}"))
    if not written:
        print("nothing changed")
        return EXIT_OK
    print("now run `aapeace validate` on the package: the import checks spans and keys, the validator everything")
    return EXIT_OK


def _add_source(args: argparse.Namespace) -> int:
    from aapeace import addsource
    from aapeace.dataset import open_dataset

    text_file = Path(args.text)
    if (args.body_start is None) != (args.body_end is None):
        return _cannot_run("add-source", "give both --body-start and --body-end, or neither")
    given = None if args.body_start is None else (args.body_start, args.body_end)
    data = open_dataset(args.package)
    meta = {k: v for k, v in (("title", args.title), ("publisher", args.publisher), ("published", args.published),
                              ("author", args.author), ("url", args.url), ("language", args.language),
                              ("rights", args.rights)) if v}
    try:
        added = addsource.plan(data, text_file, meta, given)
    except addsource.SourceRefused as exc:
        _print_errors("add-source", exc.errors)
        print("aapeace add-source: nothing was written", file=sys.stderr)
        return EXIT_INVALID
    lo, hi = added.body
    if given is None and not args.accept_body:
        print(_safe(f"proposed body of {added.source_id}: {lo}-{hi} of {len(added.text)} characters"))
        print(_safe(f"  starts: {added.text[lo:lo + 70]!r}"))
        print(_safe(f"  ends:   {added.text[max(lo, hi - 70):hi]!r}"))
        print("nothing was written: confirm with --accept-body, or give --body-start and --body-end")
        return EXIT_INVALID
    astral = sum(1 for c in added.text if ord(c) > 0xFFFF)
    if astral:
        print(f"note: the text holds {astral} character(s) outside the Basic Multilingual Plane: tools that count "
              "UTF-16 units (INCEpTION, Hypothesis) need `aapeace export brat|webannotation --offsets utf16`")
    for path in addsource.write(data, added):
        print(_safe(f"wrote {path}"))
    print(_safe(f"added {added.source_id} (body {lo}-{hi}); next: `aapeace suggest {added.source_id} "
                "suggestions.csv`, then annotate"))
    return EXIT_OK


def _suggest(args: argparse.Namespace) -> int:
    from aapeace import suggest
    from aapeace.dataset import open_dataset
    from aapeace.spans import UnknownSource

    out = Path(args.out)
    if out.suffix not in (".csv", ".json"):
        return _cannot_run("suggest", f"{out}: name a .csv or .json file")
    try:
        path, count = suggest.write(open_dataset(args.package), args.source_id, out)
    except (UnknownSource, suggest.NotIntoTheData) as exc:
        return _cannot_run("suggest", str(exc))
    print(_safe(f"wrote {path}: {count} candidate(s) to review; nothing was added to the data"))
    return EXIT_OK


def _reanchor(args: argparse.Namespace) -> int:
    from aapeace import addsource, files, reanchor
    from aapeace.dataset import open_dataset
    from aapeace.spans import UnknownSource

    if (args.body_start is None) != (args.body_end is None):
        return _cannot_run("reanchor", "give both --body-start and --body-end, or neither")
    new_file = Path(args.new_text)
    text, errors = addsource.check_text(files.read_bytes(new_file.parent, new_file.name, label=str(new_file)),
                                        str(new_file))
    if errors:
        _print_errors("reanchor", errors)
        return EXIT_INVALID
    data = open_dataset(args.package)
    body = None if args.body_start is None else (args.body_start, args.body_end)
    try:
        result = reanchor.reanchor(data, args.source_id, text, body)
    except UnknownSource as exc:
        return _cannot_run("reanchor", str(exc))
    except ImportError as exc:
        return _cannot_run("reanchor", str(exc))
    if args.format == "json":
        print(_json({"source_id": result.source_id, "body": list(result.body), "counts": result.counts,
                     "rows": [p.to_dict() for p in result.placed]}))
    else:
        for p in result.placed:
            new = f"{p.new[0]}-{p.new[1]}" if p.new else "?"
            extra = f"; candidate {p.candidate[:60]!r}" if p.candidate else ""
            print(_safe(f"{p.status:<12} {p.table} {'/'.join(p.key.values())}: {p.old[0]}-{p.old[1]} -> {new} "
                        f"({p.method}{extra})"))
        counts = result.counts
        print(_safe(f"{result.source_id}: {counts['unchanged']} unchanged, {counts['moved']} moved, "
                    f"{counts['needs-review']} need review; body {result.body[0]}-{result.body[1]}"))
    if not args.write:
        if args.format != "json":
            print("nothing was written (--write writes the new text and the moved spans)")
        return EXIT_INVALID if result.counts["needs-review"] else EXIT_OK
    if result.counts["needs-review"] and not args.keep_unresolved:
        print("aapeace reanchor: rows need review, so nothing was written: correct them, or write with "
              "--keep-unresolved and fix what the validator then reports", file=sys.stderr)
        return EXIT_INVALID
    for path in reanchor.write(data, result):
        print(_safe(f"wrote {path}"), file=sys.stderr if args.format == "json" else sys.stdout)
    return EXIT_INVALID if result.counts["needs-review"] else EXIT_OK


def _agree(args: argparse.Namespace) -> int:
    from aapeace import agree
    from aapeace.dataset import open_dataset

    if not 0 <= args.min_overlap < 1:
        return _cannot_run("agree", "--min-overlap is a fraction from 0 (any shared character) to below 1")
    try:
        shared, results = agree.agree(open_dataset(args.a), open_dataset(args.b), args.min_overlap, args.source)
    except agree.NotComparable as exc:
        return _cannot_run("agree", str(exc))
    if args.format == "json":
        print(_json({"sources": shared, "reference": "A", "tables": [r.to_dict() for r in results]}))
    else:
        print(_safe(agree.render_text(shared, results), lines=True), end="")
    return EXIT_OK


def _browse(args: argparse.Namespace) -> int:
    from aapeace import browse
    from aapeace.dataset import open_dataset

    written = browse.write(open_dataset(args.package), Path(args.out))
    print(_safe(f"wrote {written}"))
    return EXIT_OK


def _release(args: argparse.Namespace) -> int:
    from aapeace.release import ReleaseError, release

    try:
        written = release(Path(args.checkout), Path(args.outdir), isolation=not args.no_isolation)
    except ReleaseError as exc:
        print(_safe(f"aapeace release: {exc}"), file=sys.stderr)
        return EXIT_INVALID if exc.invalid else EXIT_CANNOT_RUN
    for path in written:
        print(_safe(f"wrote {path}"))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="aapeace", description=__doc__.splitlines()[0],
        epilog="Run `aapeace COMMAND --help` for a command's options. Exit codes: 0 fine, "
               "1 problems found, 2 could not run.")
    top.add_argument("--version", action=_Version, nargs=0, help="show the program's version number and exit")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = commands.add_parser("validate", help="validate a package in five layers and report every error",
                            description="Validate a data package (descriptor, tables, keys, spans, exports). "
                                        "Exit 0 valid, 1 invalid, 2 could not run. Never fetches anything.")
    v.add_argument("path", nargs="?", help="a datapackage.json or its folder (default: the shipped package)")
    v.add_argument("--format", choices=["text", "json"], default="text", help="report format (default: text)")
    v.add_argument("--quiet", action="store_true",
                   help="print nothing when the package is valid, and no progress bar")
    v.add_argument("--max-file-size", metavar="SIZE",
                   help="largest file read, e.g. 500M or 2G (default 100M); larger files are reported, not read")
    v.add_argument("--max-cell-length", metavar="N", type=int,
                   help="longest cell in characters (default 131072, the csv module's own limit)")
    v.set_defaults(run=_validate)

    g = commands.add_parser("generate", help="regenerate derived files (JSON Schemas, JSON exports, hashes, docs, catalogue records)",
                            description="Regenerate every derived file from the Table Schemas and CSVs. The "
                                        "package is validated first: errors other than stale derived files "
                                        "(hashes, exports, JSON Schemas) stop it, exit 1, nothing written, "
                                        "unless --allow-invalid. With --check, write nothing and exit 1 if any "
                                        "file is stale.")
    g.add_argument("path", nargs="?",
                   help="a checkout's datapackage.json or its folder (default: the checkout aapeace runs from; "
                        "the copy a wheel installs is refused, since it is not a checkout)")
    g.add_argument("--check", action="store_true", help="report stale files instead of writing them")
    g.add_argument("--allow-invalid", action="store_true",
                   help="write even when the package has errors other than stale derived files (by default: "
                        "validate first, exit 1 with the errors and write nothing; needs the validate extra)")
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

    i = commands.add_parser("info", help="name, version, licences, sources and rows per table",
                            description="Describe a package: name, version, licences, source texts and the "
                                        "number of rows in each table.")
    i.add_argument("path", nargs="?", help="a datapackage.json or its folder (default: the shipped package)")
    i.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    i.set_defaults(run=_info)

    d = commands.add_parser("diff", help="rows added, removed and changed between two versions",
                            description="Compare two versions of a package: rows added, removed and changed "
                                        "(matched by primary key, with the fields that changed), schema and "
                                        "metadata changes, and the version bump they need (Data Package "
                                        "Version recipe). --format markdown writes a CHANGELOG section. Both "
                                        "packages must validate (exit 2 with the errors otherwise) unless "
                                        "--allow-invalid; needs the validate extra.")
    d.add_argument("old", help="the older package (a datapackage.json or its folder)")
    d.add_argument("new", help="the newer package")
    d.add_argument("--format", choices=["text", "json", "markdown"], default="text",
                   help="output format (default: text)")
    d.add_argument("--values", action="store_true", help="text format: show old and new values of changed fields")
    d.add_argument("--exit-code", action="store_true", help="exit 1 when the packages differ (as git diff)")
    d.add_argument("--check-version", action="store_true",
                   help="exit 1 when NEW's version step is smaller than its changes need")
    d.add_argument("--allow-invalid", action="store_true",
                   help="compare even when OLD or NEW does not validate (by default: exit 2 with the errors)")
    d.set_defaults(run=_diff)

    e = commands.add_parser("export", help="write the tables as JSON, SQLite, Parquet or spreadsheet-safe CSV",
                            description="Export the tables. json, parquet and csv-safe write one file per table "
                                        "into the folder OUT; sqlite writes one database (OUT, or "
                                        "OUT/<name>.sqlite if OUT is a folder) with the keys declared, and "
                                        "beside it its Datasette metadata (<name>.metadata.json). "
                                        "csv-safe prefixes cells that a spreadsheet would run as formulas with "
                                        "' (the canonical CSVs stay exact). Existing files are never overwritten. OUT is "
                                        "followed if it is itself a symbolic link (you named it, as with cp); "
                                        "a link inside it or at a file's name is refused.")
    e.add_argument("format", choices=["json", "sqlite", "parquet", "csv-safe", *ANNOTATION_FORMATS],
                   help="the export format; webannotation (W3C Web Annotation JSON-LD) and brat (standoff .txt + "
                        ".ann) write one document per source text, for annotation tools")
    e.add_argument("out", help="the folder (or, for sqlite, the database file) to write")
    e.add_argument("--offsets", choices=["codepoints", "utf16"], default="codepoints",
                   help="webannotation and brat: count offsets in code points (the package's own unit, as brat "
                        "and the W3C model count) or in UTF-16 code units (as INCEpTION, Hypothesis and other "
                        "Java or JavaScript tools count); converted exactly either way")
    e.add_argument("--package", help="the package (default: the shipped package)")
    e.add_argument("--tables", help="comma-separated table names (default: all)")
    e.set_defaults(run=_export)

    im = commands.add_parser("import", help="bring annotations back from brat or W3C Web Annotation files",
                             description="Read the annotations of DIR (as `aapeace export brat|webannotation` "
                                         "writes them, after editing in an annotation tool) into the package: for "
                                         "each source text DIR annotates, its rows in every table with spans are "
                                         "replaced by the annotations' rows (matched by table and primary key: "
                                         "kept in place, changed, added or removed). Offsets, quotes, texts, "
                                         "tables and keys are checked first: on any error nothing is written "
                                         "(exit 1). The derived files are then regenerated.")
    im.add_argument("format", choices=list(ANNOTATION_FORMATS), help="the format of DIR's documents")
    im.add_argument("dir", help="the folder of documents (<source_id>.ann or .jsonld, beside <source_id>.txt)")
    im.add_argument("--into", default=".", help="the package to write into (default: the current folder)")
    im.add_argument("--offsets", choices=["codepoints", "utf16"], default="codepoints",
                    help="how the tool counted offsets (default: code points; utf16 for INCEpTION, Hypothesis "
                         "and other Java or JavaScript tools)")
    im.add_argument("--dry-run", action="store_true", help="check and report what would change; write nothing")
    im.set_defaults(run=_import)

    a = commands.add_parser("add-source", help="add a new source text with its sources row",
                            description="Check TEXT (UTF-8, no byte order mark, LF line endings, Unicode NFC: each "
                                        "refusal says how to fix the file), copy it into data/sources/ as "
                                        "NNN_<first 16 hex digits of its sha256>.txt, write its sources row "
                                        "(sha256, length, body bounds) and a resource for it, and regenerate the "
                                        "derived files. A text already in the package is refused. The body is "
                                        "proposed and written only when confirmed (--accept-body) or given "
                                        "(--body-start, --body-end).")
    a.add_argument("text", help="the text file, exactly as published")
    a.add_argument("--title", required=True, help="the headline as the text gives it")
    a.add_argument("--publisher", required=True, help="the publication that carried the text")
    a.add_argument("--published", help="YYYY, YYYY-MM or YYYY-MM-DD, as stated in the text")
    a.add_argument("--author", help="the author, as the byline states it")
    a.add_argument("--url", help="where it was published (only if known)")
    a.add_argument("--language", help="BCP 47 tag (default: en)")
    a.add_argument("--rights", help="who holds the rights and on what terms it is redistributed")
    a.add_argument("--body-start", type=int, help="offset where the article body begins")
    a.add_argument("--body-end", type=int, help="offset just past the article body's end")
    a.add_argument("--accept-body", action="store_true", help="take the proposed body bounds")
    a.add_argument("--package", default=".", help="the package (default: the current folder)")
    a.set_defaults(run=_add_source)

    sg = commands.add_parser("suggest", help="candidate mentions and dates in a text, to a file for review",
                             description="Write candidates for review, never into the data: every name and alias "
                                         "of a known row (tables with a name column, such as actors) found as an "
                                         "exact whole word inside the text's body, and every date the text states "
                                         "(with its ISO form and precision). OUT ends in .csv or .json; it is never "
                                         "overwritten.")
    sg.add_argument("source_id")
    sg.add_argument("out", help="the file to write (.csv or .json)")
    sg.add_argument("--package", default=".", help="the package (default: the current folder)")
    sg.set_defaults(run=_suggest)

    ra = commands.add_parser("reanchor", help="move every span of a source to a corrected text",
                             description="Place every row citing SOURCE_ID in NEW_TEXT: at the same offsets or "
                                         "its quote's only occurrence (exact match), else where the diff of the "
                                         "two texts maps it if the quote stands exactly there; anything else "
                                         "needs review, with an approximate match shown as a candidate. A quote is "
                                         "never changed. Reports each row as unchanged, moved or needs-review "
                                         "(exit 1 if any needs review). --write writes the new text, its sources "
                                         "row and the moved spans (refused while rows need review, unless "
                                         "--keep-unresolved). Needs the contribute extra (diff-match-patch).")
    ra.add_argument("source_id")
    ra.add_argument("new_text", help="the corrected text (checked as add-source checks a text)")
    ra.add_argument("--write", action="store_true", help="write the new text and the moved spans")
    ra.add_argument("--keep-unresolved", action="store_true",
                    help="with --write: write even when rows need review, leaving them for the validator to show")
    ra.add_argument("--body-start", type=int, help="the new text's body start (default: mapped through the diff)")
    ra.add_argument("--body-end", type=int, help="the new text's body end (default: mapped through the diff)")
    ra.add_argument("--format", choices=["text", "json"], default="text", help="report format (default: text)")
    ra.add_argument("--package", default=".", help="the package (default: the current folder)")
    ra.set_defaults(run=_reanchor)

    ag = commands.add_parser("agree", help="agreement between two annotations of the same texts",
                             description="Compare two packages annotating the same source texts (same sha256): "
                                         "per table, rows matched one to one by span overlap; precision, recall "
                                         "and F1 with A as the reference; Cohen's kappa on each enum column over "
                                         "the matched rows.")
    ag.add_argument("a", help="the reference annotation (a package folder or its datapackage.json)")
    ag.add_argument("b", help="the second annotation")
    ag.add_argument("--min-overlap", type=float, default=0.0,
                    help="the span overlap (Jaccard, 0 to 1) a match must exceed (default 0: any shared character)")
    ag.add_argument("--source", action="append", metavar="SOURCE_ID",
                    help="compare only this source text (repeatable; default: every text both hold)")
    ag.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    ag.set_defaults(run=_agree)

    b = commands.add_parser("browse", help="write a self-contained HTML page to check rows against their spans",
                            description="Write one HTML file (no server, no network) showing each source text with "
                                        "every cited span highlighted; choose a row to mark its span, a passage to "
                                        "list the rows citing it; filter by table, actor and source; a timeline of "
                                        "the events. Never overwrites a file. An output folder that is itself a "
                                        "symbolic link is followed (you named it, as with cp); a link at the "
                                        "file's name is refused.")
    b.add_argument("-o", "--out", default=".",
                   help="the HTML file to write, or a folder for <name>-<version>.html (default: the current folder)")
    b.add_argument("--package", help="the package (default: the shipped package)")
    b.set_defaults(run=_browse)

    r = commands.add_parser("release", help="build the wheel, the sdist and the data package zip, with SHA256SUMS",
                            description="Build a release from a checkout: the wheel and sdist (python -m build), "
                                        "<name>-<version>.zip holding the data package and its documentation, and "
                                        "SHA256SUMS. The checkout must validate, have no stale derived file, and "
                                        "have a CHANGELOG section and CITATION.cff for its version (exit 1 if not). "
                                        "Never overwrites a file.")
    r.add_argument("--checkout", default=".", help="the source checkout (default: the current folder)")
    r.add_argument("--outdir", default="dist", help="where to write the release (default: dist)")
    r.add_argument("--no-isolation", action="store_true",
                   help="build with the installed hatchling instead of a fresh build environment (offline)")
    r.set_defaults(run=_release)
    return top


class _Version(argparse.Action):
    """--version, looked up only when asked: importlib.metadata costs every other run a
    noticeable share of its start-up."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001 - argparse's signature
        parser._print_message(f"{parser.prog} {_version()}\n", sys.stdout)  # where argparse's own goes
        parser.exit()


def _version() -> str:
    try:
        from aapeace import __version__
        return __version__
    except Exception:  # noqa: BLE001 - running from a checkout that was never installed
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    global _json_output, _command
    from aapeace.errors import PackageError
    from aapeace.files import WriteRefused

    _json_output, _command = False, None
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error: argparse has printed it
        return _flushed(exc.code if isinstance(exc.code, int) else EXIT_CANNOT_RUN)
    _json_output = getattr(args, "format", None) == "json"
    _command = args.command
    try:
        return _flushed(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except PackageError as exc:  # the package cannot be worked from: its first problem, with its code
        return _cannot_run(args.command, str(exc))
    except WriteRefused as exc:
        return _cannot_run(args.command, str(exc))
    except ModuleNotFoundError as exc:  # an optional dependency: name the extra that installs it
        return _cannot_run(args.command, _missing_module(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _cannot_run(args.command, f"{where}{exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - a user sees a sentence, never a traceback
        return _cannot_run(args.command, f"could not run: {type(exc).__name__}: {exc}")


def run() -> None:
    """The ``aapeace`` command: main(), then, for ``validate``, an exit without the
    interpreter's teardown (freeing every object of pyarrow and numpy one by one, a tenth of
    a second that changes nothing). validate writes no file; its output is flushed first."""
    code = main()
    if _command == "validate":
        import os

        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            code = code or 141
        except (OSError, ValueError):  # a full disk, a closed stream: the report did not get out
            code = code or EXIT_CANNOT_RUN
        os._exit(code)
    raise SystemExit(code)


def _flushed(code: int) -> int:
    """``code``, once stdout is flushed: a closed pipe shows here, not at the interpreter's exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_gone()
    return code


def _reader_gone() -> int:
    # The reader went away (`aapeace info | head -1`): exit quietly, as Unix tools do.
    _silence_stdout()
    return 141


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (captured in tests)
        pass
