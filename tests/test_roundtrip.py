"""Nothing lost: CSV -> load() -> JSON export -> CSV gives back the same bytes, and texts that
tools like to reinterpret ("NA", "null", "0001", padding, non-breaking spaces, CRs) survive
every path: the loader, the JSON export, the way back to CSV, the spreadsheet-safe copy."""
from __future__ import annotations

import io
import os
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from aapeace import csvio, jsonrows, spreadsheet
from aapeace.loader import load
from aapeace.model import open_package
from aapeace.validators import iter_errors
from packages import regenerate, set_cell
from strategies import packages
from test_properties import write

SURVIVORS = ["NA", "null", "None", "0001", " leading", "trailing ", "\u00a0non-breaking\u00a0", "N/A", "nan",
             "NaN", "#N/A", "TRUE", "false", "0", "1.0", "'apostrophe", "two\nlines", "carriage\rreturn",
             "crlf\r\ninside", 'say "hi"', "a,b", "ə Ա 😀", "e\u0301 (NFD)"]


def assert_round_trip(root: Path) -> None:
    frames = load(root)
    for table in open_package(root).tables:
        csv_bytes = (root / table.path).read_bytes()
        export_text = (root / table.export_path).read_text(encoding="utf-8")
        from_loader = jsonrows.frame_rows(table, frames[table.name])
        # load() and the JSON export hold the same values...
        assert from_loader == json.loads(export_text), table.name
        # ...the export written from what load() read is the shipped export, byte for byte...
        assert jsonrows.dumps(from_loader) == export_text, table.name
        # ...and the way back to CSV gives the CSV's bytes.
        assert jsonrows.csv_text(table, from_loader).encode("utf-8") == csv_bytes, table.name
        assert jsonrows.csv_text(table, json.loads(export_text)).encode("utf-8") == csv_bytes, table.name


def test_the_shipped_package_round_trips_byte_for_byte(checkout):
    assert_round_trip(checkout)


# Each example writes and regenerates a whole package (about a second): few in the default
# run, more in the long profile that .ci/run uses (HYPOTHESIS_PROFILE=fuzz).
EXAMPLES = 40 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 8


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packages())
def test_generated_packages_round_trip_byte_for_byte(drawn):
    with tempfile.TemporaryDirectory() as tmp:
        assert_round_trip(write(drawn, Path(tmp) / "pkg"))


@pytest.fixture(scope="module")
def survivors(tmp_path_factory, checkout) -> Path:
    """A copy of the package whose free-text cells hold every text that is easy to lose."""
    import shutil

    root = tmp_path_factory.mktemp("survivors") / "pkg"
    root.mkdir()
    shutil.copy2(checkout / "datapackage.json", root)
    shutil.copytree(checkout / "schemas", root / "schemas")
    shutil.copytree(checkout / "data", root / "data")
    for i, text in enumerate(SURVIVORS):
        set_cell(root, "actors", i, "description", text)
        set_cell(root, "events", i, "note", text)
    regenerate(root)
    return root


def test_easily_lost_texts_are_valid_and_round_trip(survivors):
    assert list(iter_errors(survivors)) == []
    assert_round_trip(survivors)


@pytest.mark.parametrize("index,text", list(enumerate(SURVIVORS)))
def test_easily_lost_texts_survive_every_path(survivors, index, text):
    actors = next(t for t in open_package(survivors).tables if t.name == "actors")
    assert load(survivors)["actors"]["description"].iloc[index] == text
    assert json.loads((survivors / "data" / "actors.json").read_text(encoding="utf-8"))[index]["description"] == text
    records = csvio.records((survivors / "data" / "actors.csv").read_bytes().decode("utf-8"))
    assert records[index + 1][actors.field_names.index("description")] == text
    safe = io.StringIO(newline="")
    spreadsheet.write_safe_csv(safe, actors.field_names, records[1:])
    safe_records = csvio.records(safe.getvalue())
    assert safe_records[index + 1][actors.field_names.index("description")] == text  # nothing here is a formula


def test_a_cell_holding_a_cr_is_quoted_so_no_reader_splits_the_row():
    text = csvio.dumps(["a", "b"], [["x\ry", "z"]])
    assert text == 'a,b\n"x\ry",z\n'
    assert csvio.records(text) == [["a", "b"], ["x\ry", "z"]]


def test_the_canonical_writer_matches_the_csv_module_where_that_is_right():
    import csv

    rows = [["plain", "with,comma", 'with "quote"', "with\nnewline", "", " spaced "], [""]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    assert csvio.dumps(rows[0], rows[1:]) == buffer.getvalue()


def test_reading_has_no_cell_length_cap():
    long = "x" * 200_000  # past the csv module's default limit of 131,072
    assert csvio.records(csvio.dumps(["a"], [[long]]))[1] == [long]
