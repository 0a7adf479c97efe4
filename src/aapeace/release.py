"""``aapeace release``: the files of a release, built from a checkout.

A release is three artefacts and their checksums, all named for the version that
``datapackage.json`` declares (the one source of the version):

- the wheel and the sdist, built by the standard frontend (``python -m build``);
- ``<name>-<version>.zip``: the data package alone (descriptor, schemas, data, source
  texts) with its documentation, for people who download rather than install. Its bytes
  depend only on its content (sorted entries, fixed timestamps), so a rebuild is identical;
- ``SHA256SUMS``, in the format ``sha256sum -c SHA256SUMS`` checks.

Before building, the checkout must validate, have no stale derived file, and have a
CHANGELOG section and a CITATION.cff for its version. Nothing already in the output
folder is overwritten.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .package import read_json, sha256_of

# What the data package zip holds besides the descriptor's own resources and schemas.
DOCUMENTS = ("README.md", "DATASHEET.md", "CITATION.cff", "LICENSE.md", "CHANGELOG.md",
             "docs/data-dictionary.md", "docs/coverage.md", "docs/annotation-guide.md", "docs/releases.md")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SUMS = "SHA256SUMS"


class ReleaseError(RuntimeError):
    """The release cannot be built; ``invalid`` is True when the checkout itself is at fault."""

    def __init__(self, message: str, invalid: bool = False):
        super().__init__(message)
        self.invalid = invalid


def version_of(checkout: Path) -> tuple[str, str]:
    descriptor = read_json(checkout / "datapackage.json")
    return str(descriptor["name"]), str(descriptor["version"])


def preflight(checkout: Path) -> list[str]:
    """Every reason the checkout is not ready to release (empty: ready)."""
    from aapeace import generate
    from aapeace.validators import validate

    problems = []
    _, version = version_of(checkout)
    report = validate(checkout)
    if not report.valid:
        problems.append(f"the package does not validate ({len(report.errors)} error(s)): run `aapeace validate`")
    stale = generate.stale(checkout / "datapackage.json")
    if stale:
        problems.append(f"derived files are stale ({', '.join(p.name for p in stale)}): run `aapeace generate`")
    changelog = checkout / "CHANGELOG.md"
    if not changelog.is_file() or not re.search(rf"^## {re.escape(version)}\b", changelog.read_text(encoding="utf-8"), re.M):
        problems.append(f"CHANGELOG.md has no section '## {version}'")
    citation = checkout / "CITATION.cff"
    if not citation.is_file() or not re.search(rf"^version: \"?{re.escape(version)}\"?\s*$",
                                               citation.read_text(encoding="utf-8"), re.M):
        problems.append(f"CITATION.cff does not give version {version}")
    return problems


def package_files(checkout: Path) -> list[str]:
    """Relative paths of everything the data package zip holds, sorted."""
    descriptor = read_json(checkout / "datapackage.json")
    files = {"datapackage.json"}
    for resource in descriptor.get("resources", []):
        files.add(resource["path"])
        if isinstance(resource.get("schema"), str):
            files.add(resource["schema"])
    files |= {p.relative_to(checkout).as_posix() for p in (checkout / "schemas").rglob("*.json")}
    files |= {p.relative_to(checkout).as_posix() for p in (checkout / "data").glob("*.json")}
    files |= {d for d in DOCUMENTS if (checkout / d).is_file()}
    return sorted(files)


def write_zip(checkout: Path, target: Path) -> None:
    name, version = version_of(checkout)
    top = f"{name}-{version}"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in package_files(checkout):
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (checkout / rel).read_bytes())


def write_sums(files: list[Path], target: Path) -> None:
    lines = [f"{sha256_of(p)}  {p.name}\n" for p in sorted(files, key=lambda p: p.name)]
    target.write_text("".join(lines), encoding="ascii", newline="\n")


def build_distributions(checkout: Path, outdir: Path, isolation: bool) -> list[Path]:
    try:
        import build  # noqa: F401
    except ImportError:
        raise ReleaseError("building the wheel needs the 'build' package: "
                           "pip install 'armenia-azerbaijan-peace[release]'") from None
    command = [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(outdir), str(checkout)]
    if not isolation:
        command.insert(3, "--no-isolation")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise ReleaseError(f"python -m build failed:\n{tail}")
    return sorted(outdir.iterdir())


def release(checkout: Path, outdir: Path, isolation: bool = True) -> list[Path]:
    """Build the release into ``outdir``; return the files written, SHA256SUMS last."""
    checkout = checkout.resolve()
    if not (checkout / "pyproject.toml").is_file() or not (checkout / "datapackage.json").is_file():
        raise ReleaseError(f"{checkout} is not a checkout of the package (no pyproject.toml and datapackage.json)")
    problems = preflight(checkout)
    if problems:
        raise ReleaseError("not ready to release:\n  " + "\n  ".join(problems), invalid=True)
    name, version = version_of(checkout)
    with tempfile.TemporaryDirectory(prefix="aapeace-release-") as tmp:
        staging = Path(tmp)
        built = build_distributions(checkout, staging, isolation)
        wrong = [p.name for p in built if version not in p.name]
        if wrong:
            raise ReleaseError(f"built files do not carry version {version}: {', '.join(wrong)}")
        archive = staging / f"{name}-{version}.zip"
        write_zip(checkout, archive)
        artefacts = built + [archive]
        write_sums(artefacts, staging / SUMS)
        final = [outdir / p.name for p in artefacts] + [outdir / SUMS]
        existing = [p for p in final if p.exists()]
        if existing:
            raise ReleaseError(f"will not overwrite {', '.join(map(str, existing))}: choose an empty folder")
        outdir.mkdir(parents=True, exist_ok=True)
        for p in final:
            shutil.move(str(staging / p.name), p)
    return final


def verify_sums(folder: Path) -> list[str]:
    """Files whose SHA256 differs from SHA256SUMS (empty: all match)."""
    bad = []
    for line in (folder / SUMS).read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        if not (folder / name).is_file() or sha256_of(folder / name) != digest:
            bad.append(name)
    return bad
