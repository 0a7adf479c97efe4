"""A package opened for the tools that read it whole (info, diff, export, browse).

Standard library only. Cells are kept as the exact CSV strings (``rows``) or typed as the
JSON export types them (``typed_rows``); nothing here validates: a package that cannot be
read raises PackageError with a sentence naming the file, and ``aapeace validate`` gives
every detail.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from . import exports
from .package import Table, read_json, resolve_descriptor, tables_of


class PackageError(ValueError):
    """A package that cannot be read; the message names the file."""


@dataclass
class Dataset:
    descriptor_path: Path
    descriptor: dict
    tables: list[Table]
    _rows: dict[str, list[dict[str, str]]] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        return self.descriptor_path.parent

    @property
    def name(self) -> str:
        return str(self.descriptor.get("name", ""))

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise PackageError(f"{self.descriptor_path}: no table named {name!r}")

    def rows(self, name: str) -> list[dict[str, str]]:
        """The table's rows as the CSV holds them: every cell the exact string."""
        if name not in self._rows:
            table = self.table(name)
            try:
                with open(self.root / table.path, encoding="utf-8", newline="") as handle:
                    reader = csv.reader(handle)
                    header = next(reader, [])
                    self._rows[name] = [dict(zip(header, record)) for record in reader if record]
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                raise PackageError(f"{table.path}: cannot read: {exc}") from None
        return self._rows[name]

    def typed_rows(self, name: str) -> list[dict]:
        """The table's rows typed by its Table Schema, exactly as its JSON export holds them."""
        table = self.table(name)
        missing = table.schema.get("missingValues", [""])
        try:
            return [{f["name"]: exports.typed_value(row.get(f["name"], ""), f, missing) for f in table.fields}
                    for row in self.rows(name)]
        except ValueError as exc:
            raise PackageError(f"{table.path}: a cell does not match its type ({exc}); "
                               "run `aapeace validate` for every error") from None

    def texts(self) -> dict[str, str]:
        """source_id -> decoded source text (newlines kept as they are, so offsets hold)."""
        out = {}
        for row in self.rows("sources"):
            try:
                with open(self.root / row["path"], encoding="utf-8", newline="") as handle:
                    out[row["source_id"]] = handle.read()
            except (OSError, UnicodeDecodeError, KeyError) as exc:
                raise PackageError(f"source text of {row.get('source_id')!r}: cannot read: {exc}") from None
        return out


def open_dataset(path: str | Path | None = None) -> Dataset:
    """The package at ``path`` (a descriptor or its folder; None: the one shipped with this install)."""
    descriptor_path = resolve_descriptor(path)
    if not descriptor_path.is_file():
        raise PackageError(f"{descriptor_path}: no data package descriptor here")
    try:
        descriptor = read_json(descriptor_path)
        if not isinstance(descriptor, dict):
            raise ValueError("the descriptor is not a JSON object")
        tables = tables_of(descriptor, descriptor_path.parent)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"{descriptor_path}: cannot read the package: {exc}") from None
    return Dataset(descriptor_path, descriptor, tables)
