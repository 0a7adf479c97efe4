"""Every command but ``validate`` against hostile packages and hostile output targets.

Each test builds a small package (the shipped ``sources`` and ``actors`` tables and the two
source texts) in a temporary folder, breaks it the way a fork's author or an attacker
would, runs the command in-process, and checks: exit 2 with one line naming the code, no
traceback, no hang (files.read_bytes never blocks; an alarm guards each test anyway), a
secret outside the package never in any output, and no file outside the command's target
folder created, changed or removed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aapeace import cli, generate, limits, release

NEEDS_VALIDATE_EXTRA = "needs the validator's dependencies (jsonschema, pyarrow): pip install '.[validate]'"

CHECKOUT = Path(__file__).resolve().parents[1]
SECRET = "TOP-SECRET-MARKER-5f1c"
KEEP = ("sources", "actors")
SOURCE = "004_158e11ce1d48c019"


class Hung(BaseException):
    """Raised by the alarm: a BaseException, so no `except Exception` in the CLI swallows it."""


@pytest.fixture(autouse=True)
def no_hang():
    def ring(signum, frame):
        raise Hung("the command did not finish within 20 seconds")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """A small valid package: sources, actors and the texts, with its derived files."""
    root = tmp_path_factory.mktemp("template") / "pkg"
    (root / "schemas").mkdir(parents=True)
    (root / "data" / "sources").mkdir(parents=True)
    descriptor = json.loads((CHECKOUT / "datapackage.json").read_text(encoding="utf-8"))
    kept = []
    for resource in descriptor["resources"]:
        if resource["name"] in KEEP or resource["path"].startswith("data/sources/"):
            kept.append(resource)
            shutil.copy2(CHECKOUT / resource["path"], root / resource["path"])
            if isinstance(resource.get("schema"), str):
                shutil.copy2(CHECKOUT / resource["schema"], root / resource["schema"])
    descriptor["resources"] = kept
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    generate.write(root / "datapackage.json", with_docs=False)
    return root


@pytest.fixture
def world(tmp_path, template):
    """(package, secret file outside it, output folder) inside tmp_path."""
    package = tmp_path / "pkg"
    shutil.copytree(template, package, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    return package, secret, out


def snapshot(top: Path, exclude: Path | None = None) -> dict[str, object]:
    """Every entry under ``top``: a file's hash, a link's target, a FIFO or a folder; nothing is
    opened but regular files, and no link is followed."""
    seen: dict[str, object] = {}
    for folder, dirs, names in os.walk(top):
        here = Path(folder)
        if exclude is not None and (here == exclude or exclude in here.parents):
            continue
        for name in dirs + names:
            path = here / name
            if exclude is not None and path == exclude:
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                seen[str(path)] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                seen[str(path)] = stat.S_IFMT(info.st_mode)
    return seen


def written_text(top: Path) -> str:
    """All regular files under ``top`` as text, for looking for the secret."""
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in top.rglob("*")
                   if p.is_file() and not p.is_symlink())


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(code: int, out: str, err: str, what: str | None = None) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and SECRET not in out + err
    assert err.startswith("aapeace ") and err.count("\n") == 1, err  # one line
    if what:
        assert what in err, err


def _descriptor(package: Path) -> dict:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))


def _save(package: Path, descriptor: dict) -> None:
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def _set_source_path(package: Path, source_id: str, new_path: str) -> None:
    path = package / "data" / "sources.csv"
    text = path.read_text(encoding="utf-8")
    old = f"data/sources/{source_id}.txt"
    assert old in text
    path.write_text(text.replace(old, new_path), encoding="utf-8")


def link_text_out(package: Path, secret: Path) -> None:
    """A source text declared as a resource is a symbolic link to a file outside the package."""
    text = package / "data" / "sources" / f"{SOURCE}.txt"
    text.unlink()
    text.symlink_to(secret)


def link_row_out(package: Path, secret: Path) -> None:
    """The sources row's path names a link out of the package (a path no resource declares)."""
    (package / "data" / "sources" / "evil.txt").symlink_to(secret)
    _set_source_path(package, SOURCE, "data/sources/evil.txt")


def fifo_table(package: Path) -> None:
    table = package / "data" / "actors.csv"
    table.unlink()
    os.mkfifo(table)


def folder_table(package: Path) -> None:
    table = package / "data" / "actors.csv"
    table.unlink()
    table.mkdir()


BREAKS = {"text-link-out": link_text_out, "row-link-out": link_row_out}


def commands(package: Path, out: Path) -> dict[str, list[str]]:
    return {
        "info": ["info", str(package), "--format", "json"],
        "span": ["span", SOURCE, "the", "--anywhere", "--occurrence", "1", "--package", str(package)],
        "export-json": ["export", "json", str(out / "x"), "--package", str(package)],
        "export-sqlite": ["export", "sqlite", str(out / "x.sqlite"), "--package", str(package)],
        "export-parquet": ["export", "parquet", str(out / "x"), "--package", str(package)],
        "export-csv-safe": ["export", "csv-safe", str(out / "x"), "--package", str(package)],
        "browse": ["browse", "-o", str(out / "x.html"), "--package", str(package)],
        "generate": ["generate", str(package)],
        "generate-check": ["generate", str(package), "--check"],
    }


# Which commands read the texts (the others never open them, so a row's link out is harmless to them).
READS_TEXTS = {"span", "export-sqlite", "browse"}
ALL = list(commands(Path("p"), Path("o")))


# --- reading: links out, FIFOs, folders, files over the limit ------------------------------

@pytest.mark.parametrize("command", ALL)
@pytest.mark.parametrize("brk", list(BREAKS))
def test_a_link_out_of_the_package_is_never_followed(world, capsys, command, brk):
    package, secret, out = world
    BREAKS[brk](package, secret)
    if command.startswith("export-parquet"):
        pytest.importorskip("pyarrow", reason=NEEDS_VALIDATE_EXTRA)
    before = snapshot(package.parent, exclude=out)
    code, stdout, stderr = run(capsys, *commands(package, out)[command])
    assert SECRET not in stdout + stderr and SECRET not in written_text(out)
    assert "Traceback" not in stderr
    if brk == "text-link-out" or command in READS_TEXTS:
        refused(code, stdout, stderr, "[path-unsafe]")
        assert not any(out.iterdir())  # nothing written
    else:
        assert code in (0, 1), stderr  # the text is never opened by this command
    if command != "generate" or code != 0:
        assert snapshot(package.parent, exclude=out) == before


@pytest.mark.parametrize("command", ALL)
def test_a_fifo_as_a_table_is_refused_without_waiting(world, capsys, command):
    package, _, out = world
    fifo_table(package)
    if command == "export-parquet":
        pytest.importorskip("pyarrow", reason=NEEDS_VALIDATE_EXTRA)
    if command == "span":  # span reads the sources table
        (package / "data" / "sources.csv").unlink()
        os.mkfifo(package / "data" / "sources.csv")
    before = snapshot(package.parent, exclude=out)
    refused(*run(capsys, *commands(package, out)[command]), what="[file-unreadable]")
    assert snapshot(package.parent, exclude=out) == before
    assert not any(out.iterdir())


@pytest.mark.parametrize("command", ["info", "export-json", "browse", "generate"])
def test_a_folder_as_a_table_is_refused(world, capsys, command):
    package, _, out = world
    folder_table(package)
    refused(*run(capsys, *commands(package, out)[command]), what="[file-unreadable]")
    assert not any(out.iterdir())


@pytest.mark.parametrize("command", ["info", "export-json", "browse", "generate"])
def test_a_file_over_the_limit_is_not_read(world, capsys, command):
    package, _, out = world
    with limits.applied(limits.Limits(max_file_bytes=2000)):
        refused(*run(capsys, *commands(package, out)[command]), what="[file-too-large]")
    assert not any(out.iterdir())


# --- names that would become paths outside ---------------------------------------------------

@pytest.mark.parametrize("command", ALL)
@pytest.mark.parametrize("where", ["resource", "package"])
def test_a_name_holding_dot_dot_is_refused_and_nothing_is_written_outside(world, capsys, command, where):
    package, _, out = world
    descriptor = _descriptor(package)
    if where == "resource":
        next(r for r in descriptor["resources"] if r["name"] == "actors")["name"] = "../../../escaped"
    else:
        descriptor["name"] = "../../escaped"
    _save(package, descriptor)
    target = out / "x"
    target.mkdir()
    args = [a if a not in (str(out / "x.sqlite"), str(out / "x.html")) else str(target) for a in
            commands(package, out)[command]]
    before = snapshot(package.parent.parent, exclude=target)
    refused(*run(capsys, *args), what="[name-unsafe]")
    assert snapshot(package.parent.parent, exclude=target) == before
    assert not any(target.iterdir())


# --- output targets: existing files, dangling links, links out -------------------------------

def _target_cases(out: Path, secret: Path) -> dict[str, Path]:
    existing = out / "existing"
    existing.write_text("mine\n", encoding="utf-8")
    dangling = out / "dangling"
    dangling.symlink_to(out.parent / "nowhere" / "made.html")
    linked = out / "linked"
    linked.symlink_to(secret)
    return {"existing": existing, "dangling": dangling, "linked": linked}


@pytest.mark.parametrize("case", ["existing", "dangling", "linked"])
@pytest.mark.parametrize("command", ["browse", "export-sqlite"])
def test_a_file_target_is_never_overwritten_or_followed(world, capsys, command, case):
    package, secret, out = world
    target = _target_cases(out, secret)[case]
    before = snapshot(out.parent)
    args = ["browse", "-o", str(target), "--package", str(package)] if command == "browse" else \
        ["export", "sqlite", str(target), "--package", str(package)]
    code, stdout, stderr = run(capsys, *args)
    refused(code, stdout, stderr)
    assert "will not" in stderr or "symbolic link" in stderr
    assert snapshot(out.parent) == before
    assert not (out.parent / "nowhere").exists()
    assert secret.read_text(encoding="utf-8") == f"{SECRET}\n"


@pytest.mark.parametrize("fmt", ["json", "csv-safe", "parquet"])
@pytest.mark.parametrize("case", ["existing", "dangling", "linked"])
def test_an_export_into_a_folder_refuses_a_taken_name_and_writes_nothing(world, capsys, fmt, case):
    package, secret, out = world
    if fmt == "parquet":
        pytest.importorskip("pyarrow", reason=NEEDS_VALIDATE_EXTRA)
    suffix = {"json": ".json", "csv-safe": ".csv", "parquet": ".parquet"}[fmt]
    target = out / f"actors{suffix}"
    if case == "existing":
        target.write_text("mine\n", encoding="utf-8")
    elif case == "dangling":
        target.symlink_to(out.parent / "nowhere.txt")
    else:
        target.symlink_to(secret)
    before = snapshot(out.parent)
    refused(*run(capsys, "export", fmt, str(out), "--package", str(package)))
    assert snapshot(out.parent) == before  # not even the other tables' files
    assert not (out.parent / "nowhere.txt").exists()


@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_an_export_folder_that_is_a_dangling_link_is_refused(world, capsys, fmt):
    package, _, out = world
    link = out / "folder"
    link.symlink_to(out.parent / "nowhere")
    before = snapshot(out.parent)
    code, stdout, stderr = run(capsys, "export", fmt, str(link), "--package", str(package))
    refused(code, stdout, stderr)
    assert snapshot(out.parent) == before and not (out.parent / "nowhere").exists()


def _page_name(package: Path) -> str:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    return f"{descriptor['name']}-{descriptor['version']}.html"


@pytest.mark.parametrize("kind", ["file", "link-out"])
def test_browse_leaves_a_file_at_its_old_temporary_name_alone(world, capsys, kind):
    package, secret, out = world
    name = _page_name(package)
    old_tmp = out / f".{name}.part"
    if kind == "file":
        old_tmp.write_text("mine\n", encoding="utf-8")
    else:
        old_tmp.symlink_to(secret)
    code, stdout, stderr = run(capsys, "browse", "-o", str(out), "--package", str(package))
    assert code == 0, stderr
    assert (out / name).is_file() and not (out / name).is_symlink()
    assert secret.read_text(encoding="utf-8") == f"{SECRET}\n"
    if kind == "file":
        assert old_tmp.read_text(encoding="utf-8") == "mine\n"
    else:
        assert old_tmp.is_symlink() and os.readlink(old_tmp) == str(secret)
    assert sorted(p.name for p in out.iterdir()) == sorted([name, old_tmp.name])  # no temporary file left


def test_browse_and_export_write_only_into_the_folder_named(world, capsys):
    package, _, out = world
    before = snapshot(out.parent, exclude=out)
    assert run(capsys, "browse", "-o", str(out), "--package", str(package))[0] == 0
    assert run(capsys, "export", "json", str(out / "j"), "--package", str(package))[0] == 0
    assert run(capsys, "export", "sqlite", str(out), "--package", str(package))[0] == 0
    assert snapshot(out.parent, exclude=out) == before
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted(
        [_page_name(package), "armenia-azerbaijan-peace-process.sqlite",
         "armenia-azerbaijan-peace-process.metadata.json", "j",
         "j/actors.json", "j/sources.json"])


# --- generate ----------------------------------------------------------------------------

@pytest.mark.parametrize("derived", ["data/actors.json", "schemas/jsonschema/actors.json"])
def test_generate_never_writes_through_a_link_out(world, capsys, derived):
    package, secret, _ = world
    (package / derived).unlink()
    (package / derived).symlink_to(secret)
    (package / "data" / "actors.csv").write_text(
        (package / "data" / "actors.csv").read_text(encoding="utf-8").replace("Armenia", "Armenie", 1),
        encoding="utf-8")  # something to regenerate
    before = snapshot(package.parent)
    code, stdout, stderr = run(capsys, "generate", str(package))
    refused(code, stdout, stderr, "symbolic link")
    assert snapshot(package.parent) == before  # nothing written: every target is checked first
    assert secret.read_text(encoding="utf-8") == f"{SECRET}\n"
    code, stdout, stderr = run(capsys, "generate", str(package), "--check")
    assert code == 1 and derived in stdout and SECRET not in stdout + stderr


def test_generate_never_writes_through_a_linked_docs_folder(world, capsys):
    package, secret, _ = world
    (package / "docs").symlink_to(secret.parent, target_is_directory=True)
    before = snapshot(package.parent)
    refused(*run(capsys, "generate", str(package)), what="symbolic link")
    assert snapshot(package.parent) == before


def test_generate_refuses_a_derived_file_that_is_a_declared_resource(world, capsys):
    """A table whose path ends in .json would have its CSV overwritten by its own export."""
    package, _, _ = world
    descriptor = _descriptor(package)
    descriptor["resources"].append({"name": "notes", "path": "data/actors.json", "format": "json"})
    _save(package, descriptor)
    before = snapshot(package.parent)
    refused(*run(capsys, "generate", str(package)), what="[path-unsafe]")
    assert snapshot(package.parent) == before


def test_generate_with_exports_refuses_a_ragged_csv(world, capsys):
    package, _, _ = world
    with open(package / "data" / "actors.csv", "a", encoding="utf-8") as handle:
        handle.write("ragged\n")
    before = snapshot(package.parent)
    refused(*run(capsys, "generate", str(package)), what="[row-ragged]")
    assert snapshot(package.parent) == before


def test_generate_rewrites_only_derived_files(world, capsys):
    package, _, _ = world
    owned = {p: p.read_bytes() for p in (package / "data").rglob("*.csv")}
    owned |= {p: p.read_bytes() for p in (package / "data" / "sources").iterdir()}
    code, stdout, _ = run(capsys, "generate", str(package))
    assert code == 0
    written = {line.removeprefix("wrote ") for line in stdout.splitlines()}
    assert written == {str(package / d) for d in generate.DOCS}  # the template had no docs
    assert {p: p.read_bytes() for p in owned} == owned


# --- diff --------------------------------------------------------------------------------

@pytest.mark.parametrize("brk", ["text-link-out", "row-link-out", "fifo"])
def test_diff_refuses_a_hostile_package_with_the_validators_codes(world, capsys, brk, template):
    pytest.importorskip("aapeace.validators", reason=NEEDS_VALIDATE_EXTRA)
    package, secret, out = world
    if brk == "fifo":
        fifo_table(package)
    else:
        BREAKS[brk](package, secret)
    before = snapshot(package.parent)
    code, stdout, stderr = run(capsys, "diff", str(template), str(package))
    assert code == 2 and stdout == ""
    assert "Traceback" not in stderr and SECRET not in stderr
    assert "not a valid package" in stderr and "--allow-invalid" in stderr
    assert "[path-unsafe]" in stderr or "[file-unreadable]" in stderr
    if brk == "row-link-out":  # the tables can be read; the text is never opened
        code, stdout, stderr = run(capsys, "diff", str(template), str(package), "--allow-invalid")
        assert code == 0 and "not valid" in stderr and "~ 004_158e11ce1d48c019: path" in stdout
        assert "Traceback" not in stderr and SECRET not in stdout + stderr
    assert snapshot(package.parent) == before


def test_diff_without_the_validator_says_which_extra_to_install(template):
    script = ("import sys; sys.modules['aapeace.validators'] = None; from aapeace.cli import main; "
              f"sys.exit(main(['diff', {str(template)!r}, {str(template)!r}]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and "[validate]" in result.stderr and "Traceback" not in result.stderr
    allowed = subprocess.run([sys.executable, "-c", script.replace("]))", ", '--allow-invalid']))")],
                             capture_output=True, text=True, timeout=20)
    assert allowed.returncode == 0 and "not checked" in allowed.stderr and "no differences" in allowed.stdout


# --- release -----------------------------------------------------------------------------

def test_the_release_zip_never_follows_a_link_out(world):
    package, secret, out = world
    link_text_out(package, secret)
    with pytest.raises(release.ReleaseError, match="path-unsafe"):
        release.write_zip(package, out / "x.zip")
    assert not any(out.iterdir())


def test_the_release_zip_holds_only_package_files_and_never_overwrites(world):
    package, secret, out = world
    (package / "DATASHEET.md").symlink_to(secret)  # a document that leads out is left out
    release.write_zip(package, out / "x.zip")
    import zipfile
    with zipfile.ZipFile(out / "x.zip") as archive:
        names = archive.namelist()
        assert not any(n.endswith("DATASHEET.md") for n in names)
        assert all(SECRET.encode() not in archive.read(n) for n in names)
    for case, target in _target_cases(out, secret).items():
        with pytest.raises(OSError):
            release.write_zip(package, target)
    assert secret.read_text(encoding="utf-8") == f"{SECRET}\n"
    assert (out / "existing").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("name", ["../outside/secret.txt", "/etc/passwd", ".hidden", "sub/x", ".."])
def test_verify_sums_never_opens_a_name_that_leads_elsewhere(world, name):
    package, secret, out = world
    (out / ".hidden").write_text("x", encoding="utf-8")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    (out / "ok.txt").write_text("ok", encoding="utf-8")
    ok = hashlib.sha256(b"ok").hexdigest()
    (out / release.SUMS).write_text(f"{ok}  ok.txt\n{digest}  {name}\n", encoding="ascii")
    assert release.verify_sums(out) == [name]


def test_verify_sums_reports_a_link_out(world):
    _, secret, out = world
    (out / "a.whl").symlink_to(secret)
    (out / release.SUMS).write_text(f"{hashlib.sha256(secret.read_bytes()).hexdigest()}  a.whl\n", encoding="ascii")
    assert release.verify_sums(out) == ["a.whl"]


# --- the command line itself --------------------------------------------------------------

def test_a_closed_pipe_ends_quietly(template):
    proc = subprocess.Popen([sys.executable, "-m", "aapeace", "info", str(template), "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader goes away before the first line (as `| head -0`)
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=20) in (0, 141) and stderr == ""


def test_an_interrupt_exits_130(world, capsys, monkeypatch):
    from aapeace import info

    def interrupted(data):
        raise KeyboardInterrupt

    monkeypatch.setattr(info, "summary", interrupted)
    assert cli.main(["info", str(world[0])]) == 130


def test_a_hostile_file_name_cannot_forge_lines(world, capsys):
    package, _, _ = world
    descriptor = _descriptor(package)
    next(r for r in descriptor["resources"] if r["name"] == "actors")["path"] = "data/act\nors.csv"
    _save(package, descriptor)
    code, stdout, stderr = run(capsys, "info", str(package))
    refused(code, stdout, stderr)


# --- span: a quote repeated millions of times ---------------------------------------------

def _replace_text(package: Path, source_id: str, text: str) -> None:
    """Give a source a new text, with the sha256 its sources row records updated to match."""
    path = package / "data" / "sources" / f"{source_id}.txt"
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text(text, encoding="utf-8")
    table = package / "data" / "sources.csv"
    csv_text = table.read_text(encoding="utf-8")
    assert old in csv_text
    table.write_text(csv_text.replace(old, hashlib.sha256(text.encode("utf-8")).hexdigest()), encoding="utf-8")


def test_span_stops_early_on_a_quote_repeated_millions_of_times(world, capsys):
    import time

    package, _, _ = world
    _replace_text(package, SOURCE, "a" * 4_000_000)
    started = time.monotonic()
    code, stdout, stderr = run(capsys, "span", SOURCE, "a", "--anywhere", "--package", str(package))
    assert code == 1 and stdout == ""
    assert "more than 10 times" in stderr and "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" in stderr
    assert len(stderr) < 500, stderr[:1000]  # bounded: not four million offsets
    code, stdout, stderr = run(capsys, "span", SOURCE, "aa", "--anywhere", "--occurrence", "3", "--package",
                               str(package))
    assert code == 0 and json.loads(stdout) == {"source_id": SOURCE, "span_start": 2, "span_end": 4, "quote": "aa"}
    assert time.monotonic() - started < 1.0


def test_span_counts_exactly_up_to_ten_and_bounds_a_long_quote():
    from aapeace.spans import QuoteNotFound, find_quote

    with pytest.raises(QuoteNotFound, match=r"occurs 10 times, at \[0, 2, "):
        find_quote("ab" * 10, "a")
    with pytest.raises(QuoteNotFound, match="occurs 3 times"):
        find_quote("ab" * 3, "a", occurrence=4)
    with pytest.raises(QuoteNotFound, match="counted from 1"):
        find_quote("ab", "a", occurrence=0)
    with pytest.raises(QuoteNotFound) as raised:
        find_quote("b", "x" * 100_000)
    assert len(str(raised.value)) < 400


# --- generate: validates before vouching for the data ---------------------------------------

def test_generate_refuses_an_invalid_package_and_writes_nothing(small_copy, capsys):
    pytest.importorskip("aapeace.validators", reason=NEEDS_VALIDATE_EXTRA)
    from packages import get_cell, set_cell

    set_cell(small_copy, "mentions", 0, "quote", get_cell(small_copy, "mentions", 0, "quote") + "!")
    before = snapshot(small_copy)
    code, stdout, stderr = run(capsys, "generate", str(small_copy))
    assert code == 1 and stdout == "" and "Traceback" not in stderr
    assert "[quote-mismatch]" in stderr and "data/mentions.csv, row 2, field quote" in stderr
    assert "[hash-mismatch]" not in stderr and "[export-mismatch]" not in stderr  # what generate repairs
    assert "--allow-invalid" in stderr.splitlines()[-1] and "nothing was written" in stderr
    assert snapshot(small_copy) == before
    code, stdout, stderr = run(capsys, "generate", str(small_copy), "--allow-invalid")
    assert code == 0 and "wrote " in stdout and "datapackage.json" in stdout
    assert snapshot(small_copy) != before


def test_generate_repairs_a_package_whose_only_problem_is_stale_files(small_copy, capsys):
    pytest.importorskip("aapeace.validators", reason=NEEDS_VALIDATE_EXTRA)
    from packages import set_cell

    from aapeace.validators import validate

    set_cell(small_copy, "actors", 0, "description", "changed")
    assert {e.code for e in validate(small_copy).errors} <= generate.REPAIRS
    code, stdout, stderr = run(capsys, "generate", str(small_copy))
    assert code == 0, stderr
    assert f"wrote {small_copy / 'data' / 'actors.json'}" in stdout.splitlines()
    assert validate(small_copy).valid


def test_generate_without_the_validator_says_which_extra_to_install(template, tmp_path):
    package = tmp_path / "pkg"
    shutil.copytree(template, package)
    before = snapshot(package)
    script = ("import sys; sys.modules['aapeace.validators'] = None; from aapeace.cli import main; "
              f"sys.exit(main(['generate', {str(package)!r}]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and "[validate]" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(package) == before


# --- generate: a source text named in the sources table is the package's own ----------------

@pytest.mark.parametrize("how", ["path", "link"])
def test_generate_never_overwrites_a_source_text_the_sources_table_names(world, capsys, how):
    package, _, _ = world
    text = (package / "data" / "sources" / f"{SOURCE}.txt").read_bytes()
    (package / "docs").mkdir()
    (package / "docs" / "errors.md").write_bytes(text)
    if how == "path":  # the row names a derived file's path
        _set_source_path(package, SOURCE, "docs/errors.md")
    else:  # the row names a link, inside the package, to a derived file
        (package / "data" / "sources" / "mine.txt").symlink_to(Path("..", "..", "docs", "errors.md"))
        _set_source_path(package, SOURCE, "data/sources/mine.txt")
    before = snapshot(package.parent)
    code, stdout, stderr = run(capsys, "generate", str(package), "--allow-invalid")
    refused(code, stdout, stderr, "[path-unsafe]")
    assert "docs/errors.md" in stderr and "source text" in stderr
    assert snapshot(package.parent) == before
    assert (package / "docs" / "errors.md").read_bytes() == text


# --- terminal control characters never reach a terminal raw --------------------------------

HOSTILE_TITLE = "evil\x1b[2K\x1b]52;c;ZWNobyBwd25lZA==\x07\nforged line\x9b31m\u2028"
RAW = ("\x1b", "\x07", "\x9b", "\u2028")


def _clean(*texts: str) -> bool:
    return not any(c in text for c in RAW for text in texts)


def test_info_escapes_control_characters_in_a_cell(world, capsys):
    from packages import set_cell

    package, _, _ = world
    set_cell(package, "sources", 0, "title", HOSTILE_TITLE)
    code, stdout, stderr = run(capsys, "info", str(package))
    assert code == 0, stderr
    assert _clean(stdout, stderr)
    assert "\\x1b[2K\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\nforged line\\x9b31m\\u2028" in stdout
    assert not any(line.startswith("forged") for line in stdout.splitlines())
    code, stdout, stderr = run(capsys, "info", str(package), "--format", "json")
    assert code == 0 and _clean(stdout, stderr)
    assert HOSTILE_TITLE in [s["title"] for s in json.loads(stdout)["sources"]]  # the JSON keeps the value


def test_diff_escapes_control_characters_in_a_cell(world, capsys, template):
    from packages import set_cell

    package, _, _ = world
    set_cell(package, "sources", 0, "source_id", HOSTILE_TITLE)
    for fmt in ("text", "markdown", "json"):
        code, stdout, stderr = run(capsys, "diff", str(template), str(package), "--allow-invalid", "--values",
                                   "--format", fmt)
        assert code in (0, 2) and "Traceback" not in stderr, stderr
        assert _clean(stdout, stderr), (fmt, stdout, stderr)
        assert not any(line.startswith("forged") for line in (stdout + stderr).splitlines())


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_escapes_control_characters_in_a_path(world, capsys, fmt):
    pytest.importorskip("aapeace.validators", reason=NEEDS_VALIDATE_EXTRA)
    package = world[0].rename(world[0].parent / "p\x1b[8m\nkg\x9b")  # the folder the user names, too
    descriptor = _descriptor(package)
    next(r for r in descriptor["resources"] if r["name"] == "actors")["path"] = "data/x\x1b[8m.csv"
    _save(package, descriptor)
    code, stdout, stderr = run(capsys, "validate", str(package), "--format", fmt)
    assert code == 1 and _clean(stdout, stderr), (stdout, stderr)
    if fmt == "text":
        assert "p\\x1b[8m\\nkg\\x9b" in stdout.splitlines()[-1]
        assert all(line.count(":") for line in stdout.splitlines())  # no forged line
    else:
        assert json.loads(stdout)["package"] == str(package / "datapackage.json")


def test_span_and_error_messages_escape_control_characters(world, capsys):
    package, _, _ = world
    code, stdout, stderr = run(capsys, "span", "x\x1b[2J\x9b", "q", "--package", str(package))
    assert code == 1 and _clean(stdout, stderr) and "\\x1b[2J" in stderr
    code, stdout, stderr = run(capsys, "span", SOURCE, "no such quote\x1b[2J", "--anywhere",
                               "--package", str(package))
    assert code == 1 and _clean(stdout, stderr)
    code, stdout, stderr = run(capsys, "info", str(package / "no\x1b]52;c;x\x07where"))
    assert code == 2 and _clean(stdout, stderr) and stderr.count("\n") == 1


def test_wrote_lines_escape_control_characters_in_the_path(world, capsys):
    package, _, out = world
    folder = out / "x\x1b[2K\nforged"
    code, stdout, stderr = run(capsys, "export", "json", str(folder), "--package", str(package))
    assert code == 0, stderr
    assert _clean(stdout, stderr) and "\\x1b[2K\\nforged" in stdout
    assert all(line.startswith("wrote ") for line in stdout.splitlines())


# --- an output folder that is a link the user named --------------------------------------

def test_a_linked_output_folder_is_followed_but_a_link_inside_it_is_refused(world, capsys):
    package, secret, out = world
    real = out / "real"
    real.mkdir()
    named = out / "named"
    named.symlink_to(real, target_is_directory=True)
    (real / "actors.json").symlink_to(secret)  # a link at a file's name, inside the linked folder
    before = snapshot(out.parent)
    refused(*run(capsys, "export", "json", str(named), "--package", str(package)), what="symbolic link")
    assert snapshot(out.parent) == before and secret.read_text(encoding="utf-8") == f"{SECRET}\n"
    (real / "actors.json").unlink()  # without it, the folder the user named is written, through its link
    code, stdout, stderr = run(capsys, "export", "json", str(named), "--package", str(package))
    assert code == 0, stderr
    assert sorted(p.name for p in real.iterdir()) == ["actors.json", "sources.json"]
