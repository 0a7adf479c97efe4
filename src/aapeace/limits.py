"""How much the tools agree to read: the guards that keep a hostile or broken package
from hanging it or exhausting memory.

Each limit has a code that reports it (see errors.py) and can be raised for a package that
truly needs more: ``aapeace validate --max-file-size 2G --max-cell-length 1000000``, or in
Python ``with limits.applied(Limits(max_file_bytes=2**31)): validate(path)``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # Any single data file (CSV, source text, JSON export): file-too-large. Our package's
    # files are kilobytes; 100 MiB leaves room for large forks and still fits in memory.
    max_file_bytes: int = 100 * 2**20
    # One CSV cell: cell-too-long. Python's csv module refuses longer fields by default, so
    # a longer cell would break ordinary downstream readers.
    max_cell_chars: int = 131_072
    # The descriptor and each Table Schema: json-too-large and json-too-deep. Profile
    # validation recurses once per level, so depth is bounded well below Python's stack.
    max_json_bytes: int = 10 * 2**20
    max_json_depth: int = 64
    # Columns in one CSV header: too-many-columns (parsing a million columns takes minutes).
    max_columns: int = 10_000
    # Resources in one descriptor: too-many-resources. Every resource costs a file check,
    # so ten thousand of them would take minutes before any data is read.
    max_resources: int = 1_000
    # Errors of one code in one file that a report lists; the rest are counted in one
    # errors-capped entry, so a file of two million blank rows gives a short report.
    max_errors_per_code: int = 100


_CURRENT: ContextVar[Limits] = ContextVar("aapeace_validation_limits", default=Limits())


def current() -> Limits:
    return _CURRENT.get()


@contextmanager
def applied(limits: Limits) -> Iterator[Limits]:
    """Validate under ``limits`` inside the block (consume ``iter_errors`` within it)."""
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'100M', '2G', '512k', '1.5GiB' or a plain byte count -> bytes (binary multiples)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (try 100M or 2G)")
    number, unit = match.groups()
    scale = 1024 ** ("kmgt".index(unit.lower()) + 1) if unit else 1
    return int(float(number) * scale)
