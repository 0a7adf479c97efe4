"""``.zenodo.json``: the deposit metadata Zenodo reads when it archives a release and mints
its DOI, generated from the descriptor so that title, version, keywords and licence cannot
drift from the package.

Zenodo's deposit form takes one licence: the first the descriptor lists (the data's);
every licence, with its scope, is named in ``notes``. No DOI or address is invented:
``related_identifiers`` holds only the descriptor's ``homepage``, when it has one.
"""
from __future__ import annotations

from .model import Package

FILE = ".zenodo.json"  # the name Zenodo's GitHub integration reads, at the top level
UPLOAD_TYPE = "dataset"


def license_id(name: str) -> str:
    """Zenodo's licence ids are SPDX ids in lower case (CC-BY-4.0 -> cc-by-4.0)."""
    return name.lower()


def render(package: Package) -> dict:
    out: dict = {"upload_type": UPLOAD_TYPE, "title": package.title, "description": package.description,
                 "version": package.version, "creators": [{"name": c.title} for c in package.creators],
                 "keywords": list(package.keywords), "access_right": "open"}
    licences = [lic for lic in package.licenses if lic.name]
    if licences:
        out["license"] = license_id(licences[0].name)
        out["notes"] = "Licences: " + "; ".join(lic.label for lic in licences) + "."
    if package.homepage:
        out["related_identifiers"] = [{"identifier": package.homepage, "relation": "isSupplementTo",
                                       "scheme": "url"}]
    return out
