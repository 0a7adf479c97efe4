"""``aapeace info``: what a package is — name, version, licences, sources, rows per table."""
from __future__ import annotations

from .dataset import Dataset

SOURCE_FIELDS = ("source_id", "title", "author", "publisher", "published", "url", "rights")


def summary(data: Dataset) -> dict:
    """The package at a glance, as plain data (the JSON output). Every table is read through
    the one door, so a table that cannot be read raises PackageError."""
    package = data.package
    sources = [{k: row.get(k, "") for k in SOURCE_FIELDS} for row in data.rows("sources")] \
        if package.has_table("sources") else []
    return {
        "name": package.name,
        "title": package.title,
        "version": package.version,
        "created": package.created,
        "descriptor": str(package.descriptor_path),
        "licenses": [{"name": lic.name, "title": lic.title} for lic in package.licenses],
        "sources": sources,
        "tables": {t.name: len(data.rows(t.name)) for t in data.tables},
    }


def render_text(info: dict) -> str:
    lines = [f"{info['name']} {info['version']}", info["title"], f"descriptor: {info['descriptor']}", "",
             "licences:"]
    lines += [f"  {lic['name']}: {lic['title']}" for lic in info["licenses"]]
    lines += ["", "sources:"]
    for s in info["sources"]:
        byline = ", ".join(x for x in (s["author"], s["publisher"], s["published"]) if x)
        lines.append(f"  {s['source_id']}: {s['title']} ({byline})")
    width = max((len(name) for name in info["tables"]), default=0)
    lines += ["", "rows per table:"]
    lines += [f"  {name:{width}} {count:6}" for name, count in info["tables"].items()]
    lines.append(f"  {'total':{width}} {sum(info['tables'].values()):6}")
    return "\n".join(lines)
