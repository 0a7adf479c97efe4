"""``aapeace release``: the files of a release, built from a checkout.

A release is three artefacts and their checksums, all named for the version that
``datapackage.json`` declares (the one source of the version):

- the wheel and the sdist, built by the standard frontend (``python -m build``);
- ``<name>-<version>.zip``: the data package alone (descriptor, schemas, data, source
  texts) with its documentation, its Croissant description and a README written for people
  who download rather than install. Its bytes
  depend only on its content (sorted entries, fixed timestamps), so a rebuild is identical;
- ``SHA256SUMS``, in the format ``sha256sum -c SHA256SUMS`` checks (``<hex>  <name>``, one
  a line), and ``sha256sum -c --ignore-missing SHA256SUMS`` beside the zip alone.

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

# What the data package zip holds besides the descriptor's own resources and schemas, and
# README.md, written for downloaders (the repository's README starts with commands that
# need a checkout). Every document a document here links to is here too (a test holds it).
DOCUMENTS = ("DATASHEET.md", "CITATION.cff", "LICENSE.md", "CHANGELOG.md", "docs/data-dictionary.md",
             "docs/coverage.md", "docs/annotation-guide.md", "docs/releases.md", "docs/errors.md", "docs/design.md",
             "docs/ci/validate-fork.yml", croissant.FILE)
# What each document is, for the zip's README.
ABOUT = {"DATASHEET.md": "what the data is and is not for, how it was made",
         "docs/data-dictionary.md": "every table, column, type and allowed value",
         "docs/annotation-guide.md": "how rows and spans are chosen; every enumerated value defined",
         "docs/coverage.md": "what each source text contributes",
         "docs/errors.md": "the validator's error codes",
         "docs/releases.md": "versions, the bump rules, checking a download",
         "docs/design.md": "the data model and the span contract",
         "CHANGELOG.md": "what changed in each version",
         "LICENSE.md": "licences per part (annotations CC BY 4.0; source texts their publishers')",
         "CITATION.cff": "how to cite it",
         croissant.FILE: "the MLCommons Croissant description (JSON-LD) that dataset search engines read"}
README = "README.md"
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


def readme(checkout: Path, package: Package | None = None) -> str:
    """The zip's README.md: for someone who downloaded the zip and nothing else."""
    from .cli import DISTRIBUTION
    from .dataset import Dataset

    package = package or _package(checkout)
    data = Dataset(package)
    top = f"{package.name}-{package.version}"
    wheel = f"{DISTRIBUTION.replace('-', '_')}-{package.version}-py3-none-any.whl"
    tables = "\n".join(f"| `{t.name}` | {len(data.rows(t.name)):,} | {_one_line(t.resource.description)} |"
                       for t in package.tables)
    docs = "\n".join(f"- [{d}]({d}): {ABOUT.get(d, d)}" for d in DOCUMENTS
                     if d in ABOUT and files.size_of(checkout, d) is not None)
    first = next(t for t in package.tables if t.name != "sources").path if len(package.tables) > 1 \
        else package.tables[0].path
    return f"""# {package.title or package.name}

Version {package.version} of the data package `{package.name}`: the tables, their
schemas, the source texts and the documentation, for reading with any tool. Nothing needs
to be installed to use it.

## Check the download

The release publishes `SHA256SUMS` beside this zip. With both in one folder:

```sh
sha256sum -c --ignore-missing SHA256SUMS
unzip {top}.zip && cd {top}
```

`--ignore-missing` checks the files you downloaded and skips the others it lists (the
wheel and the sdist); it must print `{top}.zip: OK`.

## What is here

| table | rows | one row is |
| --- | ---: | --- |
{tables}

- `datapackage.json`: the descriptor (Frictionless Data Package v2): every table, its
  schema, its CSV dialect and the sha256 of each file.
- `data/<table>.csv`: one table each, the canonical form; `data/<table>.json`: the same
  rows as a JSON array of objects, typed.
- `data/sources/`: the source texts, byte for byte, which every row cites.
- `schemas/`: a Table Schema per table; `schemas/jsonschema/`: a JSON Schema for one row of each.

## Reading it

The CSVs are UTF-8, comma-separated, with `"` as the quote (doubled inside a quoted cell),
a header row and LF line ends, as `datapackage.json` states for each table. Tools that guess
a dialect should be told: csvkit reads `csvstat -d , -q '"' --snifflimit 0 {first}`.

Every row but the `sources` rows carries `source_id`, `span_start`, `span_end` and `quote`:
the offsets count Unicode code points of the decoded text (Python `str` indices), start
inclusive, end exclusive, and the quote is exactly that slice of its text:

```python
import csv

with open("{first}", encoding="utf-8", newline="") as handle:
    rows = list(csv.DictReader(handle))
texts = {{}}
for source_id in {{r["source_id"] for r in rows}}:
    with open(f"data/sources/{{source_id}}.txt", encoding="utf-8", newline="") as handle:
        texts[source_id] = handle.read()  # newline="" keeps the text exactly as counted
assert all(texts[r["source_id"]][int(r["span_start"]):int(r["span_end"])] == r["quote"] for r in rows)
```

## Validating it

`frictionless validate datapackage.json` checks it with the reference implementation. The
project's own validator (every span, key and hash; five layers) comes with the wheel
published beside this zip: `pip install './{wheel}[validate]'`,
then `aapeace validate .` here; `aapeace.load()` then gives the tables as typed pandas
DataFrames.

## Documentation

{docs}
"""


def _one_line(text: str) -> str:
    """A description fit for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def zip_bytes(checkout: Path) -> bytes:
    """The data package zip: its bytes depend only on the files' content."""
    package = _package(checkout)
    top = f"{package.name}-{package.version}"
    buffer = io.BytesIO()
    entries = {rel: None for rel in package_files(checkout, package)}
    entries[README] = readme(checkout, package).encode("utf-8")
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in sorted(entries):
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            content = entries[rel]
            archive.writestr(info, files.read_bytes(checkout, rel) if content is None else content)
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
