"""The rule registry itself: every rule declares its codes, every declared code has a
data-driven case, and rules see a table they cannot change. Plus the failure classes that
need more than a file edit to set up (a file the validator may not read)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from aapeace import files
from aapeace.validators import iter_errors, registry
from aapeace.validators.reading import CsvTable

CASES = json.loads((Path(__file__).parent / "cases" / "validator.json").read_text(encoding="utf-8"))["cases"]


def _case_codes() -> set[str]:
    out = set()
    for case in CASES:
        out |= {e[0] for e in case.get("expect", []) + case.get("expect_contains", [])}
        out |= set(case.get("expect_codes", []))
    return out


@pytest.mark.parametrize("rule", registry.RULES, ids=[r.name for r in registry.RULES])
def test_every_code_a_rule_declares_has_a_case(rule):
    assert rule.codes, f"{rule.name} declares no code"
    assert rule.codes <= _case_codes(), f"{rule.name}: no case expects {sorted(rule.codes - _case_codes())}"


def test_a_rule_cannot_emit_a_code_it_did_not_declare():
    bad = registry.Rule("liar", frozenset({"enum-error"}), "table", 2,
                        lambda table, data, context: iter([registry.Finding("pattern-error", "x", 0, "a")]))
    data = CsvTable(["a"], {"a": pa.array(["x"])})
    with pytest.raises(AssertionError, match="does not declare"):
        registry.locate(next(bad.check(None, data, None)), bad, None, data)


def test_a_rule_sees_a_table_it_cannot_change():
    data = CsvTable(["a"], {"a": pa.array(["x"])})
    with pytest.raises(TypeError):
        data.columns["a"] = pa.array(["y"])  # type: ignore[index]
    with pytest.raises(TypeError):
        data.typed["a"] = pa.array([1])  # type: ignore[index]


def test_a_file_without_read_permission_is_file_unreadable(small_copy: Path, monkeypatch):
    # The tests run as root, whom mode 000 does not stop: refuse the open as the kernel would.
    real_open = os.open

    def denying(path, flags, *args, **kwargs):
        if str(path).endswith("positions.csv"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", denying)
    found = [(e.code, e.file) for e in iter_errors(small_copy)]
    assert ("file-unreadable", "data/positions.csv") in found


def test_a_dangling_key_is_named_in_plain_words(small_copy: Path):
    from packages import regenerate, set_cell

    set_cell(small_copy, "event_actors", 0, "actor_id", "nobody-at-all")
    regenerate(small_copy)
    [error] = [e for e in iter_errors(small_copy) if e.code == "foreign-key-dangling"]
    assert error.message == "no row of actors has actor_id 'nobody-at-all'"


def test_no_message_guesses_an_article_for_a_name_it_does_not_know():
    # "is not a {name}" reads "is not a actor_id"; messages name the thing without an article.
    # A bump level (major, minor, patch) is a closed list that takes "a".
    import re

    root = Path(__file__).resolve().parents[1]
    guessed = re.compile(r"""\ban? \{(?!'|"|[\w.]*required_bump\})""")
    for path in [*(root / "src" / "aapeace").glob("*.py"), *(root / "validators").glob("*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not guessed.search(line), f"{path.name}:{number}: {line.strip()}"
