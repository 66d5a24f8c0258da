"""Worked examples of every bundled rule set besides 2019 (tests/cases/<rule set>.toml).

Each case runs through the reference, the numba kernel and the whole engine (backend
``check``, which runs both and requires them to agree) on a panel built from it: four real
county codes stand for A-D, with a population table that gives them the example's
populations. A case applies to every group unless it has a table for a group.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.kinds.staircase.kernel import StaircaseParams, run_staircase
from kommiljard.kinds.staircase.reference import allocate_cell
from kommiljard.kinds.threshold.reference import allocate_period
from kommiljard.kinds.threshold.kernel import ThresholdParams, run_threshold
from kommiljard.engine import payout
from kommiljard.inputs.panel import shift_month
from kommiljard.rules import load_rules

CASES_DIR = Path(__file__).parent / "cases"
THRESHOLD_SETS = ["kommiljard-2009", "kommiljard-2011", "kommiljard-2012", "kommiljard-2013", "kommiljard-2014"]
CODES = ["01", "03", "04", "05"]  # stand for A, B, C, D
BASE = 92.0  # staircase cases: last year's share_90 (above every share_60); this year's is BASE + improvement


def spec_of(name: str) -> dict:
    return tomllib.loads((CASES_DIR / f"{name}.toml").read_text(encoding="utf-8"))


def cases_of(names: list[str]) -> list[tuple[dict, dict]]:
    return [(spec, case) for name in names for spec in [spec_of(name)] for case in spec["case"]]


def ids(pairs) -> list[str]:
    return [f"{spec['rules']}:{case['name']}" for spec, case in pairs]


def rules_for(spec: dict, case: dict):
    rules = load_rules(spec["rules"], case.get("overrides"))
    return rules.with_alternative(case["alternative"]) if "alternative" in case else rules


def data(case: dict, group: str) -> dict:
    """The case's figures and expectations for one group."""
    base = {k: v for k, v in case.items() if not isinstance(v, dict)}
    return {**base, **case.get(group, {})}


def weights(spec: dict, block) -> list[float]:
    """The sharing key, as the engine builds it: population, or 1 each for equal sharing."""
    return [float(p) if block.sharing == "population" else 1.0 for p in spec["population"]]


def population_file(spec: dict, tmp_path: Path) -> Path:
    path = tmp_path / "population.csv"
    pd.DataFrame({"region": CODES, "population": spec["population"]}).to_csv(path, index=False)
    return path


THRESHOLD_CASES = cases_of(THRESHOLD_SETS)


@pytest.mark.parametrize(("spec", "case"), THRESHOLD_CASES, ids=ids(THRESHOLD_CASES))
def test_threshold_reference(spec, case):
    block = rules_for(spec, case).ruleset.block(1)
    period = block.periods[0]
    groups = block.group_names
    values = {g: data(case, g)[block.measure] for g in groups}
    gate = {g: data(case, g)[block.gate.measure] for g in groups} if block.gate else None
    cells = allocate_period(block, period, CODES, values, gate, weights(spec, block))
    for g in groups:
        assert [r.amount for r in cells[g].regions] == pytest.approx(data(case, g)["expected"], abs=0.01), g
        assert cells[g].lapsed == pytest.approx(data(case, g)["lapsed"], abs=0.01), g


@pytest.mark.parametrize(("spec", "case"), THRESHOLD_CASES, ids=ids(THRESHOLD_CASES))
def test_threshold_kernel(spec, case):
    block = rules_for(spec, case).ruleset.block(1)
    groups = block.group_names
    value = np.array([data(case, g)[block.measure] for g in groups])
    gate = np.array([data(case, g)[block.gate.measure] for g in groups]) if block.gate else np.full_like(value, np.nan)
    pots = [[block.pot_sek(lv, block.periods[0], g) for lv in block.levels] for g in groups]
    res = run_threshold(ThresholdParams.from_block(block), value, gate, np.zeros(len(groups)), weights(spec, block), pots)
    for c, g in enumerate(groups):
        np.testing.assert_allclose(res.amount[c], data(case, g)["expected"], atol=0.01, rtol=0, err_msg=g)
        assert res.lapsed[c] == pytest.approx(data(case, g)["lapsed"], abs=0.01)


def threshold_panel(block, case) -> pd.DataFrame:
    """The case's figures in the row of the period's last month, for every group."""
    month = block.periods[0].months[-1]
    measures = block.measure_columns()
    rows = []
    for g in block.group_names:
        d = data(case, g)
        for i, code in enumerate(CODES):
            rows.append({"region": code, "month": month, "group": g, **{m: d[m][i] for m in measures}})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("spec", "case"), THRESHOLD_CASES, ids=ids(THRESHOLD_CASES))
def test_threshold_engine(spec, case, tmp_path):
    rules = rules_for(spec, case)
    block = rules.ruleset.block(1)
    result = payout(threshold_panel(block, case), rules, population=population_file(spec, tmp_path), backend="check")
    for g in block.group_names:
        rows = result.table[result.table["group"] == g].set_index("region").loc[CODES]
        np.testing.assert_allclose(rows["amount_sek"], data(case, g)["expected"], atol=0.01, rtol=0, err_msg=g)
        cell = result.cells[result.cells["group"] == g]
        assert float(cell["lapsed_sek"].iloc[0]) == pytest.approx(data(case, g)["lapsed"], abs=0.01)
        assert (rows["month"] == block.periods[0].months[-1]).all()
    assert result.paid_sek + result.lapsed_sek == pytest.approx(rules.ruleset.total_sek, abs=0.05)


STAIRCASE_CASES = cases_of(["kommiljard-2020"])


def staircase_arrays(case):
    return [BASE + imp for imp in case["improvement"]], [BASE] * 4, case["share_60"]


@pytest.mark.parametrize(("spec", "case"), STAIRCASE_CASES, ids=ids(STAIRCASE_CASES))
def test_2020_reference_and_kernel(spec, case):
    block = rules_for(spec, case).ruleset.block(1)
    current, previous, level = staircase_arrays(case)
    for group in block.group_names:
        pot = block.pot_sek(group)
        cell = allocate_cell(block, CODES, current, previous, level, weights(spec, block), pot)
        assert [r.amount for r in cell.regions] == pytest.approx(case["expected"], abs=0.01)
        assert cell.lapsed == pytest.approx(case["lapsed"], abs=0.01)
        res = run_staircase(StaircaseParams.from_block(block), np.array([current]), np.array([previous]), np.array([level]), weights(spec, block), [pot])
        np.testing.assert_allclose(res.amount[0], case["expected"], atol=0.01, rtol=0)


@pytest.mark.parametrize(("spec", "case"), STAIRCASE_CASES, ids=ids(STAIRCASE_CASES))
def test_2020_engine_with_addendum(spec, case, tmp_path):
    rules = rules_for(spec, case)
    block = rules.ruleset.block(1)
    current, previous, level = staircase_arrays(case)
    rows = [
        {"region": code, "month": m, "group": g, "share_90": s90, "share_60": s60}
        for month in block.months
        for g in block.group_names
        for m, values in ((month, current), (shift_month(month, -12), previous))
        for code, s90, s60 in zip(CODES, values, level)
    ]
    result = payout(pd.DataFrame(rows), rules, population=population_file(spec, tmp_path), backend="check")
    t = result.table
    for (month, group), cell in t[t["block"] == 1].groupby(["month", "group"]):
        np.testing.assert_allclose(cell.set_index("region").loc[CODES, "amount_sek"], case["expected"], atol=0.01, rtol=0, err_msg=f"{month} {group}")
    np.testing.assert_allclose(result.cells[result.cells["block"] == 1]["lapsed_sek"], case["lapsed"], atol=0.01)
    for number, expected in spec["population_blocks"].items():
        amounts = t[t["block"] == int(number)].set_index("region").loc[CODES, "amount_sek"]
        np.testing.assert_allclose(amounts, expected, atol=0.01, rtol=0, err_msg=f"block {number}")


@pytest.mark.parametrize("name", [*THRESHOLD_SETS, "kommiljard-2020"])
def test_bundled_rule_set_runs_on_its_sample_panel(name, sample_panel_path):
    panel = sample_panel_path.with_name(f"sample_panel_{name[-4:]}.parquet")
    result = payout(panel, name, backend="check")
    assert result.panel.synthetic
    assert result.paid_sek + result.lapsed_sek == pytest.approx(load_rules(name).ruleset.total_sek, abs=0.05)
    assert (result.table["amount_sek"] >= 0).all()
