"""Rules as a registry: each rule is a small generator of findings that declares the codes
it can emit (as python-jsonschema's keyword functions and frictionless-py's checks do).

A rule sees an immutable typed table (``CsvTable``) and the package model; it never sees
another rule's state and never builds a located error itself: it yields ``Finding``s
(code, message, the row's index in the table, the field) and the engine adds the file and
the file's row number. The engine also holds each rule to its declared codes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from aapeace.errors import CATALOGUE, ValidationError
from aapeace.model import Field, Package, Table

from .reading import CsvTable


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    index: int | None = None   # the row's position in the table's data, None for the whole file
    field: str | None = None
    file: str | None = None    # only for findings about another file than the table's (a source text)
    row: int | None = None     # a row number given directly (the header's 1, or a row of ``file``)


@dataclass(frozen=True)
class Context:
    """What cross-table rules may read: the model and every table that was read."""

    package: Package
    loaded: dict[str, tuple[Table, CsvTable]]
    texts: dict[str, tuple[str, int, int]]  # source_id -> (text, body_start, body_end)


@dataclass(frozen=True)
class Rule:
    name: str
    codes: frozenset[str]
    scope: str  # "header": per table, first (the rest runs only if it finds nothing); "table"; "field"
    layer: int
    check: Callable[..., Iterator[Finding]]


RULES: list[Rule] = []


def rule(*codes: str, scope: str = "field", layer: int = 2) -> Callable:
    """Register a rule that may emit ``codes``."""
    unknown = [c for c in codes if c not in CATALOGUE]
    if unknown:
        raise ValueError(f"rule codes {unknown} are not in the catalogue")

    def register(check: Callable[..., Iterator[Finding]]) -> Callable[..., Iterator[Finding]]:
        RULES.append(Rule(check.__name__, frozenset(codes), scope, layer, check))
        return check

    return register


def rules(layer: int) -> list[Rule]:
    return [r for r in RULES if r.layer == layer]


def locate(finding: Finding, rule_: Rule, table: Table, data: CsvTable) -> ValidationError:
    if finding.code not in rule_.codes:
        raise AssertionError(f"rule {rule_.name} emitted {finding.code!r}, which it does not declare")
    if finding.file is not None:
        return ValidationError(finding.code, finding.message, file=finding.file, row=finding.row, field=finding.field)
    row = finding.row if finding.row is not None else \
        None if finding.index is None else data.row_number(finding.index)
    return ValidationError(finding.code, finding.message, file=table.path, row=row, field=finding.field)


def run(layer: int, table: Table, data: CsvTable, context: Context | None = None) -> Iterator[ValidationError]:
    """Every rule of ``layer`` on one table: header rules, then table rules, then each field's
    rules. When a header rule finds something, cells cannot be trusted to sit under the right
    field, so nothing else runs."""
    header = [locate(f, r, table, data) for r in rules(layer) if r.scope == "header"
              for f in r.check(table, data, context)]
    yield from header
    if header:
        return
    for rule_ in rules(layer):
        if rule_.scope == "table":
            findings = rule_.check(table, data, context)
            for finding in findings:
                yield locate(finding, rule_, table, data)
    for field in table.fields:
        for rule_ in rules(layer):
            if rule_.scope == "field":
                for finding in rule_.check(table, data, field):
                    yield locate(finding, rule_, table, data)


FieldRule = Callable[[Table, CsvTable, Field], Iterator[Finding]]
