"""Several requirements with a bonus pot: the money's invariants under random panels (conservation,
monotone in a region's own figures, order invariance), the panel it needs (only the cells that read a
measure are checked), period means, regions without data, and the explanation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommiljard import explain
from kommiljard.engine import payout
from kommiljard.errors import InputError, MissingDataWarning
from kommiljard.inputs.population import read_population
from kommiljard.kinds.requirements.kernel import RequirementsParams, run_requirements
from kommiljard.kinds.requirements.lever import better_sign, lever_measure
from kommiljard.rules import load_rules

from comparisons import REQUIREMENT_VARIANTS, RequirementsCase, requirements_case

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = Path(__file__).parent / "fixtures" / "rules" / "requirements-valid.toml"
SAMPLE_2023 = Path(__file__).resolve().parents[1] / "data" / "sample_panel_2023.parquet"
CODES = ["01", "03", "04", "05"]


def run(case: RequirementsCase, **changed) -> dict[str, np.ndarray]:
    c = {**vars(case), **changed}
    res = run_requirements(
        RequirementsParams.from_block(case.block),
        c["current"],
        c["previous"],
        c["level"],
        cell_requirement=case.cell_requirement,
        pots=case.pots,
        weights=c["weights"],
        missing=c["missing"],
    )
    return {"amount": res.amount, "lapsed": res.lapsed, "earned": res.earned, "bonus": res.bonus}


cases = st.builds(
    lambda seed, variant: requirements_case(np.random.default_rng(seed), variant, 1),
    st.integers(0, 2**32 - 1),
    st.sampled_from(list(REQUIREMENT_VARIANTS)),
)


@SETTINGS
@given(case=cases)
def test_every_cell_conserves_its_pot_earned_plus_bonus_plus_lapsed(case):
    out = run(case)
    paid = np.nansum(out["amount"], axis=-1)[0]
    np.testing.assert_allclose(paid + out["lapsed"][0], case.pots, atol=0.01, rtol=0)
    assert (out["earned"] >= 0).all() and (out["bonus"] >= 0).all()
    if case.block.bonus == "lapse":
        assert (out["bonus"] == 0).all()


@SETTINGS
@given(case=cases, data=st.data())
def test_a_region_never_loses_by_doing_better_on_a_requirement(case, data):
    """Better figures of its own (in the requirement's better direction, the level too) never cost a
    region money: more earned means a larger share of the bonus key, whatever the reading."""
    r = data.draw(st.integers(0, case.current.shape[-1] - 1), label="region")
    j = data.draw(st.integers(0, len(case.block.requirements) - 1), label="requirement")
    step = data.draw(st.sampled_from([0.1, 1.0, 2.5, 10.0]), label="pp better")
    req = case.block.requirements[j]
    cells = case.cell_requirement == j
    sign = -1.0 if req.improvement is not None and req.improvement.better == "lower" else 1.0
    lsign = -1.0 if req.fulfilment is not None and req.fulfilment.better == "lower" else 1.0
    current, level = case.current.copy(), case.level.copy()
    current[0, cells, r] += sign * step
    level[0, cells, r] += lsign * step
    before, after = run(case), run(case, current=current, level=level)
    assert np.nansum(after["amount"][0, :, r]) >= np.nansum(before["amount"][0, :, r]) - 0.01


@SETTINGS
@given(case=cases, seed=st.integers(0, 2**32 - 1))
def test_the_order_of_the_regions_does_not_matter(case, seed):
    order = np.random.default_rng(seed).permutation(case.current.shape[-1])
    moved = {k: getattr(case, k)[..., order] for k in ("current", "previous", "level", "weights", "missing")}
    before, after = run(case), run(case, **moved)
    np.testing.assert_allclose(after["amount"], before["amount"][..., order], atol=0.01, rtol=0)
    np.testing.assert_allclose(after["lapsed"], before["lapsed"], atol=0.01, rtol=0)


def test_the_random_cases_reach_every_route_a_partial_step_and_a_lapsing_pot():
    seen = {"lapsed": False, "partial": False, "routes": set(), "missing": False}
    for seed in range(12):
        case = requirements_case(np.random.default_rng(seed), "default", 3)
        out = run(case)
        res = run_requirements(
            RequirementsParams.from_block(case.block),
            case.current,
            case.previous,
            case.level,
            cell_requirement=case.cell_requirement,
            pots=case.pots,
            weights=case.weights,
            missing=case.missing,
        )
        seen["lapsed"] |= bool((out["lapsed"] > 0).any())
        seen["partial"] |= bool(((res.fraction > 0) & (res.fraction < 1)).any())
        seen["routes"] |= set(np.unique(res.route).tolist())
        seen["missing"] |= bool(case.missing.any())
    assert seen == {"lapsed": True, "partial": True, "routes": {0, 1, 2}, "missing": True}


# ----------------------------------------------------------------------------- panels


@pytest.fixture(scope="module")
def population4(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "population.csv"
    pd.DataFrame({"region": CODES, "population": [1_000_000, 500_000, 250_000, 250_000]}).to_csv(path, index=False)
    return read_population(path)


def valid_panel() -> pd.DataFrame:
    """The small fixture's panel: share_90 of first visits (Oct-Nov 2022 and 2023) and the median wait for
    operations (Sep-Nov 2023), each in its own group's rows, the other column empty."""
    rows = []
    for year, values in (("2022", [80.0, 80.0, 80.0, 80.0]), ("2023", [80.1, 82.0, 79.0, 84.0])):
        for month in ("10", "11"):
            for code, v in zip(CODES, values):
                rows.append({"region": code, "month": f"{year}-{month}", "group": "first_visit", "share_90": v})
    for month, days in (("09", [50, 70, 61, 40]), ("10", [60, 50, 61, 80]), ("11", [70, 60, 61, 80])):
        for code, d in zip(CODES, days):
            rows.append({"region": code, "month": f"2023-{month}", "group": "operation", "median_days": float(d)})
    return pd.DataFrame(rows)


def test_a_period_mean_requirement_judges_the_mean_of_its_months_and_reports_under_the_last(population4):
    """median_wait (40 mnkr, one cell over September-November, whole days): A's and B's means are 60 <= 60,
    a high level; C's 61 and D's 66.67 (67) are not. first_visits (30 mnkr a month, one decimal): A +0.1
    earns half, B +2.0 all, C -1.0 nothing, D +4.0 all (84.0 is below the level of 85, the step pays)."""
    result = payout(valid_panel(), VALID, population=population4)
    t = result.table.set_index(["group", "month", "region"])
    wait = t.loc[("median_wait", "2023-11")]
    assert list(wait["route"]) == ["fulfilment", "fulfilment", "none", "none"]
    assert list(wait["share_current"].isna()) == [True] * 4  # no improvement route: no current figure
    np.testing.assert_allclose(wait["level"], [60.0, 60.0, 61.0, 66 + 2 / 3])
    assert ("median_wait", "2023-09") not in t.index
    fv = t.loc[("first_visits", "2023-10")]
    assert list(fv["bars"]) == ["any", "2pp", "", "2pp"]
    np.testing.assert_allclose(fv["fraction"], [0.5, 1.0, 0.0, 1.0])
    assert result.paid_sek + result.lapsed_sek == pytest.approx(100_000_000.0, abs=0.01)
    assert result.lapsed_sek == 0.0  # someone earned: the bonus pot is shared out


def test_a_needed_value_missing_is_an_error_naming_the_row_and_the_requirement(population4):
    panel = valid_panel()
    gap = (panel["region"] == "04") & (panel["month"] == "2023-10") & (panel["group"] == "operation")
    panel.loc[gap, "median_days"] = np.nan
    with pytest.raises(InputError) as info:
        payout(panel, VALID, population=population4)
    message = str(info.value)
    assert "04 Södermanland" in message and "2023-10 operation (median_days empty; requirement median_wait)" in message
    assert "--allow-missing-regions" in message


def test_with_allow_missing_a_region_without_a_needed_value_has_no_data_in_that_cell_only(population4):
    panel = valid_panel()
    gap = (panel["region"] == "04") & (panel["month"] == "2023-10") & (panel["group"] == "operation")
    panel.loc[gap, "median_days"] = np.nan
    with pytest.warns(MissingDataWarning, match="04"):
        result = payout(panel, VALID, population=population4, allow_missing_regions=True)
    t = result.table.set_index(["group", "month", "region"])
    assert t.loc[("median_wait", "2023-11", "04"), "route"] == "no_data"
    assert np.isnan(t.loc[("median_wait", "2023-11", "04"), "amount_sek"])
    assert t.loc[("first_visits", "2023-10", "04"), "data"] == "ok"
    assert result.paid_sek + result.lapsed_sek == pytest.approx(100_000_000.0, abs=0.01)


def test_rows_of_other_groups_may_leave_a_measure_empty_but_a_value_out_of_its_unit_is_refused(population4):
    panel = valid_panel()
    assert panel.loc[panel["group"] == "operation", "share_90"].isna().all()  # and that is fine
    payout(panel, VALID, population=population4)
    panel.loc[(panel["group"] == "first_visit") & (panel["region"] == "03"), "share_90"] = 120.0
    with pytest.raises(InputError, match=r"outside 0-100|not a number from 0 to 100"):
        payout(panel, VALID, population=population4)
    panel = valid_panel()
    panel.loc[panel["group"] == "operation", "median_days"] = -3.0
    with pytest.raises(InputError, match=r"median_days = -3.0 \(01, 2023-09, operation\) is not a number from 0"):
        payout(panel, VALID, population=population4)


def test_a_missing_column_names_the_requirements_that_read_it(population4):
    with pytest.raises(InputError, match=r"missing column 'median_days' \(days\): read by requirement median_wait"):
        payout(valid_panel().drop(columns="median_days"), VALID, population=population4)


def test_the_bundled_sample_panel_is_synthetic_and_holds_rows_of_several_kinds():
    panel = pd.read_parquet(SAMPLE_2023)
    primary = panel[panel["group"] == "primary_care"]
    assert primary["share_90"].isna().all() and primary["assessment_3d"].notna().all()
    result = payout(SAMPLE_2023, "kommiljard-2023")
    assert result.panel.synthetic
    cells = result.cells.query("block == 1")
    assert (cells["earned_sek"] > 0).all() and (cells["bonus_sek"] > 0).any()


def test_explain_traces_the_route_the_part_and_the_bonus():
    e = explain(SAMPLE_2023, "06", "2023-05", "sc_first_visit", "kommiljard-2023")
    d = e.as_dict()
    assert d["amount_sek"] == pytest.approx(d["earned_sek"] + d["bonus_sek"], abs=1e-6)
    assert d["earned_sek"] == pytest.approx(d["part_sek"] * d["fraction"], abs=1e-6)
    assert d["unsourced"] and d["paid_in"] == "2023-08" and d["bonus_paid_in"] == "2023-12"
    text = e.render()
    for words in ("UNSOURCED", "Judgement", "=> met by", "part:", "Bonus pot (reading 'earned'", "Amount in this cell"):
        assert words in text
    result = payout(SAMPLE_2023, "kommiljard-2023")
    row = result.table.query("block == 1 and region == '06' and month == '2023-05' and group == 'sc_first_visit'")
    assert float(row["amount_sek"].iloc[0]) == pytest.approx(d["amount_sek"], abs=0.005)


def test_explain_of_a_month_a_requirement_does_not_measure_is_an_error():
    with pytest.raises(InputError, match="measures no|not among the months kommiljard-2023 measures"):
        explain(SAMPLE_2023, "06", "2023-01", "sc_first_visit", "kommiljard-2023")


def test_the_published_december_2023_table_is_bundled_whole_and_named_by_the_rule_file():
    from kommiljard.kinds.requirements.payments import published_amounts
    from kommiljard.rules import load_rules

    pub = load_rules("kommiljard-2023").ruleset.block(1).published
    amounts = published_amounts(pub.file)
    assert len(amounts) == 21 and amounts.index.is_unique
    assert amounts.sum() == pub.total_sek == 1_874_253_165
    assert amounts["03"] == 54_499_160  # Uppsala, printed "544 99 160" in the source


def test_payments_and_summaries_add_up_to_the_block():
    from kommiljard.kinds.requirements.payments import beside_published, by_payment
    from kommiljard.kinds.requirements.summary import region_summary, requirement_summary

    result = payout(SAMPLE_2023, "kommiljard-2023")
    block = result.rules.ruleset.block(1)
    payments = by_payment(result.table, block)
    assert list(payments.columns) == ["augusti", "december"]
    assert payments.to_numpy().sum() == pytest.approx(block.total_sek, abs=0.05)
    reqs = requirement_summary(result, block)
    assert reqs["tranche_sek"].sum() == pytest.approx(block.total_sek, abs=0.05)
    np.testing.assert_allclose(reqs["earned_sek"] + reqs["to_bonus_sek"], reqs["tranche_sek"], atol=0.01)
    assert (reqs[["by_improvement", "by_level", "not_met"]].sum(axis=1) == 21 * 10).all()
    regions = region_summary(result, block)
    np.testing.assert_allclose(regions["earned_sek"] + regions["bonus_sek"], regions["total_sek"], atol=0.01)
    np.testing.assert_allclose(
        regions["paid_augusti_sek"] + regions["paid_december_sek"], regions["total_sek"], atol=0.01
    )
    beside = beside_published(result.table, block)
    assert beside["published_sek"].sum() == 1_874_253_165 and len(beside) == 21
    assert beside["model_sek"].sum() == pytest.approx(payments["december"].sum(), abs=0.05)


def test_lever_helpers_follow_the_better_direction():
    block = load_rules("kommiljard-2023").ruleset.block(1)
    signs = {r.name: better_sign(r) for r in block.requirements}
    assert signs["sc_first_visit_150"] == -1.0 and signs["sc_first_visit"] == 1.0
    assert lever_measure(block.requirements[0]) == "assessment_3d"


# ----------------------------------------------------------------------------- import

MONTH_NAMES = ("Januari", "Februari", "Mars", "April", "Maj", "Juni", "Juli", "Augusti", "September", "Oktober",
               "November", "December")  # fmt: skip
EXPORTS = {  # (group, measure) -> the title of its Socialstyrelsen export
    ("bup_first_visit", "performed_30"): "Väntetider till barn- och ungdomspsykiatrin, Kontaktstatus: Genomförd, "
    "Fas: Första besök, Andel inom 30 dagar",
    ("bup_assessment", "performed_30"): "Väntetider till barn- och ungdomspsykiatrin, Kontaktstatus: Genomförd, "
    "Fas: Fördjupad utredning, Andel inom 30 dagar",
    ("bup_treatment", "performed_30"): "Väntetider till barn- och ungdomspsykiatrin, Kontaktstatus: Genomförd, "
    "Fas: Behandling, Andel inom 30 dagar",
    ("primary_care", "assessment_3d"): "Väntetider i primärvården, Andel medicinsk bedömning inom 3 dagar",
    ("revisit", "within_target"): "Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Återbesök, "
    "Andel inom medicinskt måldatum",
    ("first_visit", "share_over_150"): "Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Första besök, "
    "Andel väntande mer än 150 dagar",
    ("operation", "share_over_150"): "Väntetider i specialiserad vård, Kontaktstatus: Väntande, "
    "Fas: Operation/åtgärd, Andel väntande mer än 150 dagar",
    ("first_visit", "share_90"): "Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Första besök, "
    "Andel inom 90 dagar",
    ("operation", "share_90"): "Väntetider i specialiserad vård, Kontaktstatus: Väntande, Fas: Operation/åtgärd, "
    "Andel inom 90 dagar",
}


def socialstyrelsen_export(panel: pd.DataFrame, group: str, measure: str, path: Path) -> Path:
    """One measure of one phase of a panel in the layout of Socialstyrelsen's statistics database (decimal commas,
    month names under a row of years, the national row, a footer), marked synthetic."""
    from kommiljard.inputs.regions import region_identifiers

    rows = panel[(panel["group"] == group) & panel[measure].notna()]
    months = sorted(rows["month"].unique())
    names = region_identifiers().set_index("scb_lan_code")["name_socialstyrelsen_sdb_2026"]
    values = rows.set_index(["region", "month"])[measure]
    lines = [
        f"{EXPORTS[(group, measure)]}, Alla kön, Ålder: Alla åldrar, SYNTETISKA data",
        ";" + ";".join(m[:4] for m in months),
        "Region;" + ";".join(MONTH_NAMES[int(m[5:]) - 1] for m in months),
        "Alla regioner;" + ";".join("50" for _ in months),
        *(
            f"{name};" + ";".join(f"{values[(code, m)]:g}".replace(".", ",") for m in months)
            for code, name in names.items()
        ),
        "Socialstyrelsens statistikdatabas (syntetiskt exempel)",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_requirements_measures_import_from_socialstyrelsens_layout(tmp_path):
    """Every measure of the 2023 sample panel, exported one measure and phase per file as Socialstyrelsen's database
    does and imported together, gives the panel back: its payout is the sample's."""
    from kommiljard.inputs.importer import import_exports

    panel = pd.read_parquet(SAMPLE_2023)
    files = [
        socialstyrelsen_export(panel, g, m, tmp_path / f"{g}_{m}.csv") for (g, m) in EXPORTS if panel[m].notna().any()
    ]
    imported = import_exports(files)
    assert imported.synthetic and not imported.warnings
    back = imported.frame.set_index(["region", "month", "group"]).sort_index()
    original = panel.set_index(["region", "month", "group"]).sort_index()
    assert back.index.equals(original.index)
    for column in original.columns:
        np.testing.assert_allclose(back[column].to_numpy(float), original[column].to_numpy(float), equal_nan=True)
    assert payout(imported.frame, "kommiljard-2023").paid_sek == pytest.approx(2_940_000_000, abs=0.05)


def test_a_median_of_performed_visits_is_still_refused_for_what_it_holds(tmp_path):
    from kommiljard.inputs.importer import import_exports

    path = Path(__file__).parent / "fixtures" / "socialstyrelsen_bup_median_genomford.csv"
    with pytest.raises(InputError, match=r"a median or mean waiting time"):
        import_exports([path])


def test_the_summary_lists_a_blocks_requirements_in_the_rules_order():
    """2024's requirements 7, 8, 9 as the rule file orders them (the alphabet put 8 before 7)."""
    panel = Path(__file__).resolve().parents[1] / "data" / "sample_panel_2024.parquet"
    result = payout(panel, rules="kommiljard-2024")
    names = load_rules("kommiljard-2024").ruleset.blocks[1].requirement_names
    assert names == ("bup_first_visit", "bup_assessment", "bup_treatment")
    expected = ["region", "region_name", "block1", *(f"block2_{name}" for name in names), "block3", "total_sek"]
    assert list(result.summary().columns) == expected
    assert list(result.summary(whole_kronor=True).columns) == expected
