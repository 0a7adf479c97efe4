""".zenodo.json: Zenodo's deposit metadata rules that can be checked offline, and no drift
from the descriptor (version, title, keywords, licence)."""
from __future__ import annotations

import json
import re

import yaml

from aapeace import generate, zenodo
from aapeace.model import open_package

# Zenodo's deposit metadata (the legacy deposit API, which .zenodo.json follows): the values
# it accepts for these keys, and what it requires.
UPLOAD_TYPES = {"publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson",
                "physicalobject", "other"}
ACCESS_RIGHTS = {"open", "embargoed", "restricted", "closed"}
REQUIRED = {"upload_type", "title", "creators", "description"}
KNOWN_KEYS = {"upload_type", "publication_type", "image_type", "publication_date", "title", "creators",
              "description", "access_right", "license", "embargo_date", "access_conditions", "doi",
              "prereserve_doi", "keywords", "notes", "related_identifiers", "contributors", "references",
              "communities", "grants", "journal_title", "journal_volume", "journal_issue", "journal_pages",
              "conference_title", "conference_acronym", "conference_dates", "conference_place",
              "conference_url", "conference_session", "conference_session_part", "imprint_publisher",
              "imprint_isbn", "imprint_place", "partof_title", "partof_pages", "thesis_supervisors",
              "thesis_university", "subjects", "version", "language", "locations", "dates", "method"}
RELATIONS = {"isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues",
             "isDescribedBy", "describes", "hasMetadata", "isMetadataFor", "isNewVersionOf", "isPreviousVersionOf",
             "isPartOf", "hasPart", "isReferencedBy", "references", "isDocumentedBy", "documents", "isCompiledBy",
             "compiles", "isVariantFormOf", "isOriginalFormOf", "isIdenticalTo", "isAlternateIdentifier",
             "isReviewedBy", "reviews", "isDerivedFrom", "isSourceOf", "requires", "isRequiredBy",
             "isObsoletedBy", "obsoletes"}
# Zenodo's licence vocabulary spells SPDX ids in lower case.
LICENSE_ID = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")


def deposit_problems(record: dict) -> list[str]:
    """What Zenodo would refuse in a deposit's metadata (the rules checkable offline)."""
    problems = [f"missing {key}" for key in sorted(REQUIRED - set(record))]
    problems += [f"unknown key {key}" for key in sorted(set(record) - KNOWN_KEYS)]
    if record.get("upload_type") not in UPLOAD_TYPES:
        problems.append(f"upload_type {record.get('upload_type')!r}")
    if record.get("access_right", "open") not in ACCESS_RIGHTS:
        problems.append(f"access_right {record.get('access_right')!r}")
    if record.get("access_right", "open") in ("open", "embargoed") and \
            not LICENSE_ID.match(str(record.get("license", ""))):
        problems.append(f"an open deposit needs a licence id, not {record.get('license')!r}")
    creators = record.get("creators")
    if not (isinstance(creators, list) and creators and all(isinstance(c, dict) and str(c.get("name", "")).strip()
                                                            for c in creators)):
        problems.append("creators must be a non-empty list of {name}")
    for key in ("title", "description", "version"):
        if key in record and not (isinstance(record[key], str) and record[key].strip()):
            problems.append(f"{key} must be a non-empty text")
    if not (isinstance(record.get("keywords", []), list) and all(isinstance(k, str) for k in record.get("keywords", []))):
        problems.append("keywords must be a list of texts")
    for item in record.get("related_identifiers", []):
        if not (isinstance(item, dict) and item.get("identifier") and item.get("relation") in RELATIONS):
            problems.append(f"related identifier {item!r}")
    return problems


def _record(root) -> dict:
    return json.loads((root / zenodo.FILE).read_text(encoding="utf-8"))


def test_the_shipped_record_meets_zenodos_rules(checkout):
    assert deposit_problems(_record(checkout)) == []


def test_the_checker_can_fail():
    assert deposit_problems({"upload_type": "data", "creators": [{"name": " "}], "license": "CC BY",
                             "related_identifiers": [{"identifier": "x", "relation": "likes"}], "colour": 1}) == [
        "missing description", "missing title", "unknown key colour", "upload_type 'data'",
        "an open deposit needs a licence id, not 'CC BY'", "creators must be a non-empty list of {name}",
        "related identifier {'identifier': 'x', 'relation': 'likes'}"]


def test_it_says_what_the_descriptor_and_citation_say(checkout):
    record, package = _record(checkout), open_package(checkout)
    citation = yaml.safe_load((checkout / "CITATION.cff").read_text(encoding="utf-8"))
    assert record["version"] == package.version == str(citation["version"])
    assert record["upload_type"] == "dataset" and record["title"] == package.title == citation["title"]
    assert record["license"] == citation["license"].lower() == package.licenses[0].name.lower()
    assert all(lic.name in record["notes"] for lic in package.licenses)  # the code's MIT is named too
    assert [c["name"] for c in record["creators"]] == [a["name"] for a in citation["authors"]]
    assert record["keywords"] == list(package.keywords)
    assert "doi" not in record and "related_identifiers" not in record  # none is known: none is invented


def test_a_version_bump_makes_it_stale(small_copy):
    descriptor = json.loads((small_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "9.9.9"
    (small_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert zenodo.FILE in {p.name for p in generate.stale(small_copy / "datapackage.json")}
    generate.write(small_copy / "datapackage.json", with_docs=False)
    assert _record(small_copy)["version"] == "9.9.9" and deposit_problems(_record(small_copy)) == []


def test_a_homepage_is_related_only_when_it_is_a_web_address(small_copy):
    descriptor = json.loads((small_copy / "datapackage.json").read_text(encoding="utf-8"))
    for homepage, related in (("javascript:alert(1)", None), ("https://example.org/aapeace", [
            {"identifier": "https://example.org/aapeace", "relation": "isSupplementTo", "scheme": "url"}])):
        descriptor["homepage"] = homepage
        (small_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        record = zenodo.render(open_package(small_copy))
        assert record.get("related_identifiers") == related and deposit_problems(record) == []
