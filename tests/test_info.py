from __future__ import annotations

import csv
import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=120)


def _counts(checkout) -> dict[str, int]:
    descriptor = json.loads((checkout / "datapackage.json").read_text(encoding="utf-8"))
    out = {}
    for r in descriptor["resources"]:
        if r.get("type") == "table":
            with open(checkout / r["path"], encoding="utf-8", newline="") as handle:
                out[r["name"]] = sum(1 for _ in csv.reader(handle)) - 1
    return out


def test_info_json_gives_version_sources_and_rows_per_table(checkout):
    result = run("info", str(checkout), "--format", "json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    descriptor = json.loads((checkout / "datapackage.json").read_text(encoding="utf-8"))
    assert info["version"] == descriptor["version"] and info["name"] == descriptor["name"]
    assert info["tables"] == _counts(checkout)
    assert [s["source_id"] for s in info["sources"]] == ["000_70f3f05990dbd550", "004_158e11ce1d48c019"]
    assert {lic["name"] for lic in info["licenses"]} == {"CC-BY-4.0", "MIT"}


def test_info_text_lists_every_table_with_its_count(checkout):
    result = run("info", str(checkout))
    assert result.returncode == 0
    for name, count in _counts(checkout).items():
        assert any(line.split() == [name, str(count)] for line in result.stdout.splitlines()), name
    assert "Nurlan Mustafayev" in result.stdout


def test_info_on_nothing_exits_2_without_traceback(tmp_path):
    result = run("info", str(tmp_path))
    assert result.returncode == 2 and "[descriptor-missing]" in result.stderr
    assert "Traceback" not in result.stderr
