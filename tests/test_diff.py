"""``aapeace diff``: rows matched by primary key, changed fields named, bumps per the recipe."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aapeace import diff
from aapeace.dataset import open_dataset
from packages import get_cell, read_rows, regenerate, set_cell, write_rows

FIRST_SLICE = "33e5f77"  # version 0.1.0, the first slice of annotation
FULL_ANNOTATION = "0e2ac24"  # version 1.0.0
CHANGELOG_HEADING = "### Generated: 0.1.0 → 1.0.0"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=120)


def compare(old: Path, new: Path) -> diff.PackageDiff:
    return diff.compare(open_dataset(old), open_dataset(new))


def _set_version(root: Path, version: str) -> None:
    path = root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")


def _edit_schema(root: Path, table: str, edit) -> None:
    path = root / "schemas" / f"{table}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False), encoding="utf-8")


def _field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def test_a_package_equals_itself(checkout):
    d = compare(checkout, checkout)
    assert d.empty and d.required_bump == "none"
    result = run("diff", str(checkout), str(checkout), "--exit-code")
    assert result.returncode == 0 and "no differences" in result.stdout


def test_a_corrected_cell_is_a_changed_row_with_that_field(checkout, package_copy):
    old = get_cell(package_copy, "actors", 3, "description")
    actor_id = get_cell(package_copy, "actors", 3, "actor_id")
    set_cell(package_copy, "actors", 3, "description", "corrected")
    d = compare(checkout, package_copy)
    actors = next(t for t in d.tables if t.name == "actors")
    assert not actors.added and not actors.removed
    assert [(c.key, c.fields) for c in actors.changed] == [
        ({"actor_id": actor_id}, {"description": {"old": old, "new": "corrected"}})]
    assert d.required_bump == "patch"
    assert all(t.empty for t in d.tables if t.name != "actors")


def test_composite_keys_match_link_rows(checkout, package_copy):
    set_cell(package_copy, "event_actors", 0, "quote", "changed")
    d = compare(checkout, package_copy)
    links = next(t for t in d.tables if t.name == "event_actors")
    header, rows = read_rows(checkout / "data" / "event_actors.csv")
    assert [c.key for c in links.changed] == [{k: rows[0][header.index(k)] for k in ("event_id", "actor_id", "role")}]


def test_added_rows_need_a_minor_bump_and_removed_referenced_rows_a_major(checkout, package_copy):
    header, rows = read_rows(package_copy / "data" / "mentions.csv")
    extra = list(rows[0])
    extra[0] = extra[0].rsplit("--", 1)[0] + "--999999"
    write_rows(package_copy / "data" / "mentions.csv", header, rows + [extra])
    d = compare(checkout, package_copy)
    assert [r["mention_id"] for r in next(t for t in d.tables if t.name == "mentions").added] == [extra[0]]
    assert d.required_bump == "minor"

    write_rows(package_copy / "data" / "mentions.csv", header, rows[1:])
    assert compare(checkout, package_copy).required_bump == "patch"  # mentions are referenced by no one

    header, rows = read_rows(package_copy / "data" / "actors.csv")
    write_rows(package_copy / "data" / "actors.csv", header, rows[1:])
    d = compare(checkout, package_copy)
    assert d.required_bump == "major"
    assert any(c.where == "actors" and "other tables refer to" in c.what for c in d.reasons())


@pytest.mark.parametrize("edit, level, words", [
    (lambda s: _field(s, "kind")["constraints"]["enum"].append("newkind"), "minor", "enum values added: newkind"),
    (lambda s: _field(s, "kind")["constraints"]["enum"].remove("media"), "major", "enum values removed: media"),
    (lambda s: _field(s, "iso3").update(type="list"), "major", "type string → list"),
    (lambda s: _field(s, "wikidata_id")["constraints"].update(required=True), "major", "now required"),
    (lambda s: _field(s, "name")["constraints"].pop("required"), "minor", "no longer required"),
    (lambda s: _field(s, "name").update(description="Reworded."), "patch", "description changed"),
])
def test_schema_changes_get_the_recipes_bump(checkout, package_copy, edit, level, words):
    _edit_schema(package_copy, "actors", edit)
    d = compare(checkout, package_copy)
    assert any(c.level == level and words in c.what for c in d.changes), d.changes
    assert d.required_bump == level


def test_an_added_field_is_major(checkout, package_copy):
    _edit_schema(package_copy, "actors", lambda s: s["fields"].append({"name": "extra", "type": "string"}))
    header, rows = read_rows(package_copy / "data" / "actors.csv")
    write_rows(package_copy / "data" / "actors.csv", header + ["extra"], [row + [""] for row in rows])
    d = compare(checkout, package_copy)
    assert any(c.level == "major" and "fields added: extra" in c.what for c in d.changes), d.changes


def test_a_table_that_cannot_be_read_stops_compare_unless_allowed(checkout, package_copy):
    _edit_schema(package_copy, "actors", lambda s: s["fields"].append({"name": "extra", "type": "string"}))
    with pytest.raises(diff.PackageError) as caught:
        compare(checkout, package_copy)
    assert caught.value.code == "header-mismatch"
    d = diff.compare(open_dataset(checkout), open_dataset(package_copy), allow_unreadable=True)
    assert d.unreadable and d.unreadable[0].startswith("actors:")
    assert "not compared" in diff.render_text(d)


def test_a_removed_table_is_major_and_its_rows_are_listed(checkout, package_copy):
    path = package_copy / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "positions"]
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    d = compare(checkout, package_copy)
    positions = next(t for t in d.tables if t.name == "positions")
    assert positions.status == "removed" and len(positions.removed) == len(read_rows(checkout / "data/positions.csv")[1])
    assert d.required_bump == "major"
    added = compare(package_copy, checkout)
    assert next(t for t in added.tables if t.name == "positions").status == "added"
    assert added.required_bump == "minor"


@pytest.mark.parametrize("old, new, step", [("1.0.0", "2.0.0", "major"), ("1.0.0", "1.1.0", "minor"),
                                            ("1.0.0", "1.0.1", "patch"), ("1.2.3", "1.2.3", "none"),
                                            ("1.2.3", "1.2.2", None), ("1.0", "1.1.0", None)])
def test_declared_bump(old, new, step):
    assert diff.declared_bump(old, new) == step


def test_check_version_fails_when_the_step_is_too_small(checkout, package_copy):
    _edit_schema(package_copy, "actors", lambda s: _field(s, "kind")["constraints"]["enum"].remove("media"))
    major, minor, patch = map(int, json.loads((checkout / "datapackage.json").read_text(encoding="utf-8"))
                              ["version"].split("."))
    _set_version(package_copy, f"{major}.{minor}.{patch + 1}")
    regenerate(package_copy)  # "media" is unused: the package stays valid
    result = run("diff", str(checkout), str(package_copy), "--check-version")
    assert result.returncode == 1 and "need a major bump" in result.stderr, result.stderr
    _set_version(package_copy, f"{major + 1}.0.0")
    assert run("diff", str(checkout), str(package_copy), "--check-version").returncode == 0


def test_an_invalid_package_is_refused_with_the_validators_codes(checkout, package_copy):
    set_cell(package_copy, "events", 0, "title", "New title")  # the declared hash no longer matches
    result = run("diff", str(checkout), str(package_copy))
    assert result.returncode == 2 and result.stdout == ""
    assert "NEW" in result.stderr and "[hash-mismatch]" in result.stderr and "--allow-invalid" in result.stderr
    assert "Traceback" not in result.stderr
    allowed = run("diff", str(checkout), str(package_copy), "--allow-invalid")
    assert allowed.returncode == 0 and "title" in allowed.stdout and "not valid" in allowed.stderr


def test_identical_versions_need_no_bump(checkout):
    markdown = diff.render_markdown(compare(checkout, checkout))
    assert "no changes need a version bump" in markdown and "need a none bump" not in markdown


def test_error_lines_are_capped():
    errors = [diff.ValidationError("type-error", f"bad {i}", file="data/x.csv", row=i + 2, field="f")
              for i in range(25)]
    lines = diff.error_lines(errors)
    assert len(lines) == 21 and lines[0] == "data/x.csv, row 2, field f: [type-error] bad 0"
    assert "5 more" in lines[-1]


def test_output_formats(checkout, package_copy, capsys):
    from aapeace.cli import main

    set_cell(package_copy, "events", 0, "title", "New title")
    regenerate(package_copy)
    event_id = get_cell(package_copy, "events", 0, "event_id")
    assert main(["diff", str(checkout), str(package_copy), "--values", "--exit-code"]) == 1
    text = capsys.readouterr().out
    assert f"  ~ {event_id}: title" in text and "'New title'" in text
    assert main(["diff", str(checkout), str(package_copy), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["required_bump"] == "patch" and report["valid"] is True
    assert report["tables"]["events"]["changed"][0]["fields"]["title"]["new"] == "New title"
    assert report["tables"]["events"]["counts"] == {"added": 0, "removed": 0, "changed": 1}
    assert main(["diff", str(checkout), str(package_copy), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("## ") and "| `events` | 0 | 0 | 1 | `title` 1 |" in markdown


def test_diff_of_nothing_exits_2(checkout, tmp_path):
    result = run("diff", str(tmp_path), str(checkout))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def _archive(checkout: Path, commit: str, target: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(checkout), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


@pytest.fixture(scope="module")
def releases(tmp_path_factory, checkout):
    """The packages of 0.1.0 (the first slice) and 1.0.0 (the full annotation), from git."""
    have = shutil.which("git") and all(
        subprocess.run(["git", "-C", str(checkout), "cat-file", "-e", f"{c}^{{commit}}"],
                       capture_output=True).returncode == 0 for c in (FIRST_SLICE, FULL_ANNOTATION))
    if not have:
        pytest.skip(f"rebuilds releases 0.1.0 and 1.0.0 from the git history (commits {FIRST_SLICE} and "
                    f"{FULL_ANNOTATION}), which this copy lacks: an sdist has no history and a shallow clone "
                    "only some (git fetch --unshallow gets it)")
    return (_archive(checkout, FIRST_SLICE, tmp_path_factory.mktemp("v0.1.0")),
            _archive(checkout, FULL_ANNOTATION, tmp_path_factory.mktemp("v1.0.0")))


def test_the_1_0_0_changelog_section_is_what_diff_says(releases, checkout):
    """CHANGELOG.md quotes the diff of 0.1.0 against 1.0.0 under 1.0.0: it must stay what diff prints."""
    d = compare(*releases)
    assert (d.old_version, d.new_version, d.required_bump, d.version_ok) == ("0.1.0", "1.0.0", "minor", True)
    section = diff.render_markdown(d, heading=CHANGELOG_HEADING)
    changelog = (checkout / "CHANGELOG.md").read_text(encoding="utf-8")
    assert section in changelog
    assert changelog.index(section) > changelog.index("## 1.0.0") > changelog.index("## Unreleased")
