"""Rows as annotations and back: what the brat and W3C Web Annotation formats share.

A row of a table with spans is one annotation: its source text, its span and the row's
other cells, kept as the exact CSV strings (so export then import gives back the same
bytes). The annotation's type is the table's name; its row is found again by the table's
primary key. Tables are whatever the descriptor declares: nothing here names one.

Import replaces, for each source text the imported folder annotates, every row of that
source in every table with spans by the rows the annotations give: a row whose key is
still there stays in its place (with the span and values from the tool), a row whose
annotation was deleted is removed, a new annotation is added at the table's end. Rows of
other sources are left alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import csvio, files
from .dataset import Dataset
from .errors import ValidationError
from .model import SPAN_FIELDS, Table
from .offsets import Counter, OffsetError

# The span columns an annotation's position gives; every other cell travels as a value.
POSITION = SPAN_FIELDS


@dataclass(frozen=True)
class Annotation:
    table: str
    source_id: str
    start: int           # code points
    end: int
    quote: str
    values: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    where: str = ""      # the file the annotation was read from
    line: int | None = None


class ImportFailed(Exception):
    """The annotations cannot be imported; ``errors`` says why, each with its file and line."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def span_tables(data: Dataset) -> list[Table]:
    return [t for t in data.tables if t.has_spans]


def values_of(table: Table, row: dict[str, str]) -> dict[str, str]:
    return {name: row[name] for name in table.field_names if name not in POSITION}


def annotations(data: Dataset) -> dict[str, list[Annotation]]:
    """source_id -> its rows as annotations, in table order then row order; every source of
    the package has an entry (a text with no rows yet too)."""
    out: dict[str, list[Annotation]] = {row["source_id"]: [] for row in data.rows("sources")}
    for table in span_tables(data):
        for row in data.rows(table.name):
            out.setdefault(row["source_id"], []).append(Annotation(
                table.name, row["source_id"], int(row["span_start"]), int(row["span_end"]), row["quote"],
                values_of(table, row)))
    return out


def document_text(data: Dataset, texts: dict[str, str], folder: Path, source_id: str, label: str,
                  errors: list[ValidationError]) -> str | None:
    """The package's text of ``source_id``, after checking that the copy in ``folder`` (if any)
    is the same text: offsets into a changed text would point at other words."""
    if source_id not in texts:
        errors.append(ValidationError("annotation-unknown-source", f"{source_id!r} is not a source of the package "
                                      f"(known: {', '.join(sorted(texts))}); add the text first with "
                                      "`aapeace add-source`", file=label))
        return None
    text = texts[source_id]
    name = f"{source_id}.txt"
    if (folder / name).exists():
        copy = files.read_bytes(folder, name)
        if copy != text.encode("utf-8"):
            errors.append(ValidationError(
                "annotation-text-differs", f"{name} differs from the package's text of {source_id!r}: the text "
                "was changed in the tool, so its offsets may point at other words; import against the package's "
                "own text, or correct the text with `aapeace reanchor` first", file=name))
            return None
    return text


def position(text: str, counter: Counter, start: int, end: int, units: str, label: str, line: int | None,
             errors: list[ValidationError]) -> tuple[int, int] | None:
    """A span counted in ``units`` as code point offsets, checked."""
    try:
        lo, hi = counter.inward(start, units), counter.inward(end, units)
    except OffsetError as exc:
        errors.append(ValidationError("annotation-offsets-invalid", f"{exc}{_units_hint(units)}", file=label,
                                      row=line))
        return None
    if hi <= lo:
        errors.append(ValidationError("annotation-offsets-invalid", f"the span {start}-{end} ends where or before "
                                      "it starts", file=label, row=line))
        return None
    return lo, hi


def _units_hint(units: str) -> str:
    other = "utf16" if units == "codepoints" else "codepoints"
    return f" (read as {units}; if the tool counts otherwise, import with --offsets {other})"


def quote_mismatch(found: str, expected: str, units: str, label: str, line: int | None) -> ValidationError:
    return ValidationError("annotation-quote-mismatch", f"the annotation's text {found[:80]!r} is not the text at "
                           f"its offsets, {expected[:80]!r}: the offsets are shifted{_units_hint(units)}",
                           file=label, row=line)


def _key(table: Table, values: dict[str, str], source_id: str, ordinal: int) -> tuple:
    if not table.primary_key:
        return ("#", source_id, ordinal)  # no key declared: rows are matched by their order in the text
    cells = {**values, "source_id": source_id}
    return tuple(cells.get(name, "") for name in table.primary_key)


def _row(table: Table, a: Annotation) -> list[str]:
    cells = {**a.values, "source_id": a.source_id, "span_start": str(a.start), "span_end": str(a.end),
             "quote": a.quote}
    return [cells.get(name, "") for name in table.field_names]


def check_values(table: Table, a: Annotation, errors: list[ValidationError]) -> None:
    unknown = [k for k in a.values if table.field(k) is None or k in POSITION]
    wrong = [k for k, v in a.values.items() if not isinstance(v, str)]
    if unknown or wrong:
        what = f"unknown columns {unknown}" if unknown else f"values that are not text: {wrong}"
        errors.append(ValidationError("annotation-unreadable", f"an annotation of table {table.name} has {what}; the row "
                                      "values are the CSV cells of the table's other columns, each as text",
                                      file=a.where, row=a.line))


@dataclass
class Merged:
    csv: dict[str, str]                       # table name -> its new CSV text
    counts: dict[str, dict[str, int]]         # table name -> added / changed / removed / unchanged


def merge(data: Dataset, documents: dict[str, list[Annotation]]) -> Merged:
    """The tables with ``documents``' annotations in place of their sources' rows; raises
    ImportFailed (nothing written) on an unknown table or column, or a key given twice."""
    tables = {t.name: t for t in span_tables(data)}
    errors: list[ValidationError] = []
    incoming: dict[str, dict[tuple, Annotation]] = {name: {} for name in tables}
    for source_id, items in documents.items():
        ordinals: dict[str, int] = {}
        for a in items:
            table = tables.get(a.table)
            if table is None:
                errors.append(ValidationError("annotation-unknown-table", f"the annotation type {a.table!r} is no "
                                              f"table with spans (known: {', '.join(tables)})", file=a.where,
                                              row=a.line))
                continue
            check_values(table, a, errors)
            ordinals[a.table] = ordinals.get(a.table, 0) + 1
            key = _key(table, a.values, source_id, ordinals[a.table])
            if key in incoming[a.table]:
                errors.append(ValidationError("annotation-key-duplicate", f"two {a.table} annotations have the key "
                                              f"{dict(zip(table.primary_key, key))}; a row is one annotation",
                                              file=a.where, row=a.line))
            incoming[a.table][key] = a
    for name, table in tables.items():
        if not table.primary_key:
            continue
        elsewhere = {_key(table, values_of(table, row), row["source_id"], 0): row["source_id"]
                     for row in data.rows(name) if row["source_id"] not in documents}
        for key, a in incoming[name].items():
            if key in elsewhere:
                errors.append(ValidationError(
                    "annotation-key-duplicate", f"the {name} row {dict(zip(table.primary_key, key))} exists already, "
                    f"citing {elsewhere[key]!r}: one real-world thing is one row (annotate this text's span as a "
                    "further mention of it, or give the row a key of its own)", file=a.where, row=a.line))
    if errors:
        raise ImportFailed(errors)
    out, counts = {}, {}
    for name, table in tables.items():
        count = dict.fromkeys(("added", "changed", "removed", "unchanged"), 0)
        rows, used, ordinals = [], set(), {}
        for row in data.rows(name):
            cells = [row[f] for f in table.field_names]
            if row["source_id"] not in documents:
                rows.append(cells)
                continue
            ordinals[row["source_id"]] = ordinals.get(row["source_id"], 0) + 1
            key = _key(table, values_of(table, row), row["source_id"], ordinals[row["source_id"]])
            if key not in incoming[name]:
                count["removed"] += 1
                continue
            used.add(key)
            new = _row(table, incoming[name][key])
            count["unchanged" if new == cells else "changed"] += 1
            rows.append(new)
        for key, a in incoming[name].items():
            if key not in used:
                rows.append(_row(table, a))
                count["added"] += 1
        out[name] = csvio.dumps(table.field_names, rows)
        counts[name] = count
    return Merged(out, counts)


def write(data: Dataset, merged: Merged) -> list[Path]:
    """Write the changed tables into the package through the one Writer, then regenerate
    the derived files; return what was written."""
    from . import generate

    writer = files.Writer(data.root, overwrite=True, create=False)
    changed = [name for name, text in merged.csv.items()
               if files.read_bytes(data.root, data.table(name).path) != text.encode("utf-8")]
    writer.check([data.table(name).path for name in changed])
    written = [writer.write(data.table(name).path, merged.csv[name]) for name in changed]
    if changed:
        written += generate.write(data.descriptor_path)
    return written


# Characters Python's str.splitlines (and so many readers of line-based formats) treat as a
# line end: never written raw inside one line of an .ann file.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def one_line(text: str) -> str:
    return "".join(" " if c in LINE_BREAKS else c for c in text)
