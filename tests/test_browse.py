"""``aapeace browse``: the page is self-contained, and in a real headless Chromium a click
on a row marks exactly its span (code points, astral characters included); the page fits a
wide window (panes side by side) and narrow ones (panes stacked, nothing wider than the
window), with a timeline drawn to its width and a key to the highlights.

The tests that share the wide window share one page load (the ``wide`` fixture puts the
filters and the period back); each narrow width is one more load.

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


def test_rows_know_their_actors_through_the_foreign_keys(rows):
    assert rows["actors:nikol-pashinyan"]["actors"] == ["nikol-pashinyan"]
    assert "nikol-pashinyan" in rows["events:pashinyan-remarks-2023-05-22"]["actors"]  # via event_actors
    section_907 = rows["leverage_instruments:section-907"]["actors"]
    assert {"united-states", "azerbaijan"} <= set(section_907)  # holder and target
    link = next(r for r in rows.values() if r["table"] == "proposal_instruments" and "section-907" in r["key"])
    assert set(section_907) <= set(link["actors"])  # a row naming no actor takes its referents'


def test_the_timeline_has_each_text_s_date_of_an_event_and_the_undated_events(data, rows):
    entries = {e["id"]: e for e in data["events"]}
    dated = [r for r in rows.values() if r["fields"].get("date_start")]
    assert dated and {r["table"] for r in dated} != {"events"}  # the dates are rows of their own table
    for r in dated:
        e, f = entries[r["id"]], r["fields"]
        assert (e["source"], e["start"], e["end"], e["precision"], e["basis"]) == \
            (r["source"], f["date_start"], f["date_end"], f["date_precision"], f["date_basis"])
        assert e["title"] == rows[f"events:{f['event_id']}"]["label"]
    undated = {r["id"] for r in rows.values() if r["table"] == "events"} - {f"events:{r['fields']['event_id']}" for r in dated}
    assert {i for i, e in entries.items() if not e["start"]} == undated
    assert len(entries) == len(dated) + len(undated)


# --- in a real browser -----------------------------------------------------------------

WIDE, NARROW = (1400, 900), [(700, 900), (400, 800)]


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
                 f"--user-data-dir={profile}", "--window-size={},{}".format(*WIDE)):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager is never asked to fetch anything.
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def data(checkout) -> dict:
    return browse.payload(open_dataset(checkout))


@pytest.fixture(scope="module")
def rows(data) -> dict[str, dict]:
    return {r["id"]: r for r in data["rows"]}


@pytest.fixture(scope="module")
def titles(data) -> dict[str, str]:
    """Each timeline entry's title (the event's, for a text's date of it)."""
    return {e["id"]: e["title"] for e in data["events"]}


def _open(driver, page: Path, fragment: str = "", size: tuple[int, int] = WIDE) -> None:
    driver.set_window_size(*size)
    driver.get("about:blank")  # a fresh document, even when only the fragment differs
    driver.get(page.as_uri() + fragment)
    assert driver.execute_script("return document.body.dataset.ready") == "true"
    assert driver.execute_script("return window.innerWidth") == size[0]


@pytest.fixture
def wide(driver, page):
    """The page at a wide window, loaded once for the tests that share it; each test starts
    with no filter, the whole period and nothing selected."""
    loaded = driver.current_url.split("#")[0] == page.as_uri()  # choosing a row sets the fragment
    if not loaded or driver.execute_script("return window.innerWidth") != WIDE[0]:
        _open(driver, page)
    driver.execute_script("""
        for (const id of ['f-table', 'f-actor', 'f-source', 'f-text']) {
          const n = document.getElementById(id);
          if (n.value) { n.value = ''; n.dispatchEvent(new Event(n.tagName === 'INPUT' ? 'input' : 'change')); }
        }
        document.getElementById('tl-all').click();""")
    return driver


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


def _on_timeline(driver) -> list[str]:
    return driver.execute_script("return Array.from(document.querySelectorAll('.tl-event')).map(n => n.dataset.id)")


def _dated(rows: dict[str, dict]) -> list[dict]:
    """The rows that date an event (one text's claim each), found by their fields alone."""
    return [r for r in rows.values() if r["fields"].get("date_start")]


def test_clicking_a_row_marks_exactly_its_span(wide, rows, tmp_path):
    driver = wide
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


def test_choosing_a_passage_lists_the_rows_that_cite_it(wide, rows):
    driver = wide
    target = rows["leverage_instruments:section-907"]
    citing = {r["id"] for r in rows.values() if r["source"] == target["source"] and r["start"] <= target["start"]
              and r["end"] >= target["end"]}
    _click(driver, f'#texts .seg[data-source="{target["source"]}"][data-start="{target["start"]}"]')
    listed = set(driver.execute_script("return Array.from(document.querySelectorAll('#citing li')).map(n => n.dataset.id)"))
    assert listed == citing and target["id"] in listed
    _click(driver, f'#citing li[data-id="{target["id"]}"]')
    assert _marked(driver) == target["quote"]


def test_filters_by_table_actor_and_source(wide, rows):
    driver = wide
    assert len(_listed(driver)) == len(rows)
    _choose(driver, "f-table", "events")
    assert sorted(_listed(driver)) == sorted(r["id"] for r in rows.values() if r["table"] == "events")
    _choose(driver, "f-table", "")
    _choose(driver, "f-actor", "nikol-pashinyan")
    assert sorted(_listed(driver)) == sorted(r["id"] for r in rows.values() if "nikol-pashinyan" in r["actors"])
    _choose(driver, "f-actor", "")
    _choose(driver, "f-source", "004_158e11ce1d48c019")
    assert sorted(_listed(driver)) == sorted(r["id"] for r in rows.values() if r["source"] == "004_158e11ce1d48c019")
    hidden = driver.execute_script("return Array.from(document.querySelectorAll('section.source')).map(s => s.hidden)")
    assert hidden == [True, False]


def test_the_timeline_has_one_bar_per_dated_claim_and_lists_the_undated_events(wide, rows):
    driver = wide
    dated = _dated(rows)
    assert sorted(_on_timeline(driver)) == sorted(r["id"] for r in dated)
    assert len({r["fields"]["event_id"] for r in dated}) < len(dated)  # an event two texts date has two bars
    undated = {r["id"] for r in rows.values() if r["table"] == "events"} - \
        {f"events:{r['fields']['event_id']}" for r in dated}
    shown = driver.execute_script("return Array.from(document.querySelectorAll('#undated button')).map(n => n.dataset.id)")
    assert undated and set(shown) == undated
    tags = driver.execute_script("""return Array.from(document.querySelectorAll('.tl-event')).map(g =>
        [g.dataset.id, g.querySelector('.tl-src').textContent.trim(), g.querySelector('rect').getAttribute('fill')])""")
    for rid, tag, _ in tags:  # each bar says which text dates it, by a short tag and a colour
        assert rows[rid]["source"].startswith(tag + "_"), (rid, tag)
    colours = {}
    for rid, _, fill in tags:
        colours.setdefault(rows[rid]["source"], set()).add(fill)
    assert all(len(c) == 1 for c in colours.values()) and len({c.pop() for c in colours.values()}) == len(colours)


def test_a_timeline_bar_selects_its_claim_and_the_source_filter_applies(wide, rows):
    from selenium.webdriver.common.by import By

    driver = wide
    dated = _dated(rows)
    event = next(r["fields"]["event_id"] for r in dated
                 if sum(d["fields"]["event_id"] == r["fields"]["event_id"] for d in dated) > 1)
    claims = [r for r in dated if r["fields"]["event_id"] == event]
    assert len({c["quote"] for c in claims}) > 1  # two texts, two spans
    for claim in claims:  # a real click on the bar, not a dispatched event
        driver.find_element(By.CSS_SELECTOR, f'.tl-event[data-id="{claim["id"]}"] rect').click()
        assert _marked(driver) == claim["quote"], claim["id"]
        assert driver.execute_script("return document.querySelector('.tl-event.current').dataset.id") == claim["id"]
        assert driver.execute_script("return document.querySelector('#detail .tag').textContent") == claim["table"]
    source = claims[0]["source"]
    _choose(driver, "f-source", source)
    assert sorted(_on_timeline(driver)) == sorted(r["id"] for r in dated if r["source"] == source)
    _choose(driver, "f-table", "actors")  # the table filter leaves the timeline alone
    assert sorted(_on_timeline(driver)) == sorted(r["id"] for r in dated if r["source"] == source)


def test_links_select_rows(wide, rows):
    driver = wide
    _click(driver, 'li.row[data-id="leverage_instruments:section-907"]')
    holder = rows["leverage_instruments:section-907"]["fields"]["holder_id"]
    _click(driver, '#detail a')  # the first link: holder_id
    assert _marked(driver) == rows[f"actors:{holder}"]["quote"]


def test_a_link_to_a_row_opens_it(driver, page, rows):
    _open(driver, page, "#actors%3Aazerbaijan")
    assert _marked(driver) == rows["actors:azerbaijan"]["quote"]
    driver.execute_script("location.hash = '#' + encodeURIComponent('events:war-2020')")
    assert _marked(driver) == rows["events:war-2020"]["quote"]


# --- layout: wide and narrow windows ---------------------------------------------------

PANES = "return ['rows', 'texts', 'side'].map(id => document.getElementById(id).getBoundingClientRect().toJSON())"

# Every bar and label of the timeline, measured as drawn: each inside the drawing (whose
# overflow is hidden, so outside means clipped) and none overlapping another.
TIMELINE = """
const pane = document.getElementById('tl-scroll'), svg = pane.querySelector('svg');
const box = svg.getBoundingClientRect(), view = pane.getBoundingClientRect();
const parts = [], out = [], overlaps = [], labels = {};
for (const g of document.querySelectorAll('.tl-event')) {
  const text = g.querySelector('text');
  labels[g.dataset.id] = [text.textContent, g.querySelector('title').textContent];
  for (const n of [g.querySelector('rect'), text]) {
    const r = n.getBoundingClientRect();
    if (n === text && !r.width) continue;
    parts.push([g.dataset.id, r]);
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
      out.push(g.dataset.id);
  }
}
for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
  const [p, a] = parts[i], [q, b] = parts[j];
  // A label's box holds its line's leading too: touching lanes may share 2 px of it unseen.
  if (p !== q && a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 2 && b.top < a.bottom - 2)
    overlaps.push([p, q]);
}
return {labels, out, overlaps, scrollWidth: pane.scrollWidth, clientWidth: pane.clientWidth,
        box: box.toJSON(), view: view.toJSON(), period: [+document.getElementById('tl-from').value,
        +document.getElementById('tl-to').value]};
"""


def _year(date: str) -> int:
    return int(date[:4])


def _check_timeline(driver, rows: dict[str, dict], titles: dict[str, str], whole: bool) -> dict:
    """The timeline fits its pane: no sideways scroll, every bar of the period drawn, no bar or
    label clipped or overlapping, each label its title or a cut of it with the title as tooltip.
    ``whole``: the pane is tall enough to show every lane without scrolling down."""
    got = driver.execute_script(TIMELINE)
    assert got["scrollWidth"] <= got["clientWidth"], "the timeline scrolls sideways"
    assert got["box"]["width"] <= got["clientWidth"] + 0.5
    lo, hi = got["period"]
    expected = {r["id"] for r in _dated(rows) if _year(r["fields"]["date_start"]) <= hi
                and _year(r["fields"]["date_end"] or r["fields"]["date_start"]) >= lo}
    assert set(got["labels"]) == expected
    assert got["out"] == [] and got["overlaps"] == []
    for rid, (label, tooltip) in got["labels"].items():
        title = titles[rid]
        tag, _, shown = label.partition(" ")
        assert rows[rid]["source"].startswith(tag + "_") and shown, (rid, label)
        assert shown == title or (shown.endswith("…") and title.startswith(shown[:-1].rstrip())), (rid, label)
        assert tooltip.startswith(title), rid
    if whole:
        assert got["box"]["bottom"] <= got["view"]["bottom"] + 0.5 and got["box"]["top"] >= got["view"]["top"] - 0.5
    return got


def _no_sideways_scroll(driver) -> None:
    widths = driver.execute_script("const d = document.documentElement; return [d.scrollWidth, d.clientWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def _check_legend(driver) -> None:
    legend = driver.execute_script("return document.getElementById('legend').textContent")
    assert "overlap" in legend and "selected" in legend and "outside the article body" in legend
    # The legend's samples are drawn as the text is: same shades, same selection, same grey.
    same = driver.execute_script("""
        const look = (sel, prop) => { const n = document.querySelector(sel); return n && getComputedStyle(n)[prop]; };
        const pairs = [['d1', 'backgroundColor'], ['d2', 'backgroundColor'], ['d3', 'backgroundColor'],
                       ['d4', 'backgroundColor'], ['chrome', 'color']];
        return pairs.map(([c, p]) => [c, look('#legend .sw.' + c, p), look('#texts .seg.' + c, p)]);""")
    for name, sample, drawn in same:
        assert sample and sample == drawn, (name, sample, drawn)
    shades = [s for _, s, _ in same[:4]]
    assert len(set(shades)) == 4


def test_a_wide_window_shows_the_panes_side_by_side_and_the_whole_timeline(wide, rows, titles, tmp_path):
    driver = wide
    left, middle, right = driver.execute_script(PANES)
    assert left["right"] <= middle["left"] + 1 and middle["right"] <= right["left"] + 1
    assert abs(left["top"] - middle["top"]) < 1 and abs(middle["top"] - right["top"]) < 1
    assert middle["width"] >= 0.4 * WIDE[0]
    _no_sideways_scroll(driver)
    heights = driver.execute_script("const d = document.documentElement; return [d.scrollHeight, d.clientHeight]")
    assert heights[0] <= heights[1]  # the page fits the window; each pane scrolls on its own
    whole = _check_timeline(driver, rows, titles, whole=False)
    assert whole["period"][0] <= min(_year(r["fields"]["date_start"]) for r in _dated(rows))
    _check_legend(driver)
    _shot(driver, tmp_path, "browse-wide.png")
    # Zoomed to the busiest years the bars there are wider, and still fit.
    width = ("return Array.from(document.querySelectorAll('.tl-event')).find(g => g.dataset.id === arguments[0])"
             ".querySelector('rect').getBBox().width")
    busy = next(r["id"] for r in _dated(rows) if r["fields"]["date_precision"] == "year"
                and r["fields"]["date_start"] == max(d["fields"]["date_start"][:4] for d in _dated(rows)))
    before = driver.execute_script(width, busy)
    _click(driver, "#tl-focus")
    zoomed = _check_timeline(driver, rows, titles, whole=False)
    lo, hi = zoomed["period"]
    assert hi - lo < whole["period"][1] - whole["period"][0]
    assert 3 * len(zoomed["labels"]) >= 2 * len(_dated(rows))  # the period holds two thirds of the bars
    assert driver.execute_script(width, busy) > 2 * before
    _shot(driver, tmp_path, "browse-wide-zoomed.png")


@pytest.mark.parametrize("size", NARROW, ids=lambda s: f"{s[0]}px")
def test_a_narrow_window_stacks_the_panes_and_fits_the_timeline(driver, page, rows, titles, size, tmp_path):
    _open(driver, page, size=size)
    top, middle, bottom = driver.execute_script(PANES)
    assert top["bottom"] <= middle["top"] + 1 and middle["bottom"] <= bottom["top"] + 1  # stacked
    width = driver.execute_script("return document.documentElement.clientWidth")
    assert middle["width"] >= width - 1  # the text column has the whole width
    _no_sideways_scroll(driver)
    _check_timeline(driver, rows, titles, whole=True)
    _check_legend(driver)
    _shot(driver, tmp_path, f"browse-{size[0]}px.png")
    _click(driver, "#tl-focus")
    zoomed = _check_timeline(driver, rows, titles, whole=True)
    _no_sideways_scroll(driver)
    # A click on a bar still marks its span, and the page still does not scroll sideways.
    claim = next(rows[rid] for rid in sorted(zoomed["labels"]))
    _click(driver, f'.tl-event[data-id="{claim["id"]}"] rect')
    assert _marked(driver) == claim["quote"]
    _no_sideways_scroll(driver)
    _shot(driver, tmp_path, f"browse-{size[0]}px-selected.png")


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
