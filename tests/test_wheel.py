"""The wheel carries loader, validators, schemas and data: it works with no checkout."""
from __future__ import annotations

import subprocess
import sys
import venv

import pytest

pytestmark = pytest.mark.slow

SCRIPT = """
import aapeace, pathlib
from aapeace.validators import validate
tables = aapeace.load()
assert 'checkout' not in aapeace.__file__ and 'site-packages' in aapeace.__file__, aapeace.__file__
assert min(len(t) for t in tables.values()) > 0
assert validate().valid
print('rows', sum(len(t) for t in tables.values()), aapeace.__version__)
"""


def test_the_wheel_installs_and_loads_outside_the_checkout(checkout, tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(checkout)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"{wheel}[validate]"], check=True,
                   capture_output=True, timeout=600)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = subprocess.run([str(python), "-c", SCRIPT], cwd=outside, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rows")
    cli = subprocess.run([str(env_dir / "bin" / "aapeace"), "validate"], cwd=outside, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stdout + cli.stderr
