"""The validator's limits: sizes parse as documented, a limit applies only inside its block,
and the CLI raises or lowers them."""
from __future__ import annotations

import pytest

from aapeace.validators import iter_errors, limits
from test_cli import run


@pytest.mark.parametrize("text,size", [("1000", 1000), ("512k", 512 * 1024), ("100M", 100 * 2**20),
                                       ("2G", 2 * 2**30), ("1.5GiB", 3 * 2**29), ("7 MB", 7 * 2**20)])
def test_sizes_parse(text, size):
    assert limits.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-5M", "5X", "M"])
def test_nonsense_sizes_are_refused(text):
    with pytest.raises(ValueError):
        limits.parse_size(text)


def test_a_limit_applies_only_inside_its_block(checkout):
    assert limits.current() == limits.Limits()
    with limits.applied(limits.Limits(max_cell_chars=10)):
        assert any(e.code == "cell-too-long" for e in iter_errors(checkout))
    assert limits.current() == limits.Limits()
    assert list(iter_errors(checkout)) == []


def test_the_cli_lowers_the_file_size_limit(checkout):
    result = run("validate", str(checkout), "--max-file-size", "2k")
    assert result.returncode == 1
    assert "[file-too-large] data/actors.csv is" in result.stdout


def test_the_cli_raises_the_cell_length_limit(small_copy):
    from packages import regenerate, set_cell

    set_cell(small_copy, "positions", 0, "note", "x" * 200_000)
    regenerate(small_copy)
    assert run("validate", str(small_copy)).returncode == 1
    result = run("validate", str(small_copy), "--max-cell-length", "300000")
    assert result.returncode == 0, result.stdout


def test_the_cli_refuses_a_nonsense_size_without_a_traceback(checkout):
    result = run("validate", str(checkout), "--max-file-size", "lots")
    assert result.returncode == 2 and "not a size" in result.stderr and "Traceback" not in result.stderr
