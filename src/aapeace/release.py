"""``aapeace release``: the files of a release, built from a checkout.

A release is three artefacts and their checksums, all named for the version that
``datapackage.json`` declares (the one source of the version):

- the wheel and the sdist, built by the standard frontend (``python -m build``);
- ``<name>-<version>.zip``: the data package alone (descriptor, schemas, data, source
  texts) with its documentation and its Croissant description, for people who download rather than install. Its bytes
  depend only on its content (sorted entries, fixed timestamps), so a rebuild is identical;
- ``SHA256SUMS``, in the format ``sha256sum -c SHA256SUMS`` checks.

Before building, the checkout must validate, have no stale derived file, and have a
CHANGELOG section and a CITATION.cff for its version. Nothing already in the output
folder is overwritten: every file is read through the one door (``files.read_bytes``, so no
path or link leads out of the checkout) and written through ``files.Writer`` into the
output folder, every target checked before the first is written.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import croissant, files
from .errors import PackageError
from .model import DESCRIPTOR, Package, open_package

# What the data package zip holds besides the descriptor's own resources and schemas.
DOCUMENTS = ("README.md", "DATASHEET.md", "CITATION.cff", "LICENSE.md", "CHANGELOG.md",
             "docs/data-dictionary.md", "docs/coverage.md", "docs/annotation-guide.md", "docs/releases.md",
             croissant.FILE)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SUMS = "SHA256SUMS"


class ReleaseError(RuntimeError):
    """The release cannot be built; ``invalid`` is True when the checkout itself is at fault."""

    def __init__(self, message: str, invalid: bool = False):
        super().__init__(message)
        self.invalid = invalid


def _package(checkout: Path) -> Package:
    try:
        return open_package(checkout / DESCRIPTOR)
    except PackageError as exc:
        raise ReleaseError(f"the package cannot be read: {exc}: run `aapeace validate`", invalid=True) from None


def version_of(checkout: Path) -> tuple[str, str]:
    package = _package(checkout)
    return package.name, package.version


def _text(checkout: Path, relative: str) -> str | None:
    """A document of the checkout, read through the one door; None if it cannot be read."""
    try:
        return files.read_bytes(checkout, relative).decode("utf-8")
    except (PackageError, UnicodeDecodeError):
        return None


def preflight(checkout: Path) -> list[str]:
    """Every reason the checkout is not ready to release (empty: ready)."""
    from aapeace import generate
    from aapeace.validators import validate

    problems = []
    _, version = version_of(checkout)
    report = validate(checkout)
    if not report.valid:
        problems.append(f"the package does not validate ({len(report.errors)} error(s)): run `aapeace validate`")
    try:
        stale = generate.stale(checkout / DESCRIPTOR)
    except PackageError as exc:
        problems.append(f"derived files cannot be regenerated, so whether they are stale is unknown ({exc}): "
                        "run `aapeace validate`")
    else:
        if stale:
            problems.append(f"derived files are stale ({', '.join(p.name for p in stale)}): run `aapeace generate`")
    changelog = _text(checkout, "CHANGELOG.md")
    if changelog is None or not re.search(rf"^## {re.escape(version)}\b", changelog, re.M):
        problems.append(f"CHANGELOG.md has no section '## {version}'")
    citation = _text(checkout, "CITATION.cff")
    if citation is None or not re.search(rf"^version: \"?{re.escape(version)}\"?\s*$", citation, re.M):
        problems.append(f"CITATION.cff does not give version {version}")
    return problems


def package_files(checkout: Path, package: Package | None = None) -> list[str]:
    """Relative paths of everything the data package zip holds, sorted: the descriptor, every
    resource and Table Schema, the derived JSON Schemas and exports (all from the model), and
    the documents that exist."""
    package = package or _package(checkout)
    out = {package.descriptor_path.name}
    for resource in package.resources:
        out.add(resource.path)
        if resource.schema_path:
            out.add(resource.schema_path)
    for table in package.tables:
        out |= {table.json_schema_path, table.export_path}
    out |= {d for d in DOCUMENTS if files.size_of(checkout, d) is not None}
    return sorted(out)


def zip_bytes(checkout: Path) -> bytes:
    """The data package zip: its bytes depend only on the files' content."""
    package = _package(checkout)
    top = f"{package.name}-{package.version}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in package_files(checkout, package):
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files.read_bytes(checkout, rel))
    return buffer.getvalue()


def write_zip(checkout: Path, target: Path) -> None:
    """Write the data package zip to ``target`` (never over an existing file or a link)."""
    files.Writer(target.parent).write(target.name, zip_bytes(checkout))


def sums_text(paths: list[Path]) -> str:
    """SHA256SUMS for files this release built (in its own staging folder)."""
    return "".join(f"{files.sha256_hex(files.read_bytes(p.parent, p.name))}  {p.name}\n"
                   for p in sorted(paths, key=lambda p: p.name))


def write_sums(paths: list[Path], target: Path) -> None:
    files.Writer(target.parent).write(target.name, sums_text(paths).encode("ascii"))


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
    if files.size_of(checkout, "pyproject.toml") is None or files.size_of(checkout, DESCRIPTOR) is None:
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
        names = [p.name for p in artefacts] + [SUMS]
        try:
            writer = files.Writer(outdir, create=False)
            writer.check(names)
            writer = files.Writer(outdir)
            return [writer.write_with(n, lambda tmp, n=n: shutil.copyfile(staging / n, tmp)) for n in names]
        except files.WriteRefused as exc:
            raise ReleaseError(f"{exc}: choose an empty folder") from None


def _safe_sum_name(name: str) -> bool:
    return bool(name) and files.SAFE_NAME.match(name) is not None and ".." not in name


def verify_sums(folder: Path) -> list[str]:
    """Files whose SHA256 differs from SHA256SUMS, or that cannot be checked (empty: all match).
    A name in SHA256SUMS that is not a plain file name of the folder (a '/', '..', a hidden
    name) is reported, never opened; files are read through the one door."""
    bad = []
    listing = files.read_bytes(folder, SUMS).decode("ascii", errors="replace")
    for line in listing.splitlines():
        digest, _, name = line.partition("  ")
        if not _safe_sum_name(name):
            bad.append(name)
            continue
        try:
            ok = files.sha256_hex(files.read_bytes(folder, name)) == digest
        except PackageError:
            ok = False
        if not ok:
            bad.append(name)
    return bad
