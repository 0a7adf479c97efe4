"""csvkit reads every table of the shipped package as we do, when told the dialect the
descriptor declares (issue 11: sniffing, csvkit's default, took actors.csv for
space-delimited with ' as the quote). Each table's every cell is compared with our reading."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from aapeace import csvio
from aapeace.model import DIALECT, open_package

CHECKOUT = Path(__file__).resolve().parents[1]
PACKAGE = open_package(CHECKOUT / "datapackage.json")
TABLES = [r for r in PACKAGE.resources if r.is_table]


def csvkit_options(dialect: dict) -> list[str]:
    """csvkit's options for a Table Dialect v2 object; a key with no csvkit option fails the
    test, so a dialect we start declaring is never silently ignored here."""
    options = ["--snifflimit", "0"]  # declared: nothing to guess
    for key, value in dialect.items():
        if key == "delimiter":
            options += ["-d", value]
        elif key == "quoteChar":
            options += ["-q", value]
        elif key == "doubleQuote":
            options += [] if value else ["-b"]
        elif key == "skipInitialSpace":
            options += ["-S"] if value else []
        elif key == "header":
            options += [] if value else ["-H"]
        elif key == "headerRows":
            assert value == [1], "csvkit reads one header row"
        elif key == "lineTerminator":
            assert value in ("\n", "\r\n"), "csvkit reads LF and CR LF line ends"
        else:
            pytest.fail(f"no csvkit option for the dialect's {key!r}")
    return options


def csvjson(*args: str) -> str:
    """What the ``csvjson`` command prints, run in this process (the command's own code,
    without an interpreter start per table)."""
    try:
        from csvkit.utilities.csvjson import CSVJSON
    except ImportError:
        pytest.fail("csvkit is in the test extra: pip install '.[test]'")
    out = io.StringIO()
    CSVJSON(list(args), output_file=out).run()
    return out.getvalue()


def test_every_table_declares_the_one_dialect_in_full():
    for resource in TABLES:
        assert PACKAGE.descriptor["resources"][resource.index].get("dialect") == DIALECT, resource.name


@pytest.mark.parametrize("resource", TABLES, ids=[r.name for r in TABLES])
def test_csvkit_reads_the_table_as_we_do(resource):
    dialect = PACKAGE.descriptor["resources"][resource.index]["dialect"]
    # -I: every cell as the text it is (no type inference); csvjson writes an empty cell as null.
    printed = csvjson("-I", *csvkit_options(dialect), str(CHECKOUT / resource.path))
    theirs = [{k: "" if v is None else v for k, v in row.items()} for row in json.loads(printed)]
    header, *rows = csvio.records((CHECKOUT / resource.path).read_text(encoding="utf-8"))
    assert header == [f.name for f in PACKAGE.table(resource.name).fields]
    assert len(theirs) == len(rows) > 0
    assert all(list(row) == header for row in theirs)  # no column split at a space, none merged
    assert theirs == [dict(zip(header, row)) for row in rows]
