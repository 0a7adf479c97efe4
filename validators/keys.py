"""Layer 3: primary keys, unique fields and keys, foreign keys (self-references included), cycles."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aapeace.model import ForeignKey, Table

from .reading import CsvTable
from .registry import Context, Finding, rule

SEP = "\x1f"  # unit separator: cannot occur in a validated slug, so joined keys never collide


def key_column(data: CsvTable, fields: tuple[str, ...] | list[str]) -> pa.Array:
    columns = [data.columns[f] for f in fields]
    return columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, SEP)


def any_missing(data: CsvTable, table: Table, fields: tuple[str, ...] | list[str]) -> pa.Array:
    masks = [pc.is_in(data.columns[f], value_set=pa.array(table.field(f).missing_values, pa.string()))
             for f in fields]
    mask = masks[0]
    for other in masks[1:]:
        mask = pc.or_(mask, other)
    return mask


def _duplicates(keys: pa.Array, skip: pa.Array) -> list[int]:
    """Indices of rows whose key an earlier row already has (Arrow hashing, no Python strings)."""
    distinct = pc.unique(keys)
    if len(distinct) == len(keys):
        return []  # every key differs: the common case needs no sort
    group = pc.index_in(keys, value_set=distinct).to_numpy(zero_copy_only=False)
    _, first = np.unique(group, return_index=True)
    repeated = np.ones(len(group), dtype=bool)
    repeated[first] = False
    return (repeated & ~skip.to_numpy(zero_copy_only=False)).nonzero()[0].tolist()


def _shown(data: CsvTable, fields: tuple[str, ...], i: int) -> str:
    return ", ".join(f"{f}={data.columns[f][i].as_py()!r}" for f in fields)


@rule("primary-key-duplicate", scope="table", layer=3)
def check_primary_key(table: Table, data: CsvTable, context: Context) -> Iterator[Finding]:
    pk = table.primary_key
    if not pk:
        return
    for i in _duplicates(key_column(data, pk), any_missing(data, table, pk)):
        yield Finding("primary-key-duplicate", f"primary key ({_shown(data, pk, i)}) repeats an earlier row", i, pk[0])


@rule("unique-duplicate", scope="table", layer=3)
def check_unique(table: Table, data: CsvTable, context: Context) -> Iterator[Finding]:
    keys = [(f.name,) for f in table.fields if f.unique and (f.name,) != table.primary_key]
    keys += [k for k in table.unique_keys if k != table.primary_key and k not in keys]
    for fields in keys:
        for i in _duplicates(key_column(data, fields), any_missing(data, table, fields)):
            yield Finding("unique-duplicate", f"({_shown(data, fields, i)}) repeats an earlier row", i, fields[0])


@rule("foreign-key-dangling", "self-reference-dangling", scope="table", layer=3)
def check_foreign_keys(table: Table, data: CsvTable, context: Context) -> Iterator[Finding]:
    for fk in table.foreign_keys:
        if fk.resource not in context.loaded:
            continue  # the referenced table could not be read; its own errors say why
        ref_table, ref_data = context.loaded[fk.resource]
        children = key_column(data, fk.fields)
        parents = key_column(ref_data, fk.reference_fields)
        dangling = pc.and_(pc.invert(pc.is_in(children, value_set=parents)),
                           pc.invert(any_missing(data, table, fk.fields)))
        code = "self-reference-dangling" if fk.self_reference else "foreign-key-dangling"
        for i in pc.indices_nonzero(dangling).to_pylist():
            value = ", ".join(repr(data.columns[f][i].as_py()) for f in fk.fields)
            yield Finding(code, f"no row of {fk.resource} has {'/'.join(fk.reference_fields)} {value}", i, fk.fields[0])


def _all_reach_a_root(fk: ForeignKey, data: CsvTable) -> bool:
    """Whether every row's chain of parents ends at a row with no parent (or a dangling one),
    by pointer doubling in numpy: after k rounds each row points 2**k steps up its chain.
    Only a True is relied on; otherwise ``_cycles`` walks the chains and names the rows."""
    ids = data.columns[fk.reference_fields[0]]
    if len(pc.unique(ids)) != len(ids):
        return False  # repeated ids: leave it to the walk, which takes the last row's parent
    parents = data.columns[fk.fields[0]]
    up = pc.fill_null(pc.index_in(parents, value_set=ids), -1).to_numpy(zero_copy_only=False).astype(np.int64)
    up[pc.equal(parents, "").to_numpy(zero_copy_only=False)] = -1  # an empty parent ends the walk
    n = len(up)
    root = n  # one node past the rows: where every finished chain rests
    jump = np.where(up < 0, root, up)
    jump = np.append(jump, root)
    for _ in range(max(1, n).bit_length() + 1):
        jump = jump[jump]
    return bool(np.all(jump[:n] == root))


def _cycles(fk: ForeignKey, data: CsvTable) -> set[str]:
    if _all_reach_a_root(fk, data):
        return set()
    child_ids = data.columns[fk.reference_fields[0]].to_pylist()
    parent_of = dict(zip(child_ids, data.columns[fk.fields[0]].to_pylist()))
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
    return in_cycle


@rule("part-of-cycle", scope="table", layer=3)
def check_cycles(table: Table, data: CsvTable, context: Context) -> Iterator[Finding]:
    """A self-reference must lead, step by step, to a row with no parent."""
    for fk in table.foreign_keys:
        if not fk.self_reference or len(fk.fields) != 1:
            continue
        in_cycle = _cycles(fk, data)
        if not in_cycle:
            continue
        for i, row_id in enumerate(data.columns[fk.reference_fields[0]].to_pylist()):
            if row_id in in_cycle:
                yield Finding("part-of-cycle", f"{fk.fields[0]} of {row_id!r} leads back to itself", i, fk.fields[0])


@rule("combination-not-allowed", scope="table", layer=3)
def check_allowed_per_reference(table: Table, data: CsvTable, context: Context) -> Iterator[Finding]:
    """A value allowed only with some values of the referenced row (x-allowedPerReference)."""
    for field in table.fields:
        rule_ = field.allowed_per_reference
        if rule_ is None:
            continue
        fk = next(k for k in table.foreign_keys if k.fields == (rule_.foreign_key,))
        if fk.resource not in context.loaded:
            continue  # the referenced table could not be read; its own errors say why
        _, ref_data = context.loaded[fk.resource]
        # Dangling keys and missing cells are other rules' findings; here they match nothing.
        at = pc.index_in(data.columns[rule_.foreign_key], value_set=ref_data.columns[fk.reference_fields[0]])
        found = pc.is_valid(at)
        kinds = pc.take(ref_data.columns[rule_.field], pc.fill_null(at, 0)) if len(ref_data.columns[rule_.field]) \
            else pa.nulls(len(at), pa.string())
        pairs = pc.binary_join_element_wise(kinds, data.columns[field.name], SEP)
        allowed = pa.array([f"{kind}{SEP}{value}" for kind, values in rule_.allowed for value in values], pa.string())
        bad = pc.and_(found, pc.invert(pc.is_in(pairs, value_set=allowed)))
        bad = pc.and_(bad, pc.invert(any_missing(data, table, (field.name,))))
        for i in pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist():
            kind = kinds[i].as_py()
            shown = ", ".join(rule_.allowed_for(kind)) or "none"
            yield Finding("combination-not-allowed", f"{field.name} {data.columns[field.name][i].as_py()!r} is not "
                          f"allowed where {fk.resource}.{rule_.field} is {kind!r} (allowed: {shown})", i, field.name)
