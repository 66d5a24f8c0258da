"""Rule kinds beyond the 2019 staircase: loader safety, panel measures, aggregation, kernel = reference.

Broken rule files live in tests/fixtures/rules/, one mistake each; every one must be refused
with a message that names the file, the key and what to fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.engine import payout
from kommiljard.errors import InputError, RuleFileError
from kommiljard.inputs.panel import Panel, validate_panel
from kommiljard.inputs.population import read_population
from kommiljard.kinds.threshold.arrays import threshold_input
from kommiljard.kinds.threshold.kernel import ThresholdParams, run_threshold
from kommiljard.rules import bundled_rule_names, load_rules

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
VALID = FIXTURES / "threshold-valid.toml"


@pytest.mark.parametrize("name", bundled_rule_names())
def test_bundled_rule_sets_and_all_their_alternatives_load(name):
    rules = load_rules(name)
    assert rules.ruleset.valid_from is not None
    for alt in rules.ruleset.alternatives:
        assert rules.with_alternative(alt.name).overrides == alt.overrides


def test_threshold_overrides_by_dotted_path_and_did_you_mean():
    rules = load_rules("kommiljard-2013")
    changed = rules.with_overrides({"block1.levels.80.threshold": 85.0, "block1.gate.scope": "all_groups"})
    assert changed.ruleset.block(1).levels[1].threshold == 85.0
    assert changed.ruleset.block(1).gate.scope == "all_groups"
    with pytest.raises(RuleFileError, match="nothing called '800'.*Did you mean '80'"):
        rules.with_overrides({"block1.levels.800.threshold": 85.0})
    with pytest.raises(RuleFileError, match="levels must ascend"):
        rules.with_overrides({"block1.levels.80.threshold": 60.0})
    with pytest.raises(RuleFileError, match="no alternative called 'gate-all'.*Did you mean 'gate-all-groups'"):
        rules.with_alternative("gate-all")


# ----------------------------------------------------------------------------- panels and measures
CODES = ["01", "03", "04", "05"]


def monthly_panel(months, values, gate=None, groups=("first_visit", "operation")) -> pd.DataFrame:
    """Rows for every month and group: ``values[m][r]`` (and gate) per month index and region."""
    rows = []
    for i, month in enumerate(months):
        for g in groups:
            for r, code in enumerate(CODES):
                row = {"region": code, "month": month, "group": g, "performed_60": values[i][r]}
                if gate is not None:
                    row["share_60"] = gate[i][r]
                rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def population4(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "population.csv"
    pd.DataFrame({"region": CODES, "population": [1_000_000, 500_000, 250_000, 250_000]}).to_csv(path, index=False)
    return read_population(path)


def test_threshold_panel_needs_neither_share_90_nor_share_60(population4):
    panel = monthly_panel(["2011-12"], [[85.0, 75.0, 70.0, 60.0]])
    result = payout(panel, "kommiljard-2011", population=population4)
    assert result.paid_sek == pytest.approx(1_000_000_000.0 - 0.0, abs=0.05)
    assert set(result.table["route"]) == {"threshold", "none"}


def test_missing_measure_column_names_the_column_and_the_block(population4):
    panel = monthly_panel(["2013-12"], [[85.0, 75.0, 70.0, 60.0]])
    with pytest.raises(InputError) as info:
        payout(panel, "kommiljard-2013", population=population4)
    message = str(info.value)
    assert "missing column 'share_60'" in message
    assert "waited <= 60 days" in message and "block 1" in message and "kommiljard-2013" in message


def test_missing_period_row_is_reported_not_zero(population4):
    panel = monthly_panel(["2011-11"], [[85.0, 75.0, 70.0, 60.0]])
    with pytest.raises(InputError, match=r"region 01 Stockholm has no row for 2011-12 first_visit, 2011-12 operation"):
        payout(panel, "kommiljard-2011", population=population4)


def test_optional_measure_is_checked_when_present_and_may_be_empty_when_unused():
    frame = monthly_panel(["2019-09"], [[85.0, 120.0, None, 60.0]], gate=[[50.0] * 4]).assign(share_90=60.0)
    with pytest.raises(InputError, match=r"performed_60 = 120\.0.*outside 0-100"):
        validate_panel(frame)
    ok = frame.assign(performed_60=[85.0, None] * 4)
    assert validate_panel(ok)["performed_60"].isna().sum() == 4


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [("last", [82.0, 80.0, 58.0, 50.0]), ("mean", [71.0, 80.0, 69.0, 50.0]), ("min", [70.0, 80.0, 58.0, 50.0])],
)
def test_period_figure_by_aggregate(aggregate, expected, population4):
    block = load_rules("kommiljard-2011", {"block1.aggregate": aggregate}).ruleset.block(1)
    values = [[70.0, 80.0, 70.0, 50.0]] * 11 + [[82.0, 80.0, 58.0, 50.0]]  # January-November, December
    inp = threshold_input(Panel(monthly_panel(block.periods[0].months, values)), block, population4)
    np.testing.assert_allclose(inp.value, [expected, expected])
    assert inp.months == ("2011-12", "2011-12")


# ----------------------------------------------------------------------------- kernel = reference
def random_block_input(seed: int, population4):
    """A random 2013-style block (two periods) with random rule variants and random figures."""
    rng = np.random.default_rng(seed)
    overrides = {
        "block1.cumulative": bool(rng.integers(2)),
        "block1.cascade": ["down", "lapse"][rng.integers(2)],
        "block1.sharing": ["population", "equal"][rng.integers(2)],
        "block1.gate.scope": ["group", "all_groups"][rng.integers(2)],
        "block1.gate.inclusive": bool(rng.integers(2)),
        "block1.periods": [
            {"name": "h1", "months": ["2013-01", "2013-02", "2013-03", "2013-04", "2013-05", "2013-06"], "share": 0.25},
            {"name": "h2", "months": ["2013-07", "2013-08", "2013-09", "2013-10", "2013-11", "2013-12"], "share": 0.75},
        ],
    }
    block = load_rules("kommiljard-2013", overrides).ruleset.block(1)
    months = [m for p in block.periods for m in p.months]
    levels = [60.0, 69.9, 70.0, 70.1, 75.0, 80.0, 85.5]
    values, gate = (rng.choice(levels, size=(len(months), 4)).tolist() for _ in range(2))
    return block, threshold_input(Panel(monthly_panel(months, values, gate)), block, population4)


def test_kernel_over_many_trajectories_equals_one_at_a_time(population4):
    block, inp = random_block_input(3, population4)
    rng = np.random.default_rng(7)
    values = inp.value[None] + rng.choice([-10.0, 0.0, 5.0], size=(5, *inp.value.shape))
    params = ThresholdParams.from_block(block)
    many = run_threshold(params, values, np.repeat(inp.gate[None], 5, axis=0), inp.cell_period, inp.weights, inp.pots)
    for t in range(5):
        one = run_threshold(params, values[t], inp.gate, inp.cell_period, inp.weights, inp.pots)
        np.testing.assert_array_equal(many.amount[t], one.amount)


# ----------------------------------------------------------------------------- explanations
def test_threshold_explanation_matches_the_payout(sample_panel_path):
    from kommiljard.analysis.explain import explain

    panel = sample_panel_path.with_name("sample_panel_2013.parquet")
    table = payout(panel, "kommiljard-2013").table.set_index(["region", "group"])
    for region in ("01", "05", "12"):
        e = explain(panel, region, "2013-06", "operation", "kommiljard-2013")
        assert e.as_dict()["amount_sek"] == pytest.approx(table.loc[(region, "operation"), "amount_sek"], abs=0.01)
        assert e.as_dict()["route"] == table.loc[(region, "operation"), "route"]
        text = e.render()
        assert "period 2013 (Jan 2013 to Dec 2013)" in text and "Basic requirement (per group)" in text
        assert f"Region {region}" in text


def test_explanation_of_a_failed_gate(population4):
    from kommiljard.analysis.explain import explain

    panel = monthly_panel(["2013-12"], [[85.0, 75.0, 70.0, 60.0]], gate=[[65.0, 75.0, 75.0, 75.0]])
    e = explain(panel, "01", "2013-12", "first_visit", "kommiljard-2013", population4)
    assert e.as_dict()["route"] == "gate_not_met" and e.as_dict()["amount_sek"] == 0.0
    assert "65 ≥ 70: not met" in e.render() and "no level counts" in e.render()


def test_two_periods_each_with_its_share_of_the_pots(population4):
    """threshold-valid.toml: two half-years, each paying half of every level's pot (200 + 50 mnkr per group)."""
    rules = load_rules(VALID)
    first, second = [[85.0, 75.0, 70.0, 60.0]], [[69.9, 60.0, 50.0, 10.0]]
    months = ["2011-06", "2011-12"]
    panel = monthly_panel(months, first + second, gate=[[75.0] * 4, [75.0] * 4])
    result = payout(panel, rules, population=population4, backend="check")
    block1 = result.table[result.table["block"] == 1].set_index(["month", "group", "region"])["amount_sek"]
    for g in ("first_visit", "operation"):
        np.testing.assert_allclose(
            block1.loc[("2011-06", g)].loc[CODES], [164_285_714.29, 57_142_857.14, 28_571_428.57, 0.0], atol=0.01
        )
        assert (block1.loc[("2011-12", g)] == 0).all()
    cells = result.cells.set_index(["block", "month", "group"])
    assert cells.loc[(1, "2011-12", "operation"), "lapsed_sek"] == pytest.approx(250_000_000.0)
    assert result.paid_sek == pytest.approx(2 * 250_000_000.0 + 100_000_000.0)
