"""The architecture, held by tests: a one-way import graph, one model of the schemas, and one
door into a package's files.

Layers, lowest first: the core (errors, limits, files, csvio, jsonfile, model and what reads
through them), the validators, the commands. A module may import only from its own layer or
below; the loader must not pull in the validators or their dependencies.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
SRC = CHECKOUT / "src" / "aapeace"
VALIDATORS = CHECKOUT / "validators"
COMMANDS = {"__main__", "cli", "diff", "export", "browse", "info", "release", "generate", "sqlite", "parquet", "coverage",
            "dictionary", "demo", "interchange", "brat", "webannotation", "addsource", "suggest", "reanchor", "agree",
            "croissant", "zenodo", "datasette"}


def _imports(path: Path) -> set[str]:
    """Every aapeace module a file imports, as 'aapeace.x' (relative imports resolved)."""
    package = "aapeace.validators" if path.parent == VALIDATORS else "aapeace"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("aapeace")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package if node.level == 1 else package.rsplit(".", node.level - 1)[0]
                module = f"{base}.{node.module}" if node.module else base
                names = [f"{module}.{a.name}" for a in node.names] if not node.module else [module]
            else:
                module = node.module or ""
                names = [module] + [f"{module}.{a.name}" for a in node.names] if module == "aapeace" else [module]
            out |= {n for n in names if n.startswith("aapeace")}
    return out


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] == "validators":
        return 1
    if len(parts) >= 2 and parts[1] in COMMANDS:
        return 2
    return 0


def _modules() -> list[tuple[str, Path]]:
    out = [(f"aapeace.{p.stem}", p) for p in SRC.glob("*.py") if p.stem != "__init__"]
    out += [(f"aapeace.validators.{p.stem}", p) for p in VALIDATORS.glob("*.py") if p.stem != "__init__"]
    return out


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_imports_point_down_only(module: str, path: Path):
    mine = _layer(module)
    upward = sorted(m for m in _imports(path) if _layer(m) > mine)
    assert not upward, f"{module} (layer {mine}) imports {upward} from a layer above"


def test_the_validators_package_imports_no_command():
    assert not [m for m in _imports(VALIDATORS / "__init__.py") if _layer(m) == 2]


# What reading a schema as a dict looks like; only the model may do it.
SCHEMA_DICT = re.compile(r"""\[["'](constraints|foreignKeys|primaryKey|missingValues|fields|reference)["']\]"""
                         r"""|\.get\(["'](constraints|foreignKeys|primaryKey|missingValues|reference|x-[A-Za-z]+)["']""")


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_only_the_model_reads_schema_dicts(module: str, path: Path):
    if module == "aapeace.model":
        return
    hits = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if SCHEMA_DICT.search(line)]
    assert not hits, f"{module} reads a schema as a dict: {hits[:3]}"


# Opening a file by hand; package files go through aapeace.files (and writes through its Writer).
OPENS = re.compile(r"(?<![\w.])open\(|os\.open\(|(?<!files)\.read_text\(|(?<!files)\.read_bytes\(|\.write_text\(|"
                   r"\.write_bytes\(|pd\.read_csv\(|mkstemp|NamedTemporaryFile")
MAY_OPEN = {
    "aapeace.files": "the one door itself",
    "aapeace.cli": "points stdout at os.devnull after a reader closed the pipe",
    "aapeace.spreadsheet": "writes to a handle or a path the caller got from files.Writer",
    "aapeace.release": "runs the build frontend into its own temporary folder",
    "aapeace.browse": "reads its own HTML template from the installed module",
    "aapeace.validators.reading": "parses bytes the door already read (pyarrow's and csv's readers, in memory)",
    "aapeace.validators.descriptor": "reads its own profiles from the installed module",
    "aapeace.validators.json_render": "opens only a descriptor the door vetted (open_export)",
    "aapeace.parquet": "writes the temporary file files.Writer made",
    "aapeace.export": "writes the temporary file files.Writer made",
    "aapeace.sqlite": "writes the temporary file files.Writer made",
}


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_files_are_opened_through_the_door(module: str, path: Path):
    if module in MAY_OPEN:
        return
    hits = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if OPENS.search(line) and not line.strip().startswith("#")]
    assert not hits, f"{module} opens files by hand: {hits[:3]}"


def test_loading_imports_neither_the_validators_nor_their_dependencies():
    # pandas itself may import pyarrow (pandas 3 does); load() must add none of these.
    script = ("import sys, pandas; before = set(sys.modules); import aapeace; aapeace.load(); "
              "bad = [m for m in ('jsonschema', 'pyarrow', 'rich', 'aapeace.validators') "
              "if m in sys.modules and m not in before]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
