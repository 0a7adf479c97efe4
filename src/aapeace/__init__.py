"""The Armenia–Azerbaijan peace process data package: span-grounded tables of actors,
events, proposals and leverage instruments.

>>> import aapeace
>>> tables = aapeace.load()          # dict of pandas DataFrames, one per table
"""
from __future__ import annotations

from pathlib import Path as _Path

__all__ = ["load", "source_texts", "LoadError", "IntegrityError", "PackageError", "ValidationError",
           "validate", "__version__"]

# The validation code lives in the checkout's top-level validators/ folder (DESIGN.md's
# layout). A wheel (pip install .) carries it as aapeace/validators; an editable install or
# a checkout on sys.path has only src/aapeace, so there a finder maps exactly the name
# `aapeace.validators` to that folder (nothing else of the checkout becomes importable).
if not (_Path(__file__).parent / "validators").is_dir():
    import importlib.abc as _abc
    import importlib.util as _util
    import sys as _sys

    _CHECKOUT_VALIDATORS = _Path(__file__).resolve().parent.parent.parent / "validators"

    class _CheckoutValidators(_abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):  # noqa: ANN001 - the finder protocol
            if name != "aapeace.validators" or not (_CHECKOUT_VALIDATORS / "__init__.py").is_file():
                return None
            return _util.spec_from_file_location(name, _CHECKOUT_VALIDATORS / "__init__.py",
                                                 submodule_search_locations=[str(_CHECKOUT_VALIDATORS)])

    if not any(type(f).__name__ == "_CheckoutValidators" for f in _sys.meta_path):
        _sys.meta_path.append(_CheckoutValidators())


def __getattr__(name: str):
    # Lazy, so that `import aapeace` does not import pandas, and `load()` not the validators.
    if name in ("load", "source_texts", "LoadError", "IntegrityError"):
        from . import loader
        return getattr(loader, name)
    if name in ("PackageError", "ValidationError"):
        from . import errors
        return getattr(errors, name)
    if name == "validate":
        from .validators import validate
        return validate
    if name == "__version__":
        from importlib.metadata import version
        return version("armenia-azerbaijan-peace")
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted(__all__)
