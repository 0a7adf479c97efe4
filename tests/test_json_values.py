"""The layout-free export check (validators/json_values.py) against the reference, the
precise path: on generated exports in any valid layout it answers True, and it never
answers True where the precise path finds an error (near misses: "1" for 1, 725.0 for
725, true for 1, extra or missing keys, repeated keys, NaN, big integers, rows dropped,
added or swapped, trailing bytes)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aapeace import jsonrows, limits
from aapeace.validators import iter_errors
from aapeace.model import open_package
from aapeace.validators.json_exports import check_export, precise_export_errors
from aapeace.validators.json_values import export_values_match
from packages import regenerate, set_cell
from strategies import TABLES
from test_render import _checked, _write_table, table_csv

SETTINGS = settings(max_examples=examples(40, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def layouts(draw) -> dict:
    """json.dumps options that keep the values and change the bytes."""
    return {"indent": draw(st.sampled_from([None, 0, 2, "\t"])),
            "separators": draw(st.sampled_from([(",", ":"), (", ", ": "), (" , ", " :  "), (",\n", ":\t")])),
            "ensure_ascii": draw(st.booleans()), "sort_keys": draw(st.booleans())}


def _dump(rows: list, layout: dict, reverse_keys: bool) -> str:
    if reverse_keys:
        rows = [dict(reversed(list(r.items()))) if isinstance(r, dict) else r for r in rows]
    return json.dumps(rows, allow_nan=True, **layout) + "\n"


def _near_miss(rows: list[dict], draw) -> tuple[list, str | None]:
    """One small change to the rows (or, for what json.dumps cannot write, to the text)."""
    kind = draw(st.sampled_from(["str-int", "float-int", "bool-int", "big-int", "nan", "extra-key", "drop-key",
                                 "repeat-key", "drop-row", "add-row", "swap-rows", "trailing", "list-item"]))
    rows = [dict(r) for r in rows]
    if kind == "trailing":
        return rows, draw(st.sampled_from(["x", "[]", ",", "\x00", "\ufeff"]))
    if kind == "add-row":
        return rows + [dict(rows[-1]) if rows else {}], None
    if not rows:
        return rows, "]"
    at = draw(st.integers(0, len(rows) - 1))
    row = rows[at]
    name = draw(st.sampled_from(sorted(row)))
    value = row[name]
    if kind == "drop-row":
        del rows[at]
    elif kind == "swap-rows":
        other = draw(st.integers(0, len(rows) - 1))
        rows[at], rows[other] = rows[other], rows[at]
    elif kind == "extra-key":
        row[draw(st.sampled_from([name + "_", "", "x"]))] = value
    elif kind == "drop-key":
        del row[name]
    elif kind == "repeat-key":
        return rows, ("repeat", at, name)
    elif kind == "str-int":
        row[name] = str(value) if value is not None else ""
    elif kind == "float-int":
        row[name] = float(value) if isinstance(value, int) else 1.0
    elif kind == "bool-int":
        row[name] = bool(value) if isinstance(value, int) else True
    elif kind == "big-int":
        row[name] = 2**64 + 1
    elif kind == "nan":
        row[name] = float("nan")
    elif kind == "list-item":
        row[name] = (value or []) + [draw(st.sampled_from(["", "a", 1]))] if isinstance(value, list) else [value]
    return rows, None


def _write(path: Path, rows: list, layout: dict, reverse_keys: bool, extra) -> None:
    text = _dump(rows, layout, reverse_keys)
    if isinstance(extra, tuple):  # a key written twice, with the same value: readers keep one
        _, at, name = extra
        row = rows[at]
        member = json.dumps(name) + ": " + json.dumps(row[name]) + ", "
        # rebuild that row's text by hand so the repeated member sits next to the first
        body = ", ".join(json.dumps(k) + ": " + json.dumps(v) for k, v in row.items())
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        lines[at] = "{" + member + body + "}"
        text = "[\n" + ",\n".join(lines) + "\n]\n"
    elif isinstance(extra, str):
        text += extra
    path.write_text(text, encoding="utf-8", newline="")


def _setup(root: Path, name: str, text: str):
    table = _write_table(root, name, text)
    return table, jsonrows.typed_rows(table, text)


@SETTINGS
@given(table_csv(), layouts(), st.booleans(), st.integers(1, 4), st.integers(1, 64))
def test_any_valid_layout_is_confirmed_without_the_precise_path(drawn, layout, reverse_keys, chunk, block):
    name, text = drawn
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        table, rows = _setup(root, name, text)
        _write(root / table.export_path, rows, layout, reverse_keys, None)
        data = _checked(root, table)
        assert list(precise_export_errors(table, root, data)) == []
        assert export_values_match(root, table, data, chunk, block) is True


@SETTINGS
@given(table_csv(), layouts(), st.booleans(), st.integers(1, 4), st.integers(1, 64), st.data())
def test_a_near_miss_is_never_confirmed_where_the_precise_path_finds_an_error(drawn, layout, reverse_keys, chunk,
                                                                              block, data):
    name, text = drawn
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        table, rows = _setup(root, name, text)
        changed, extra = _near_miss(rows, data.draw)
        _write(root / table.export_path, changed, layout, reverse_keys, extra)
        csv_data = _checked(root, table)
        precise = list(precise_export_errors(table, root, csv_data))
        fast = export_values_match(root, table, csv_data, chunk, block)
        assert not (fast and precise), precise
        if not precise:  # e.g. two equal rows swapped: still the same values
            assert fast is True


def _pretty(root: Path) -> None:
    for table in TABLES.values():
        path = root / table.export_path
        path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, ensure_ascii=False),
                        encoding="utf-8")


def test_a_package_with_indented_exports_is_valid(small_copy):
    _pretty(small_copy)
    assert list(iter_errors(small_copy)) == []


def test_an_error_in_an_indented_export_keeps_its_code_file_row_and_field(small_copy):
    _pretty(small_copy)
    path = small_copy / "data" / "actors.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    name = next(f.name for f in TABLES["actors"].fields if f.type == "string" and rows[1][f.name] is not None)
    rows[1][name] += "!"
    path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    errors = [e for e in iter_errors(small_copy) if e.code != "hash-mismatch"]
    # the key may also break its pattern (export-row-invalid): every error is at that cell
    assert ("export-mismatch", "data/actors.json", 3, name) in [(e.code, e.file, e.row, e.field) for e in errors]
    assert {(e.file, e.row, e.field) for e in errors} == {("data/actors.json", 3, name)}


NEAR_MISSES = {  # how the integer 1 is written in the export, or a raw text edit of its member
    "true": True, "float": 1.0, "string": "1", "big": 2**64 + 1, "nan": float("nan"),
    "repeated key": '"span_start": 1, "span_start": 1', "extra key": '"span_start": 1, "span_start_": 1',
}


@pytest.mark.parametrize("kind", sorted(NEAR_MISSES))
def test_a_near_miss_in_an_indented_export_gets_the_errors_of_the_precise_path(small_copy, kind):
    set_cell(small_copy, "actors", 1, "span_start", "1")
    regenerate(small_copy)
    _pretty(small_copy)
    path = small_copy / "data" / "actors.json"
    text = path.read_text(encoding="utf-8")
    rows = json.loads(text)
    assert rows[1]["span_start"] == 1
    value = NEAR_MISSES[kind]
    if isinstance(value, str) and "span_start" in value:
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        lines[1] = lines[1].replace('"span_start": 1', value, 1)
        text = "[\n" + ",\n".join(lines) + "\n]\n"
    else:
        rows[1]["span_start"] = value
        text = json.dumps(rows, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    package = open_package(small_copy)
    table = package.table("actors")
    data = _checked(small_copy, table)
    assert export_values_match(small_copy, table, data) is False
    reference = list(precise_export_errors(table, small_copy, data))
    assert reference and list(check_export(table, package, data)) == reference
    assert reference == [e for e in iter_errors(small_copy) if e.file == table.export_path]


def test_the_export_check_sees_the_limits_the_caller_applied(small_copy):
    # Layer 5 runs in a worker thread: it must see the caller's limits, both ways.
    _pretty(small_copy)
    table = TABLES["actors"]
    bound = (small_copy / table.path).stat().st_size + 1
    assert bound < (small_copy / table.export_path).stat().st_size  # the CSV passes, its indented export not
    with limits.applied(limits.Limits(max_file_bytes=bound)):
        errors = list(iter_errors(small_copy))
    assert ("file-too-large", table.export_path) in [(e.code, e.file) for e in errors]
