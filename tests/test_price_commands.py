"""The price schemes of 2025 and 2026 through every command: payout (terminal, Swedish CSV, workbook), explain,
whatif (--procedure, --more, --curve), report, plot, the page, compare (2025 against 2026; the staircase against a
price scheme on one panel), and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.curves import cell_curves
from kommiljard.analysis.whatif import payout_curve, whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.outputs.page import page_data

DATA = Path(__file__).resolve().parents[1] / "data"
OPERATIONS = str(DATA / "sample_operations_2022_2026.parquet")
MIXED = str(DATA / "sample_shares_and_operations.parquet")
SCHEMES = ("kommiljard-2025-feb-oct", "kommiljard-2025-jun-oct", "kommiljard-2026")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_june_october_sample_pays_46_8_pct_of_the_maximum_beside_the_published_48():
    result = payout(OPERATIONS, "kommiljard-2025-jun-oct")
    assert result.panel.synthetic
    assert round(result.paid_sek / 507.5e6 * 100, 1) == 46.8  # docs/rules/2025-jun-oct.md, data/README.md
    pct = result.table.set_index("region")["share_of_max_pct"]
    paid = result.table.set_index("region")["amount_sek"]
    cap = result.table.set_index("region")["cap_sek"]
    np.testing.assert_allclose(pct, paid / cap * 100, rtol=1e-12)
    assert cap.sum() == pytest.approx(507.5e6, abs=1e-3) and (paid <= cap).all()


@pytest.mark.slow
@pytest.mark.parametrize("name", SCHEMES)
def test_payout_in_swedish_csv_and_a_workbook_adds_up_in_whole_kronor(name, tmp_path):
    csv, xlsx = tmp_path / "p.csv", tmp_path / "p.xlsx"
    assert run("payout", OPERATIONS, "--rules", name, "--out", str(csv), "--csv-dialect", "sv").exit_code == 0
    assert run("payout", OPERATIONS, "--rules", name, "--out", str(xlsx)).exit_code == 0
    table = pd.read_csv(csv, sep=";", decimal=",", dtype={"region": str}, encoding="utf-8-sig", skiprows=1)
    headers = {"amount, kr": "amount_sek", "cap, kr": "cap_sek", "as a top region, kr": "top_regions_sek"}
    table = table.rename(columns=headers)  # a Swedish CSV is for people: headers in words, the synthetic line first
    cells = payout(OPERATIONS, name).cells
    paid = table["amount_sek"].sum()
    assert paid == pytest.approx(round(cells["paid_sek"].sum()), abs=0.5)
    assert (table["amount_sek"] == table["amount_sek"].round()).all() and (table["operations"].dropna() % 1 == 0).all()
    priced = table[table["cap_sek"].notna()]
    assert (priced["amount_sek"] - priced["top_regions_sek"] <= priced["cap_sek"] + 1).all()  # each rounded on its own
    assert xlsx.stat().st_size > 0


def test_explain_says_what_a_region_gets_for_how_many_operations_at_what_price_and_its_cap():
    done = run("explain", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03")
    assert done.exit_code == 0, done.output
    text = re.sub(r"\s+", " ", done.output)
    assert "Uppsala gets 22 441 000 kr: 59 knee prostheses over the baseline at 108 000 kr" in text
    assert "below its cap of 28 000 000 kr" in text and "SYNTHETIC" in text
    data = json.loads(run("explain", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "-f", "json").output)
    knee = next(p for p in data["procedures"] if p["procedure"] == "knee_prosthesis")
    assert knee["counted"] == 59 and knee["earned_sek"] == 59 * 108_000
    assert data["amount_sek"] == sum(p["earned_sek"] for p in data["procedures"])  # below its cap: all it earned


@pytest.mark.slow
def test_whatif_200_more_cataract_operations_below_the_cap_pays_200_times_19_000_kr():
    w = whatif(OPERATIONS, "03", 200, groups="cataract", rules="kommiljard-2026", lever="more")
    assert w.delta_sek == 200 * 19_000
    assert {g for _, _, g in w.chosen} == {"cataract"} and len(w.chosen) == 12
    done = run(
        "whatif", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--procedure", "cataract", "--more", "200"
    )
    assert done.exit_code == 0, done.output
    assert "+3 800 000 kr" in done.output and "performs +200 operations more" in done.output


@pytest.mark.slow
def test_whatif_past_the_cap_pays_exactly_the_cap_and_the_curve_agrees_with_whatif():
    curve = payout_curve(
        OPERATIONS, "03", group="cataract", rules="kommiljard-2026", lo=0, hi=1000, step=50, lever="more"
    )
    assert curve["amount_sek"].iloc[-1] == 28_000_000  # Uppsala's cap
    assert curve["amount_sek"].is_monotonic_increasing
    for more in (100, 350):
        w = whatif(OPERATIONS, "03", more, groups="cataract", rules="kommiljard-2026", lever="more")
        assert curve.set_index("more_operations").loc[float(more), "amount_sek"] == w.scenario_sek


@pytest.mark.slow
def test_the_page_equals_whatif_on_its_grid_for_a_price_block_with_a_pot_per_procedure():
    result = payout(OPERATIONS, "kommiljard-2025-feb-oct")
    curves = cell_curves(result, lo=-100, hi=300, step=10)
    data = page_data(curves, "sv")
    assert len(data["cells"]) == 3 and "value" in data["regions"][0]["cells"][0]  # the operations, not a share
    r = curves.regions.index("22")
    c = [g for _, _, g in curves.cells].index("prolapse")
    w = whatif(OPERATIONS, "22", 200, groups="prolapse", rules="kommiljard-2025-feb-oct", lever="more")
    after = w.cells.set_index("group").loc["prolapse", "amount_after_sek"]
    assert curves.amount[r, c, curves.index(200)] == after
    assert (
        curves.total(r and "22", {(m, g): (200 if g == "prolapse" else 0) for _, m, g in curves.cells})
        == w.scenario_sek
    )


@pytest.mark.slow
def test_report_in_swedish_names_the_procedures_and_the_kind_in_swedish(tmp_path):
    out = tmp_path / "r.html"
    done = run("report", OPERATIONS, "--rules", "kommiljard-2025-feb-oct", "--lang", "sv", "--out", str(out))
    assert done.exit_code == 0, done.output
    page = out.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<[^>]*>", " ", page, flags=re.S)  # what a reader sees (no anchors, no data)
    assert "Ersättning per operation" in text and "höftprotes" in text
    assert "hip_prosthesis" not in text and "above_baseline" not in text


@pytest.mark.slow
def test_plot_of_a_price_block_and_its_payout_curve(tmp_path):
    cells, curve = tmp_path / "cells.png", tmp_path / "curve.csv"
    assert run("plot", "staircase", OPERATIONS, "--rules", "kommiljard-2026", "--out", str(cells)).exit_code == 0
    args = ("whatif", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--curve", "--out", str(curve))
    assert run(*args).exit_code == 0
    assert run("plot", "curve", str(curve), "--out", str(tmp_path / "curve.png")).exit_code == 0
    assert cells.stat().st_size > 10_000


@pytest.mark.slow
def test_compare_2025_against_2026_and_the_staircase_against_a_price_scheme_on_one_panel():
    done = run("compare", OPERATIONS, "--rules", "kommiljard-2025-jun-oct", "--rules", "kommiljard-2026", "-f", "csv")
    assert done.exit_code == 0, done.output
    mixed = run("compare", MIXED, "--rules", "kommiljard-2019", "--rules", "kommiljard-2026", "-f", "json")
    assert mixed.exit_code == 0, mixed.output
    assert payout(MIXED, "kommiljard-2026").paid_sek == payout(OPERATIONS, "kommiljard-2026").paid_sek
    assert payout(MIXED, "kommiljard-2019").paid_sek == pytest.approx(1_600_000_000)


def _bad(frame: pd.DataFrame, case: str) -> pd.DataFrame:
    f = frame.copy()
    if case == "missing procedure":
        f.loc[f.index[:1], "group"] = None
    elif case == "negative count":
        f.loc[f.index[5], "operations"] = -3
    elif case == "fractional count":
        f["operations"] = f["operations"].astype(float)
        f.loc[f.index[7], "operations"] = 12.5
    elif case == "duplicated row":
        f = pd.concat([f, f.iloc[[10]]])
    elif case == "unknown procedure":
        f.loc[f.index[0], "group"] = "catarct"
    elif case == "region missing":
        f = f[f["region"] != "09"]
    elif case == "row missing":
        f = f[~((f["region"] == "03") & (f["month"] == "2026-05") & (f["group"] == "cataract"))]
    return f


BAD = {
    "missing procedure": "group is empty",
    "negative count": "operations = '-3' must be a count from 0",
    "fractional count": "must be a whole number (a count)",
    "duplicated row": "duplicate row for (01, 2022-02, knee_prosthesis)",
    "unknown procedure": "did you mean 'cataract'?",
    "region missing": "region 09 Gotland has no rows",
    "row missing": "region 03 Uppsala has no row for 2026-05 cataract",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_operations_panel_is_refused_with_exit_2_and_nothing_written(case, tmp_path):
    panel, out = tmp_path / "panel.csv", tmp_path / "out.csv"
    _bad(pd.read_parquet(OPERATIONS), case).to_csv(panel, index=False)
    done = run("payout", str(panel), "--rules", "kommiljard-2026", "--out", str(out))
    assert done.exit_code == 2, done.output
    assert BAD[case] in done.stderr and "Traceback" not in done.output
    assert not out.exists() and not list(tmp_path.glob("out*"))


def test_a_month_outside_the_scheme_is_refused_with_a_suggestion():
    done = run(
        "whatif", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03", "--month", "2027-01", "--more", "5"
    )
    assert done.exit_code == 2 and "did you mean 2026-01?" in done.stderr


def test_the_procedure_column_is_accepted_as_the_group(tmp_path):
    panel = tmp_path / "p.csv"
    pd.read_parquet(OPERATIONS).rename(columns={"group": "procedure"}).to_csv(panel, index=False)
    assert payout(panel, "kommiljard-2026").paid_sek == payout(OPERATIONS, "kommiljard-2026").paid_sek
