"""The CI examples for other repositories parse, and every aapeace command they run is a
real command of the CLI that passes on a good package (and the hook fails on a bad one)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from aapeace.cli import parser
from conftest import CHECKOUT
from packages import TOP_FILES, regenerate, set_cell

WORKFLOWS = [CHECKOUT / "docs" / "ci" / "validate-fork.yml", CHECKOUT / ".github" / "workflows" / "ci.yml"]
HOOKS = CHECKOUT / ".pre-commit-hooks.yaml"
# Keys pre-commit accepts in a hook definition (its manifest schema).
HOOK_KEYS = {"id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or", "exclude_types",
             "additional_dependencies", "args", "always_run", "fail_fast", "pass_filenames", "description",
             "language_version", "log_file", "minimum_pre_commit_version", "require_serial", "stages", "verbose"}
SHELL_BREAKS = {">", ">>", "|", "&&", "||", ";", "2>", "2>&1"}


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _aapeace_commands(script: str) -> list[list[str]]:
    """Each `aapeace ...` command in a shell script, as its arguments up to a redirection or pipe."""
    out = []
    for line in script.splitlines():
        tokens = shlex.split(line, comments=True)
        for i, token in enumerate(tokens):
            if token == "aapeace" and (i == 0 or tokens[i - 1] in SHELL_BREAKS):
                args = []
                for t in tokens[i + 1:]:
                    if t in SHELL_BREAKS:
                        break
                    args.append(t)
                out.append(args)
    return out


def _scripts() -> set[str]:
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(project["project"]["scripts"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_are_valid_yaml_with_jobs_and_steps(path):
    workflow = _load(path)
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on". Either way it is there.
    assert "on" in workflow or True in workflow
    assert workflow["jobs"] and all(job["steps"] for job in workflow["jobs"].values())
    for step in _steps(workflow):
        assert ("run" in step) != ("uses" in step), step


def test_the_fork_workflow_runs_the_real_cli():
    commands = [c for step in _steps(_load(WORKFLOWS[0])) if "run" in step for c in _aapeace_commands(step["run"])]
    assert {c[0] for c in commands} >= {"validate", "generate", "diff"}
    for args in commands:
        parser().parse_args(args)  # raises SystemExit on an unknown command or option


def test_our_workflow_runs_the_ci_script():
    runs = " ".join(step.get("run", "") for step in _steps(_load(WORKFLOWS[1])))
    assert "bash .ci/run" in runs and (CHECKOUT / ".ci" / "run").is_file()


@pytest.fixture
def fork(tmp_path) -> Path:
    root = tmp_path / "fork"
    root.mkdir()
    for name in TOP_FILES:
        shutil.copy2(CHECKOUT / name, root)
    for folder in ("schemas", "data", "docs"):
        shutil.copytree(CHECKOUT / folder, root / folder)
    return root


def _env() -> dict:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def test_the_fork_workflows_checks_pass_on_a_good_fork(fork):
    for step in _steps(_load(WORKFLOWS[0])):
        for args in _aapeace_commands(step.get("run", "")):
            if any("$" in a for a in args):
                continue  # needs the runner's variables (the base-branch diff)
            result = subprocess.run(["aapeace", *args], cwd=fork, env=_env(), capture_output=True, text=True)
            assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr)


def test_hook_definitions_are_what_pre_commit_accepts():
    hooks = _load(HOOKS)
    assert [h["id"] for h in hooks] == ["aapeace-validate", "aapeace-generate-check"]
    for hook in hooks:
        assert set(hook) <= HOOK_KEYS, set(hook) - HOOK_KEYS
        assert {"id", "name", "entry", "language"} <= set(hook)
        program, command, *_ = shlex.split(hook["entry"])
        assert program in _scripts()
        parser().parse_args([command, *shlex.split(hook["entry"])[2:], *hook.get("args", [])])
        pattern = re.compile(hook["files"])
        assert all(pattern.search(p) for p in ("datapackage.json", "data/actors.csv", "schemas/events.json"))
        assert not pattern.search("README.md") and not pattern.search("src/aapeace/cli.py")


@pytest.mark.parametrize("hook_id", ["aapeace-validate", "aapeace-generate-check"])
def test_hooks_pass_a_good_fork_and_fail_a_broken_one(fork, hook_id):
    hook = next(h for h in _load(HOOKS) if h["id"] == hook_id)
    command = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    result = subprocess.run(command, cwd=fork, env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    set_cell(fork, "actors", 0, "kind", "empire")
    if hook_id == "aapeace-validate":
        regenerate(fork, exports=False)
    result = subprocess.run(command, cwd=fork, env=_env(), capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr


def test_the_pre_commit_example_uses_our_hooks():
    config = _load(CHECKOUT / "docs" / "ci" / "pre-commit-config.yaml")
    used = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert used == {h["id"] for h in _load(HOOKS)}
