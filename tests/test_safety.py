"""Nothing unsafe is done: paths are refused before anything is opened, nothing is fetched,
nothing outside the package is read, and a cell of tens of megabytes neither hangs nor
crashes the validator."""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest

from aapeace.loader import LoadError, load
from aapeace.files import Writer, WriteRefused, unsafe_reason
from aapeace.validators import iter_errors
from packages import regenerate, set_cell

_OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only while _OPENED is a list


def opened_while(action) -> list[str]:
    global _OPENED
    _OPENED = []
    try:
        action()
        return _OPENED
    finally:
        _OPENED = None


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.mark.parametrize("path,reason", [
    ("/etc/passwd", "absolute"), ("C:\\data.csv", "absolute"), ("\\\\server\\share.csv", "absolute"),
    ("../outside.csv", "climbs out"), ("data/../../outside.csv", "climbs out"), ("data/.git/config", "hidden"),
    (".env", "hidden"), ("https://example.org/data.csv", "URL"), ("file:///etc/passwd", "URL"),
    ("data/a\x00b.csv", "NUL"), ("data/\ud800.csv", "Unicode"), ("a" * 300, "too long"), ("", "non-empty"),
    (None, "non-empty"), (["data/x.csv"], "non-empty"), ("data/x\x1b[8m.csv", "control character"),
    ("data/x.csv\n/pkg/datapackage.json: valid", "control character"), ("data//x.csv", "empty part"),
    ("data/.zenodo.json", "hidden"), (".zenodo.json/x", "hidden"), (".zenodo.jsonx", "hidden"),
])
def test_unsafe_paths_are_named_with_a_reason(tmp_path, path, reason):
    assert reason in unsafe_reason(path, tmp_path)


def test_the_one_hidden_name_allowed_is_zenodos_at_the_top(tmp_path):
    # Zenodo reads its deposit metadata from .zenodo.json only; every other hidden name stays refused.
    assert unsafe_reason(".zenodo.json", tmp_path) is None
    assert Writer(tmp_path).write(".zenodo.json", "{}").name == ".zenodo.json"
    with pytest.raises(WriteRefused):
        Writer(tmp_path).write(".env", "x")


def test_a_symlink_out_of_the_package_is_unsafe(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "secret.csv").write_text("secret\n", encoding="utf-8")
    (tmp_path / "pkg" / "link.csv").symlink_to(tmp_path / "secret.csv")
    assert "symbolic link" in unsafe_reason("link.csv", tmp_path / "pkg")
    (tmp_path / "pkg" / "inside.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "pkg" / "link-in.csv").symlink_to(tmp_path / "pkg" / "inside.csv")
    assert unsafe_reason("link-in.csv", tmp_path / "pkg") is None


def test_refused_files_are_never_opened_and_nothing_is_fetched(package_copy, no_network):
    outside = package_copy.parent / "outside.txt"
    outside.write_text("not part of the package\n", encoding="utf-8")
    descriptor = json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))
    traps = {10: "https://example.org/text.txt", 11: "../outside.txt", 9: "data/link-out.csv", 8: "/etc/hostname"}
    (package_copy / "data" / "link-out.csv").symlink_to(outside)
    for index, path in traps.items():
        descriptor["resources"][index]["path"] = path
    descriptor["resources"][7]["schema"] = "https://example.org/schema.json"
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    errors = []
    opened = opened_while(lambda: errors.extend(iter_errors(package_copy)))
    unsafe = {e.field for e in errors if e.code == "path-unsafe"}
    assert {f"resources/{i}/path" for i in traps} | {"resources/7/schema"} <= unsafe
    assert no_network == []
    assert opened, "the audit hook must see the files the validator does open"
    for name in opened:
        assert not name.startswith(("http", "/etc/")), name
        assert Path(name).resolve() != outside.resolve(), name


def test_the_loader_refuses_an_unsafe_path_before_opening_it(package_copy, no_network):
    descriptor = json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][1]["path"] = "https://example.org/actors.csv"
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load(package_copy, verify=False)
    assert caught.value.code == "path-unsafe" and "URL" in str(caught.value)
    assert no_network == []


def test_a_fifo_never_blocks_and_is_never_read(small_copy):
    # Opening a FIFO for reading waits for a writer; the door opens without waiting
    # (O_NONBLOCK), sees from fstat that it is no regular file, and closes it unread.
    import concurrent.futures

    path = small_copy / "data" / "positions.csv"
    path.unlink()
    os.mkfifo(path)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        errors = pool.submit(lambda: list(iter_errors(small_copy))).result(timeout=20)
    assert ("file-unreadable", "data/positions.csv") in {(e.code, e.file) for e in errors}


def test_a_cell_of_tens_of_megabytes_is_reported_quickly(package_copy):
    set_cell(package_copy, "positions", 0, "note", "x" * (30 * 2**20))
    regenerate(package_copy, exports=False)
    started = time.perf_counter()
    errors = [(e.code, e.row, e.field) for e in iter_errors(package_copy)]
    elapsed = time.perf_counter() - started
    assert errors == [("cell-too-long", 2, "note")]
    assert elapsed < 60, f"{elapsed:.1f} s"


def _load_error_and_opened(action) -> tuple[LoadError, list[str]]:
    """The LoadError ``action`` raises and every file opened meanwhile."""
    global _OPENED
    _OPENED = []
    try:
        with pytest.raises(LoadError) as caught:
            action()
        return caught.value, _OPENED
    finally:
        _OPENED = None


def test_source_texts_refuses_a_path_out_of_the_package(package_copy):
    from aapeace.loader import source_texts
    from test_loader import rehash, set_cell as set_csv_cell

    set_csv_cell(package_copy, "sources", 0, "path", "../outside.txt")
    outside = package_copy.parent / "outside.txt"
    outside.write_text("not ours\n", encoding="utf-8")
    rehash(package_copy)
    error, opened = _load_error_and_opened(lambda: source_texts(package_copy))
    assert (error.code, error.file, error.row) == ("path-unsafe", "data/sources.csv", 2)
    assert opened and all(Path(name).resolve() != outside.resolve() for name in opened)


def test_the_loader_never_opens_a_table_linked_out_of_the_package(package_copy):
    outside = package_copy.parent / "outside.csv"
    outside.write_bytes((package_copy / "data" / "positions.csv").read_bytes())
    (package_copy / "data" / "positions.csv").unlink()
    (package_copy / "data" / "positions.csv").symlink_to(outside)
    error, opened = _load_error_and_opened(lambda: load(package_copy, verify=False))
    assert error.code == "path-unsafe" and "symbolic link" in str(error)
    assert opened and all(Path(name).resolve() != outside.resolve() for name in opened)
