"""Reading the descriptor and Table Schemas as JSON, defensively.

Plain ``json.loads`` lets the later of two equal keys win silently, recurses once per level
of nesting, and reads a file of any size. Here a file over the size limit is not read,
nesting past the depth limit is refused before any recursive code (the profile check) sees
it, and every repeated key is reported with the JSON pointer of its object.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import files, limits
from .errors import ValidationError


class _Object(dict):
    """A JSON object that remembers the keys it saw more than once."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    obj = _Object(pairs)
    if len(obj) == len(pairs):
        obj.repeated = []  # the common case, decided without a Python loop
    else:
        seen: set[str] = set()
        obj.repeated = [k for k, _ in pairs if k in seen or seen.add(k)]
    return obj


_KEEP = 1_000  # repeated keys remembered for the report; the rest are only counted
# A repeated key in an export row is the export's problem (layer 5), not the descriptor's.
_REPEATED = {"export-unreadable": "export-duplicate-key"}


def _not_json(constant: str) -> object:
    raise ValueError(f"{constant} is not a JSON value")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _join(pointer: str, key: str) -> str:
    return f"{pointer}/{_escape(key)}" if pointer else _escape(key)


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, written in JSON as an escape such as \ud800
        return False
    return True


def _pointer(parts: tuple) -> str:
    out = ""
    for part in parts:
        out = _join(out, str(part))
    return out


def _walk(document: object, max_depth: int) -> tuple[int, list[tuple[str, str]], int, str | None]:
    """(depth, [(pointer, repeated key)] for the first few, how many keys repeat in all,
    pointer of a string that is not Unicode), iteratively: no recursion on untrusted nesting.
    Pointers are built only for what is reported."""
    deepest, repeated, count = 0, [], 0
    stack: list[tuple[object, tuple, int]] = [(document, (), 1)]  # pointers as in descriptor-profile
    while stack:
        node, parts, depth = stack.pop()
        if isinstance(node, str):
            if not _unicode(node):
                return deepest, repeated, count, _pointer(parts) or "(top level)"
            continue
        if not isinstance(node, (dict, list)):
            continue
        if isinstance(node, dict) and not all(map(_unicode, node)):
            return deepest, repeated, count, _pointer(parts) or "(top level)"
        deepest = max(deepest, depth)
        if deepest > max_depth:
            return deepest, repeated, count, None
        if isinstance(node, _Object) and node.repeated:
            count += len(node.repeated)
            if len(repeated) < _KEEP:  # a hostile file may repeat keys millions of times: keep a few
                repeated += [(_pointer(parts), key) for key in node.repeated[:_KEEP]]
        children = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, parts + (key,), depth + 1) for key, child in children
                     if isinstance(child, (dict, list, str)))
    return deepest, repeated, count, None


def read(root: Path, relative: str, unreadable: str) -> tuple[object | None, list[ValidationError]]:
    """Read and parse a JSON file of the package through the one door (see ``parse``)."""
    bound = limits.current()
    try:
        data = files.read_bytes(root, relative, bound.max_json_bytes)
    except files.Refused as exc:
        error = exc.error
        if error.code == "file-too-large":
            return None, [ValidationError("json-too-large", f"{relative} is over the limit of "
                                          f"{bound.max_json_bytes:,} bytes; it is not read", file=relative)]
        if error.code == "path-unsafe":
            return None, [error]
        code = "descriptor-missing" if error.code == "file-missing" and unreadable == "descriptor-unreadable" \
            else unreadable
        return None, [ValidationError(code, error.message, file=relative)]
    return parse(data, relative, unreadable)


def parse(data: bytes, label: str, unreadable: str) -> tuple[object | None, list[ValidationError]]:
    """Parse JSON bytes. ``unreadable`` is the code for bytes that cannot be parsed
    (descriptor-unreadable, schema-unreadable); the document is None when it cannot be
    used, and kept (the later key winning, as JSON readers do) when only keys repeat."""
    bound = limits.current()
    if not data.strip():
        return None, [ValidationError(unreadable, f"{label} is empty: it must hold a JSON object", file=label)]
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_not_json)
    except UnicodeDecodeError as exc:
        return None, [ValidationError(unreadable, f"{label} is not valid UTF-8: byte 0x{data[exc.start]:02x} at "
                                      f"offset {exc.start}", file=label)]
    except json.JSONDecodeError as exc:
        return None, [ValidationError(unreadable, f"{label} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                      f"column {exc.colno}", file=label)]
    except ValueError as exc:  # NaN or Infinity, which Python reads and JSON does not have
        return None, [ValidationError(unreadable, f"{label} is not valid JSON: {exc}", file=label)]
    except RecursionError:
        return None, [ValidationError("json-too-deep", f"{label} nests too deeply to parse (the limit is "
                                      f"{bound.max_json_depth} levels)", file=label)]
    depth, repeated, count, not_unicode = _walk(document, bound.max_json_depth)
    if not_unicode is not None:
        return None, [ValidationError(unreadable, f"{label}: {not_unicode} holds an unpaired surrogate escape "
                                      "(such as \\ud800), which is not valid Unicode", file=label)]
    if depth > bound.max_json_depth:
        return None, [ValidationError("json-too-deep", f"{label} nests more than {bound.max_json_depth} levels "
                                      "deep; it is not checked further", file=label)]
    code, cap = _REPEATED.get(unreadable, "json-duplicate-key"), bound.max_errors_per_code
    errors = [ValidationError(code, f"{pointer or '(top level)'}: key {key!r} appears more than once; readers "
                              "disagree on which value wins (here the last)", file=label, field=_join(pointer, key))
              for pointer, key in sorted(repeated)[:cap]]
    if count > cap:
        errors.append(ValidationError("errors-capped", f"{count - cap:,} more {code} error(s) in {label} not "
                                      f"shown ({count:,} in all)", file=label))
    return document, errors
