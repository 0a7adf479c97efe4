"""The SQLite export with its generated metadata, served by Datasette on localhost: a table's
page shows the Table Schema's descriptions and the licence, and the facets on columns with a
closed list of values count what the CSV holds."""
from __future__ import annotations

import html
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from aapeace import datasette
from aapeace.dataset import open_dataset
from aapeace.export import export

WAIT = 30  # seconds for Datasette to start answering


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read()


@pytest.fixture(scope="module")
def served(checkout, tmp_path_factory):
    """(base address, database name, metadata) of the shipped package's export, served."""
    folder = tmp_path_factory.mktemp("datasette")
    database, metadata = export(open_dataset(checkout), "sqlite", folder / "aapeace.sqlite")
    assert metadata.name == datasette.metadata_name(database.name) == "aapeace.metadata.json"
    command = [sys.executable, "-m", "datasette", "serve", str(database), "--metadata", str(metadata),
               "--host", "127.0.0.1", "--port", str(_free_port())]
    log = folder / "datasette.log"  # a file, not a pipe: a full pipe would stall the server
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("wb"), cwd=folder)
    try:
        base = f"http://127.0.0.1:{command[-1]}"
        deadline = time.monotonic() + WAIT
        while True:
            if process.poll() is not None:
                pytest.fail(f"datasette exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                _get(base, "/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"datasette did not answer within {WAIT} s")
                time.sleep(0.2)
        yield base, database.stem, json.loads(metadata.read_text(encoding="utf-8"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _faceted_table(checkout):
    """The first table with a column of closed values (generic over the schemas)."""
    return next(t for t in open_dataset(checkout).tables if any(f.enum and f.type != "list" for f in t.fields))


def test_a_table_page_shows_the_schemas_descriptions_and_the_licence(served, checkout):
    base, db, _ = served
    table = _faceted_table(checkout)
    page = _get(base, f"/{db}/{table.name}").decode("utf-8")
    # Datasette lists the metadata's column descriptions as <dt>column</dt><dd>description</dd>
    # (the SQL comments also carry them, so the plain text alone would prove nothing).
    shown = html.unescape(page)
    for field in table.fields:
        assert f"<dt>{field.name}</dt><dd>{datasette.column_description(field)}</dd>" in shown, field.name
    package = open_dataset(checkout).package
    assert package.licenses[0].path in page and package.licenses[0].name in page


def test_a_table_answers_as_json_with_its_columns(served, checkout):
    base, db, _ = served
    data = open_dataset(checkout)
    table = _faceted_table(checkout)
    answer = json.loads(_get(base, f"/{db}/{table.name}.json?_shape=objects&_size=max"))
    assert answer["columns"] == table.field_names
    assert answer["filtered_table_rows_count"] == len(data.rows(table.name))


def test_a_facet_counts_what_the_csv_holds(served, checkout):
    base, db, _ = served
    data = open_dataset(checkout)
    table = _faceted_table(checkout)
    field = next(f for f in table.fields if f.enum and f.type != "list")
    answer = json.loads(_get(base, f"/{db}/{table.name}.json?_facet={field.name}&_extra=facet_results"))
    counted = {item["value"]: item["count"] for item in answer["facet_results"][field.name]["results"]}
    assert counted == dict(Counter(row[field.name] for row in data.rows(table.name) if row[field.name]))


def test_the_metadata_declares_a_facet_for_every_closed_list(served, checkout):
    base, db, metadata = served
    for table in open_dataset(checkout).tables:
        declared = metadata["databases"][db]["tables"][table.name].get("facets", [])
        assert declared == [{"array": f.name} if f.type == "list" else f.name for f in table.fields if f.enum]
    # Datasette applies the declared facets without being asked.
    table = _faceted_table(checkout)
    answer = json.loads(_get(base, f"/{db}/{table.name}.json?_extra=facet_results"))
    assert set(answer["facet_results"]) >= {f for f in metadata["databases"][db]["tables"][table.name]["facets"]
                                             if isinstance(f, str)}


def test_the_export_writes_nothing_when_the_metadata_file_exists(checkout, tmp_path):
    (tmp_path / "x.metadata.json").write_text("mine", encoding="utf-8")
    with pytest.raises(Exception, match="overwrite"):
        export(open_dataset(checkout), "sqlite", tmp_path / "x.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.metadata.json"]
    assert (tmp_path / "x.metadata.json").read_text(encoding="utf-8") == "mine"


def _with(small_copy, **changes):
    descriptor = json.loads((small_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.update(changes)
    (small_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return open_dataset(small_copy).package


def test_only_web_addresses_become_links(small_copy):
    # Datasette turns license_url and source_url into links: a script address must not get there.
    package = _with(small_copy, homepage="javascript:alert(1)",
                    licenses=[{"name": "CC-BY-4.0", "path": "javascript:alert(2)", "title": "t"}])
    metadata = datasette.render(package, "x.sqlite", [t.name for t in package.tables])
    assert "javascript" not in json.dumps(metadata) and metadata["license"] == "CC-BY-4.0"
    package = _with(small_copy, homepage="https://example.org/aapeace",
                    licenses=[{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}])
    metadata = datasette.render(package, "x.sqlite", [t.name for t in package.tables])
    assert metadata["source_url"] == "https://example.org/aapeace"
    assert metadata["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
