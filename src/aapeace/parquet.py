"""The tables as Parquet files, typed by their Table Schemas.

pyarrow is imported here only, when a Parquet export is asked for: ``load()`` and the
other commands never need it. Integers are int64, lists are list<string>, dates stay ISO
text at their precision (a year is not widened to a day). Each file carries its Table
Schema (key ``aapeace.table_schema``) and the package's name and version in its metadata,
and each column its description.
"""
from __future__ import annotations

import json
from pathlib import Path

from .dataset import Dataset
from .model import Field


class ParquetUnavailable(RuntimeError):
    """pyarrow is not installed."""


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ParquetUnavailable(
            "the Parquet export needs pyarrow, which is not installed: "
            "pip install 'armenia-azerbaijan-peace[parquet]'") from None
    return pyarrow, pyarrow.parquet


def _arrow_type(pa, field: Field):
    kind = field.type
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "list":
        return pa.list_(pa.string())
    return pa.string()


def write_table(data: Dataset, name: str, path: Path) -> None:
    pa, pq = _pyarrow()
    table = data.table(name)
    rows = data.typed_rows(name)
    fields = [pa.field(f.name, _arrow_type(pa, f), metadata={"description": f.description}) for f in table.fields]
    metadata = {"aapeace.table_schema": json.dumps(table.to_dict(), ensure_ascii=False),
                "aapeace.package": json.dumps({"name": data.name, "version": data.version})}
    schema = pa.schema(fields, metadata=metadata)
    columns = [pa.array([row[f.name] for row in rows], type=_arrow_type(pa, f)) for f in table.fields]
    pq.write_table(pa.Table.from_arrays(columns, schema=schema), path)


def check_available() -> None:
    _pyarrow()
