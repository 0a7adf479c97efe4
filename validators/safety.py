"""Opening a package's files safely: a path is vetted before anything is opened, only regular
files are read (a FIFO or a device would block or never end), and never more bytes than
the limit allows. Nothing is fetched and nothing is written."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aapeace.package import is_table, unsafe_reason  # noqa: F401 - one rule for loader and validator

from . import limits
from .errors import ValidationError

class Refused(OSError):
    """A file the validator will not read; the message says why."""


class TooLarge(Refused):
    def __init__(self, label: str, size: int, limit: int) -> None:
        super().__init__(f"{label} is {size:,} bytes, over the limit of {limit:,} bytes "
                         "(raise it with --max-file-size)")
        self.size, self.limit = size, limit


def read_limited(path: Path, label: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; raises Refused, or OSError."""
    if not path.is_file():
        raise Refused(f"{label} is not a regular file")
    size = path.stat().st_size
    if size > limit:
        raise TooLarge(label, size, limit)
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)  # the file may have grown since stat
    if len(data) > limit:
        raise TooLarge(label, len(data), limit)
    return data


def read_package_file(root: Path, relative: str, limit: int | None = None) -> bytes:
    """Bytes of a file named by a path inside the package, vetted like resource paths."""
    reason = unsafe_reason(relative, root)
    if reason:
        raise Refused(f"{relative!r} {reason}")
    return read_limited(root / relative, relative, limits.current().max_file_bytes if limit is None else limit)


def read_metadata_file(root: Path, relative: str) -> bytes:
    """A generated JSON Schema: metadata, so under the JSON limit rather than the data file limit."""
    return read_package_file(root, relative, limits.current().max_json_bytes)


def too_large(path: Path) -> bool:
    try:
        return path.stat().st_size > limits.current().max_file_bytes
    except OSError:
        return False


def source_refusal(root: Path, relative: object, file: str, row: int) -> ValidationError | None:
    """Why a source text named in a sources row may not be opened, as an error at that row."""
    if not isinstance(relative, str) or relative == "":
        return None  # an empty cell is reported by the required rule, and there is no file
    reason = unsafe_reason(relative, root)
    if reason:
        return ValidationError("path-unsafe", f"source text path {relative!r} {reason}; it is not opened",
                               file=file, row=row, field="path")
    if too_large(root / relative):
        size, limit = (root / relative).stat().st_size, limits.current().max_file_bytes
        return ValidationError("file-too-large", f"{relative} is {size:,} bytes, over the limit of {limit:,} "
                               "(raise it with --max-file-size); it is not read", file=file, row=row, field="path")
    return None


def check_resource_files(descriptor: dict, root: Path) -> Iterator[ValidationError]:
    """Files that are not tables (source texts): empty or too large. Tables are checked as read."""
    for resource in descriptor.get("resources", []):
        path = resource.get("path")
        if is_table(resource) or not isinstance(path, str) or unsafe_reason(path, root):
            continue
        full = root / path
        if not full.is_file():
            continue  # reported as file-missing or file-unreadable
        size = full.stat().st_size
        if size == 0:
            yield ValidationError("file-empty", f"{path} is empty (0 bytes)", file=path)
        elif size > limits.current().max_file_bytes:
            yield ValidationError("file-too-large", f"{path} is {size:,} bytes, over the limit of "
                                  f"{limits.current().max_file_bytes:,} (raise it with --max-file-size); "
                                  "it is not read", file=path)
