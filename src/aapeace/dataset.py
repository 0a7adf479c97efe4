"""A package opened for the tools that read it whole (load, info, diff, export, browse,
span, coverage): the model, and each table's rows read once through the one door.

Standard library only. Cells are kept as the exact CSV strings (``rows``) or typed as the
JSON export types them (``typed_rows``). Nothing here validates beyond what reading needs:
a file that cannot be read exactly (a path out of the package, a FIFO, bad UTF-8, a ragged
or blank row, a malformed quote, a header that is not the schema's) raises PackageError
with its code, file, row and field; ``aapeace validate`` gives every detail.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import csvio, files, jsonrows
from .errors import PackageError, ValidationError
from .model import Package, Table, open_package

# What a sources table must hold for its texts to be found and checked.
SOURCE_FIELDS = ("source_id", "path", "sha256")


@dataclass
class Dataset:
    package: Package
    _rows: dict[str, list[dict[str, str]]] = field(default_factory=dict, repr=False)
    _numbers: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        return self.package.root

    @property
    def descriptor_path(self) -> Path:
        return self.package.descriptor_path

    @property
    def name(self) -> str:
        return self.package.name

    @property
    def version(self) -> str:
        return self.package.version

    @property
    def tables(self) -> tuple[Table, ...]:
        return self.package.tables

    def table(self, name: str) -> Table:
        return self.package.table(name)

    def rows(self, name: str) -> list[dict[str, str]]:
        """The table's rows as the CSV holds them: every cell the exact string."""
        if name not in self._rows:
            table = self.table(name)
            header, records = csvio.parse(files.read_bytes(self.root, table.path), table.path)
            if header != table.field_names:
                missing = [n for n in table.field_names if n not in header]
                extra = [n for n in header if n not in table.field_names]
                raise PackageError(ValidationError(
                    "header-mismatch", f"the header {header} is not the schema's fields {table.field_names}",
                    file=table.path, row=1, field=(missing or extra or [None])[0]))
            self._rows[name] = [dict(zip(header, cells)) for _, cells in records]
            self._numbers[name] = [number for number, _ in records]
        return self._rows[name]

    def row_numbers(self, name: str) -> list[int]:
        """The file's row number (header = 1) of each row ``rows`` returns."""
        self.rows(name)
        return self._numbers[name]

    def typed_rows(self, name: str) -> list[dict]:
        """The table's rows typed by its Table Schema, exactly as its JSON export holds them."""
        table = self.table(name)
        rows, numbers = self.rows(name), self.row_numbers(name)
        out = []
        for number, row in zip(numbers, rows):
            typed = {}
            for f in table.fields:
                try:
                    typed[f.name] = jsonrows.typed_value(row[f.name], f)
                except ValueError as exc:
                    raise PackageError(ValidationError(
                        "type-error", f"{row[f.name]!r} is not of type {f.type} ({exc}); run `aapeace validate` for "
                        "every error", file=table.path, row=number, field=f.name)) from None
            out.append(typed)
        return out

    def texts(self) -> dict[str, str]:
        """source_id -> decoded source text, each checked against the sha256 its row records."""
        if not self.package.has_table("sources"):
            return {}
        table = self.table("sources")
        missing = [n for n in SOURCE_FIELDS if table.field(n) is None]
        if missing:
            raise PackageError(ValidationError("contract-loosened", f"the sources table lacks {missing}, which "
                                               "finding and checking the texts needs", file=table.schema_label))
        out: dict[str, str] = {}
        read: dict[str, tuple[str, str]] = {}  # path -> (sha256, text): a file named in many rows is read once
        for number, row in zip(self.row_numbers("sources"), self.rows("sources")):
            try:
                if row["path"] not in read:
                    data = files.read_bytes(self.root, row["path"])
                    read[row["path"]] = (files.sha256_hex(data), files.decode(data, row["path"]))
                digest, text = read[row["path"]]
                if digest != row["sha256"]:
                    raise PackageError(ValidationError(
                        "source-hash-mismatch", f"{row['path']} has sha256 {digest}, its sources row records "
                        f"{row['sha256']}: the text was changed", file=row["path"]))
                out[row["source_id"]] = text
            except PackageError as exc:
                error = exc.error
                raise PackageError(ValidationError(error.code, f"source text of {row['source_id']!r}: "
                                                   f"{error.message}", file=table.path, row=number,
                                                   field="path")) from None
        return out


def open_dataset(path: str | Path | None = None) -> Dataset:
    """The package at ``path`` (a descriptor or its folder; None: the one shipped with this install)."""
    return Dataset(open_package(path))
