"""The schemes with requirements and a bonus pot through every command: payout (terminal, Swedish CSV, xlsx),
explain, whatif and its curve, the what-if page's curves, compare, the report in both languages, and plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.curves import cell_curves
from kommiljard.analysis.whatif import payout_curve, whatif
from kommiljard.cli import app
from kommiljard.engine import payout

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "data" / "sample_panel_2023.parquet"
RULES = "kommiljard-2023"
runner = CliRunner()
pytestmark = pytest.mark.slow  # each runs whole commands on the 2 940-row sample panel


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def baseline():
    return payout(PANEL, RULES)


def test_payout_writes_the_kinds_columns_in_english_and_swedish_and_a_workbook(tmp_path):
    for name, extra in (("p.csv", []), ("p_sv.csv", ["--csv-dialect", "sv"]), ("p.xlsx", [])):
        result = run("payout", PANEL, "--rules", RULES, "--out", tmp_path / name, *extra)
        assert result.exit_code == 0, result.output
    en = pd.read_csv(tmp_path / "p.csv", dtype={"region": str})
    for column in ("fraction", "part_sek", "earned_sek", "bonus_sek", "paid_in", "level"):
        assert column in en.columns
    block = en[en["block"] == 1]
    np.testing.assert_allclose(block["earned_sek"] + block["bonus_sek"], block["amount_sek"], atol=0.01)
    sv = (tmp_path / "p_sv.csv").read_text(encoding="utf-8-sig")
    first, header = sv.splitlines()[:2]  # a spreadsheet's CSV says first that the panel is synthetic
    assert first.startswith("SYNTHETIC") and header.startswith("region;") and ";0,75;" in sv  # decimal comma
    assert (tmp_path / "p.xlsx").stat().st_size > 10_000


def test_payout_on_the_terminal_has_one_column_for_the_block_and_money_in_kronor():
    result = run("payout", PANEL, "--rules", RULES)
    assert result.exit_code == 0, result.output
    assert "block 1" in result.output and "sc_first_visit" not in result.output  # headers in words
    assert "e+0" not in result.output  # no money in scientific notation


def test_explain_as_json_traces_earned_and_bonus(baseline):
    result = run("explain", PANEL, "--rules", RULES, "--region", "12", "--month", "2023-07", "--group", "bup_treatment")
    assert result.exit_code == 0, result.output
    result = run(
        "explain", PANEL, "--rules", RULES, "--region", "12", "--month", "2023-07", "--group", "bup_treatment",
        "--format", "json",
    )  # fmt: skip
    doc = json.loads(result.stdout)
    row = baseline.table.query("block == 1 and region == '12' and month == '2023-07' and group == 'bup_treatment'")
    assert doc["amount_sek"] == pytest.approx(float(row["amount_sek"].iloc[0]), abs=1e-6)
    assert doc["route"] == row["route"].iloc[0] and doc["bonus_reading"] == "earned"


def test_whatif_moves_one_requirement_and_its_delta_is_the_payouts(baseline):
    w = whatif(PANEL, "21", 1.5, groups="sc_operation", rules=RULES)
    assert {g for _, _, g in w.chosen} == {"sc_operation"} and len(w.chosen) == 10
    frame = baseline.panel.frame.copy()
    rows = (frame["region"] == "21") & (frame["group"] == "operation") & frame["month"].str.startswith("2023")
    frame.loc[rows, "share_90"] = np.clip(np.round(frame.loc[rows, "share_90"] + 1.5, 6), 0, 100)
    moved = payout(frame, RULES)
    by_hand = moved.summary().set_index("region").loc["21", "total_sek"]
    assert w.scenario_sek == pytest.approx(by_hand, abs=0.01)
    assert set(w.cells.loc[w.cells["changed"], "measure"]) == {"share_90"}


def test_whatif_lower_is_better_moves_the_figure_down():
    w = whatif(PANEL, "10", 2.0, months="2023-05", groups="sc_first_visit_150", rules=RULES)
    row = w.cells[w.cells["changed"]].iloc[0]
    assert row["measure"] == "share_over_150" and row["share_after"] == pytest.approx(row["share_before"] - 2.0)


def test_the_curve_is_the_whole_blocks_amount_at_each_improvement(baseline):
    curve = payout_curve(PANEL, "05", None, "bup_assessment", RULES, lo=-2, hi=3, step=0.5)
    req = next(r for r in baseline.rules.ruleset.block(1).requirements if r.name == "bup_assessment")
    for x in (-2.0, 0.5, 3.0):
        frame = baseline.panel.frame.copy()
        this = (frame["region"] == "05") & (frame["group"] == "bup_assessment")
        for month in req.months:
            before = this & (frame["month"] == month.replace("2023", "2022"))
            now = this & (frame["month"] == month)
            frame.loc[now, "performed_30"] = np.clip(np.round(frame.loc[before, "performed_30"].iloc[0] + x, 6), 0, 100)
        total = payout(frame, RULES).table.query("block == 1 and region == '05'")["amount_sek"].sum()
        assert float(curve.loc[curve["improvement_pp"] == x, "amount_sek"].iloc[0]) == pytest.approx(total, abs=0.01)


def test_page_curves_move_one_cell_exactly_as_whatif(baseline):
    curves = cell_curves(baseline, lo=-2.0, hi=2.0)
    assert curves.amount.shape == (21, 90, 41)
    for region, (_, month, group), x in (
        ("06", (1, "2023-05", "sc_first_visit"), 1.5),
        ("25", (1, "2023-09", "bup_treatment"), -2.0),
    ):
        w = whatif(PANEL, region, x, months=month, groups=group, rules=RULES)
        assert curves.total(region, {(month, group): x}) == pytest.approx(w.scenario_sek, abs=0.01)
        assert curves.total(region, 0.0) == pytest.approx(w.baseline_sek, abs=0.01)


def test_compare_runs_every_reading_and_the_bonus_readings_pay_everything():
    result = run("compare", PANEL, "--rules", RULES, "--alternatives", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype={"region": str})
    for name in ("kommiljard-2023", "bonus-met-population", "bonus-per-requirement", "equal-parts", "all-or-nothing"):
        assert table[name].sum() == pytest.approx(2_940_000_000, abs=1.0)
    assert table["no-bonus-pot"].sum() < 2_940_000_000


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_report_has_the_requirements_the_regions_payments_and_the_published_december(tmp_path, lang):
    out = tmp_path / f"report_{lang}.html"
    result = run("report", PANEL, "--rules", RULES, "--lang", lang, "--out", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    words = {
        "en": ("The requirements", "published December 2023", "UNSOURCED"),
        "sv": ("Prestationskraven", "publicerat december 2023", "KÄLLA SAKNAS"),
    }
    for word in words[lang]:
        assert word in html
    assert html.count("<img") == 1 + 9  # the payouts, and each requirement over its months
    assert out.stat().st_size < 3_000_000


def test_plot_a_requirement_cell_and_the_payouts(tmp_path):
    for args in (("cells", "--month", "2023-06", "--group", "sc_revisit"), ("payouts",)):
        out = tmp_path / f"{args[0]}.png"
        result = run("plot", args[0], PANEL, "--rules", RULES, *args[1:], "--out", out)
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:4] == b"\x89PNG"


def test_the_page_of_2024_writes_cells_without_a_level_as_null(tmp_path):
    out = tmp_path / "page.html"
    done = run("page", ROOT / "data" / "sample_panel_2024.parquet", "--rules", "kommiljard-2024", "--out", out)
    assert done.exit_code == 0, done.output  # a requirement without a high level has none: null, not NaN
    assert '"level":null' in out.read_text(encoding="utf-8")


def test_explain_without_a_cell_lists_the_requirements_not_the_panels_groups():
    done = run("explain", PANEL, "--rules", RULES, "--region", "03")
    assert done.exit_code == 2 and "give --month (and --group)" in done.stderr
    said = " ".join(done.stderr.split())
    assert "sc_first_visit, sc_first_visit_150" in said and "first_visit, operation" not in said


def test_a_requirement_is_named_by_its_number_or_its_swedish_name_as_by_its_code():
    cell = ("explain", PANEL, "--rules", RULES, "--region", "06", "--month", "2023-05", "--group")
    by_code = run(*cell, "sc_first_visit")
    assert by_code.exit_code == 0, by_code.output
    for written in ("2", "2. första besök", "2. first visits"):
        done = run(*cell, written)
        assert done.exit_code == 0 and done.stdout == by_code.stdout, (written, done.output)
