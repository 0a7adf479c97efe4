"""Every install mode works: ``pip install -e .``, ``pip install .`` and the wheel each load
and validate (the checkout and the package the install ships) from a folder outside the
checkout (issue 9: the editable install once failed with "No module named
'aapeace.validators'"). The wheel test replaces the former tests/test_wheel.py.

Offline and quick: each mode gets a fresh venv whose dependencies are the running
interpreter's (a .pth file lists its site-packages, which works whether or not the running
interpreter is itself a venv, where ``--system-site-packages`` would reach only the base
interpreter's), and pip installs with ``--no-deps --no-build-isolation --no-index``, so
nothing is downloaded. Run with ``python -m pytest -m install``.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.install]

OFFLINE = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull,
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}

CHECK = """
import sys, aapeace, aapeace.validators, importlib.metadata as md
tables = aapeace.load()
assert min(len(t) for t in tables.values()) > 0
assert aapeace.source_texts()
print(len(tables))
print(aapeace.__file__)
print(aapeace.validators.__file__)
print(md.version("armenia-azerbaijan-peace"))
"""


def _fresh_venv(where: Path) -> tuple[Path, dict]:
    """A venv with pip whose dependencies (pandas, pyarrow, jsonschema, hatchling …) are the
    running interpreter's, listed last on its path so that what it installs comes first."""
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True,
                         text=True, check=True).stdout.strip()
    ours = [p for p in [*site.getsitepackages(), site.getusersitepackages()] if os.path.isdir(p)]
    # "zz": .pth files run in name order, so an editable install's own .pth comes first.
    (Path(own) / "zz-running-interpreter.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(OFFLINE, PATH=f"{where / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    return python, env


def _run(command: list[str], env: dict, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _check(tmp_path: Path, checkout: Path, *target: str, editable: bool = False) -> tuple[list[str], Path]:
    python, env = _fresh_venv(tmp_path / "venv")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    # --force-reinstall: the running interpreter's site-packages (on this venv's path) may hold
    # this very version already, and pip would then install nothing here, not even the script.
    _run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", "--no-build-isolation",
          "--no-index", *target], env, outside)
    lines = _run([str(python), "-c", CHECK], env, outside).stdout.split("\n")
    assert int(lines[0]) >= 10
    aapeace = str(tmp_path / "venv" / "bin" / "aapeace")
    _run([aapeace, "validate", str(checkout)], env, outside)
    _run([aapeace, "validate"], env, outside)  # the package this install ships
    if editable:
        _run([aapeace, "generate", str(checkout), "--check"], env, outside)
    assert not any(outside.iterdir()), "nothing is written where the commands run"
    return lines, tmp_path / "venv"


def test_an_editable_install_validates_and_loads(checkout, tmp_path):
    lines, _ = _check(tmp_path, checkout, "-e", str(checkout), editable=True)
    assert Path(lines[1]) == checkout / "src" / "aapeace" / "__init__.py"
    assert Path(lines[2]) == checkout / "validators" / "__init__.py"  # the checkout's folder, mapped


def test_a_plain_install_validates_and_loads(checkout, tmp_path):
    lines, env_dir = _check(tmp_path, checkout, str(checkout))
    assert Path(lines[1]).is_relative_to(env_dir) and Path(lines[2]).is_relative_to(env_dir)


def test_the_wheel_validates_and_loads(checkout, tmp_path):
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist),
                            str(checkout)], capture_output=True, text=True, timeout=600,
                           env={**os.environ, **OFFLINE})
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheel = next(dist.glob("*.whl"))
    lines, env_dir = _check(tmp_path, checkout, str(wheel))
    assert Path(lines[1]).is_relative_to(env_dir) and Path(lines[2]).is_relative_to(env_dir)
    assert "validators" in Path(lines[2]).parts and "site-packages" in Path(lines[1]).parts
    shutil.rmtree(dist)
