"""One runner for the data-driven validator cases in tests/cases/validator.json."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from aapeace import csvio
from aapeace.errors import CONTRIBUTING
from aapeace.validators import CATALOGUE, iter_errors, limits
from packages import get_cell, read_rows, regenerate, set_cell, write_rows

CASES = json.loads((Path(__file__).parent / "cases" / "validator.json").read_text(encoding="utf-8"))["cases"]
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def resolve(value, root: Path):
    """Fill '{table:index:field}', '{lines:table}' and '{rows+2:table}' from the unedited package."""
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        parts = match.group(1).split(":")
        if parts[0] == "lines":
            return str((root / "data" / f"{parts[1]}.csv").read_bytes().count(b"\n") + 1)
        if parts[0] == "rows+2":
            return str(len(read_rows(root / "data" / f"{parts[1]}.csv")[1]) + 2)
        if len(parts) == 3 and parts[1].isdigit():
            return get_cell(root, parts[0], int(parts[1]), parts[2])
        return match.group(0)

    whole = PLACEHOLDER.fullmatch(value)
    resolved = PLACEHOLDER.sub(one, value)
    return int(resolved) if whole and resolved.isdigit() and value.startswith(("{lines", "{rows")) else resolved


def _set_pointer(document: dict, pointer: str, value) -> None:
    *parents, last = pointer.lstrip("/").split("/")
    for part in parents:
        document = document[int(part)] if isinstance(document, list) else document[part]
    document[int(last) if isinstance(document, list) else last] = value


def apply(edit: dict, root: Path) -> None:
    op = edit["op"]
    path = root / edit["path"] if "path" in edit else None
    value = resolve(edit.get("value"), root)
    if op == "delete":
        path.unlink()
    elif op == "mkdir":
        path.mkdir()
    elif op == "write":
        path.write_text(edit["text"], encoding="utf-8")
    elif op == "append_bytes":
        path.write_bytes(path.read_bytes() + bytes.fromhex(edit["hex"]))
    elif op == "prepend_bytes":
        path.write_bytes(bytes.fromhex(edit["hex"]) + path.read_bytes())
    elif op == "write_bytes":
        path.write_bytes(bytes.fromhex(edit["hex"]))
    elif op == "grow_sparse":  # a huge file that costs no disk: the validator must not read it
        with open(path, "r+b") as handle:
            handle.truncate(edit["bytes"])
    elif op == "pad":
        path.write_bytes(path.read_bytes() + b" " * edit["bytes"])
    elif op == "line_ending":  # end one record (0 = header) with another terminator
        header, rows = read_rows(path)
        records = [header, *rows]
        text = "".join(csvio.row(r)[:-1] + (edit["ending"] if i == edit["record"] else "\n")
                       for i, r in enumerate(records))
        path.write_text(text, encoding="utf-8", newline="")
    elif op == "widen_header":
        header, rows = read_rows(path)
        write_rows(path, header + [f"extra{i}" for i in range(edit["count"])], rows)
    elif op == "nest":  # a deeply nested array under a new top-level key
        text = path.read_text(encoding="utf-8").rstrip()
        assert text.endswith("}")
        path.write_text(text[:-1] + f', "x-nested": {"[" * edit["depth"]}{"]" * edit["depth"]}}}', encoding="utf-8")
    elif op == "symlink":
        path.unlink()
        path.symlink_to(root / edit["target"])
    elif op == "mkfifo":
        path.unlink()
        os.mkfifo(path)
    elif op == "append_text":
        path.write_text(path.read_text(encoding="utf-8") + edit["text"], encoding="utf-8", newline="")
    elif op == "insert_line":
        lines = path.read_text(encoding="utf-8").split("\n")
        lines.insert(edit["at"], edit["text"])
        path.write_text("\n".join(lines), encoding="utf-8", newline="")
    elif op == "replace":
        text = path.read_text(encoding="utf-8")
        assert edit["old"] in text, edit
        path.write_text(text.replace(edit["old"], edit["new"], edit.get("count", -1)), encoding="utf-8", newline="")
    elif op == "schema_delete_field":  # a field gone from the schema and its column from the CSV
        schema_path = root / "schemas" / f"{edit['table']}.json"
        document = json.loads(schema_path.read_text(encoding="utf-8"))
        document["fields"] = [f for f in document["fields"] if f["name"] != edit["field"]]
        schema_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        header, rows = read_rows(root / "data" / f"{edit['table']}.csv")
        at = header.index(edit["field"])
        write_rows(root / "data" / f"{edit['table']}.csv", header[:at] + header[at + 1:],
                   [r[:at] + r[at + 1:] for r in rows])
    elif op == "keep_resources":
        document = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        document["resources"] = [r for r in document["resources"] if r["name"] in edit["names"]]
        (root / "datapackage.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    elif op == "rename":
        path.rename(root / edit["to"])
    elif op == "add_link":  # a second name for a file inside the package
        path.symlink_to(root / edit["target"])
    elif op == "add_resource":
        document = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        document["resources"].append(edit["value"])
        (root / "datapackage.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    elif op == "descriptor_delete":
        document = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        *parents, last = edit["pointer"].lstrip("/").split("/")
        target = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[int(last) if isinstance(target, list) else last]
        (root / "datapackage.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    elif op == "repeat_resource":  # many copies of one resource, each with a name of its own
        document = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        model = document["resources"][edit["index"]]
        document["resources"] += [{**model, "name": f"{model['name']}-{i}"} for i in range(edit["count"])]
        (root / "datapackage.json").write_text(json.dumps(document), encoding="utf-8")
    elif op == "append_repeat":
        with open(path, "a", encoding="utf-8", newline="") as handle:
            handle.write(edit["text"] * edit["count"])
    elif op == "strip_final_newline":
        data = path.read_bytes()
        assert data.endswith(b"\n")
        path.write_bytes(data[:-1])
    elif op == "line_ending_raw":  # end one record (0 = header) with another terminator, in the file as it is
        lines = path.read_bytes().split(b"\n")
        lines[edit["record"]] += edit["ending"].encode()[:-1] if edit["ending"].endswith("\n") else b""
        path.write_bytes(b"\n".join(lines))
    elif op == "descriptor":
        document = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        _set_pointer(document, edit["pointer"], value)
        (root / "datapackage.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    elif op == "schema":
        schema_path = root / "schemas" / f"{edit['table']}.json"
        document = json.loads(schema_path.read_text(encoding="utf-8"))
        _set_pointer(document, edit["pointer"], value)
        schema_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    elif op == "set_cell":
        set_cell(root, edit["table"], edit["index"], edit["field"], value * edit.get("repeat", 1))
    elif op == "swap_span":
        start = get_cell(root, edit["table"], edit["index"], "span_start")
        set_cell(root, edit["table"], edit["index"], "span_start", get_cell(root, edit["table"], edit["index"], "span_end"))
        set_cell(root, edit["table"], edit["index"], "span_end", start)
    elif op == "shift_span":
        for field in ("span_start", "span_end"):
            old = int(get_cell(root, edit["table"], edit["index"], field))
            set_cell(root, edit["table"], edit["index"], field, str(old + edit["by"]))
    elif op == "quote_replace":
        csv_path = root / "data" / f"{edit['table']}.csv"
        header, rows = read_rows(csv_path)
        q, s = header.index("quote"), header.index("source_id")
        changed = 0
        for row in rows:
            if row[s] == edit["source_id"] and edit["old"] in row[q]:
                row[q] = row[q].replace(edit["old"], edit["new"])
                changed += 1
        assert changed, "the edit must change at least one quote"
        write_rows(csv_path, header, rows)
    elif op == "point_span_at":
        text = (root / "data" / "sources" / f"{edit['source_id']}.txt").read_text(encoding="utf-8")
        start = text.index(edit["quote"])
        for field, cell in (("source_id", edit["source_id"]), ("span_start", str(start)),
                            ("span_end", str(start + len(edit["quote"]))), ("quote", edit["quote"])):
            set_cell(root, edit["table"], edit["index"], field, cell)
    elif op == "json_set":
        rows = json.loads(path.read_text(encoding="utf-8"))
        rows[edit["index"]][edit["key"]] = value
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    else:
        raise AssertionError(f"unknown edit op {op!r}")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict, small_copy: Path):
    package_copy = small_copy
    # Placeholders in expectations describe the package as it was before the edits.
    expected = [[resolve(v, package_copy) if isinstance(v, str) and v.startswith("{") else v for v in e]
                for e in case.get("expect", [])]
    for edit in case["edits"]:
        apply(edit, package_copy)
    mode = case.get("regenerate", "all")
    if mode != "none":
        regenerate(package_copy, exports=(mode == "all"))
    with limits.applied(limits.Limits(**case.get("limits", {}))):
        errors = list(iter_errors(package_copy))
    found = [[e.code, e.file, e.row, e.field] for e in errors]
    for text in case.get("expect_message_contains", []):
        assert any(text in e.message for e in errors), f"{text!r} not in {[e.message for e in errors]}"
    if "expect" in case:
        assert sorted(found, key=str) == sorted(expected, key=str)
    for e in case.get("expect_contains", []):
        assert e in found, f"{e} not in {found}"
    if "expect_codes" in case:
        assert {f[0] for f in found} == set(case["expect_codes"])
    assert found or not case["edits"] or case.get("expect") == [], "a broken package must not validate clean"
    if "max_errors" in case:
        assert len(found) <= case["max_errors"], f"{len(found)} errors: the report must stay short"


def test_every_error_code_has_a_case():
    covered = set()
    for case in CASES:
        for e in case.get("expect", []) + case.get("expect_contains", []):
            covered.add(e[0])
        covered.update(case.get("expect_codes", []))
    # The contributing commands' codes have their tests named in docs/failure-modes.md.
    assert {code for code, (layer, _) in CATALOGUE.items() if layer != CONTRIBUTING} - covered == set()
