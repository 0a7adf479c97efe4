"""`aapeace --help` and a help for every command; every command the issue names exists."""
from __future__ import annotations

import subprocess
import sys

import pytest

from aapeace.cli import parser

COMMANDS = ["validate", "info", "diff", "export", "browse", "release", "generate", "span", "import", "add-source", "suggest", "reanchor", "agree"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=60)


def test_top_level_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"\n    {command} " in result.stdout or f"\n    {command}\n" in result.stdout, command
    subparsers = next(a for a in parser()._actions if a.dest == "command")
    assert sorted(subparsers.choices) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and result.stdout.startswith(f"usage: aapeace {command}")
    assert len(result.stdout.splitlines()) > 3


def test_usage_errors_exit_2_without_traceback():
    for args in (["nope"], ["export", "xml", "out"], ["diff", "only-one"], []):
        result = run(*args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args


@pytest.mark.parametrize("command", ["validate", "info", "diff"])
def test_data_commands_offer_json(command):
    assert "json" in run(command, "--help").stdout


def _all_parsers():
    top = parser()
    subparsers = next(a for a in top._actions if a.dest == "command")
    return [top, *subparsers.choices.values()]


def test_help_shows_no_markup_meant_for_docstrings():
    # RST's ``literal`` is for the module's docstrings; a terminal would show the backticks.
    for p in _all_parsers():
        assert "``" not in p.format_help(), p.prog
