"""Layer 1 beyond the model: the descriptor against the Data Package v2 profile, each Table
Schema against the Table Schema profile, and every field pattern runnable in RE2.

The model (aapeace.model) has already read the descriptor and the schemas once, refused
every form it does not support and vetted every path; this module adds only what needs
jsonschema or pyarrow, so the loader never imports it."""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources as importlib_resources

import jsonschema

from aapeace.errors import ValidationError
from aapeace.model import Package

from .tables import pattern_problem


@cache
def profile(name: str) -> jsonschema.protocols.Validator:
    text = importlib_resources.files(__package__).joinpath("profiles", name).read_text(encoding="utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def _pointer(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def check_profile(package: Package) -> Iterator[ValidationError]:
    label = package.descriptor_path.name
    descriptor = package.descriptor
    for error in sorted(profile("datapackage.json").iter_errors(descriptor), key=lambda e: list(e.absolute_path)):
        yield ValidationError("descriptor-profile", f"{_pointer(error)}: {error.message}", file=label,
                              field=_pointer(error))


@lru_cache(maxsize=256)
def _schema_profile_errors(text: str) -> tuple[tuple[str, str], ...]:
    """(pointer, message) of each way a Table Schema breaks its profile; the same schema text
    (a fork's tables often share one, and tests validate one package many times) is checked once."""
    return tuple((_pointer(e), e.message) for e in profile("tableschema.json").iter_errors(json.loads(text)))


def check_schema_profiles(package: Package) -> Iterator[ValidationError]:
    for where, text in package.schema_texts:
        for pointer, message in _schema_profile_errors(text):
            yield ValidationError("schema-invalid", f"{pointer}: {message}", file=where, field=pointer)


def check_patterns(package: Package) -> Iterator[ValidationError]:
    for table in package.tables:
        for index, field in enumerate(table.fields):
            problem = pattern_problem(field.pattern) if field.pattern is not None else None
            if problem:
                yield ValidationError("schema-invalid", problem, file=table.schema_label,
                                      field=f"fields/{index}/constraints/pattern")
