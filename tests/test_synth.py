"""Tests of the synthetic sample-panel generator (kommiljard.sample)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.inputs.regions import region_codes
from kommiljard.sample import DEFAULT_PARAMS, sample_panel
from kommiljard.sweeps.calibration import calibration_summary, published_2019

MONTHS = ["2018-09", "2018-10", "2018-11", "2019-09", "2019-10", "2019-11"]
REFERENCE_DATA = Path(__file__).resolve().parents[1] / "kommiljard" / "data"  # copies, see its SOURCES.md


def test_same_seed_gives_identical_panel():
    pd.testing.assert_frame_equal(sample_panel(7), sample_panel(7))


def test_different_seeds_give_different_panels():
    a, b = sample_panel(1), sample_panel(2)
    assert not np.array_equal(a["share_90"], b["share_90"])
    assert not np.array_equal(a["n_waiting"], b["n_waiting"])


def test_shape_keys_and_types():
    panel = sample_panel()
    assert list(panel.columns) == ["region", "month", "group", "share_90", "share_60", "n_waiting"]
    assert len(panel) == 252
    assert not panel.duplicated(["region", "month", "group"]).any()
    assert set(panel["region"]) == set(region_codes()) and len(region_codes()) == 21
    assert all(isinstance(r, str) and len(r) == 2 for r in panel["region"])
    assert sorted(panel["month"].unique()) == MONTHS
    assert set(panel["group"]) == {"first_visit", "operation"}
    assert panel["n_waiting"].dtype == np.int64 and (panel["n_waiting"] > 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2019, 123456789])
def test_shares_are_one_decimal_percentages_with_share_60_below_share_90(seed):
    panel = sample_panel(seed)
    for col in ("share_90", "share_60"):
        values = panel[col].to_numpy()
        assert ((values >= 0) & (values <= 100)).all()
        assert np.allclose(values * 10, np.round(values * 10), rtol=0, atol=1e-9)
    assert (panel["share_60"] <= panel["share_90"]).all()


def test_n_waiting_follows_population():
    panel = sample_panel()
    by_region = panel.set_index(["region", "month", "group"])["n_waiting"]
    stockholm, gotland = by_region["01"], by_region["09"]
    assert (stockholm > 10 * gotland).all()
    totals = panel.groupby("group")["n_waiting"].sum() / len(MONTHS)
    for group, national in DEFAULT_PARAMS.national_waiting.items():
        assert 0.7 * national < totals[group] < 1.3 * national


def test_subset_is_a_slice_of_the_full_panel():
    full = sample_panel(11)
    part = sample_panel(11, regions=["24", "06"], months=[10])
    expected = full[full["region"].isin(["06", "24"]) & full["month"].str.endswith("-10")]
    pd.testing.assert_frame_equal(part, expected.reset_index(drop=True))


def test_rejects_unknown_regions_and_months():
    with pytest.raises(ValueError, match="11"):
        sample_panel(regions=["01", "11"])
    with pytest.raises(ValueError, match="12"):
        sample_panel(months=[12])


@pytest.fixture(scope="module")
def mean_counts() -> pd.Series:
    runs = pd.concat([calibration_summary(sample_panel(seed)) for seed in range(200)])
    return runs.groupby(["month", "group", "measure"])["regions"].mean()


@pytest.mark.slow
def test_regions_improving_on_average_match_the_published_range(mean_counts):
    improved = mean_counts.xs("improved", level="measure")
    assert len(improved) == 6
    assert improved.between(9.0, 17.0).all(), improved
    for (month, group, measure), published in published_2019().items():
        if measure == "improved":
            assert abs(mean_counts[month, group, measure] - published) <= 1.5, (month, group)


@pytest.mark.slow
def test_target_60_and_paid_counts_on_average_near_published(mean_counts):
    for (month, group, measure), published in published_2019().items():
        if measure != "improved":
            assert abs(mean_counts[month, group, measure] - published) <= 2.5, (month, group, measure)


def test_constants_match_the_reference_data_they_cite():
    national = pd.read_csv(REFERENCE_DATA / "waits_national_2016_2019.csv")
    names = {"first_visit": "forstabesok", "operation": "operation_atgard"}
    for group, levels in DEFAULT_PARAMS.national_share_90.items():
        rows = national[(national["group"] == names[group]) & national["month"].isin(MONTHS[:3])]
        assert tuple(rows.sort_values("month")["share_waiting_le90d_pct"]) == levels

    breakdown = pd.read_csv(REFERENCE_DATA / "waits_national_breakdown_counts.csv")
    gap = breakdown.set_index(["group", "month"])
    gap = gap["DERIVED_share_le90d_pct"] - gap["DERIVED_share_le60d_pct"]
    fv, op = gap["forstabesok"], gap["operation_atgard"]
    fv_oct, fv_nov = fv["2018-10"], (fv["2017-11"] + fv["2018-11"]) / 2
    op_sep, op_nov = op["2019-09"], op["2017-11"]
    expected = {
        "first_visit": (np.mean([fv["2017-11"], fv["2018-10"], fv["2018-11"]]), fv_oct, fv_nov),
        "operation": (op_sep, (op_sep + op_nov) / 2, op_nov),
    }
    for group, gaps in DEFAULT_PARAMS.gap_pp.items():
        assert np.allclose(gaps, expected[group], atol=0.06), group

    published = pd.read_csv(REFERENCE_DATA / "outcome_2019_published.csv")
    measures = {
        "regions improved vs same month 2018": "improved",
        "regions with share_60 above 71": "share_60_ge_71",
        "regions with share_60 at least 71": "share_60_ge_71",
        "regions paid for the month": "paid",
    }
    counts = published[published["what"].isin(measures)]
    typed = {(r.period, r.group, measures[r.what]): int(r.value) for r in counts.itertuples()}
    assert typed == published_2019()
