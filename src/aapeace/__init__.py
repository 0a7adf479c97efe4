"""The Armenia–Azerbaijan peace process data package: span-grounded tables of actors,
events, proposals and leverage instruments.

>>> import aapeace
>>> tables = aapeace.load()          # dict of pandas DataFrames, one per table
"""
from __future__ import annotations

__all__ = ["load", "source_texts", "__version__"]


def __getattr__(name: str):
    # Lazy, so that `import aapeace` (and the CLI's span helper) does not import pandas.
    if name in ("load", "source_texts"):
        from . import loader
        return getattr(loader, name)
    if name == "__version__":
        from importlib.metadata import version
        return version("armenia-azerbaijan-peace")
    raise AttributeError(name)
