"""``aapeace release``: wheel, sdist, data package zip and SHA256SUMS; the wheel installs in
a fresh venv and every command works from it with no network.

"No network" is real where the test can make it so: the offline steps run in a new
network namespace (``unshare -n``, as root), where no address but loopback exists. Where
that is not allowed, pip is kept off every index (``--no-index``) and HTTP(S) proxies
point at a closed local port, so any fetch fails at once.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from aapeace import release
from aapeace.dataset import open_dataset
from packages import TOP_FILES

FILES = (*TOP_FILES, "pyproject.toml", "README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE.md", "DATASHEET.md")
FOLDERS = ("src", "validators", "schemas", "data", "docs")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd)


def _copy_checkout(checkout: Path, target: Path) -> Path:
    target.mkdir()
    for name in FILES:
        shutil.copy2(checkout / name, target / name)
    for folder in FOLDERS:
        shutil.copytree(checkout / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_release_refuses_a_checkout_whose_citation_names_another_version(checkout, tmp_path):
    copy = _copy_checkout(checkout, tmp_path / "co")
    citation = copy / "CITATION.cff"
    citation.write_text(citation.read_text(encoding="utf-8").replace('version: "', 'version: "9', 1), encoding="utf-8")
    result = run("release", "--checkout", str(copy), "--outdir", str(tmp_path / "dist"), "--no-isolation")
    assert result.returncode == 1 and "CITATION.cff does not give version" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_release_refuses_an_invalid_package(checkout, tmp_path):
    copy = _copy_checkout(checkout, tmp_path / "co")
    with open(copy / "data" / "actors.csv", "a", encoding="utf-8") as handle:
        handle.write("broken\n")
    result = run("release", "--checkout", str(copy), "--outdir", str(tmp_path / "dist"), "--no-isolation")
    assert result.returncode == 1 and "does not validate" in result.stderr and "stale" in result.stderr


def test_release_refuses_what_is_not_a_checkout(tmp_path):
    result = run("release", "--checkout", str(tmp_path), "--outdir", str(tmp_path / "dist"))
    assert result.returncode == 2 and "not a checkout" in result.stderr


def test_the_zip_is_the_same_bytes_every_time(checkout, tmp_path):
    release.write_zip(checkout, tmp_path / "a.zip")
    release.write_zip(checkout, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


# --- the whole release, and the wheel offline --------------------------------------------

@pytest.fixture(scope="module")
def dist(checkout, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "dist"
    result = run("release", "--checkout", str(checkout), "--outdir", str(out), "--no-isolation")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.mark.slow
def test_release_writes_three_artefacts_and_their_sums(dist, checkout, tmp_path):
    data = open_dataset(checkout)
    names = sorted(p.name for p in dist.iterdir())
    assert names == sorted([f"armenia_azerbaijan_peace-{data.version}-py3-none-any.whl",
                            f"armenia_azerbaijan_peace-{data.version}.tar.gz",
                            f"{data.name}-{data.version}.zip", "SHA256SUMS"])
    assert release.verify_sums(dist) == []
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=dist, capture_output=True).returncode == 0
        # Only the zip downloaded, beside SHA256SUMS: the zip's README's command.
        alone = tmp_path / "alone"
        alone.mkdir()
        for name in ("SHA256SUMS", f"{data.name}-{data.version}.zip"):
            shutil.copy(dist / name, alone / name)
        checked = subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=alone,
                                 capture_output=True, text=True)
        assert checked.returncode == 0 and checked.stdout == f"{data.name}-{data.version}.zip: OK\n", checked
    # A second release into the same folder overwrites nothing.
    before = {p.name: p.read_bytes() for p in dist.iterdir()}
    again = run("release", "--checkout", str(checkout), "--outdir", str(dist), "--no-isolation")
    assert again.returncode == 2 and "will not overwrite" in again.stderr
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == before


@pytest.mark.slow
def test_the_zip_is_a_valid_data_package_with_its_docs(dist, tmp_path):
    archive = next(dist.glob("*.zip"))
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path)
        names = z.namelist()
    top = tmp_path / archive.stem
    assert all(n.startswith(f"{archive.stem}/") for n in names)
    for doc in ("README.md", "DATASHEET.md", "CITATION.cff", "LICENSE.md", "CHANGELOG.md", "docs/data-dictionary.md",
                "croissant.json"):
        assert (top / doc).is_file(), doc
    result = run("validate", str(top))
    assert result.returncode == 0, result.stdout[-3000:]
    # The Croissant description's relative paths and hashes hold inside the unzipped folder.
    import mlcroissant
    first = next(iter(mlcroissant.Dataset(jsonld=str(top / "croissant.json")).records(record_set="sources")))
    assert first


def _offline_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


@pytest.mark.slow
def test_the_wheel_works_offline_in_a_fresh_venv(dist, checkout, tmp_path):
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python, bin_dir = env_dir / "bin" / "python", env_dir / "bin"
    # Online, once: what the wheel depends on, into a folder (the registry is the only network used).
    wheelhouse = tmp_path / "wheelhouse"
    fetched = subprocess.run([str(python), "-m", "pip", "download", "-q", "-d", str(wheelhouse),
                              f"{wheel}[validate,release]", "hatchling"], capture_output=True, text=True, timeout=900)
    assert fetched.returncode == 0, fetched.stderr[-3000:]

    prefix = _offline_prefix()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", PIP_NO_INDEX="1",
               PIP_CONFIG_FILE=os.devnull, http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    def offline(*command: str, ok: int = 0) -> subprocess.CompletedProcess:
        result = subprocess.run([*prefix, *command], cwd=outside, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == ok, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result

    # First the wheel alone, as `pip install <wheel>` gives it: what needs an extra says which.
    offline(str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheelhouse), str(wheel))
    aapeace = str(bin_dir / "aapeace")
    for command in (["validate"], ["validate", "--format", "json"], ["release", "--checkout", str(checkout)]):
        result = offline(aapeace, *command, ok=2)
        assert "pip install 'armenia-azerbaijan-peace[validate]'" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        if "json" in command:
            assert json.loads(result.stdout)["exit_code"] == 2
    # Then the extras as those messages say, by name: the installed wheel is kept, so only the
    # extras' dependencies are needed (a folder without our wheel stands in for the index).
    dependencies = tmp_path / "dependencies"
    shutil.copytree(wheelhouse, dependencies, ignore=shutil.ignore_patterns("armenia_azerbaijan_peace-*"))
    offline(str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(dependencies),
            "armenia-azerbaijan-peace[validate,release]", "hatchling")
    # The copy the wheel installs is not a checkout: generate refuses it, named or not.
    for command in (["generate"], ["generate", "--check"]):
        result = offline(aapeace, *command, ok=2)
        assert "not a checkout" in result.stderr, result.stderr
    version = open_dataset(checkout).version
    loaded = offline(str(python), "-c", "import aapeace; t = aapeace.load(); "
                     "assert 'site-packages' in aapeace.__file__, aapeace.__file__; "
                     "print(aapeace.__version__, sum(len(f) for f in t.values()))")
    assert loaded.stdout.split()[0] == version
    assert offline(aapeace, "--version").stdout.strip() == f"aapeace {version}"
    offline(aapeace, "validate", "--quiet")
    info = json.loads(offline(aapeace, "info", "--format", "json").stdout)
    assert info["version"] == version and info["tables"]["actors"] > 0
    # The zip's package and the wheel's are the same data.
    with zipfile.ZipFile(next(dist.glob("*.zip"))) as z:
        z.extractall(outside / "zip")
    unzipped = next((outside / "zip").iterdir())
    shipped = offline(str(python), "-c", "from aapeace.model import shipped_root; print(shipped_root())").stdout.strip()
    result = offline(aapeace, "generate", shipped, ok=2)  # named by its path, it is still the installed copy
    assert "not a checkout" in result.stderr and "site-packages" in result.stderr, result.stderr
    offline(aapeace, "diff", shipped, str(unzipped), "--exit-code")
    for fmt, out in (("json", "json"), ("sqlite", "db.sqlite"), ("parquet", "parquet"), ("csv-safe", "csv")):
        offline(aapeace, "export", fmt, out)
    offline(aapeace, "browse", "-o", "page.html")
    assert (outside / "page.html").stat().st_size > 100_000
    offline(aapeace, "span", "004_158e11ce1d48c019", "seven adjacent districts")
    # And a release from a checkout, built with the installed hatchling, offline too.
    copy = _copy_checkout(checkout, tmp_path / "co")
    offline(aapeace, "release", "--checkout", str(copy), "--outdir", str(outside / "dist"), "--no-isolation")
    assert sorted(p.name for p in (outside / "dist").iterdir()) == sorted(p.name for p in dist.iterdir())
    print("offline by", "a network namespace (unshare -n)" if prefix else "no index and a closed proxy")


# --- the zip for someone who downloads only the zip (issue 11) -----------------------------

@pytest.fixture(scope="module")
def downloaded(checkout, tmp_path_factory) -> Path:
    """A folder holding what a downloader takes: the zip and SHA256SUMS, which also lists the
    wheel and sdist they did not take."""
    folder = tmp_path_factory.mktemp("download")
    name, version = release.version_of(checkout)
    archive = folder / f"{name}-{version}.zip"
    release.write_zip(checkout, archive)
    others = [folder / f"armenia_azerbaijan_peace-{version}-py3-none-any.whl",
              folder / f"armenia_azerbaijan_peace-{version}.tar.gz"]
    for other in others:
        other.write_bytes(b"not downloaded")
    release.write_sums([archive, *others], folder / release.SUMS)
    for other in others:
        other.unlink()
    return folder


def _blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, re.M | re.S)


def test_the_zip_has_its_own_readme_for_downloaders(downloaded, checkout):
    with zipfile.ZipFile(next(downloaded.glob("*.zip"))) as z:
        top = z.namelist()[0].split("/")[0]
        text = z.read(f"{top}/README.md").decode("utf-8")
    assert text != (checkout / "README.md").read_text(encoding="utf-8")
    assert text == release.readme(checkout)
    assert "sha256sum -c --ignore-missing SHA256SUMS" in text and ".venv" not in text and "pip install ." not in text
    for table in open_dataset(checkout).tables:
        assert f"| `{table.name}` |" in text


def test_every_document_in_the_zip_links_only_to_files_in_it(downloaded):
    with zipfile.ZipFile(next(downloaded.glob("*.zip"))) as z:
        names = set(z.namelist())
        documents = {n: z.read(n).decode("utf-8") for n in names if n.endswith(".md")}
    assert any(n.endswith("/README.md") for n in documents)
    for name, text in documents.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a web address or an anchor in the same page
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target.split("#")[0]))
            assert resolved in names, f"{name} links to {target}, which the zip does not hold"


def test_sha256sums_is_what_sha256sum_reads(downloaded):
    lines = (downloaded / release.SUMS).read_text(encoding="ascii").splitlines()
    assert lines and all(re.fullmatch(r"[0-9a-f]{64}  [^/\s][^/]*", line) for line in lines), lines


def test_the_readme_commands_work_with_only_the_zip_downloaded(downloaded, tmp_path):
    """The README's shell block (check the sums, unzip) in the download folder, then its
    Python example in the unzipped package."""
    if shutil.which("sha256sum") is None or shutil.which("unzip") is None:
        pytest.fail("sha256sum and unzip (GNU coreutils, unzip) are needed to run the README's commands")
    folder = tmp_path / "download"
    shutil.copytree(downloaded, folder)
    archive = next(folder.glob("*.zip"))
    with zipfile.ZipFile(archive) as z:
        text = z.read(f"{archive.stem}/README.md").decode("utf-8")
    [shell] = _blocks(text, "sh")
    done = subprocess.run(["sh", "-e", "-c", shell + "\npwd\n"], cwd=folder, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{archive.name}: OK" in done.stdout and done.stdout.strip().endswith(archive.stem)
    for example in _blocks(text, "python"):
        ran = subprocess.run([sys.executable, "-c", example], cwd=folder / archive.stem, capture_output=True,
                             text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
    # A tampered zip fails the same command.
    archive.write_bytes(archive.read_bytes() + b"x")
    assert subprocess.run(["sha256sum", "-c", "--ignore-missing", release.SUMS], cwd=folder,
                          capture_output=True).returncode != 0
