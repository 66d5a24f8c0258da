"""The what-if page in a real browser (headless Chromium through selenium), opened from disk.

The page's numbers are compared with what ``kommiljard whatif --format json`` prints for random
regions and improvements and on the bars' bounds; a slider is moved with the keyboard; the page
must make no request but for its own file, and its text must be readable (contrast).

These tests fail when the browser cannot start (CI installs Debian's ``chromium`` and
``chromium-driver`` in ``.ci/run``). Where no browser is wanted, set
``KOMMILJARD_BROWSER_OPTIONAL=1`` to skip them instead.
"""

from __future__ import annotations

import json
import os
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.levers import choose_cells, improve_panel
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.outputs.page import write_page
from kommiljard.rules import load_rules
from kommiljard.sweeps.run import Lever, run_sweep

pytestmark = pytest.mark.slow  # the slow tier (pytest -m 'not slow' leaves it out)

BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)  # fmt: skip
OREN = 0.006  # two-decimal kronor against float64 kronor: within half an öre, plus float noise
BOUNDS = (1.0, 3.0, 5.0)
STEP = 0.1  # the sample panel's grid


def _start_browser(profile: Path):
    """A headless Chromium through chromedriver, with the performance log (network events) on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if binary is None or driver_path is None:
        raise RuntimeError(f"no browser found (chromium: {binary}, chromedriver: {driver_path}); "
                           "install them with `apt-get install -y chromium chromium-driver`")  # fmt: skip
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*BROWSER_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        driver = _start_browser(tmp_path_factory.mktemp("chromium-profile"))
    except Exception as exc:  # any failure to start is reported the same way
        message = f"headless Chromium could not start: {type(exc).__name__}: {exc}"
        if os.environ.get("KOMMILJARD_BROWSER_OPTIONAL") == "1":
            pytest.skip(message)
        pytest.fail(
            message + " (set KOMMILJARD_BROWSER_OPTIONAL=1 to skip the browser tests where no browser is wanted)"
        )
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def baseline(sample_panel_path):
    return payout(sample_panel_path)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, baseline):
    folder = tmp_path_factory.mktemp("pages")
    return {lang: write_page(baseline, folder / f"whatif-{lang}.html", lang) for lang in ("en", "sv")}


def whatif_json(panel: Path, region: str, x: float, month: str | None = None, group: str | None = None) -> dict:
    """What ``kommiljard whatif PANEL --region R --improve X [--month M --group G] --format json`` prints."""
    args = ["whatif", str(panel), "--region", region, "--improve", f"{x}", "--format", "json"]
    args += ["--month", month, "--group", group] if month else []
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _open(driver, page: Path, fragment: str, shown: str | None = None) -> dict:
    """Open the page at ``fragment``, wait until it shows that view (``shown`` as it writes it), read the numbers."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(page.as_uri() + fragment)
    view = shown or fragment
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.getElementById('result').dataset.view") == view
    )
    return _read(driver)


def _read(driver) -> dict:
    return driver.execute_script(
        "const r = document.getElementById('result'); const s = document.getElementById('sweep');"
        "return {result: Object.assign({}, r.dataset), hash: location.hash, href: location.href,"
        " link: document.getElementById('link-text').value,"
        " notice: document.getElementById('notice').textContent,"
        " sweep: s ? Object.assign({}, s.dataset) : null,"
        " cells: Array.from(document.querySelectorAll('#cell-grid .cell')).map(c => Object.assign({}, c.dataset))};"
    )


def _grid_value(x: float) -> str:
    """An improvement as the page writes it in the link: 3, 2.5, -0.3."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _assert_totals(seen: dict, expected: dict) -> None:
    r = seen["result"]
    assert r["region"] == expected["region"]
    for key, field in (("baselineSek", "baseline_sek"), ("scenarioSek", "scenario_sek"), ("deltaSek", "delta_sek")):
        assert abs(float(r[key]) - expected[field]) < OREN, (key, r[key], expected[field])


def _assert_cells(seen: dict, expected: dict) -> None:
    cells = {c["cell"]: c for c in seen["cells"]}
    for row in expected["cells"]:
        cell = cells[f"{row['month']}.{row['group']}"]
        assert abs(float(cell["amountBeforeSek"]) - row["amount_before_sek"]) < OREN
        assert abs(float(cell["amountAfterSek"]) - row["amount_after_sek"]) < OREN
        assert (int(cell["tierBefore"]), int(cell["tierAfter"])) == (row["tier_before"], row["tier_after"])
        to_next = row["to_next_tier_pp"]
        if to_next is None:
            assert cell["toNextPp"] == "top"
        elif not row["clamped"]:  # the page shows whatif's exact figure: 1.100001, not the grid's 1.2
            assert abs(float(cell["toNextPp"]) - to_next) < 1e-9, (cell, row)
        if cell["sekPerExtraPp"] and float(cell["improvePp"]) >= 0:  # lowering may cap share_60: see test_page.py
            assert abs(float(cell["sekPerExtraPp"]) - row["sek_per_extra_pp"]) < OREN


def test_random_views_equal_whatif(browser, pages, sample_panel_path, baseline):
    """Every cell at once and one cell alone, random regions and grid improvements: totals and cells to the öre."""
    rng = np.random.default_rng(15)
    regions = sorted(baseline.table["region"].unique())
    cells = choose_cells(baseline.rules, None, None)
    for i in range(24):
        region = regions[rng.integers(len(regions))]
        x = round(float(rng.integers(-200, 201)) / 10, 1)
        if i % 2:
            _, month, group = cells[rng.integers(len(cells))]
            fragment = f"#region={region}&improve.{month}.{group}={_grid_value(x)}" if x else f"#region={region}"
            expected = whatif_json(sample_panel_path, region, x, month, group)
        else:
            fragment = f"#region={region}&improve={_grid_value(x)}" if x else f"#region={region}"
            expected = whatif_json(sample_panel_path, region, x)
        seen = _open(browser, pages["en"], fragment)
        assert seen["notice"] == "" and seen["link"] == seen["href"] and seen["href"].endswith(fragment)
        _assert_totals(seen, expected)
        _assert_cells(seen, expected)


def test_next_bar_is_where_the_engine_moves_up(browser, pages, sample_panel_path, baseline):
    """The page's "next bar" in a changed cell is exact: whatif at that improvement reaches a higher tier, and one
    unit of the rules' precision less does not."""
    rng = np.random.default_rng(4)
    cells = choose_cells(baseline.rules, None, None)
    checked = 0
    for region in rng.choice(sorted(baseline.table["region"].unique()), size=6, replace=False):
        _, month, group = cells[rng.integers(len(cells))]
        x = round(float(rng.integers(-150, 100)) / 10, 1)
        seen = _open(browser, pages["en"], f"#region={region}&improve.{month}.{group}={_grid_value(x)}" if x else
                     f"#region={region}")  # fmt: skip
        cell = next(c for c in seen["cells"] if c["cell"] == f"{month}.{group}")
        if cell["toNextPp"] == "top":
            continue
        d = float(cell["toNextPp"])
        at, before = (
            next(
                r
                for r in whatif_json(sample_panel_path, region, round(pp, 6), month, group)["cells"]
                if (r["month"], r["group"]) == (month, group)
            )
            for pp in (x + d, x + d - 1e-6)
        )
        assert before["tier_after"] == int(cell["tierAfter"]) < at["tier_after"], (region, month, group, x, d)
        checked += 1
    assert checked >= 4


def test_bar_bounds_equal_whatif(browser, pages, sample_panel_path, baseline):
    """Improvements that put a cell exactly on +1.0, +3.0 and +5.0 pp (and one step below): the engine's numbers."""
    table = baseline.table[baseline.table["month"].notna()]
    rng = np.random.default_rng(3)
    picked = table.iloc[rng.choice(len(table), size=4, replace=False)]
    checked = 0
    for row in picked.itertuples():
        today = round(row.share_current - row.share_previous, 1)
        for bound in BOUNDS:
            for x in (round(bound - today, 1), round(bound - today - 0.1, 1)):
                if not -20 <= x <= 20 or x == 0 or row.share_current + x > 100:
                    continue
                expected = whatif_json(sample_panel_path, row.region, x, row.month, row.group)
                seen = _open(
                    browser, pages["en"], f"#region={row.region}&improve.{row.month}.{row.group}={_grid_value(x)}"
                )
                _assert_totals(seen, expected)
                _assert_cells(seen, expected)
                checked += 1
    assert checked >= 16


def test_mixed_view_equals_the_engine(browser, pages, baseline):
    """+2 pp everywhere but -1.5 pp in one cell: the page's sum equals payout() on the panel changed that way."""
    rules = baseline.rules
    every = choose_cells(rules, None, None)
    one = [c for c in every if c[1:] == ("2019-09", "operation")]
    rest = [c for c in every if c not in one]
    changed = improve_panel(improve_panel(baseline.panel, rules, "14", 2.0, rest), rules, "14", -1.5, one)
    after = payout(changed, rules).summary().set_index("region").loc["14", "total_sek"]
    before = baseline.summary().set_index("region").loc["14", "total_sek"]
    shown = "#region=14&" + "&".join(f"improve.{m}.{g}={'-1.5' if [(1, m, g)] == one else '2'}" for _, m, g in every)
    seen = _open(browser, pages["en"], "#region=14&improve=2&improve.2019-09.operation=-1.5", shown)
    assert seen["hash"] == shown
    assert abs(float(seen["result"]["baselineSek"]) - before) < OREN
    assert abs(float(seen["result"]["scenarioSek"]) - after) < OREN


def test_keyboard_moves_a_slider_and_the_link(browser, pages, sample_panel_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, pages["en"], "#region=06&improve.2019-10.operation=2.5")
    cell = '.cell[data-cell="2019-10.operation"] '
    browser.find_element(By.CSS_SELECTOR, cell + 'input[type="range"]').send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    browser.find_element(By.CSS_SELECTOR, cell + 'input[type="range"]').send_keys(Keys.ARROW_RIGHT)
    seen = _read(browser)
    assert seen["hash"] == "#region=06&improve.2019-10.operation=2.8" and seen["link"] == seen["href"]
    assert browser.find_element(By.CSS_SELECTOR, cell + "input.pp").get_attribute("value") == "2.8"
    expected = whatif_json(sample_panel_path, "06", 2.8, "2019-10", "operation")
    _assert_totals(seen, expected)
    _assert_cells(seen, expected)

    number = browser.find_element(By.CSS_SELECTOR, cell + "input.pp")  # typed: a decimal comma is read
    number.send_keys(Keys.CONTROL, "a")
    number.send_keys("4,7", Keys.TAB)
    seen = _read(browser)
    assert seen["hash"] == "#region=06&improve.2019-10.operation=4.7"
    _assert_totals(seen, whatif_json(sample_panel_path, "06", 4.7, "2019-10", "operation"))

    browser.find_element(By.ID, "all-range").send_keys(Keys.ARROW_LEFT)  # the cells differ: it stands at 0
    seen = _read(browser)
    assert seen["hash"] == "#region=06&improve=-0.1"
    _assert_totals(seen, whatif_json(sample_panel_path, "06", -0.1))

    search = browser.find_element(By.ID, "region-search")
    search.send_keys("jämtland")
    seen = _read(browser)
    assert seen["result"]["region"] == "23" and seen["hash"] == "#region=23&improve=-0.1"
    _assert_totals(seen, whatif_json(sample_panel_path, "23", -0.1))

    browser.find_element(By.ID, "copy").click()  # headless: the clipboard or the fallback, and it says which
    # the clipboard answers in its own time
    notice = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "notice").text)
    assert notice in ("Link copied.", "Could not copy; select the link and copy it.")


def test_outside_the_grid_is_said_and_snapped(browser, pages, sample_panel_path):
    seen = _open(browser, pages["en"], "#region=01&improve=25", "#region=01&improve=20")
    assert "outside the page's range" in seen["notice"] and seen["hash"] == "#region=01&improve=20"
    _assert_totals(seen, whatif_json(sample_panel_path, "01", 20.0))
    seen = _open(browser, pages["en"], "#region=01&improve=2.34", "#region=01&improve=2.3")
    assert "not on the page's grid" in seen["notice"]
    seen = _open(browser, pages["en"], "#region=99&improve=x&improve.2019-13.operation=1", "#region=01")
    assert (
        "“99” is not on this page" in seen["notice"]
        and "“x” is not a number" in seen["notice"]
        and "2019-13.operation" in seen["notice"]
    )


def test_swedish_page_same_numbers(browser, pages):
    from selenium.webdriver.common.by import By

    fragment = "#region=06&improve=3"
    en, sv = _open(browser, pages["en"], fragment), _open(browser, pages["sv"], fragment)
    assert en["result"] == sv["result"] and en["cells"] == sv["cells"]
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".cell h3")]
    assert "oktober 2019 · Operation/åtgärd i specialistvården" in headings
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    tiers = " ".join(t.text for t in browser.find_elements(By.CSS_SELECTOR, ".cell tbody"))
    assert "blå" in tiers and "blue" not in tiers


def test_no_network_request(browser, pages):
    """Only the page's own file is requested, and the browser reports no error (a CSP violation would be one)."""
    browser.get_log("performance")  # drop what came before
    browser.get_log("browser")
    browser.get("about:blank")
    _open(browser, pages["en"], "#region=10&improve=4")
    requests = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated", "Network.requestIntercepted"):
            requests.add(message["params"].get("request", {}).get("url") or message["params"].get("url"))
    assert requests == {pages["en"].as_uri()}
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


CONTRAST = """
function lum(rgb) {
  const c = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
function rgba(text) { return (text.match(/[\\d.]+/g) || []).map(Number); }
function background(node) {
  for (; node && node.nodeType === 1; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { return c.slice(0, 3); }
  }
  return [255, 255, 255];
}
const worst = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = walker.nextNode(); t; t = walker.nextNode()) {
  const node = t.parentElement;
  if (!t.textContent.trim() || !node.getClientRects().length || node.closest('svg, noscript, script')) { continue; }
  const style = getComputedStyle(node);
  if (style.visibility === 'hidden') { continue; }
  const fg = lum(rgba(style.color).slice(0, 3)), bg = lum(background(node));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && style.fontWeight >= 700);
  if (ratio < (large ? 3 : 4.5)) { worst.push([t.textContent.trim().slice(0, 40), ratio.toFixed(2)]); }
}
return worst;
"""


def test_text_has_enough_contrast(browser, pages, lever_grid_page):
    """Every visible text against its background: WCAG AA (4.5:1, 3:1 for large text), keyboard focus visible."""
    from selenium.webdriver.common.by import By

    for page, fragment in ((pages["en"], "#region=06&improve=3"), (lever_grid_page, "#region=06&improve=2")):
        _open(browser, page, fragment)
        assert browser.execute_script(CONTRAST) == []
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.ID, "region-search").send_keys(Keys.TAB)  # the keyboard moves on to the region list
    focused = browser.execute_script(
        "const s = getComputedStyle(document.activeElement);"
        "return [document.activeElement.id, s.outlineStyle, parseFloat(s.outlineWidth)]"
    )
    assert focused[0] == "region" and focused[1] != "none" and focused[2] >= 2


def test_user_text_is_shown_as_text(browser, tmp_path, sample_panel_path):
    """A rule title and a panel path with markup in them are shown literally, never parsed."""
    hostile = '<b id="pwn">x</b> & "q"'
    source = (files("kommiljard") / "rules" / "kommiljard-2019.toml").read_text(encoding="utf-8")
    rule_file = tmp_path / "hostile.toml"
    title = 'title = "En ny, uppdaterad kömiljard 2019"'
    assert title in source
    rule_file.write_text(source.replace(title, f"title = '{hostile}'"), encoding="utf-8")
    panel_file = tmp_path / '<img id="pwn2">.parquet'
    shutil.copy(sample_panel_path, panel_file)
    page = write_page(payout(panel_file, rule_file), tmp_path / "hostile.html")
    raw = page.read_text(encoding="utf-8")
    assert '<b id="pwn">' not in raw and '<img id="pwn2">' not in raw
    _open(browser, page, "#region=06")
    assert browser.execute_script(
        "return document.getElementById('pwn') === null && document.getElementById('pwn2') === null"
    )
    assert hostile in browser.title
    assert '<img id="pwn2">.parquet' in browser.find_element("css selector", "header .sub").text


@pytest.fixture(scope="module")
def lever_grid_page(tmp_path_factory, sample_panel_path):
    """A page with a lever grid of region 06: +0, +2 and +3 pp in every cell, 2 000 draws each."""
    folder = tmp_path_factory.mktemp("grid")
    rules = load_rules()
    for x in (0.0, 2.0, 3.0):
        run_sweep(None, 2000, 9, folder / "grid" / f"improve{x:+g}", lever=Lever("06", x), rules=rules)
    return write_page(payout(sample_panel_path, rules), folder / "grid.html", sweep=folder / "grid")


def test_the_sweep_row_follows_the_view(browser, lever_grid_page):
    """The lever the view is (region 06, the same pp in every cell) is marked; other views match none."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def marked() -> tuple[str, list[str], list[bool]]:
        rows = browser.find_elements(By.CSS_SELECTOR, "#sweep tr[data-level]")
        details = browser.find_elements(By.CSS_SELECTOR, "#sweep .sweep-detail")
        return (
            browser.find_element(By.ID, "sweep").get_attribute("data-current-level"),
            [r.get_attribute("data-level") for r in rows if r.get_attribute("aria-current") == "true"],
            [d.is_displayed() for d in details],
        )

    _open(browser, lever_grid_page, "#region=06&improve=2")
    assert marked() == ("1", ["1"], [False, True, False])
    assert "the lever +2.0 pp of the sweep" in browser.find_element(By.ID, "sweep-match").text
    browser.find_element(By.ID, "all-range").send_keys(Keys.ARROW_RIGHT)  # +2.1: no sweep has it
    assert marked() == ("", [], [False, False, False])
    assert (
        "set region 06 Jönköping to 0.0, +2.0, +3.0 pp in every month and group"
        in browser.find_element(By.ID, "sweep-match").text
    )
    _open(browser, lever_grid_page, "#region=06")  # +0 in every cell is the lever +0
    assert marked()[0] == "0"
    _open(browser, lever_grid_page, "#region=06&improve.2019-11.operation=2")  # one cell: not the lever's cells
    assert marked()[0] == ""
    _open(browser, lever_grid_page, "#region=07&improve=3")  # another region
    assert marked()[0] == ""


@pytest.fixture(scope="module")
def scheme_pages(tmp_path_factory):
    """Swedish pages of a requirements scheme with a bonus pot (2022) and of a price per operation (2026)."""
    folder, data = tmp_path_factory.mktemp("schemes"), Path(__file__).resolve().parents[1] / "data"
    return {
        "2022": write_page(payout(data / "sample_panel_2022.parquet", rules="kommiljard-2022"),
                           folder / "r.html", "sv"),
        "2026": write_page(payout(data / "sample_shares_and_operations.parquet", rules="kommiljard-2026"),
                           folder / "p.html", "sv"),
    }  # fmt: skip


def _curve_boxes(driver) -> list[dict]:
    """Per curve: the box of its path, its x axis's height and the boxes of its labels (SVG units)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('svg.curve')).map(s => {"
        " const b = s.querySelector('path').getBBox(), flat = Array.from(s.querySelectorAll('line'))"
        "   .filter(l => l.getAttribute('y1') === l.getAttribute('y2')).map(l => Number(l.getAttribute('y1')));"
        " return {path: [b.y, b.y + b.height], axis: Math.max(...flat),"
        " texts: Array.from(s.querySelectorAll('text')).map(t => { const r = t.getBBox();"
        "   return {text: t.textContent, x: r.x, y: r.y, right: r.x + r.width, bottom: r.y + r.height}; })}; });"
    )


def test_a_curve_that_can_lose_stays_in_its_box(browser, scheme_pages):
    """A bonus-pot cell's curve goes below 0 kr (the region loses bonus elsewhere): its axis starts there, named,
    and no label leaves the picture or overlaps another (the curve was drawn under its '0 mnkr' axis)."""
    _open(browser, scheme_pages["2022"], "#region=01&improve=-5", "#region=01&improve=-5")
    boxes = _curve_boxes(browser)
    lowest = [b for b in boxes if any(t["text"].startswith("\u2212") and "mnkr" in t["text"] for t in b["texts"])]
    assert lowest, "no curve of region 01 goes below 0 kr in 2022 (the sample changed?)"
    for box in boxes:
        assert box["path"][1] <= box["axis"] + 0.01, box
        texts = box["texts"]
        assert all(t["x"] >= 0 and t["right"] <= 320 and t["y"] >= 0 and t["bottom"] <= 118 for t in texts), texts
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                apart = a["right"] <= b["x"] or b["right"] <= a["x"] or a["bottom"] <= b["y"] or b["bottom"] <= a["y"]
                assert apart, (a, b)


def test_operations_page_link_and_numbers(browser, scheme_pages):
    """The operations lever's link (more=) gives whatif --more's amounts, a key it does not read is said, and its
    axis writes thousands apart."""
    from selenium.webdriver.common.by import By

    panel = Path(__file__).resolve().parents[1] / "data" / "sample_shares_and_operations.parquet"
    res = CliRunner().invoke(app, ["whatif", str(panel), "--rules", "kommiljard-2026", "--region", "03", "--more",
                                   "200", "--format", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    expected = json.loads(res.stdout)
    seen = _open(browser, scheme_pages["2026"], "#region=03&more=200")
    assert abs(float(seen["result"]["scenarioSek"]) - expected["scenario_sek"]) < OREN
    assert abs(float(seen["result"]["deltaSek"]) - expected["delta_sek"]) < OREN
    ticks = [t.get_attribute("textContent") for t in browser.find_elements(By.CSS_SELECTOR, "svg.curve text")]
    assert "+2\u202f000 operationer" in ticks, ticks
    seen = _open(browser, scheme_pages["2026"], "#region=03&improve=200", "#region=03")
    assert "”improve=200” i länken är ingen inställning på sidan (den läser region och more)" in seen["notice"]


def test_a_bonus_pot_page_is_exact_where_it_says_so(browser, scheme_pages, pages):
    """One cell moved, or every cell alike: the page's total is whatif's to the öre and says 'exact' (every cell
    alike added the cells' separate effects: +25 914 860 kr where whatif says +25 659 582 kr); cells moved by
    different amounts under a bonus pot: it adds their separate effects and says that it is approximate."""
    from selenium.webdriver.common.by import By

    panel = Path(__file__).resolve().parents[1] / "data" / "sample_panel_2022.parquet"
    for fragment, args in (
        ("#region=06&improve.2022-03.pc_assessment=2", ["--month", "2022-03", "--group", "pc_assessment"]),
        ("#region=06&improve=2", []),
        ("#region=14&improve=-3", []),
    ):
        region, x = fragment[8:10], fragment.rsplit("=", 1)[1]
        res = CliRunner().invoke(app, ["whatif", str(panel), "--rules", "kommiljard-2022", "--region", region,
                                       f"--improve={x}", *args, "--format", "json"])  # fmt: skip
        expected = json.loads(res.stdout)
        seen = _open(browser, scheme_pages["2022"], fragment)
        assert seen["result"]["answer"] == "exact", fragment
        assert abs(float(seen["result"]["scenarioSek"]) - expected["scenario_sek"]) < OREN, fragment
        assert abs(float(seen["result"]["deltaSek"]) - expected["delta_sek"]) < OREN, fragment
        assert browser.find_element(By.ID, "exact-note").text.startswith("det exakta svaret")
    seen = _open(
        browser, scheme_pages["2022"], "#region=06&improve.2022-03.pc_assessment=2&improve.2022-04.pc_assessment=1"
    )
    assert seen["result"]["answer"] == "combined"
    assert browser.find_element(By.ID, "exact-note").text.startswith("ett ungefärligt svar när cellerna flyttas olika")
    assert _open(browser, pages["en"], "#region=06&improve=3")["result"]["answer"] == "exact"  # a staircase adds up


def test_an_operations_cell_counts_the_change_in_each_procedure(browser, scheme_pages):
    """The 2026 block's one pot moves every procedure by the change: 200 more is 200 more of each (the page added
    200 once), and fewer stop at 0 in each procedure, as the amounts do."""
    import pandas as pd
    from selenium.webdriver.common.by import By

    panel = pd.read_parquet(Path(__file__).resolve().parents[1] / "data" / "sample_shares_and_operations.parquet")
    year = panel[panel["month"].astype(str).str.startswith("2026")]

    def performed(fragment: str) -> tuple[int, int]:
        _open(browser, scheme_pages["2026"], fragment)
        cells = browser.find_elements(By.CSS_SELECTOR, "#cell-grid .cell tbody tr:first-child td")
        return tuple(int(c.text.replace("\u202f", "")) for c in cells)

    for region, change in (("03", 200), ("09", -500)):
        counts = year[year["region"] == region].groupby("group")["operations"].sum()
        expected = (int(counts.sum()), int((counts + change).clip(lower=0).sum()))
        assert performed(f"#region={region}&more={change}") == expected, (region, change)


def test_a_measure_where_lower_is_better_moves_down(browser, scheme_pages):
    """'Väntat längre än 150 dagar': a better figure is a lower share, and its improvement counts down from last
    year, as whatif shows them (the page showed 15,9 -> 17,9 % and an improvement of -1,5 -> +0,5 pp for +2)."""
    from selenium.webdriver.common.by import By

    panel = Path(__file__).resolve().parents[1] / "data" / "sample_panel_2022.parquet"
    cell_args = ["--month", "2022-02", "--group", "sc_first_visit_150", "--format", "json"]
    res = CliRunner().invoke(app, ["whatif", str(panel), "--rules", "kommiljard-2022", "--region", "14", "--improve",
                                   "2", *cell_args])  # fmt: skip
    cell = next(c for c in json.loads(res.stdout)["cells"] if c["changed"])
    _open(browser, scheme_pages["2022"], "#region=14&improve.2022-02.sc_first_visit_150=2")
    card = browser.find_element(By.CSS_SELECTOR, '.cell[data-cell="2022-02.sc_first_visit_150"]')
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in card.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]

    def sv(value: float, signed: bool = False) -> str:
        text = f"{abs(value):.1f}".replace(".", ",")
        return ("+" if value > 0 else "\u2212" if value < 0 else "") + text if signed else text

    assert rows[0] == [sv(cell["share_before"]), sv(cell["share_after"])], rows
    assert rows[1] == [sv(cell["improvement_before_pp"], True), sv(cell["improvement_after_pp"], True)], rows
