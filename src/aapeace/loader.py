"""``load()``: every table of a package as a typed pandas DataFrame.

Types are honest: integers stay integers (nullable ``Int64`` where a cell may be empty),
enums are categoricals with the schema's categories, lists are Python lists, dates are
``pandas.Period`` at the precision the row gives (a year stays a year: no day is
invented), and a text such as "NA" stays the text "NA". Only the schema's
``missingValues`` (by default the empty cell) become missing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .package import Table, declared_hash, read_json, resolve_descriptor, sha256_of, tables_of

PERIOD_FREQ = {4: "Y", 7: "M", 10: "D"}


class IntegrityError(ValueError):
    """A file differs from the hash its descriptor declares."""


class LoadError(ValueError):
    """A package that cannot be loaded; the message names the file, and the row and field where known."""


def verify_hashes(descriptor: dict, root: Path) -> None:
    for resource in descriptor.get("resources", []):
        declared = declared_hash(resource)
        if declared is None or declared[0] != "sha256":
            continue
        path = root / resource["path"]
        if not path.is_file():
            raise LoadError(f"{resource['path']}: file does not exist")
        actual = sha256_of(path)
        if actual != declared[1]:
            raise IntegrityError(f"{resource['path']}: sha256 is {actual}, the descriptor declares {declared[1]}; "
                                 "the file was changed after the package was built")


def _period(value: object) -> object:
    if not isinstance(value, str):
        return pd.NaT
    return pd.Period(value, freq=PERIOD_FREQ[len(value)])


def _convert(series: pd.Series, field: dict, required: bool, where: str) -> pd.Series:
    kind = field.get("type", "string")
    enum = field.get("constraints", {}).get("enum")
    try:
        if kind == "integer":
            # Through Python ints, not float64: a float cannot hold every 64-bit integer.
            numbers = series.map(lambda v: pd.NA if pd.isna(v) else int(v))
            return numbers.astype("int64" if required and not series.isna().any() else "Int64")
        if kind == "number":
            return pd.to_numeric(series, errors="raise").astype("float64")
        if kind == "boolean":
            trues = field.get("trueValues", ["true", "True", "TRUE", "1"])
            return series.map(lambda v: pd.NA if pd.isna(v) else v in trues).astype("boolean")
        if kind == "list":
            delimiter = field.get("delimiter", ",")
            return series.map(lambda v: v.split(delimiter) if isinstance(v, str) else None).astype(object)
        if "x-precisionField" in field:
            return series.map(_period).astype(object)
        if enum is not None:
            return pd.Series(pd.Categorical(series, categories=[str(e) for e in enum]), index=series.index,
                             name=series.name)
        return series.astype("string")
    except (ValueError, TypeError, KeyError) as exc:
        raise LoadError(f"{where}, field {field['name']}: {exc} (run `aapeace validate` for every error)") from None


def read_table(table: Table, root: Path) -> pd.DataFrame:
    missing = table.schema.get("missingValues", [""])
    frame = pd.read_csv(root / table.path, dtype=str, keep_default_na=False, na_values=missing,
                        encoding="utf-8", encoding_errors="strict")
    return pd.DataFrame({f["name"]: _convert(frame[f["name"]], f,
                                             bool(f.get("constraints", {}).get("required")) or f["name"] in table.primary_key,
                                             table.path)
                         for f in table.fields})


def load(path: str | Path | None = None, *, verify: bool = True) -> dict[str, pd.DataFrame]:
    """Load every table of the package at ``path`` (None: the package shipped with this install).

    With ``verify`` (the default) every file is first checked against the sha256 its
    descriptor declares, and IntegrityError names the file that differs.
    """
    descriptor_path = resolve_descriptor(path)
    root = descriptor_path.parent
    try:
        descriptor = read_json(descriptor_path)
    except (OSError, ValueError) as exc:
        raise LoadError(f"{descriptor_path}: cannot read the descriptor: {exc}") from None
    if verify:
        verify_hashes(descriptor, root)
    try:
        tables = tables_of(descriptor, root)
        return {table.name: read_table(table, root) for table in tables}
    except (OSError, KeyError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LoadError(f"{descriptor_path}: cannot load: {exc} (run `aapeace validate` for every error)") from None


def source_texts(path: str | Path | None = None) -> dict[str, str]:
    """source_id -> the decoded source text, so that ``text[span_start:span_end] == quote``."""
    root = resolve_descriptor(path).parent
    sources = load(path)["sources"]
    texts = {}
    for source_id, rel in zip(sources["source_id"], sources["path"]):
        with open(root / rel, encoding="utf-8", newline="") as handle:
            texts[source_id] = handle.read()
    return texts
