"""Fuzzing: whatever bytes the descriptor or a CSV holds, the validator ends with a report
(never an exception), within a time bound, and writes nothing; the CLI exits 1 or 2 (0 only
when a mutation happens to leave the package valid) with no traceback; load() raises nothing
but LoadError.

Example counts come from the Hypothesis profile (see conftest.py): the full run is
``HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_fuzz.py`` (10,000 inputs per test).
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aapeace.loader import LoadError, load
from aapeace.validators import CATALOGUE, ValidationError, iter_errors
from conftest import CLI_FUZZ_EXAMPLES, FUZZ_EXAMPLES
from fuzz import build, descriptor_bytes, descriptor_of, refresh_hash, table_bytes

TIME_BOUND = 20  # seconds for one validation of the small package; typical is a few hundredths
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("fuzz") / "pkg")


@pytest.fixture(scope="module")
def valid_descriptor(fuzz_root) -> dict:
    return descriptor_of(fuzz_root)


class TooSlow(Exception):
    pass


@contextmanager
def time_bound(seconds: int) -> Iterator[None]:
    """Fail (rather than hang the suite) if the block runs longer than ``seconds``."""
    def expire(signum, frame):
        raise TooSlow(f"validation took longer than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under the package's folder, with a regular file's bytes; the FIFO is never read."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def assert_a_sound_report(root: Path) -> list[ValidationError]:
    before = snapshot(root)
    started = time.perf_counter()
    with time_bound(TIME_BOUND):
        errors = list(iter_errors(root))
    assert time.perf_counter() - started < TIME_BOUND
    for error in errors:
        assert error.code in CATALOGUE
        assert isinstance(error.message, str) and error.message
        assert error.row is None or (isinstance(error.row, int) and error.row >= 1)
        assert error.file is None or isinstance(error.file, str)
    json.dumps([e.to_dict() for e in errors])  # the --format json report can always be written
    assert snapshot(root) == before, "validation must not write to the package"
    return errors


def is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except (ValueError, RecursionError):
        return False


@FUZZ
@given(data=st.data())
def test_any_descriptor_bytes_end_in_a_report(fuzz_root, valid_descriptor, data):
    descriptor = fuzz_root / "datapackage.json"
    original = descriptor.read_bytes()
    try:
        raw = data.draw(descriptor_bytes(valid_descriptor), label="datapackage.json")
        descriptor.write_bytes(raw)
        errors = assert_a_sound_report(fuzz_root)
        if not is_json_object(raw):
            assert errors, "a descriptor that is not a JSON object must not validate clean"
    finally:
        descriptor.write_bytes(original)


@FUZZ
@given(data=st.data())
def test_any_csv_bytes_end_in_a_report(fuzz_root, valid_descriptor, data):
    items, descriptor = fuzz_root / "data" / "items.csv", fuzz_root / "datapackage.json"
    originals = items.read_bytes(), descriptor.read_bytes()
    try:
        items.write_bytes(data.draw(table_bytes(), label="data/items.csv"))
        if data.draw(st.booleans(), label="declared hash brought up to date"):
            descriptor.write_bytes(refresh_hash(valid_descriptor, fuzz_root, "data/items.csv"))
        errors = assert_a_sound_report(fuzz_root)
        if items.read_bytes() != originals[0]:
            assert errors, "changed CSV bytes must not validate clean against the old export"
    finally:
        items.write_bytes(originals[0])
        descriptor.write_bytes(originals[1])


def test_the_fuzz_package_itself_is_valid(fuzz_root):
    assert list(iter_errors(fuzz_root)) == []


@settings(FUZZ, max_examples=max(1, FUZZ_EXAMPLES // 10))
@given(data=st.data())
def test_load_raises_only_load_errors(fuzz_root, valid_descriptor, data):
    items, descriptor = fuzz_root / "data" / "items.csv", fuzz_root / "datapackage.json"
    originals = items.read_bytes(), descriptor.read_bytes()
    try:
        raw = None
        if data.draw(st.booleans(), label="fuzz the descriptor, not the CSV"):
            raw = data.draw(descriptor_bytes(valid_descriptor))
            descriptor.write_bytes(raw)
        else:
            items.write_bytes(data.draw(table_bytes()))
        with time_bound(TIME_BOUND):
            try:
                load(fuzz_root, verify=data.draw(st.booleans(), label="verify"))
            except LoadError as exc:
                assert str(exc)
            else:
                assert raw is None or is_json_object(raw), "load() read a descriptor that is not a JSON object"
    finally:
        items.write_bytes(originals[0])
        descriptor.write_bytes(originals[1])


@settings(FUZZ, max_examples=CLI_FUZZ_EXAMPLES)
@given(data=st.data())
def test_the_cli_exits_0_1_or_2_without_a_traceback(tmp_path_factory, valid_descriptor, data):
    root = build(tmp_path_factory.mktemp("cli") / "pkg")
    raw = None
    if data.draw(st.booleans(), label="fuzz the descriptor, not the CSV"):
        raw = data.draw(descriptor_bytes(valid_descriptor))
        (root / "datapackage.json").write_bytes(raw)
    else:
        (root / "data" / "items.csv").write_bytes(data.draw(table_bytes()))
    result = subprocess.run([sys.executable, "-m", "aapeace", "validate", str(root), "--format", "json"],
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert "could not run" not in result.stderr, result.stderr  # the CLI's last resort for a crash
    assert result.returncode in (0, 1, 2), result.stdout[-2000:] + result.stderr
    report = json.loads(result.stdout)
    # A mutation can leave the package valid (a changed "format", say): then, and only then, 0.
    assert (result.returncode == 0) == report["valid"] == (report["errors"] == [])
    assert raw is None or is_json_object(raw) or result.returncode != 0, "a descriptor that is not a JSON object"
