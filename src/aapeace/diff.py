"""``aapeace diff OLD NEW``: what changed between two versions of a package.

Rows are matched by the table's primary key, so a corrected cell shows as a change of
that row (with the fields that changed), not as a removal and an addition. Cells are
compared as the exact CSV strings. Schema and descriptor changes are listed too, and each
change is given the version bump the Data Package Version recipe asks for (see
docs/releases.md): schema-breaking changes are major, new rows or tables minor,
corrections patch.

Corrupt input is not a change: the command line runs the validator on both packages first
and refuses (exit 2, with the validator's codes) a package that is not valid, unless told
to go on (``--allow-invalid``). Everything is read through the model and the one door.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .dataset import Dataset
from .errors import PackageError, ValidationError
from .model import Field, Table

LEVELS = ("none", "patch", "minor", "major")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+].*)?$")
# Descriptor properties that change with every build or are compared elsewhere.
NOT_METADATA = {"version", "created", "resources"}
# How many of a package's validation errors ``diff`` prints before counting the rest.
SHOWN_ERRORS = 20


class ValidatorUnavailable(RuntimeError):
    """The validator (the ``validate`` extra) is not installed, so validity cannot be checked."""


def validity_errors(path: object) -> list[ValidationError]:
    """Every error the validator finds in the package at ``path`` (empty: valid)."""
    hint = ("checking that both packages are valid needs the validator: pip install "
            "'armenia-azerbaijan-peace[validate]' (or pass --allow-invalid to compare without checking)")
    try:
        from aapeace.validators import iter_errors
        return list(iter_errors(path))
    except ImportError as exc:
        raise ValidatorUnavailable(f"{hint}; missing: {exc.name or exc}") from None


def error_lines(errors: list[ValidationError], shown: int = SHOWN_ERRORS) -> list[str]:
    """The first ``shown`` errors as ``file, row N, field F: [code] message``, then a count."""
    lines = [f"{e.location()}: [{e.code}] {e.message}" for e in errors[:shown]]
    if len(errors) > shown:
        lines.append(f"… and {len(errors) - shown} more (run `aapeace validate` for all)")
    return lines


@dataclass
class Change:
    """A change to a schema or the descriptor, with the bump it needs and why."""

    where: str
    what: str
    level: str


@dataclass
class RowChange:
    key: dict[str, str]
    fields: dict[str, dict[str, str]]  # field -> {"old": ..., "new": ...}


@dataclass
class TableDiff:
    name: str
    status: str  # "common", "added" or "removed"
    primary_key: list[str]
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    referenced: bool = False  # other tables' foreign keys point at this one (in OLD)

    @property
    def empty(self) -> bool:
        return self.status == "common" and not (self.added or self.removed or self.changed)

    def key_of(self, row: dict[str, str]) -> str:
        return ", ".join(row.get(k, "") for k in self.primary_key)


@dataclass
class PackageDiff:
    name: str
    old_version: str
    new_version: str
    changes: list[Change]
    tables: list[TableDiff]
    unreadable: list[str] = field(default_factory=list)  # tables not compared (only with allow_unreadable)

    @property
    def empty(self) -> bool:
        return not self.changes and all(t.empty for t in self.tables)

    def reasons(self) -> list[Change]:
        """Every change with its bump: schema and metadata changes, then rows."""
        out = list(self.changes)
        for t in self.tables:
            if t.added:
                out.append(Change(t.name, f"{len(t.added)} row(s) added", "minor"))
            if t.removed:
                level = "major" if t.referenced else "patch"
                why = " from a table other tables refer to" if t.referenced else ""
                out.append(Change(t.name, f"{len(t.removed)} row(s) removed{why}", level))
            if t.changed:
                out.append(Change(t.name, f"{len(t.changed)} row(s) corrected", "patch"))
        return out

    @property
    def required_bump(self) -> str:
        return max((c.level for c in self.reasons()), key=LEVELS.index, default="none")

    @property
    def declared_bump(self) -> str | None:
        return declared_bump(self.old_version, self.new_version)

    @property
    def version_ok(self) -> bool:
        """Does the version step cover the changes? Before 1.0.0 any step does (semver item 4)."""
        declared = self.declared_bump
        if declared is None:
            return False
        old = SEMVER.match(self.old_version)
        if self.required_bump == "none" or (old and old.group(1) == "0" and declared != "none"):
            return True
        return LEVELS.index(declared) >= LEVELS.index(self.required_bump)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "old_version": self.old_version, "new_version": self.new_version,
            "required_bump": self.required_bump, "declared_bump": self.declared_bump,
            "version_ok": self.version_ok,
            "changes": [asdict(c) for c in self.reasons()],
            "not_compared": list(self.unreadable),
            "tables": {t.name: {"status": t.status, "primary_key": t.primary_key,
                                "counts": {"added": len(t.added), "removed": len(t.removed),
                                           "changed": len(t.changed)},
                                "added": t.added, "removed": t.removed,
                                "changed": [asdict(c) for c in t.changed]}
                       for t in self.tables},
        }


def declared_bump(old: str, new: str) -> str | None:
    """The step from OLD to NEW ("major", "minor", "patch", "none"); None if either is not
    semver or NEW is lower."""
    a, b = SEMVER.match(old), SEMVER.match(new)
    if not a or not b:
        return None
    x, y = tuple(int(g) for g in a.groups()[:3]), tuple(int(g) for g in b.groups()[:3])
    if y < x:
        return None
    for level, i in (("major", 0), ("minor", 1), ("patch", 2)):
        if y[i] != x[i]:
            return level
    return "none"


# --- schemas ---------------------------------------------------------------------------

def _constraints(f: Field) -> dict:
    """A field's constraints, as Table Schema names them (absent ones left out)."""
    pairs = (("required", f.required or None), ("unique", f.unique or None),
             ("enum", list(f.enum) if f.enum is not None else None), ("pattern", f.pattern),
             ("minimum", f.minimum), ("maximum", f.maximum), ("minLength", f.min_length),
             ("maxLength", f.max_length))
    return {k: v for k, v in pairs if v is not None}


def _constraint_changes(where: str, old: dict, new: dict) -> list[Change]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key == "enum":
            gone = [v for v in (a or []) if v not in (b or [])]
            came = [v for v in (b or []) if v not in (a or [])]
            if b is None:
                out.append(Change(where, "enum constraint dropped", "minor"))
                continue
            if a is None:
                out.append(Change(where, "enum constraint added", "major"))
                continue
            if gone:
                out.append(Change(where, f"enum values removed: {', '.join(map(str, gone))}", "major"))
            if came:
                out.append(Change(where, f"enum values added: {', '.join(map(str, came))}", "minor"))
            if not gone and not came:
                out.append(Change(where, "enum values reordered", "patch"))
        elif key == "required":
            out.append(Change(where, "now required" if b else "no longer required", "major" if b else "minor"))
        elif key in ("minimum", "minLength") and a is not None and b is not None:
            out.append(Change(where, f"{key} {a} → {b}", "major" if b > a else "minor"))
        elif key in ("maximum", "maxLength") and a is not None and b is not None:
            out.append(Change(where, f"{key} {a} → {b}", "major" if b < a else "minor"))
        elif b is None:
            out.append(Change(where, f"{key} constraint dropped", "minor"))
        else:
            # A new or changed pattern (or bound) may reject data that passed before.
            out.append(Change(where, f"{key} constraint {'added' if a is None else 'changed'}", "major"))
    return out


# How each field property that changes how a cell reads is named in a change.
READING = (("type", "type"), ("delimiter", "delimiter"), ("true_values", "trueValues"),
           ("false_values", "falseValues"), ("missing_values", "missingValues"))
RULES = (("precision_field", "x-precisionField"), ("required_with", "x-requiredWith"),
         ("not_before", "x-notBefore"), ("verbatim", "x-verbatim"))


def _field_changes(table: str, old: Field, new: Field) -> list[Change]:
    where = f"{table}.{new.name}"
    out = []
    for attr, label in READING:
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            show = (lambda v: ", ".join(v)) if isinstance(a, tuple) else str
            out.append(Change(where, f"{label} {show(a)} → {show(b)}", "major"))
    out += _constraint_changes(where, _constraints(old), _constraints(new))
    for attr, label in RULES:
        if getattr(old, attr) != getattr(new, attr):
            out.append(Change(where, f"rule {label} changed", "major"))
    if old.description != new.description:
        out.append(Change(where, "description changed", "patch"))
    return out


def schema_changes(table: str, old: Table, new: Table) -> list[Change]:
    """How a Table Schema changed, each change with its bump."""
    out = []
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    gone = [n for n in old_fields if n not in new_fields]
    came = [n for n in new_fields if n not in old_fields]
    if gone:
        out.append(Change(table, f"fields removed: {', '.join(gone)}", "major"))
    if came:
        out.append(Change(table, f"fields added: {', '.join(came)}", "major"))
    common_old = [n for n in old_fields if n in new_fields]
    common_new = [n for n in new_fields if n in old_fields]
    if common_old != common_new:
        out.append(Change(table, "fields reordered", "major"))
    for name in common_new:
        out += _field_changes(table, old_fields[name], new_fields[name])
    for attr, label in (("primary_key", "primaryKey"), ("foreign_keys", "foreignKeys"),
                        ("unique_keys", "uniqueKeys"), ("exactly_one", "x-exactlyOne"),
                        ("missing_values", "missingValues")):
        if getattr(old, attr) != getattr(new, attr):
            out.append(Change(table, f"{label} changed", "major"))
    if old.description != new.description:
        out.append(Change(table, "description changed", "patch"))
    return out


def metadata_changes(old: dict, new: dict) -> list[Change]:
    keys = sorted((set(old) | set(new)) - NOT_METADATA)
    out = [Change("datapackage.json", f"{k} changed", "major" if k == "name" else "patch")
           for k in keys if old.get(k) != new.get(k)]
    return out


# --- rows ------------------------------------------------------------------------------

def _index(rows: list[dict[str, str]], key: list[str]) -> dict[tuple, dict[str, str]]:
    return {tuple(row.get(k, "") for k in key): row for row in rows}


def table_diff(name: str, old: Dataset, new: Dataset) -> TableDiff:
    new_t, old_t = new.table(name), old.table(name)
    # Match by the new key where the old rows have its columns, else by the old key.
    key = list(new_t.primary_key if set(new_t.primary_key) <= set(old_t.field_names) else old_t.primary_key)
    before, after = _index(old.rows(name), key), _index(new.rows(name), key)
    compared = [f for f in new_t.field_names if f in old_t.field_names]
    diff = TableDiff(name, "common", key)
    diff.added = [row for k, row in after.items() if k not in before]
    diff.removed = [row for k, row in before.items() if k not in after]
    for k, row in after.items():
        if k in before:
            fields = {f: {"old": before[k].get(f, ""), "new": row.get(f, "")}
                      for f in compared if before[k].get(f, "") != row.get(f, "")}
            if fields:
                diff.changed.append(RowChange(dict(zip(key, k)), fields))
    return diff


def _referenced(data: Dataset) -> set[str]:
    return {fk.resource for table in data.tables for fk in table.foreign_keys if not fk.self_reference}


def compare(old: Dataset, new: Dataset, allow_unreadable: bool = False) -> PackageDiff:
    """The differences between two packages. A table that cannot be read raises PackageError,
    or with ``allow_unreadable`` is left out and named in ``unreadable``."""
    old_names = [t.name for t in old.tables]
    new_names = [t.name for t in new.tables]
    referenced = _referenced(old)
    changes = metadata_changes(old.package.descriptor, new.package.descriptor)
    tables, unreadable = [], []

    def attempt(name: str, make):
        try:
            return make()
        except PackageError as exc:
            if not allow_unreadable:
                raise
            unreadable.append(f"{name}: {exc}")
            return None

    for name in old_names:
        if name not in new_names:
            changes.append(Change(name, "table removed", "major"))
            removed = attempt(name, lambda name=name: old.rows(name))
            if removed is not None:
                tables.append(TableDiff(name, "removed", list(old.table(name).primary_key), removed=removed))
    for name in new_names:
        if name not in old_names:
            changes.append(Change(name, "table added", "minor"))
            added = attempt(name, lambda name=name: new.rows(name))
            if added is not None:
                tables.append(TableDiff(name, "added", list(new.table(name).primary_key), added=added))
            continue
        changes += schema_changes(name, old.table(name), new.table(name))
        diff = attempt(name, lambda name=name: table_diff(name, old, new))
        if diff is not None:
            diff.referenced = name in referenced
            tables.append(diff)
    order = {n: i for i, n in enumerate(new_names + [n for n in old_names if n not in new_names])}
    tables.sort(key=lambda t: order[t.name])
    return PackageDiff(new.name or old.name, old.version, new.version, changes, tables, unreadable)


# --- output ----------------------------------------------------------------------------

def _verdict(d: PackageDiff) -> str:
    declared = d.declared_bump
    if declared is None:
        return f"the version step {d.old_version} → {d.new_version} is not a semver increase"
    if d.required_bump == "none":
        return f"nothing here needs a version bump ({d.old_version} → {d.new_version})"
    if d.version_ok:
        return f"declared {declared} ({d.old_version} → {d.new_version}): enough"
    return f"declared {declared} ({d.old_version} → {d.new_version}): too small, the changes need {d.required_bump}"


def render_text(d: PackageDiff, values: bool = False) -> str:
    lines = [f"{d.name} {d.old_version} → {d.new_version}",
             f"required bump: {d.required_bump}; {_verdict(d)}"]
    if d.changes:
        lines += ["", "schema and metadata:"]
        lines += [f"  [{c.level}] {c.where}: {c.what}" for c in d.changes]
    for t in d.tables:
        if t.empty:
            continue
        label = f" (table {t.status})" if t.status != "common" else ""
        lines += ["", f"{t.name}{label}: +{len(t.added)} -{len(t.removed)} ~{len(t.changed)}"
                      f"  (key: {', '.join(t.primary_key)})"]
        lines += [f"  + {t.key_of(r)}" for r in t.added]
        lines += [f"  - {t.key_of(r)}" for r in t.removed]
        for c in t.changed:
            lines.append(f"  ~ {', '.join(c.key.values())}: {', '.join(c.fields)}")
            if values:
                for f, v in c.fields.items():
                    lines.append(f"      {f}: {v['old']!r} → {v['new']!r}")
    if d.unreadable:
        lines += ["", "not compared (could not be read):"]
        lines += [f"  {what}" for what in d.unreadable]
    if d.empty:
        lines += ["", "no differences"]
    return "\n".join(lines)


def _count_changed_fields(t: TableDiff) -> str:
    counts: dict[str, int] = {}
    for c in t.changed:
        for f in c.fields:
            counts[f] = counts.get(f, 0) + 1
    return ", ".join(f"`{f}` {n}" for f, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def render_markdown(d: PackageDiff, heading: str | None = None) -> str:
    """A CHANGELOG section: counts per table, schema changes, and which fields were corrected."""
    declared = d.declared_bump or "no semver step"
    need = "no changes need a version bump" if d.required_bump == "none" \
        else f"the changes need a {d.required_bump} bump"
    lines = [heading or f"## {d.new_version}", "",
             f"Generated by `aapeace diff` from {d.old_version} to {d.new_version}: {need}; "
             f"the version step is {declared}.", ""]
    if d.changes:
        lines += ["Schema and metadata:", ""]
        lines += [f"- `{c.where}`: {c.what} ({c.level})" for c in d.changes]
        lines.append("")
    shown = [t for t in d.tables if not t.empty]
    if shown:
        lines += ["| table | added | removed | changed | fields changed |", "| --- | --- | --- | --- | --- |"]
    for t in shown:
        status = f" ({t.status})" if t.status != "common" else ""
        lines.append(f"| `{t.name}`{status} | {len(t.added)} | {len(t.removed)} | {len(t.changed)} | "
                     f"{_count_changed_fields(t)} |")
    unchanged = [t.name for t in d.tables if t.empty]
    if unchanged:
        lines += ["", "Unchanged: " + ", ".join(f"`{n}`" for n in unchanged) + "."]
    if d.unreadable:
        lines += ["", "Not compared (could not be read):", ""] + [f"- {what}" for what in d.unreadable]
    removed = [(t, r) for t in d.tables for r in t.removed]
    if removed:
        lines += ["", "Rows removed:", ""]
        lines += [f"- `{t.name}`: `{t.key_of(r)}`" for t, r in removed]
    return "\n".join(lines) + "\n"
