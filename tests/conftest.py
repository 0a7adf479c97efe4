from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

CHECKOUT = Path(__file__).resolve().parents[1]

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (default: "ci" when CI is set, else "dev").
# Tests that set their own max_examples keep it; the fuzz tests take theirs from here.
# "fuzz" is the full run the issue asks for: HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_fuzz.py
PROFILES = {  # name: (max_examples for un-pinned tests, fuzz inputs per fuzz test, CLI fuzz runs)
    # The default run stays under 3 minutes on 2 cores; .ci/run adds the fuzz profile.
    "dev": (60, 100, 3),
    "ci": (60, 100, 3),
    "fuzz": (1_000, 10_000, 200),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
if PROFILE not in PROFILES:
    raise pytest.UsageError(f"HYPOTHESIS_PROFILE={PROFILE!r}: choose one of {sorted(PROFILES)}")
for _name, (_examples, _, _) in PROFILES.items():
    settings.register_profile(_name, max_examples=_examples)
settings.load_profile(PROFILE)
_, FUZZ_EXAMPLES, CLI_FUZZ_EXAMPLES = PROFILES[PROFILE]


def examples(default: int, long: int) -> int:
    """A property test's example count: ``default`` in the everyday run, ``long`` in the
    fuzz profile that .ci/run adds (the default run stays under 3 minutes on 2 cores)."""
    return long if PROFILE == "fuzz" else default


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


@pytest.fixture(scope="session")
def small_template(tmp_path_factory) -> Path:
    """A small package (a few rows per table, see packages.small_package), built once a session."""
    from packages import small_package

    import json
    keep = json.loads((CHECKOUT / "tests" / "cases" / "validator.json").read_text(encoding="utf-8"))["keep"]
    return small_package(tmp_path_factory.mktemp("small") / "pkg", keep=keep)


@pytest.fixture
def small_copy(small_template: Path, tmp_path: Path) -> Path:
    """A private copy of the small package that a test may break."""
    target = tmp_path / "pkg"
    shutil.copytree(small_template, target, symlinks=True)
    return target
