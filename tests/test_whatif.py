"""What-if and payout curve: equal to computing payout() twice by hand, on random panels."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.whatif import payout_curve, whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.sample import sample_panel

MONTHS = ["2019-09", "2019-10", "2019-11"]
GROUPS = ["first_visit", "operation"]


def by_hand(panel: pd.DataFrame, region: str, x: float, months, groups, rules, population):
    """The documented rule, written out: add x, round to 6 decimals, clamp to 0-100, cap share_60."""
    frame = panel.copy()
    rows = (frame["region"] == region) & frame["month"].isin(months) & frame["group"].isin(groups)
    frame.loc[rows, "share_90"] = np.clip(np.round(frame.loc[rows, "share_90"] + x, 6), 0.0, 100.0)
    frame.loc[rows, "share_60"] = np.minimum(frame.loc[rows, "share_60"], frame.loc[rows, "share_90"])
    return payout(frame, rules, population)


def total(result, region: str) -> float:
    return float(result.summary().set_index("region").loc[region, "total_sek"])


def random_cases(n: int, seed: int = 20191):
    rng = np.random.default_rng(seed)
    for i in range(n):
        panel = sample_panel(int(rng.integers(0, 10_000)))
        region = str(rng.choice(panel["region"].unique()))
        months = sorted(rng.choice(MONTHS, size=int(rng.integers(1, 4)), replace=False))
        groups = sorted(rng.choice(GROUPS, size=int(rng.integers(1, 3)), replace=False))
        x = round(float(rng.integers(-50, 101)) / 10, 1)  # -5.0 to 10.0 on the 0.1 grid
        yield pytest.param(panel, region, x, months, groups, id=f"random{i}-{region}-{x:+g}")


def landing_cases():
    """Improvements that land exactly on the bounds 1.0, 3.0 and 5.0 pp."""
    panel = sample_panel(2019)
    for bound in (1.0, 3.0, 5.0):
        for region, month, group in (("06", "2019-10", "operation"), ("24", "2019-09", "first_visit")):
            rows = panel[(panel["region"] == region) & (panel["group"] == group)].set_index("month")["share_90"]
            x = round(bound - (rows[month] - rows[f"2018{month[4:]}"]), 6)
            yield pytest.param(
                panel, region, x, [month], [group], bound, id=f"lands-on-{bound}-{region}-{month}-{group}"
            )


@pytest.mark.parametrize(("panel", "region", "x", "months", "groups"), list(random_cases(8)))
def test_whatif_equals_payout_twice_by_hand(panel, region, x, months, groups, rules, population):
    w = whatif(panel, region, x, months, groups, rules, population=population)
    before, after = payout(panel, rules, population), by_hand(panel, region, x, months, groups, rules, population)
    assert w.baseline_sek == total(before, region)
    assert w.scenario_sek == total(after, region)
    assert w.delta_sek == total(after, region) - total(before, region)
    hand = after.table[(after.table["region"] == region) & (after.table["block"] == 1)].set_index(["month", "group"])
    cells = w.cells.set_index(["month", "group"])
    assert (cells["tier_after"] == hand.loc[cells.index, "tier"]).all()
    assert (cells["amount_after_sek"] == hand.loc[cells.index, "amount_sek"]).all()
    assert set(cells.index[cells["changed"]]) == {(m, g) for m in months for g in groups}


@pytest.mark.parametrize(("panel", "region", "x", "months", "groups", "bound"), list(landing_cases()))
def test_improvements_landing_exactly_on_a_bound(panel, region, x, months, groups, bound, rules, population):
    w = whatif(panel, region, x, months, groups, rules, population=population)
    cell = w.cells.set_index(["month", "group"]).loc[(months[0], groups[0])]
    assert cell["improvement_after_pp"] == bound
    assert cell["tier_after"] == {1.0: 1, 3.0: 2, 5.0: 2}[bound]  # 1.0 and 3.0 inclusive, "more than 5" excludes 5.0
    assert w.scenario_sek == total(by_hand(panel, region, x, months, groups, rules, population), region)


def test_clamped_at_100_and_share_60_lowered_with_share_90(rules, population):
    panel = sample_panel(3)
    rows = (panel["region"] == "09") & (panel["month"] == "2019-10") & (panel["group"] == "first_visit")
    panel.loc[rows, ["share_90", "share_60"]] = [98.5, 90.0]
    up = whatif(panel, "09", 3.0, "2019-10", "first_visit", rules, population=population)
    cell = up.cells.set_index(["month", "group"]).loc[("2019-10", "first_visit")]
    assert cell["share_after"] == 100.0 and cell["clamped"]
    down = whatif(panel, "09", -10.0, "2019-10", "first_visit", rules, population=population)
    frame = down.scenario.panel.frame.set_index(["region", "month", "group"]).loc[("09", "2019-10", "first_visit")]
    assert frame["share_90"] == 88.5 and frame["share_60"] == 88.5


@pytest.mark.slow
def test_to_next_tier_and_one_more_pp(rules, population):
    panel = sample_panel(2019)
    w = whatif(panel, "06", 0.0, rules=rules, population=population)
    assert set(w.cells["route_after"]) >= {"none", "target_60"}
    for row in w.cells.itertuples():
        if np.isnan(row.to_next_tier_pp):
            assert row.tier_after == 3
            continue
        step = whatif(panel, "06", row.to_next_tier_pp, row.month, row.group, rules, population=population)
        cell = step.cells.set_index(["month", "group"]).loc[(row.month, row.group)]
        assert cell["tier_after"] == row.tier_after + 1, row
        assert cell["improvement_after_pp"] == pytest.approx(row.improvement_after_pp + row.to_next_tier_pp, abs=1e-9)
    one = whatif(panel, "06", 1.0, rules=rules, population=population)  # cells are independent: one run checks them all
    np.testing.assert_allclose(one.cells["delta_sek"], w.cells["sek_per_extra_pp"], rtol=0, atol=1e-6)


def test_payout_curve_steps_exactly_at_the_bars(rules, population):
    panel = sample_panel(2019)
    curve = payout_curve(panel, "06", "2019-10", "operation", rules, population)  # share_60 below 71: no target
    assert len(curve) == 151 and curve["improvement_pp"].iloc[[0, -1]].tolist() == [-5.0, 10.0]
    assert (curve["amount_sek"].diff().dropna() >= 0).all()
    expected = np.select(
        [curve["improvement_pp"] > 5.0, curve["improvement_pp"] >= 3.0, curve["improvement_pp"] >= 1.0], [3, 2, 1], 0
    )
    assert (curve["tier"] == expected).all()
    steps = curve.loc[curve["amount_sek"].diff() > 0, "improvement_pp"].tolist()
    assert steps == [1.0, 3.0, 5.1]
    # at the region's own improvement the curve gives what payout() gives
    table = (
        payout(panel, rules, population)
        .table.set_index(["region", "month", "group"])
        .loc[("06", "2019-10", "operation")]
    )
    at = curve.set_index("improvement_pp")["amount_sek"]
    assert at[round(table["improvement_pp"], 1)] == table["amount_sek"]


def test_payout_curve_over_all_cells_is_non_decreasing(rules, population):
    curve = payout_curve(sample_panel(7), "14", rules=rules, population=population, lo=-2, hi=8, step=0.5)
    assert (curve["amount_sek"].diff().dropna() >= 0).all() and curve["amount_sek"].iloc[-1] > 0


def test_bad_region_month_and_group(rules, population):
    panel = sample_panel(1)
    with pytest.raises(InputError, match="region 11: not a Swedish region"):
        whatif(panel, "11", 1.0, rules=rules, population=population)
    without = panel[panel["region"] != "06"]
    with pytest.raises(InputError, match="region 'Jönköping' is not in the panel"):
        whatif(without, "Jönköping", 1.0, rules=rules, population=population, allow_missing_regions=True)
    with pytest.raises(InputError, match="not among the measurement months of kommiljard-2019; did you mean 2019-11"):
        whatif(panel, "06", 1.0, "2019-12", rules=rules, population=population)
    with pytest.raises(InputError, match="did you mean 'operation'"):
        whatif(panel, "06", 1.0, groups="operaton", rules=rules, population=population)


def test_cli_json_and_curve(sample_panel_path, rules, population):
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "whatif",
            str(sample_panel_path),
            "--region",
            "6",
            "--improve",
            "3",
            "--month",
            "2019-10,2019-11",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    w = whatif(sample_panel_path, "06", 3.0, ["2019-10", "2019-11"], rules=rules, population=population)
    assert (doc["baseline_sek"], doc["scenario_sek"], doc["delta_sek"]) == (w.baseline_sek, w.scenario_sek, w.delta_sek)
    res = runner.invoke(
        app,
        [
            "whatif",
            str(sample_panel_path),
            "--region",
            "06",
            "--curve",
            "--month",
            "2019-10",
            "--group",
            "operation",
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == "improvement_pp,amount_sek,tier" and len(res.stdout.splitlines()) == 152
    res = runner.invoke(app, ["whatif", str(sample_panel_path), "--region", "06"])
    assert res.exit_code == 2 and "--improve" in res.output
