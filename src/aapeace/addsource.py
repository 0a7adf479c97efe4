"""``aapeace add-source TEXT``: a new source text into the package, checked, with its row.

The text must be exactly what every offset will count: UTF-8 without a byte order mark,
LF line endings, Unicode NFC (each refusal says how to fix the file; nothing is changed
silently, since a changed text is a changed source). A text already in the package (the
same sha256) is refused.

Source ids are ``NNN_<16 hex>``: ``NNN`` one more than the highest number any source id
of the package starts with (three digits, zero-padded), and the 16 hex digits the start of
the text's sha256, so an id names its text and two texts never share one. The two first
texts were named before this rule (their hex digits are not their sha256's); ids never
change once given.

The article body is proposed (the paragraphs of running prose, see ``propose_body``) and
never taken without the contributor's word: ``--accept-body`` or ``--body-start`` and
``--body-end``. Everything is written through ``files.Writer``: the text (never over a
file), the ``sources`` row, a resource for the text in the descriptor, and then the
derived files.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import csvio, files
from .dataset import Dataset
from .errors import ValidationError

ID = re.compile(r"^([0-9]+)_")
# A paragraph of running prose has at least this many words; shorter ones (headlines,
# bylines, "Follow us", a newsletter box) are chrome.
PROSE_WORDS = 20


class SourceRefused(Exception):
    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def check_text(data: bytes, label: str) -> tuple[str, list[ValidationError]]:
    """The decoded text, and every reason it cannot be a source text as it is, each with its fix."""
    errors = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "", [ValidationError("text-not-utf8", f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not "
                                    "UTF-8; fix: save the file as UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8 IN > "
                                    "OUT`, naming the encoding it is in)", file=label)]
    if text.startswith("\ufeff"):
        errors.append(ValidationError("text-byte-order-mark", "the file starts with a byte order mark (U+FEFF), "
                                      "which would count as a character; fix: `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`",
                                      file=label))
    if "\r" in text:
        errors.append(ValidationError("text-line-ending", f"the text has {text.count(chr(13))} carriage return(s) "
                                      "(CR LF or CR line endings); offsets count LF alone; fix: `dos2unix FILE` or "
                                      "`tr -d '\\r' < IN > OUT`", file=label))
    if not unicodedata.is_normalized("NFC", text):
        at = next(i for i, c in enumerate(text) if not unicodedata.is_normalized("NFC", text[max(0, i - 1):i + 2]))
        errors.append(ValidationError("text-not-nfc", f"the text is not in Unicode NFC (first near offset {at}: "
                                      "a letter and a combining mark where one character is usual); quotes typed "
                                      "or pasted would not match it; fix: `python3 -c \"import sys, unicodedata; "
                                      "sys.stdout.write(unicodedata.normalize('NFC', sys.stdin.read()))\" < IN > OUT`",
                                      file=label))
    if not text.strip():
        errors.append(ValidationError("text-empty", "the text is empty", file=label))
    return text, errors


def new_id(existing: list[str], sha256: str) -> str:
    numbers = [int(m.group(1)) for m in map(ID.match, existing) if m]
    return f"{(max(numbers) + 1) if numbers else 0:03d}_{sha256[:16]}"


def propose_body(text: str) -> tuple[int, int]:
    """From the first paragraph of running prose (at least PROSE_WORDS words) to the end of
    the last one; the whole text when there is none."""
    prose = [m for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text) if len(m.group().split()) >= PROSE_WORDS]
    if not prose:
        return 0, len(text)
    return prose[0].start(), prose[-1].end()


def precision(date: str) -> str:
    return {4: "year", 7: "month", 10: "day"}.get(len(date), "")


@dataclass
class Added:
    source_id: str
    text: str
    body: tuple[int, int]
    row: dict[str, str]


def plan(data: Dataset, text_file: Path, meta: dict[str, str], body: tuple[int, int] | None) -> Added:
    """Check the text and build its row (SourceRefused otherwise); nothing is written."""
    label = str(text_file)
    raw = files.read_bytes(text_file.parent, text_file.name, label=label)
    text, errors = check_text(raw, label)
    if errors:
        raise SourceRefused(errors)
    sha256 = files.sha256_hex(raw)
    rows = data.rows("sources")
    same = [r["source_id"] for r in rows if r.get("sha256") == sha256]
    if same:
        raise SourceRefused([ValidationError("text-duplicate", f"the package has this text already, as {same[0]!r} "
                                             "(the same sha256)", file=label)])
    source_id = new_id([r["source_id"] for r in rows], sha256)
    lo, hi = body if body is not None else propose_body(text)
    if not 0 <= lo < hi <= len(text):
        raise SourceRefused([ValidationError("body-out-of-bounds", f"the body {lo}-{hi} does not lie within the "
                                             f"text (0 to {len(text)}) with its end after its start", file=label)])
    published = meta.get("published", "")
    author = meta.get("author", "")
    values = {
        "source_id": source_id, "title": meta["title"], "author": author,
        "author_basis": "stated" if author else "", "publisher": meta["publisher"], "published": published,
        "published_precision": precision(published), "published_basis": "stated" if published else "",
        "url": meta.get("url", ""), "path": f"data/sources/{source_id}.txt", "sha256": sha256,
        "length": str(len(text)), "body_start": str(lo), "body_end": str(hi), "language": meta.get("language", "en"),
        "rights": meta.get("rights") or f"© {meta['publisher']}. Redistributed here unchanged, for research and "
                                        "verification of the annotations only; not covered by this package's "
                                        "open licences.",
    }
    row = {name: values.get(name, "") for name in data.table("sources").field_names}
    return Added(source_id, text, (lo, hi), row)


def write(data: Dataset, added: Added) -> list[Path]:
    """The text, its row, its resource, then the derived files; every target checked first."""
    from . import generate

    sources = data.table("sources")
    text_path = added.row["path"]
    files.Writer(data.root, create=False).check([text_path])
    package = files.Writer(data.root, overwrite=True, create=False)
    package.check([sources.path, data.descriptor_path.name])
    descriptor = data.package.descriptor
    descriptor["resources"].append({"name": f"text-{added.source_id.replace('_', '-')}", "path": text_path,
                                    "format": "txt", "mediatype": "text/plain", "encoding": "utf-8"})
    rows = [[r[f] for f in sources.field_names] for r in data.rows("sources")]
    rows.append([added.row[f] for f in sources.field_names])
    written = [files.Writer(data.root, create=False).write(text_path, added.text)]
    written.append(package.write(sources.path, csvio.dumps(sources.field_names, rows)))
    written.append(package.write(data.descriptor_path.name,
                                 json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"))
    return written + generate.write(data.descriptor_path)
