from __future__ import annotations

import json
import subprocess
import sys

from packages import set_cell, regenerate


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=120)


def test_validate_the_shipped_package_exits_0(checkout):
    result = run("validate", str(checkout))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("valid")


def test_invalid_package_exits_1_and_names_file_row_and_field(package_copy):
    set_cell(package_copy, "actors", 0, "kind", "empire")
    regenerate(package_copy, exports=False)
    result = run("validate", str(package_copy))
    assert result.returncode == 1
    assert "data/actors.csv, row 2, field kind: [enum-error]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_json_report_is_machine_readable(package_copy):
    set_cell(package_copy, "positions", 0, "span_end", "999999")
    regenerate(package_copy)
    result = run("validate", str(package_copy), "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["valid"] is False
    assert report["errors"][0] == {"code": "span-out-of-bounds", "file": "data/positions.csv", "row": 2,
                                   "field": "span_end", "message": report["errors"][0]["message"], "layer": 4}


def test_quiet_prints_nothing_when_valid(checkout):
    result = run("validate", str(checkout), "--quiet")
    assert result.returncode == 0 and result.stdout == ""


def test_nothing_to_validate_exits_2(tmp_path):
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr


def test_unreadable_descriptor_exits_1_without_traceback(tmp_path):
    (tmp_path / "datapackage.json").write_text("{oops", encoding="utf-8")
    result = run("validate", str(tmp_path))
    assert result.returncode == 1 and "descriptor-unreadable" in result.stdout
    assert "Traceback" not in result.stderr


def test_span_helper_finds_offsets(checkout):
    result = run("span", "004_158e11ce1d48c019", "seven adjacent districts", "--package", str(checkout))
    found = json.loads(result.stdout)
    text = (checkout / "data/sources/004_158e11ce1d48c019.txt").read_text(encoding="utf-8")
    assert text[found["span_start"]:found["span_end"]] == "seven adjacent districts"


def test_span_helper_refuses_chrome(checkout):
    result = run("span", "000_70f3f05990dbd550", "Follow us on social", "--package", str(checkout))
    assert result.returncode == 1 and "not found" in result.stderr


def test_validation_writes_nothing(package_copy):
    before = {p: p.read_bytes() for p in package_copy.rglob("*") if p.is_file()}
    set_cell(package_copy, "actors", 0, "kind", "empire")
    before[package_copy / "data" / "actors.csv"] = (package_copy / "data" / "actors.csv").read_bytes()
    run("validate", str(package_copy))
    after = {p: p.read_bytes() for p in package_copy.rglob("*") if p.is_file()}
    assert after == before


def _with_terminal(*args: str) -> tuple[int, bytes, bytes]:
    """Run the CLI with stderr on a pseudo-terminal; return (exit, stdout, terminal bytes)."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "aapeace", *args], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read()
    return proc.wait(), out, seen


def test_progress_shows_on_a_terminal_only(checkout):
    code, out, terminal = _with_terminal("validate", str(checkout))
    assert code == 0 and b"valid" in out
    assert "━".encode() in terminal  # the bar itself; its labels may not be redrawn on a small package
    quiet = run("validate", str(checkout))
    assert quiet.stderr == ""  # not a terminal: no progress at all
    code, out, terminal = _with_terminal("validate", str(checkout), "--quiet")
    assert code == 0 and terminal == b""


def test_a_validate_run_imports_only_what_it_needs(small_template):
    # Start-up is most of a small package's time (issue 13): the version lookup
    # (importlib.metadata) waits for --version, the export rows' jsonschema validator for an
    # export that differs from its CSV.
    script = ("import sys; from aapeace.cli import main; code = main(['validate', '--quiet', sys.argv[1]]); "
              "from aapeace.validators import json_exports; "
              "print(code, 'importlib.metadata' in sys.modules, json_exports.row_validator.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", script, str(small_template)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["0", "False", "0"]
