"""``aapeace browse``: the page is self-contained, and in a real headless Chromium a click
on a row marks exactly its span (code points, astral characters included).

The browser is Debian's chromium driven by Selenium through /usr/bin/chromedriver; no
tool downloads a browser. Without chromium the browser tests are skipped, except under
CI (CI set), where they fail: .ci/run installs chromium, so a missing one is a broken CI.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from aapeace import browse
from aapeace.dataset import open_dataset
from aapeace.validators import iter_errors
from packages import new_package, regenerate, tables, write_rows

CHROMIUM = os.environ.get("AAPEACE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("AAPEACE_CHROMEDRIVER", "/usr/bin/chromedriver")
# Where screenshots are kept for a person to look at (default: the test's tmp folder).
SHOTS = os.environ.get("AAPEACE_SCREENSHOTS")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aapeace", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


@pytest.fixture(scope="module")
def page(checkout, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browse")
    result = run("browse", "--package", str(checkout), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return next(out.glob("*.html"))


# --- without a browser -----------------------------------------------------------------

def test_the_page_needs_nothing_outside_itself(page):
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe|link|source|video|audio)\b[^>]*\b(src|href)\s*=", html, re.I)
    assert "@import" not in html and not re.search(r"url\(", html)
    assert "default-src 'none'" in html  # and the page forbids itself any request


def test_browse_never_overwrites(checkout, tmp_path):
    target = tmp_path / "page.html"
    target.write_text("mine", encoding="utf-8")
    result = run("browse", "--package", str(checkout), "-o", str(target))
    assert result.returncode == 2 and "will not overwrite" in result.stderr
    assert target.read_text(encoding="utf-8") == "mine"


def test_default_output_is_named_after_the_package_in_the_current_folder(checkout, tmp_path):
    result = run("browse", "--package", str(checkout), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    version = open_dataset(checkout).version
    assert [p.name for p in tmp_path.iterdir()] == [f"armenia-azerbaijan-peace-process-{version}.html"]


def test_rows_know_their_actors_through_the_foreign_keys(checkout):
    rows = {r["id"]: r for r in browse.payload(open_dataset(checkout))["rows"]}
    assert rows["actors:nikol-pashinyan"]["actors"] == ["nikol-pashinyan"]
    assert "nikol-pashinyan" in rows["events:pashinyan-remarks-2023-05-22"]["actors"]  # via event_actors
    section_907 = rows["leverage_instruments:section-907"]["actors"]
    assert {"united-states", "azerbaijan"} <= set(section_907)  # holder and target
    link = next(r for r in rows.values() if r["table"] == "proposal_instruments" and "section-907" in r["key"])
    assert set(section_907) <= set(link["actors"])  # a row naming no actor takes its referents'


# --- in a real browser -----------------------------------------------------------------

def _browser_or_skip():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        message = f"no {' or '.join(missing)}: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is in the test extra: pip install '.[test]'")


@pytest.fixture(scope="module")
def driver():
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="aapeace-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 f"--user-data-dir={profile}", "--window-size=1400,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager is never asked to fetch anything.
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _open(driver, page: Path, fragment: str = "") -> None:
    driver.get("about:blank")  # a fresh document, even when only the fragment differs
    driver.get(page.as_uri() + fragment)
    assert driver.execute_script("return document.body.dataset.ready") == "true"


def _marked(driver) -> str:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#texts .seg.current')).map(n => n.textContent).join('')")


def _row_in_view(driver) -> bool:
    return driver.execute_script("""
        const first = document.querySelector('#texts .seg.current'), pane = document.getElementById('texts');
        if (!first) return false;
        const a = first.getBoundingClientRect(), b = pane.getBoundingClientRect();
        return a.top >= b.top && a.bottom <= b.bottom;""")


def _shot(driver, tmp_path: Path, name: str) -> Path:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert driver.save_screenshot(str(path)), "no screenshot"
    assert path.stat().st_size > 10_000  # a real picture, not an empty one
    return path


def _click(driver, selector: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _choose(driver, select_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, select_id)).select_by_value(value)


def _listed(driver) -> list[str]:
    return driver.execute_script("return Array.from(document.querySelectorAll('#rows li.row')).map(n => n.dataset.id)")


def test_clicking_a_row_marks_exactly_its_span(driver, page, checkout, tmp_path):
    rows = {r["id"]: r for r in browse.payload(open_dataset(checkout))["rows"]}
    _open(driver, page)
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    for rid in ("leverage_instruments:section-907", "events:war-2020", "positions:ilham-aliyev / poghosyan-international-presence"):
        if rid not in rows:
            continue
        _click(driver, f'li.row[data-id="{rid}"]')
        assert _marked(driver) == rows[rid]["quote"], rid
        assert _row_in_view(driver), rid
        assert driver.execute_script("return document.getElementById('detail-quote').textContent") == rows[rid]["quote"]
    _click(driver, 'li.row[data-id="leverage_instruments:section-907"]')
    shot = _shot(driver, tmp_path, "browse-section-907.png")
    print(f"screenshot: {shot}")
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == [], severe


def test_choosing_a_passage_lists_the_rows_that_cite_it(driver, page, checkout):
    rows = browse.payload(open_dataset(checkout))["rows"]
    target = next(r for r in rows if r["id"] == "leverage_instruments:section-907")
    citing = {r["id"] for r in rows if r["source"] == target["source"] and r["start"] <= target["start"]
              and r["end"] >= target["end"]}
    _open(driver, page)
    _click(driver, f'#texts .seg[data-source="{target["source"]}"][data-start="{target["start"]}"]')
    listed = set(driver.execute_script("return Array.from(document.querySelectorAll('#citing li')).map(n => n.dataset.id)"))
    assert listed == citing and target["id"] in listed
    _click(driver, f'#citing li[data-id="{target["id"]}"]')
    assert _marked(driver) == target["quote"]


def test_filters_by_table_actor_and_source(driver, page, checkout):
    rows = browse.payload(open_dataset(checkout))["rows"]
    _open(driver, page)
    assert len(_listed(driver)) == len(rows)
    _choose(driver, "f-table", "events")
    assert sorted(_listed(driver)) == sorted(r["id"] for r in rows if r["table"] == "events")
    _choose(driver, "f-table", "")
    _choose(driver, "f-actor", "nikol-pashinyan")
    assert sorted(_listed(driver)) == sorted(r["id"] for r in rows if "nikol-pashinyan" in r["actors"])
    _choose(driver, "f-actor", "")
    _choose(driver, "f-source", "004_158e11ce1d48c019")
    assert sorted(_listed(driver)) == sorted(r["id"] for r in rows if r["source"] == "004_158e11ce1d48c019")
    hidden = driver.execute_script("return Array.from(document.querySelectorAll('section.source')).map(s => s.hidden)")
    assert hidden == [True, False]


def test_the_timeline_and_links_select_rows(driver, page, checkout):
    rows = {r["id"]: r for r in browse.payload(open_dataset(checkout))["rows"]}
    _open(driver, page)
    events = driver.execute_script("return Array.from(document.querySelectorAll('.tl-event')).map(n => n.dataset.id)")
    dated = [r for r in rows.values() if r["table"] == "events" and r["fields"]["date_start"]]
    assert sorted(events) == sorted(r["id"] for r in dated)
    driver.execute_script("document.querySelector('.tl-event[data-id=\"events:war-2020\"]')"
                          ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    assert _marked(driver) == rows["events:war-2020"]["quote"]
    _click(driver, 'li.row[data-id="leverage_instruments:section-907"]')
    holder = rows["leverage_instruments:section-907"]["fields"]["holder_id"]
    _click(driver, f'#detail a')  # the first link: holder_id
    assert _marked(driver) == rows[f"actors:{holder}"]["quote"]


def test_a_link_to_a_row_opens_it(driver, page, checkout):
    rows = {r["id"]: r for r in browse.payload(open_dataset(checkout))["rows"]}
    _open(driver, page, "#actors%3Aazerbaijan")
    assert _marked(driver) == rows["actors:azerbaijan"]["quote"]
    driver.execute_script("location.hash = '#' + encodeURIComponent('events:war-2020')")
    assert _marked(driver) == rows["events:war-2020"]["quote"]


# --- code points, not UTF-16 units; hostile text stays text ----------------------------

TEXT = "😀 Header 𝔄𝔅\n🇦🇲 Body: Armenia, 😀😀 Azerbaijan and </script><b>bold</b> end.\nFooter"


def _tiny_package(root: Path) -> dict[str, str]:
    new_package(root, {"s1": TEXT})
    body_start, body_end = TEXT.index("🇦🇲"), TEXT.index("\nFooter")
    quotes = {"armenia": "Armenia", "azerbaijan": "😀😀 Azerbaijan"}
    by_table = tables(root)
    for name, table in by_table.items():
        rows = []
        if name == "sources":
            rows.append({"source_id": "s1", "title": "A test text", "publisher": "Nobody", "path": "data/sources/s1.txt",
                         "sha256": hashlib.sha256(TEXT.encode("utf-8")).hexdigest(), "length": str(len(TEXT)),
                         "body_start": str(body_start), "body_end": str(body_end), "language": "en",
                         "rights": "test only"})
        if name == "actors":
            for actor_id, quote in quotes.items():
                start = TEXT.index(quote)
                rows.append({"actor_id": actor_id, "name": actor_id.title(), "kind": "state",
                             "source_id": "s1", "span_start": str(start), "span_end": str(start + len(quote)),
                             "quote": quote, "note": "</script><script>document.body.dataset.pwned='1'</script>"})
        write_rows(root / table.path, table.field_names, [[r.get(f, "") for f in table.field_names] for r in rows])
    regenerate(root)
    return quotes


def test_astral_characters_do_not_shift_spans(driver, tmp_path):
    root = tmp_path / "tiny"
    quotes = _tiny_package(root)
    assert [e.code for e in iter_errors(root)] == []  # a valid package, so the case is a real one
    page = browse.write(open_dataset(root), tmp_path / "tiny.html")
    _open(driver, page)
    for actor_id, quote in quotes.items():
        _click(driver, f'li.row[data-id="actors:{actor_id}"]')
        assert _marked(driver) == quote
    text = driver.execute_script("return document.querySelector('#texts .text').textContent")
    assert text == TEXT  # every character shown once, in order
    assert driver.execute_script("return document.body.dataset.pwned") is None
    assert "</script><script>" in driver.find_element("id", "detail").text
    _shot(driver, tmp_path, "browse-astral.png")
