from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


# --- the first commands a newcomer runs (issue 11) ------------------------------------------

# Runs the CLI as an install without the `validate` extra would: the extra's modules cannot
# be imported (the validators package itself is there, as in a wheel installed without extras).
WITHOUT_EXTRA = """
import sys
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("jsonschema", "pyarrow", "rich"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NotInstalled())
from aapeace.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_without_extra(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, *args], capture_output=True, text=True, timeout=120)


def _checkout_like(small_copy):
    (small_copy / "pyproject.toml").write_text("", encoding="utf-8")  # enough for release to call it a checkout
    return small_copy


@pytest.mark.parametrize("command", [["validate"], ["validate", "--format", "json"], ["generate"], ["release"]])
def test_a_command_without_the_validate_extra_names_it(command, small_copy, tmp_path):
    where = ["--checkout", str(_checkout_like(small_copy)), "--outdir", str(tmp_path / "dist")] \
        if command == ["release"] else [str(small_copy)]
    before = snapshot(small_copy)
    result = run_without_extra(*command, *where)
    assert result.returncode == 2, result.stderr
    assert "pip install 'armenia-azerbaijan-peace[validate]'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "ModuleNotFoundError" not in result.stderr
    if "json" in command:
        assert json.loads(result.stdout) == {"error": result.stderr.split(": ", 1)[1].strip(), "exit_code": 2}
    else:
        assert result.stdout == ""
    assert snapshot(small_copy) == before and not (tmp_path / "dist").exists()


@pytest.mark.parametrize("command", [["info"], ["validate"], ["diff", "x"]])
def test_json_output_stays_json_when_a_command_cannot_run(command, tmp_path):
    result = run(*command, str(tmp_path / "nowhere"), "--format", "json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report.get("exit_code", 2) == 2 and (report.get("error") or report.get("errors"))


def snapshot(root) -> dict:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("check", [[], ["--check"]])
@pytest.mark.parametrize("named", [True, False])
def test_generate_refuses_the_installed_copy(small_copy, monkeypatch, capsys, check, named):
    from aapeace import generate, model
    from aapeace.cli import main

    # As a wheel lays it out: the package's copy is aapeace/_package, beside the module.
    monkeypatch.setattr(generate, "INSTALLED_PACKAGE", small_copy.resolve())
    monkeypatch.setattr(model, "shipped_root", lambda: small_copy)
    (small_copy / "data" / "actors.json").unlink()  # stale: generate would write here
    before = snapshot(small_copy)
    code = main(["generate", *([str(small_copy / "data" / "..")] if named else []), *check])
    stderr = capsys.readouterr().err
    assert code == 2 and "installed with aapeace, not a checkout" in stderr and "pass the folder of a checkout" in stderr
    assert snapshot(small_copy) == before


def test_generate_works_on_a_checkout_outside_the_installed_copy(small_copy, monkeypatch, tmp_path):
    from aapeace import generate

    monkeypatch.setattr(generate, "INSTALLED_PACKAGE", (tmp_path / "elsewhere").resolve())
    assert not generate.installed_copy(small_copy / "datapackage.json")
    monkeypatch.setattr(generate, "INSTALLED_PACKAGE", small_copy.resolve())
    assert generate.installed_copy(small_copy / "datapackage.json")


# Each command with output on stdout, run with stdout a pipe whose reader is already gone.
CLOSED_PIPE = {
    "info": ["info", "{pkg}"], "info-json": ["info", "{pkg}", "--format", "json"],
    "validate": ["validate", "{pkg}"],
    "diff-markdown": ["diff", "{pkg}", "{pkg}", "--format", "markdown"],
    "span": ["span", "{source}", "{quote}", "--package", "{pkg}", "--anywhere", "--occurrence", "1"],
    "export": ["export", "json", "{out}", "--package", "{pkg}"],
    "browse": ["browse", "-o", "{out}", "--package", "{pkg}"],
    "generate": ["generate", "{pkg}"],
    "cannot-run-json": ["info", "{out}/nowhere", "--format", "json"],
    "help": ["--help"], "command-help": ["export", "--help"], "version": ["--version"],
}


# What each ends with: 141 (128 + SIGPIPE) as a shell pipeline reports a Unix tool killed by
# the closed pipe; 2 when the command could not run anyway; argparse itself drops a help or
# version it cannot write and exits 0.
CLOSED_PIPE_EXIT = {"cannot-run-json": 2, "help": 0, "command-help": 0, "version": 0}


@pytest.mark.parametrize("name", sorted(CLOSED_PIPE))
def test_a_closed_pipe_ends_a_command_quietly(name, small_template, tmp_path):
    import os

    from packages import read_rows

    package = tmp_path / "pkg"
    shutil.copytree(small_template, package)
    if name == "generate":
        (package / "data" / "actors.json").unlink()  # so that generate has a line to print
    header, rows = read_rows(package / "data" / "actors.csv")
    values = {"pkg": str(package), "out": str(tmp_path / "out"), "source": rows[0][header.index("source_id")],
              "quote": rows[0][header.index("quote")]}
    (tmp_path / "out").mkdir()
    args = [a.format(**values) for a in CLOSED_PIPE[name]]
    reader, writer = os.pipe()
    os.close(reader)  # `aapeace … | head -0`: nobody will read
    try:
        result = subprocess.run([sys.executable, "-m", "aapeace", *args], stdout=writer, stderr=subprocess.PIPE,
                                text=True, timeout=120)
    finally:
        os.close(writer)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.returncode == CLOSED_PIPE_EXIT.get(name, 141), (result.returncode, result.stderr)


def _main(capsys, *args: str) -> tuple[int, str, str]:
    from aapeace.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_span_command_says_how_to_choose_an_occurrence(checkout, capsys):
    code, _, stderr = _main(capsys, "span", "004_158e11ce1d48c019", "the", "--package", str(checkout))
    assert code == 1 and "choose one with --occurrence N" in stderr, stderr


def test_diff_of_identical_versions_needs_no_bump(small_template, capsys):
    code, stdout, stderr = _main(capsys, "diff", str(small_template), str(small_template), "--check-version")
    assert code == 0, stderr
    assert "none bump" not in stdout + stderr
    assert "nothing here needs a version bump" in stdout and "no differences" in stdout
    _, markdown, _ = _main(capsys, "diff", str(small_template), str(small_template), "--format", "markdown")
    assert "none bump" not in markdown and "no changes need a version bump" in markdown


def test_a_version_step_backwards_with_no_changes_is_named_as_such(small_template, small_copy, capsys):
    descriptor = small_copy / "datapackage.json"
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    document["version"] = "0.9.0"
    descriptor.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    code, _, stderr = _main(capsys, "diff", str(small_template), str(small_copy), "--check-version",
                            "--allow-invalid")
    assert code == 1 and "none bump" not in stderr
    assert "0.9.0 is not a semver step from" in stderr, stderr


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


def test_the_validate_command_never_imports_pandas(small_template):
    # pyarrow would import it only to ask whether a value is a pandas object (cli._PandasHidden).
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "aapeace", "validate", str(small_template)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert "pyarrow.compute" in imported  # the report is read right: the validator's imports are listed
    assert not [name for name in imported if name.startswith("pandas.")]


def test_pandas_is_importable_again_after_main_validates(small_template):
    script = ("import sys\nfrom aapeace.cli import main\ncode = main(['validate', sys.argv[1]])\n"
              "import pandas, pyarrow\nprint(pyarrow.default_memory_pool().backend_name, code,"
              " pandas.DataFrame({'a': [1]}).shape)")
    result = subprocess.run([sys.executable, "-c", script, str(small_template)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    # ... and Arrow allocated through the C library's allocator, which returns memory at once
    assert result.stdout.strip().endswith("system 0 (1, 1)")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux) to fill the disk under stdout")
def test_a_report_that_cannot_be_written_exits_2_without_a_traceback(small_template):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "aapeace", "validate", str(small_template)], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
