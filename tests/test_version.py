"""One source for the version: datapackage.json. The wheel's version is read from it."""
from __future__ import annotations

import json
import subprocess
import sys

import aapeace
from aapeace.model import shipped_root


def _declared(root) -> str:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["version"]


def test_installed_version_is_the_descriptors_version(checkout):
    assert aapeace.__version__ == _declared(checkout)
    assert aapeace.__version__ == _declared(shipped_root())


def test_cli_prints_the_version():
    result = subprocess.run([sys.executable, "-m", "aapeace", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"aapeace {aapeace.__version__}"


def test_pyproject_reads_the_version_from_the_descriptor(checkout):
    import tomllib

    project = tomllib.loads((checkout / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["hatch"]["version"]["path"] == "datapackage.json"
