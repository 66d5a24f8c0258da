"""Screenshots of what an analyst sends, in headless Chromium, in English and Swedish: the report, the what-if page
(fed a lever grid) and every picture. Each must load whole (every picture decoded), fit the window's width (no
sideways scroll), and say what it should in the language; the screenshots are written to the test's folder (and to
$KOMMILJARD_SCREENSHOTS if set, to look at)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from test_page_browser import _start_browser
from typer.testing import CliRunner

from kommiljard.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "data" / "sample_panel_2019.parquet")
OPERATIONS = str(ROOT / "data" / "sample_operations_2022_2026.parquet")
runner = CliRunner()
SAYS = {
    "en": {"report": "SYNTHETIC data, not real regional figures.", "page": "If every other region stays as observed"},
    "sv": {"report": "SYNTETISKA data, inte verkliga regionala siffror.", "page": "Om alla andra regioner är som"},
}


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        driver = _start_browser(tmp_path_factory.mktemp("chromium-screens"))
    except Exception as exc:
        if os.environ.get("KOMMILJARD_BROWSER_OPTIONAL") == "1":
            pytest.skip(f"headless Chromium could not start: {exc}")
        raise
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deliverables")
    invoke("sweep", "--n", "500", "--chunk-size", "500", "--seed", "1", "--out", folder / "grid", "--region", "06",
           "--improve", "0;3", "--quiet")  # fmt: skip
    invoke("sweep", "--n", "500", "--chunk-size", "500", "--seed", "1", "--out", folder / "variants", "--alternatives",
           "--quiet")  # fmt: skip
    for lang in ("en", "sv"):
        invoke("report", SAMPLE, "--out", folder / f"report-{lang}.html", "--lang", lang)
        invoke("page", SAMPLE, "--out", folder / f"page-{lang}.html", "--sweep", folder / "grid" / "improve+0",
               "--sweep", folder / "grid" / "improve+3", "--lang", lang)  # fmt: skip
        prices = ("--rules", "kommiljard-2026")  # a price-per-operation scheme: its own picture, page and report
        invoke("report", OPERATIONS, *prices, "--out", folder / f"report-2026-{lang}.html", "--lang", lang)
        invoke("page", OPERATIONS, *prices, "--out", folder / f"page-2026-{lang}.html", "--lang", lang)
        invoke("plot", "staircase", OPERATIONS, *prices, "--out", folder / f"prices-{lang}.png", "--lang", lang)
        for kind, source in (("staircase", SAMPLE), ("payouts", SAMPLE), ("sweep", folder / "grid" / "improve+3"),
                             ("variants", folder / "variants")):  # fmt: skip
            invoke("plot", kind, source, "--out", folder / f"{kind}-{lang}.png", "--lang", lang)
    return folder


def shoot(driver, path: Path, fragment: str = "") -> dict:
    driver.set_window_size(1200, 1400)
    driver.get(path.as_uri() + fragment)
    time.sleep(0.4)
    facts = driver.execute_script(
        "return {text: document.body.innerText, wide: document.documentElement.scrollWidth,"
        " window: window.innerWidth, images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)};"
    )
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(height + 100, 16000))
    shot = path.with_suffix(f".{'shot' if path.suffix != '.png' else 'seen'}.png")
    driver.save_screenshot(str(shot))
    if os.environ.get("KOMMILJARD_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["KOMMILJARD_SCREENSHOTS"]) / shot.name)
    return facts


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_report_page_and_pictures_in_the_browser(browser, made, lang):
    report = shoot(browser, made / f"report-{lang}.html")
    assert SAYS[lang]["report"] in report["text"] and report["images"] and all(report["images"])
    assert report["wide"] <= report["window"]
    first = report["text"].split(SAYS[lang]["report"])[0]
    assert first.count("\n") <= 4  # the title, the subtitle and one line: no banner of many lines
    page = shoot(browser, made / f"page-{lang}.html", "#region=06&improve=3")
    assert SAYS[lang]["page"] in page["text"] and page["wide"] <= page["window"]
    assert ("under the scenario's uncertainty" if lang == "en" else "med scenariots osäkerhet") in page["text"]
    for kind in ("staircase", "payouts", "sweep", "variants"):
        seen = shoot(browser, made / f"{kind}-{lang}.png")
        assert seen["images"] == [True], kind
        assert (made / f"{kind}-{lang}.seen.png").stat().st_size > 5000


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_a_price_scheme_s_report_page_and_picture_in_the_browser(browser, made, lang):
    """2026 (price per operation): the report and page load whole, fit the window, say the synthetic mark in the
    language and name the cell by its period (not its last month)."""
    report = shoot(browser, made / f"report-2026-{lang}.html")
    assert SAYS[lang]["report"] in report["text"] and report["images"] and all(report["images"])
    assert report["wide"] <= report["window"]
    assert ("Block 1: Jan–Dec 2026" if lang == "en" else "Block 1: jan–dec 2026") in report["text"]
    page = shoot(browser, made / f"page-2026-{lang}.html", "#region=03&more=200")
    assert SAYS[lang]["page"] in page["text"] and page["wide"] <= page["window"]
    assert ("Jan–Dec 2026" if lang == "en" else "jan–dec 2026") in page["text"]
    assert ("operations" if lang == "en" else "operationer") in page["text"] and " pp " not in page["text"]
    seen = shoot(browser, made / f"prices-{lang}.png")
    assert seen["images"] == [True] and (made / f"prices-{lang}.seen.png").stat().st_size > 5000
