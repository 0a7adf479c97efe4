"""Layer 3: primary keys, unique fields, foreign keys (self-references included), cycles."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aapeace.package import Table

from .errors import ValidationError
from .reading import CsvTable

SEP = "\x1f"  # unit separator: cannot occur in a validated slug, so joined keys never collide


def key_column(data: CsvTable, fields: list[str]) -> pa.Array:
    columns = [data.columns[f] for f in fields]
    return columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, SEP)


def any_missing(data: CsvTable, table: Table, fields: list[str]) -> pa.Array:
    missing = pa.array(table.schema.get("missingValues", [""]), pa.string())
    masks = [pc.is_in(data.columns[f], value_set=missing) for f in fields]
    mask = masks[0]
    for other in masks[1:]:
        mask = pc.or_(mask, other)
    return mask


def _duplicates(keys: pa.Array, skip: pa.Array) -> list[int]:
    """Indices of rows whose key an earlier row already has (Arrow hashing, no Python strings)."""
    group = pc.index_in(keys, value_set=pc.unique(keys)).to_numpy(zero_copy_only=False)
    _, first = np.unique(group, return_index=True)
    repeated = np.ones(len(group), dtype=bool)
    repeated[first] = False
    return (repeated & ~skip.to_numpy(zero_copy_only=False)).nonzero()[0].tolist()


def check_primary_key(data: CsvTable, table: Table) -> Iterator[ValidationError]:
    pk = table.primary_key
    if not pk:
        return
    keys = key_column(data, pk)
    for i in _duplicates(keys, any_missing(data, table, pk)):
        shown = ", ".join(f"{f}={data.columns[f][i].as_py()!r}" for f in pk)
        yield ValidationError("primary-key-duplicate", f"primary key ({shown}) repeats an earlier row",
                              file=table.path, row=data.row_number(i), field=pk[0])


def check_unique(data: CsvTable, table: Table) -> Iterator[ValidationError]:
    for field in table.fields:
        if field.get("constraints", {}).get("unique") and field["name"] not in table.primary_key[:1]:
            name = field["name"]
            for i in _duplicates(data.columns[name], any_missing(data, table, [name])):
                yield ValidationError("unique-duplicate", f"{data.columns[name][i].as_py()!r} repeats an earlier row",
                                      file=table.path, row=data.row_number(i), field=name)


def _reference(fk: dict, table: Table) -> tuple[str, list[str], list[str]]:
    fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
    ref = fk.get("reference", {})
    ref_fields = ref.get("fields", [])
    ref_fields = ref_fields if isinstance(ref_fields, list) else [ref_fields]
    return ref.get("resource") or table.name, fields, ref_fields


def check_foreign_keys(data: CsvTable, table: Table,
                       loaded: dict[str, tuple[Table, CsvTable]]) -> Iterator[ValidationError]:
    for fk in table.foreign_keys:
        target, fields, ref_fields = _reference(fk, table)
        if target not in loaded:
            continue  # the referenced table failed to load; its own errors say why
        ref_table, ref_data = loaded[target]
        if not all(f in ref_data.columns for f in ref_fields):
            continue
        children = key_column(data, fields)
        parents = key_column(ref_data, ref_fields)
        dangling = pc.and_(pc.invert(pc.is_in(children, value_set=parents)),
                           pc.invert(any_missing(data, table, fields)))
        self_ref = target == table.name
        code = "self-reference-dangling" if self_ref else "foreign-key-dangling"
        for i in pc.indices_nonzero(dangling).to_pylist():
            value = ", ".join(repr(data.columns[f][i].as_py()) for f in fields)
            yield ValidationError(code, f"{value} is not a {'/'.join(ref_fields)} of {target}",
                                  file=table.path, row=data.row_number(i), field=fields[0])


def check_cycles(data: CsvTable, table: Table) -> Iterator[ValidationError]:
    """A self-reference must lead, step by step, to a row with no parent."""
    for fk in table.foreign_keys:
        target, fields, ref_fields = _reference(fk, table)
        if target != table.name or len(fields) != 1:
            continue
        child_ids = data.columns[ref_fields[0]].to_pylist()
        parent_of = dict(zip(child_ids, data.columns[fields[0]].to_pylist()))
        state: dict[str, int] = {}  # 1: on the current path, 2: known to end
        in_cycle: set[str] = set()
        for start in child_ids:
            path, node = [], start
            while node and node in parent_of and state.get(node) is None:
                state[node] = 1
                path.append(node)
                node = parent_of[node]
            if node in parent_of and state.get(node) == 1:
                in_cycle.update(path[path.index(node):])
            for visited in path:
                state[visited] = 2
        for i, row_id in enumerate(child_ids):
            if row_id in in_cycle:
                yield ValidationError("part-of-cycle", f"{fields[0]} of {row_id!r} leads back to itself",
                                      file=table.path, row=data.row_number(i), field=fields[0])


def check_keys(loaded: dict[str, tuple[Table, CsvTable]]) -> Iterator[ValidationError]:
    for table, data in loaded.values():
        yield from check_primary_key(data, table)
        yield from check_unique(data, table)
        yield from check_foreign_keys(data, table, loaded)
        yield from check_cycles(data, table)
