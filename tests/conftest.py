from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def checkout() -> Path:
    """The repository's own package (what the wheel ships)."""
    return CHECKOUT


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped package that a test may break."""
    target = tmp_path / "pkg"
    target.mkdir()
    shutil.copy2(CHECKOUT / "datapackage.json", target)
    shutil.copytree(CHECKOUT / "schemas", target / "schemas")
    shutil.copytree(CHECKOUT / "data", target / "data")
    return target
