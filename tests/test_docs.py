"""The hand-written docs: the annotation guide defines every enum value the schemas allow, and the
failure-modes table names real tests and catalogued codes."""
from __future__ import annotations

import json
import re

from conftest import CHECKOUT

GUIDE = (CHECKOUT / "docs" / "annotation-guide.md").read_text(encoding="utf-8")


def test_the_guide_defines_every_enum_value_once_per_list():
    defined = set(re.findall(r"^- `([a-z0-9-]+)`:", GUIDE, flags=re.M))
    for path in sorted((CHECKOUT / "schemas").glob("*.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            for value in field.get("constraints", {}).get("enum", []):
                assert value in defined or f"`{value}`" in GUIDE, f"{path.name}:{field['name']} value {value!r}"


def test_the_guide_has_a_section_for_each_enumerated_field():
    for path in sorted((CHECKOUT / "schemas").glob("*.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            if "enum" in field.get("constraints", {}) and "precision" not in field["name"] and "basis" not in field["name"]:
                assert f"### {path.stem}.{field['name']}" in GUIDE, f"{path.stem}.{field['name']}"


def test_the_guides_roles_by_event_type_are_the_schemas_rule():
    # The guide is where annotators look; the schema is what the validator holds them to.
    from aapeace.model import open_package

    table = open_package(CHECKOUT).table("event_actors")
    rule = table.field("role").allowed_per_reference
    section = GUIDE[GUIDE.index("### Roles by event type"):]
    section = section[:section.index("\n#", 1)]
    rows = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", section, flags=re.M)
    in_guide = {kind: sorted(re.findall(r"`([a-z-]+)`", roles)) for kind, roles in rows}
    assert in_guide == {kind: sorted(roles) for kind, roles in rule.allowed}


FAILURE_MODES = (CHECKOUT / "docs" / "failure-modes.md").read_text(encoding="utf-8")
CASE = re.compile(r"^case\[([^\]]+)\]$")


def _failure_rows() -> list[tuple[str, list[str], list[str]]]:
    """(failure class, codes, tests) for every row of every table whose last column is the test."""
    rows, header = [], None
    for line in FAILURE_MODES.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if header[-1] != "covering test" or set(cells[0]) <= {"-", " "}:
            continue
        rows.append((cells[0], re.findall(r"`([a-z0-9-]+)`", cells[1]), re.findall(r"`([^`]+)`", cells[-1])))
    return rows


def _collected(files: set[str]) -> set[str]:
    import subprocess
    import sys

    # -m "": the slow tests (install modes, release builds) count too, though the default run leaves them out.
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", "", "-n", "0",
                             *sorted(files)], cwd=CHECKOUT / "tests", capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    return {line.strip() for line in result.stdout.splitlines() if "::" in line}


def test_every_failure_mode_names_tests_that_exist_and_codes_that_are_catalogued():
    from aapeace.validators import CATALOGUE

    cases = {c["id"]: c for c in json.loads((CHECKOUT / "tests" / "cases" / "validator.json")
                                            .read_text(encoding="utf-8"))["cases"]}
    rows = _failure_rows()
    assert len(rows) >= 60
    named = [t for _, _, tests in rows for t in tests if not CASE.match(t)]
    collected = _collected({t.split("::")[0] for t in named})
    for failure, codes, tests in rows:
        assert tests, f"{failure}: no test named"
        for code in codes:
            assert code in CATALOGUE or code == "any", f"{failure}: unknown code {code!r}"
        for test in tests:
            match = CASE.match(test)
            if match:
                case = cases.get(match.group(1))
                assert case is not None, f"{failure}: no case {match.group(1)!r} in tests/cases/validator.json"
                expected = {e[0] for e in case.get("expect", []) + case.get("expect_contains", [])}
                expected |= set(case.get("expect_codes", []))
                assert not codes or expected & set(codes) or case.get("expect") == [], (failure, test, expected)
            else:
                node = f"tests/{test}" if not test.startswith("tests/") else test
                assert any(c == node or c.startswith(node + "[") for c in collected), f"{failure}: no test {test}"


def test_every_error_code_is_in_the_failure_modes_table():
    from aapeace.validators import CATALOGUE

    listed = {code for _, codes, _ in _failure_rows() for code in codes}
    assert set(CATALOGUE) - listed == set()


def _skip_calls():
    """Every pytest.skip / importorskip / skipif in the tests: (file, line, call node)."""
    import ast

    for path in sorted((CHECKOUT / "tests").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # A reason held in a variable (or a module constant) is read where it is assigned.
        assigned = {t.id: n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                    for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("skip", "importorskip", "skipif"):
                yield path.name, node.lineno, node, assigned


def test_every_skip_gives_a_reason_an_outside_user_understands():
    """A skip is read by someone who cloned the repository: it says why in words, with no
    path of the maintainers' workspace (such as ../shared) and, for a missing module, how
    to install it."""
    import ast

    calls = list(_skip_calls())
    assert calls, "the tests have skips; this test must see them"
    for name, line, call, assigned in calls:
        reason = next((k.value for k in call.keywords if k.arg == "reason"), None)
        if reason is None and call.func.attr == "skip" and call.args:
            reason = call.args[0]
        assert reason is not None, f"{name}:{line}: a skip without a reason"
        if isinstance(reason, ast.Name):
            reason = assigned[reason.id]
        text = " ".join(n.value for n in ast.walk(reason) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        assert len(text.split()) >= 4, f"{name}:{line}: say why in words: {text!r}"
        assert "../" not in text and "shared/" not in text, f"{name}:{line}: an internal path: {text!r}"
        if call.func.attr == "importorskip":
            assert "pip install" in text, f"{name}:{line}: say how to install the module: {text!r}"
