"""The one door into and out of a package's folder.

Every command and the loader read package files through ``read_bytes`` (and the helpers
built on it), and write through ``Writer``. Reading vets the path before anything is
opened: inside the package, no ``..``, no URL, no hidden part, no symbolic link leading
out, a regular file (a FIFO or device would block or never end) and no larger than the
limit. Writing happens only inside the folder the user named, through a unique temporary
file renamed into place, never through or over a symbolic link, and never over an existing
file unless the caller says so. Standard library only, so that ``load()`` stays light.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import limits
from .errors import PackageError, ValidationError

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_PATH_PART = 200  # bytes; file systems refuse names past 255, and ".json" is added to table paths
# The one hidden file the tools read and write: Zenodo reads a release's deposit metadata
# under this name only. Every other hidden name stays refused (a .git/ or a temporary file).
HIDDEN_ALLOWED = frozenset({".zenodo.json"})


def unsafe_reason(path: object, root: Path) -> str | None:
    """Why a path may not be opened, or None. Nothing outside the package is ever read."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode"
    if b"\0" in encoded:
        return "contains a NUL character"
    if CONTROL.search(path):
        return "contains a control character"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):  # a drive letter before any URL scheme
        return "is absolute"
    if URL.match(path):
        return "is a URL: nothing is ever fetched"
    parts = re.split(r"[/\\]", path)
    if ".." in parts:
        return "climbs out of the package with '..'"
    if any(part.startswith(".") for part in parts) and path not in HIDDEN_ALLOWED:
        return "names a hidden file or folder"
    if any(part == "" for part in parts):
        return "has an empty part ('//' or a trailing '/')"
    if any(len(part.encode("utf-8")) > MAX_PATH_PART for part in parts) or len(encoded) > 4 * MAX_PATH_PART:
        return "is too long"
    try:
        resolved = (root / path).resolve()
    except (OSError, RuntimeError, ValueError):  # a symbolic link loop
        return "cannot be resolved (a loop of symbolic links?)"
    if not resolved.is_relative_to(root.resolve()):
        return "leads outside the package through a symbolic link"
    return None


class Refused(PackageError):
    """A file that is not read; ``error`` says why with its code (path-unsafe, file-missing,
    file-unreadable, file-too-large)."""


def _refuse(code: str, message: str, label: str) -> Refused:
    return Refused(ValidationError(code, message, file=label))


def open_regular(full: Path, label: str) -> int:
    """A read-only descriptor of a regular file. O_NONBLOCK: opening a FIFO must not wait for a
    writer; fstat after opening, so a file swapped for a FIFO between a check and the open is
    still refused."""
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise _refuse("file-missing", f"{label} does not exist", label) from None
    except IsADirectoryError:
        raise _refuse("file-unreadable", f"{label} is not a regular file (a folder)", label) from None
    except PermissionError:
        raise _refuse("file-unreadable", f"{label} cannot be read: permission denied", label) from None
    except OSError as exc:
        raise _refuse("file-unreadable", f"{label} cannot be read: {exc.strerror or exc}", label) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _refuse("file-unreadable", f"{label} is not a regular file", label)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def vet(root: Path, relative: object, label: str | None = None) -> Path:
    """The full path of a package file that may be opened; raises Refused otherwise."""
    label = label if label is not None else (relative if isinstance(relative, str) else repr(relative))
    reason = unsafe_reason(relative, root)
    if reason:
        raise _refuse("path-unsafe", f"{relative!r} {reason}; it is not opened", label)
    return root / str(relative)


def read_bytes(root: Path, relative: object, limit: int | None = None, label: str | None = None) -> bytes:
    """The bytes of a package file, vetted; at most ``limit`` bytes (default: the file limit)."""
    full = vet(root, relative, label)
    label = label or str(relative)
    limit = limits.current().max_file_bytes if limit is None else limit
    fd = open_regular(full, label)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise _refuse("file-too-large", f"{label} is {size:,} bytes, over the limit of {limit:,} bytes "
                          "(raise it with --max-file-size); it is not read", label)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # One byte past what fstat said shows a file still growing; never ask for the
            # whole limit, which would allocate it.
            data = handle.read(min(size, limit) + 1)
            if len(data) > size:
                data += handle.read(limit + 1 - len(data))
    except OSError as exc:
        raise _refuse("file-unreadable", f"{label} cannot be read: {exc.strerror or exc}", label) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _refuse("file-too-large", f"{label} is over the limit of {limit:,} bytes; it is not read", label)
    return data


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stat(root: Path, relative: str) -> os.stat_result | None:
    """What a vetted path leads to (nothing is opened), or None."""
    if unsafe_reason(relative, root):
        return None
    try:
        return os.stat(root / relative)
    except OSError:
        return None


def size_of(root: Path, relative: str) -> int | None:
    """The size of a vetted regular file, or None when it is not one."""
    info = _stat(root, relative)
    return info.st_size if info is not None and stat.S_ISREG(info.st_mode) else None


def identity(root: Path, relative: str) -> tuple[int, int] | None:
    """(device, inode) of the file a vetted path leads to, or None: two paths, links or hard
    links, that lead to one file have one identity."""
    info = _stat(root, relative)
    return None if info is None else (info.st_dev, info.st_ino)


def decode(data: bytes, label: str) -> str:
    """Strict UTF-8 with newlines kept exactly (offsets are counted in the file as it is)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(ValidationError("encoding-error", f"{label} is not valid UTF-8: byte 0x{data[exc.start]:02x} "
                                      f"at byte offset {exc.start}", file=label)) from None


def read_source_text(root: Path, relative: object, sha256: str | None, label: str | None = None) -> str:
    """A source text, refused unless its bytes have the sha256 its sources row records."""
    data = read_bytes(root, relative, label=label)
    label = label or str(relative)
    if sha256 is not None and sha256_hex(data) != sha256:
        raise Refused(ValidationError("source-hash-mismatch", f"{label} has sha256 {sha256_hex(data)}, its sources "
                                      f"row records {sha256}: the text was changed", file=label))
    return decode(data, label)


# --- writing -----------------------------------------------------------------------------

class WriteRefused(OSError):
    """A write that would leave the target folder, follow or replace a link, or overwrite a file."""


# A part of a path written inside the target: no separator, NUL or control character, not
# hidden, not "." or "..". Names from a package are slugs already (the model refuses others).
SAFE_NAME = re.compile(r"^[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]{0,254}\Z")


class Writer:
    """Writes files inside one folder, the one the user named, and nowhere else.

    Each file is written to a unique temporary file beside its target (O_EXCL, so no
    existing file or link is ever written through) and then linked or renamed into place:
    an interrupted write leaves no half-written file under the final name. A target that
    exists is refused unless ``overwrite``; a target that is a symbolic link (dangling or
    not) is always refused.
    """

    def __init__(self, folder: Path, *, overwrite: bool = False, create: bool = True) -> None:
        self.folder = Path(folder)
        self.overwrite = overwrite
        if self.folder.is_symlink() and not self.folder.exists():
            raise WriteRefused(f"{self.folder} is a dangling symbolic link: name a folder")
        if self.folder.exists() and not self.folder.is_dir():
            raise WriteRefused(f"{self.folder} is not a folder")
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def target(self, relative: str) -> Path:
        """The final path of ``relative``, checked: inside the folder, through no link."""
        parts = relative.split("/")
        if relative not in HIDDEN_ALLOWED and (
                relative.startswith("/") or any(not SAFE_NAME.match(part) or part in (".", "..") for part in parts)):
            raise WriteRefused(f"{relative!r} is not a safe file name inside {self.folder}: no separator or control "
                               "character, not starting with '.'")
        here = self.folder
        for part in parts[:-1]:
            here = here / part
            if here.is_symlink():
                raise WriteRefused(f"{here} is a symbolic link: nothing is written through it")
            if here.exists() and not here.is_dir():
                raise WriteRefused(f"{here} is not a folder")
        final = self.folder.joinpath(*parts)
        if final.is_symlink():
            raise WriteRefused(f"will not write over {final}: it is a symbolic link")
        if final.exists():
            if not self.overwrite:
                raise WriteRefused(f"will not overwrite {final}: remove it or choose another place")
            if not final.is_file():
                raise WriteRefused(f"will not overwrite {final}: it is not a regular file")
        return final

    def check(self, relatives: list[str]) -> list[Path]:
        """Every target, checked before anything is written (so a refusal writes nothing)."""
        return [self.target(r) for r in relatives]

    def write_with(self, relative: str, produce: Callable[[Path], None]) -> Path:
        """``produce(tmp)`` fills a fresh empty temporary file; it then takes the final name."""
        final = self.target(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        os.close(fd)
        try:
            produce(Path(tmp))
            os.chmod(tmp, 0o644 & ~_umask())
            self._place(Path(tmp), final)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
        self.written.append(final)
        return final

    def write(self, relative: str, data: bytes | str) -> Path:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        return self.write_with(relative, lambda tmp: tmp.write_bytes(payload))

    def _place(self, tmp: Path, final: Path) -> None:
        if self.overwrite and final.is_file() and not final.is_symlink():
            os.replace(tmp, final)
            return
        try:
            os.link(tmp, final)  # fails if anything, even a dangling link, took the name meanwhile
        except FileExistsError:
            raise WriteRefused(f"will not overwrite {final}: it appeared while writing") from None
        except OSError:  # a file system without hard links
            if os.path.lexists(final):
                raise WriteRefused(f"will not overwrite {final}") from None
            os.replace(tmp, final)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
