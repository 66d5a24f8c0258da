"""Print-ready workbooks: A4 fitted to the page's width, landscape when wide, the header repeated on every page and
frozen, headers in the chosen language, thousands and mnkr formats, a total row per table, and the synthetic mark
and the sources on a sheet of their own. With LibreOffice installed, the payout workbook is converted to PDF and its
pages counted (it printed 23 pages, one column a page, before)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "data" / "sample_panel_2019.parquet")
runner = CliRunner()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("books")
    for lang in ("en", "sv"):
        for args in (["payout", SAMPLE], ["compare", SAMPLE, "--alternatives"]):
            out = folder / f"{args[0]}-{lang}.xlsx"
            assert runner.invoke(app, [*args, "--out", str(out), "--lang", lang]).exit_code == 0
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_every_sheet_prints_on_a4_fitted_to_the_page_width(workbooks, lang):
    for name in ("payout", "compare"):
        wb = openpyxl.load_workbook(workbooks / f"{name}-{lang}.xlsx")
        for ws in wb:
            setup = ws.page_setup
            assert int(setup.paperSize) == 9 and setup.fitToWidth == 1 and setup.fitToHeight == 0
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.print_title_rows and ws.freeze_panes  # the header on every page, frozen on screen
            wide = sum(ws.column_dimensions[c].width or 8 for c in ws.column_dimensions) > 95
            assert setup.orientation == ("landscape" if wide else "portrait"), ws.title


@pytest.mark.slow
def test_headers_numbers_and_totals_for_people(workbooks):
    summary = openpyxl.load_workbook(workbooks / "payout-sv.xlsx")["Sammanfattning"]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    assert rows[0][0].startswith("SYNTETISKA data")
    header = next(r for r in rows if r[0] == "region")
    assert header[:3] == ["region", "namn", "block 1, förstabesök, kr"]
    total = rows[-1]
    assert total[1] == "totalt" and total[-1] == 1_600_000_000
    amounts = [c for row in summary.iter_rows() for c in row if isinstance(c.value, int) and c.value > 1000]
    assert amounts and all(c.number_format == "#,##0" for c in amounts)
    detail = openpyxl.load_workbook(workbooks / "payout-en.xlsx")["Detail"]
    texts = {c.value for row in detail.iter_rows() for c in row if isinstance(c.value, str)}
    assert "first visits" in texts and "by improvement" in texts and "first_visit" not in texts


@pytest.mark.slow
def test_synthetic_mark_and_sources_on_a_sheet_of_their_own(workbooks):
    wb = openpyxl.load_workbook(workbooks / "payout-sv.xlsx")
    assert wb.sheetnames[-1] == "Om underlaget"
    about = {r[0]: r[1] for r in wb["Om underlaget"].iter_rows(values_only=True) if r[0]}
    assert about["underlaget"].startswith("SYNTETISKA data")
    assert "En ny, uppdaterad kömiljard 2019" in about["Regelverket"] and "4.3" in about["Källa"]


@pytest.mark.slow
def test_compare_totals_in_mnkr_format(workbooks):
    variants = openpyxl.load_workbook(workbooks / "compare-en.xlsx")["Variants"]
    formats = {c.number_format for row in variants.iter_rows() for c in row if isinstance(c.value, (int, float))}
    assert "#,##0.0,," in formats


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("libreoffice") and shutil.which("pdfinfo")), reason="no LibreOffice or pdfinfo")
def test_payout_workbook_prints_on_a_few_pages(workbooks, tmp_path):
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(workbooks / "payout-sv.xlsx")], check=True, capture_output=True, timeout=300)  # fmt: skip
    info = subprocess.run(["pdfinfo", str(tmp_path / "payout-sv.pdf")], check=True, capture_output=True, text=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")))
    assert 3 <= pages <= 12, pages  # summary, detail (252 rows), cells, about: every column on the page


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_a_price_schemes_detail_writes_counts_with_thousands_and_each_unit_once(tmp_path, lang):
    out = tmp_path / "price.xlsx"
    mixed = str(ROOT / "data" / "sample_shares_and_operations.parquet")
    assert (
        runner.invoke(app, ["payout", mixed, "--rules", "kommiljard-2026", "--out", str(out), "--lang", lang]).exit_code
        == 0
    )
    ws = openpyxl.load_workbook(out)["Detaljer" if lang == "sv" else "Detail"]
    headers = [c.value for c in ws[4]]
    assert not any(h.endswith(("kr, kr", "kr, mnkr")) for h in headers), headers
    cap, people = ("tak, kr", "befolkning") if lang == "sv" else ("cap, kr", "population")
    assert cap in headers and people in headers and f"{people}, kr" not in headers  # a count is no amount
    row = [c for c in ws[5]]
    formats = {h: c.number_format for h, c in zip(headers, row)}
    counts = [h for h in headers if h.startswith(("operations", "operationer", "räknade"))] + [people]
    assert counts and all(formats[h] == "#,##0" for h in counts), formats
    baseline = "baslinje" if lang == "sv" else "baseline"
    assert formats[baseline] == "#,##0.00" and formats[cap] == "#,##0"  # a baseline is a mean of three years
