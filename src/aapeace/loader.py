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

from .package import Table, declared_hash, is_table, read_json, resolve_descriptor, sha256_of, tables_of, unsafe_reason

PERIOD_FREQ = {4: "Y", 7: "M", 10: "D"}


class LoadError(ValueError):
    """A package that cannot be loaded. The message names the file, and the row and field where
    known; ``code`` is the validator's error code for the problem where one applies."""

    def __init__(self, message: str, *, code: str | None = None, file: str | None = None,
                 row: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.file, self.row, self.field = code, file, row, field


class IntegrityError(LoadError):
    """A file differs from the hash its descriptor declares."""

    def __init__(self, file: str, expected: str, actual: str) -> None:
        super().__init__(f"{file}: expected sha256 {expected} (declared in the descriptor), actual sha256 {actual}; "
                         "the file was changed after the package was built", code="hash-mismatch", file=file)
        self.expected, self.actual = expected, actual


def _resources(descriptor: dict) -> list[dict]:
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise LoadError("the descriptor's resources are not a list of objects (run `aapeace validate`)",
                        code="descriptor-profile", field="resources")
    return resources


def _vet(relative: object, root: Path) -> None:
    """Refuse a path before opening it: unsafe, missing, or not a regular file (a FIFO would block)."""
    reason = unsafe_reason(relative, root)
    if reason:
        raise LoadError(f"{relative!r} {reason}; it is not opened", code="path-unsafe",
                        file=relative if isinstance(relative, str) else None)
    path = root / relative
    if not path.exists():
        raise LoadError(f"{relative}: file does not exist", code="file-missing", file=relative)
    if not path.is_file():
        raise LoadError(f"{relative}: not a regular file", code="file-unreadable", file=relative)


def verify_hashes(descriptor: dict, root: Path) -> None:
    for resource in _resources(descriptor):
        declared = declared_hash(resource)
        if declared is None or declared[0] != "sha256":
            continue
        _vet(resource.get("path"), root)
        actual = sha256_of(root / resource["path"])
        if actual != declared[1]:
            raise IntegrityError(resource["path"], declared[1], actual)


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
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise LoadError(f"{where}, field {field['name']}: {exc} (run `aapeace validate` for every error)",
                        code="type-error", file=where, field=field["name"]) from None


def _check_enum(series: pd.Series, field: dict, where: str) -> None:
    # pandas would turn a value outside the categories into a missing value: data lost silently.
    enum = field.get("constraints", {}).get("enum")
    if enum is None or field.get("type") == "list":
        return
    outside = series.notna() & ~series.isin([str(e) for e in enum])
    if outside.any():
        index = int(outside.to_numpy().nonzero()[0][0])
        raise LoadError(f"{where}, row {index + 2}, field {field['name']}: {series.iloc[index]!r} is not one of the "
                        "allowed values (run `aapeace validate` for every error)", code="enum-error", file=where,
                        row=index + 2, field=field["name"])


def read_table(table: Table, root: Path) -> pd.DataFrame:
    missing = table.schema.get("missingValues", [""])
    frame = pd.read_csv(root / table.path, dtype=str, keep_default_na=False, na_values=missing,
                        encoding="utf-8", encoding_errors="strict")
    absent = [n for n in table.field_names if n not in frame.columns]
    if absent:
        raise LoadError(f"{table.path}: the header lacks column(s) {absent} (run `aapeace validate`)",
                        code="header-mismatch", file=table.path, row=1, field=absent[0])
    for f in table.fields:
        _check_enum(frame[f["name"]], f, table.path)
    return pd.DataFrame({f["name"]: _convert(frame[f["name"]], f,
                                             bool(f.get("constraints", {}).get("required")) or f["name"] in table.primary_key,
                                             table.path)
                         for f in table.fields})


def _read_table(table: Table, root: Path) -> pd.DataFrame:
    """read_table, with whatever pandas or the file system raises turned into a LoadError naming the file."""
    _vet(table.path, root)
    try:
        return read_table(table, root)
    except LoadError:
        raise
    except UnicodeDecodeError as exc:
        raise LoadError(f"{table.path}: not valid UTF-8 ({exc.reason} at byte {exc.start})", code="encoding-error",
                        file=table.path) from None
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # pandas' ParserError and EmptyDataError are ValueErrors
        raise LoadError(f"{table.path}: cannot load: {exc} (run `aapeace validate` for every error)",
                        file=table.path) from None


def load(path: str | Path | None = None, *, verify: bool = True) -> dict[str, pd.DataFrame]:
    """Load every table of the package at ``path`` (None: the package shipped with this install).

    With ``verify`` (the default) every file is first checked against the sha256 its
    descriptor declares, and IntegrityError names the file that differs.
    """
    descriptor_path = resolve_descriptor(path)
    root, label = descriptor_path.parent, descriptor_path.name
    if not descriptor_path.is_file():
        raise LoadError(f"{descriptor_path}: no descriptor there", code="descriptor-missing", file=label)
    try:
        descriptor = read_json(descriptor_path)
    except (OSError, ValueError, RecursionError) as exc:
        raise LoadError(f"{descriptor_path}: cannot read the descriptor: {exc}", code="descriptor-unreadable",
                        file=label) from None
    if not isinstance(descriptor, dict):
        raise LoadError(f"{descriptor_path}: the descriptor is not a JSON object", code="descriptor-unreadable",
                        file=label)
    if verify:
        verify_hashes(descriptor, root)
    for resource in _resources(descriptor):
        if is_table(resource):
            _vet(resource.get("path"), root)
            if isinstance(resource.get("schema"), str):
                _vet(resource["schema"], root)
    try:
        tables = tables_of(descriptor, root)
        return {table.name: _read_table(table, root) for table in tables}
    except LoadError:
        raise
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # A descriptor or schema of the wrong shape: the validator says exactly what is wrong.
        raise LoadError(f"{descriptor_path}: cannot load: {type(exc).__name__}: {exc} (run `aapeace validate` "
                        "for every error)", file=label) from None


def source_texts(path: str | Path | None = None) -> dict[str, str]:
    """source_id -> the decoded source text, so that ``text[span_start:span_end] == quote``."""
    root = resolve_descriptor(path).parent
    sources = load(path)["sources"]
    texts = {}
    for source_id, rel in zip(sources["source_id"], sources["path"]):
        _vet(rel, root)
        with open(root / rel, encoding="utf-8", newline="") as handle:
            texts[source_id] = handle.read()
    return texts
