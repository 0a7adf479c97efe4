"""The README's examples run: every fenced block marked ``python test`` or ``sh test``.

Blocks run in order, in one folder holding a copy of the package (so they may write
files and read what an earlier block wrote), with this environment's ``aapeace`` first
on PATH. A block fails the test if it raises or exits non-zero.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CHECKOUT
from packages import TOP_FILES

BLOCK = re.compile(r"^```(python|sh) test\n(.*?)^```\s*$", re.M | re.S)
README = (CHECKOUT / "README.md").read_text(encoding="utf-8")
BLOCKS = [(kind, code) for kind, code in BLOCK.findall(README)]


def test_the_readme_has_tested_examples_for_every_kind_of_user():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    for who in ("Analyst", "Downloader", "Frictionless", "DuckDB or polars", "Reviewer", "Contributor",
                "Contributor bringing a new text", "Downstream CI"):
        assert f"**{who}" in quick_start, who
    code = "\n".join(c for _, c in BLOCKS)
    for needle in ("aapeace.load()", "import duckdb", "import polars", "frictionless validate",
                   "aapeace browse", "aapeace export", "aapeace add-source", "aapeace suggest",
                   "aapeace import brat", "aapeace agree", "aapeace reanchor"):
        assert needle in code, needle


def test_readme_blocks_run_in_order(tmp_path):
    # One test, not one per block: the blocks build on each other (one writes what the next
    # reads), and a parallel run must not split them between workers.
    for name in TOP_FILES:
        shutil.copy2(CHECKOUT / name, tmp_path)
    for folder in ("schemas", "data", "docs"):
        shutil.copytree(CHECKOUT / folder, tmp_path / folder)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for index, (kind, code) in enumerate(BLOCKS):
        command = [sys.executable, "-c", code] if kind == "python" else ["bash", "-euo", "pipefail", "-c", code]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, \
            f"README block {index} ({kind}) failed:\n{code}\n{result.stdout}\n{result.stderr}"


def test_the_readme_says_how_long_the_suite_takes_and_how_to_run_a_subset():
    top = README.split("## Quick start", 1)[0]
    assert re.search(r"about [\d.]+ minutes on a 2-core machine", top)
    assert "quick subset" in top and "-k " in top
    for named in re.findall(r"tests/test_\w+\.py", README):
        assert (CHECKOUT / named).is_file(), named


def test_the_readme_offers_no_install_that_fails_today():
    # Nothing serves the name on an index yet: each line naming that form must say so.
    for line in README.splitlines():
        if re.search(r"pip install armenia-azerbaijan-peace(?![\w\[-])", line):
            assert "not" in line or "once" in line, line
