"""Property tests: generated valid packages validate clean, and each kind of break,
applied at a random row of a random table, is reported with exactly its code at that row."""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aapeace.validators import iter_errors
from packages import get_cell, new_package, read_rows, regenerate, set_cell, tables, write_rows
from strategies import Drawn, cell, packages

# Each example validates a whole generated package (all eleven tables, about 0.2 s), so the
# counts are small; the valid-package property, which every break test builds on, gets more.
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLEAN = settings(SETTINGS, max_examples=20)


def write(drawn: Drawn, root: Path) -> Path:
    new_package(root, {s.source_id: s.text for s in drawn.sources})
    for name, table in tables(root).items():
        rows = [[cell(r[f]) for f in table.field_names] for r in drawn.rows[name]]
        write_rows(root / table.path, table.field_names, rows)
    regenerate(root)
    return root


def errors_of(root: Path) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(e.code, e.file, e.row, e.field) for e in iter_errors(root)]


@CLEAN
@given(packages())
def test_generated_valid_packages_validate_clean(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        assert errors_of(root) == []


def _pick(data, drawn: Drawn, root: Path, want) -> tuple[str, int] | None:
    """A random (table, row index) among the tables for which ``want(table)`` holds."""
    candidates = [(name, i) for name, t in tables(root).items() if want(t)
                  for i in range(len(drawn.rows[name]))]
    return data.draw(st.sampled_from(candidates)) if candidates else None


@SETTINGS
@given(packages(), st.data())
def test_dangling_foreign_key_is_reported_at_its_row(drawn, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        def outward(t):
            return any(not fk.self_reference and fk.fields[0] != "source_id" for fk in t.foreign_keys)
        picked = _pick(data, drawn, root, outward)
        if picked is None:
            return
        name, i = picked
        table = tables(root)[name]
        set_fields = [fk.fields[0] for fk in table.foreign_keys
                      if not fk.self_reference and fk.fields[0] != "source_id"
                      and get_cell(root, name, i, fk.fields[0]) != ""]
        if not set_fields:
            return
        column = data.draw(st.sampled_from(set_fields))
        set_cell(root, name, i, column, "no-such-row-zz")
        regenerate(root)
        assert errors_of(root) == [("foreign-key-dangling", table.path, i + 2, column)]


@SETTINGS
@given(packages(), st.data())
def test_dangling_self_reference_is_reported_at_its_row(drawn, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        picked = _pick(data, drawn, root, lambda t: any(fk.self_reference for fk in t.foreign_keys))
        if picked is None:
            return
        name, i = picked
        table = tables(root)[name]
        column = next(fk.fields[0] for fk in table.foreign_keys if fk.self_reference)
        set_cell(root, name, i, column, "no-such-row-zz")
        regenerate(root)
        assert errors_of(root) == [("self-reference-dangling", table.path, i + 2, column)]


@SETTINGS
@given(packages(), st.data())
def test_duplicate_primary_key_is_reported_at_the_later_row(drawn, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        picked = _pick(data, drawn, root, lambda t: t.name != "sources")
        if picked is None:
            return
        name, i = picked
        table = tables(root)[name]
        header, rows = read_rows(root / table.path)
        at = data.draw(st.integers(0, len(rows)))
        rows.insert(at, list(rows[i]))
        write_rows(root / table.path, header, rows)
        regenerate(root)
        later = max(at, i + 1 if at <= i else i)
        assert errors_of(root) == [("primary-key-duplicate", table.path, later + 2, table.primary_key[0])]


@contextmanager
def span_row(drawn: Drawn, data) -> Iterator[tuple[Path, str, int]]:
    """A written package and a random row of a random table with spans."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        picked = _pick(data, drawn, root, lambda t: t.has_spans)
        assume(picked is not None)
        yield (root, *picked)


def _source_of(drawn: Drawn, source_id: str):
    return next(s for s in drawn.sources if s.source_id == source_id)


@SETTINGS
@given(packages(), st.data())
def test_span_out_of_bounds_is_reported_at_its_row(drawn, data):
    with span_row(drawn, data) as (root, name, i):
        source = _source_of(drawn, get_cell(root, name, i, "source_id"))
        set_cell(root, name, i, "span_end", str(len(source.text) + data.draw(st.integers(1, 1000))))
        regenerate(root)
        assert errors_of(root) == [("span-out-of-bounds", tables(root)[name].path, i + 2, "span_end")]


@SETTINGS
@given(packages(), st.data())
def test_quote_that_differs_from_the_text_is_reported_at_its_row(drawn, data):
    with span_row(drawn, data) as (root, name, i):
        quote = get_cell(root, name, i, "quote")
        at = data.draw(st.integers(0, len(quote) - 1))
        replacement = data.draw(st.sampled_from(["\u00a0", " ", "x", "’", "'"]).filter(lambda c: c != quote[at]))
        set_cell(root, name, i, "quote", quote[:at] + replacement + quote[at + 1:])
        regenerate(root)
        assert errors_of(root) == [("quote-mismatch", tables(root)[name].path, i + 2, "quote")]


@SETTINGS
@given(packages(), st.data())
def test_span_outside_the_body_is_reported_at_its_row(drawn, data):
    with span_row(drawn, data) as (root, name, i):
        source = _source_of(drawn, get_cell(root, name, i, "source_id"))
        start = data.draw(st.integers(0, source.body_start - 1))  # chrome before the body
        end = data.draw(st.integers(start + 1, len(source.text)))
        set_cell(root, name, i, "span_start", str(start))
        set_cell(root, name, i, "span_end", str(end))
        set_cell(root, name, i, "quote", source.text[start:end])
        regenerate(root)
        assert errors_of(root) == [("span-outside-body", tables(root)[name].path, i + 2, "span_start")]


@SETTINGS
@given(packages(), st.data())
def test_missing_source_file_is_reported_at_its_sources_row(drawn, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        i = data.draw(st.integers(0, len(drawn.sources) - 1))
        path = get_cell(root, "sources", i, "path")
        (root / path).unlink()
        found = errors_of(root)
        assert ("source-file-missing", "data/sources.csv", i + 2, "path") in found
        # The descriptor also lists the text as a resource; nothing else may be reported.
        assert set(found) == {("source-file-missing", "data/sources.csv", i + 2, "path"),
                              ("file-missing", path, None, None)}


@SETTINGS
@given(packages(), st.data())
def test_hash_mismatch_is_reported_for_its_file(drawn, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        index = data.draw(st.integers(0, len(descriptor["resources"]) - 1))
        resource = descriptor["resources"][index]
        digest = resource["hash"].split(":")[1]
        resource["hash"] = "sha256:" + ("0" if digest[0] != "0" else "1") + digest[1:]
        (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
        assert [(c, f) for c, f, _, _ in errors_of(root)] == [("hash-mismatch", resource["path"])]


@SETTINGS
@given(packages(), st.data())
def test_source_text_hash_mismatch_is_reported_at_its_sources_row(drawn, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(drawn, Path(tmp) / "pkg")
        i = data.draw(st.integers(0, len(drawn.sources) - 1))
        digest = get_cell(root, "sources", i, "sha256")
        set_cell(root, "sources", i, "sha256", ("0" if digest[0] != "0" else "1") + digest[1:])
        regenerate(root)
        assert errors_of(root) == [("source-hash-mismatch", "data/sources.csv", i + 2, "sha256")]
