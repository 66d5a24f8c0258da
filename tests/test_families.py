"""The fitted forecasts are calibrated on held-out SYNTHETIC histories of every family, and beat the naive forecast
and the default scenario (the full measurement is benchmarks/forecast_calibration.py; docs/forecasting.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kommiljard.forecasting.backtest import backtest
from kommiljard.forecasting.families import FAMILIES, HELD_OUT_FROM, family_history, params_of
from kommiljard.forecasting.history import Irregular
from kommiljard.forecasting.scores import crps, expected_coverage, pit_bounds, pit_histogram

TEST_SEEDS = HELD_OUT_FROM + 500_000  # held out, and apart from the benchmark's seeds


def test_every_family_has_several_generators_that_draw_what_they_say():
    assert len(FAMILIES) == 8 and all(len(g) >= 3 for g in FAMILIES.values())
    for family, generators in FAMILIES.items():
        for generator in generators:
            params = params_of(generator)
            assert isinstance(params.irregular, Irregular) and generator.family == family
    suppressed = family_history(FAMILIES["3 % suppressed"][0], 1).frame
    share = suppressed[["share_90", "share_60"]].isna().to_numpy().mean()
    assert 0.02 < share < 0.04 and suppressed[suppressed["month"].isin(["2018-10", "2019-11"])].notna().all().all()
    short = family_history(FAMILIES["20-month histories"][0], 1).frame
    assert short["month"].min() == "2018-01" and short.query("month <= '2019-08'")["month"].nunique() == 20


def test_scores_by_hand():
    """PIT bounds, expected coverage with an atom, the PIT histogram, and the CRPS of samples."""
    samples = np.array([[0.0], [0.0], [1.0], [2.0]])
    lo, hi = pit_bounds(samples, np.array([0.0]))
    assert (lo[0], hi[0]) == (0.0, 0.5)  # an atom of half the mass at 0
    assert expected_coverage(lo, hi, 0.5)[0] == pytest.approx(0.5)  # [0, 0.5] overlaps [0.25, 0.75] by half
    assert expected_coverage(np.array([0.3]), np.array([0.3]), 0.5)[0] == 1.0
    assert pit_histogram(lo, hi, 2).tolist() == [1.0, 0.0]
    x = np.array([[1.0], [3.0]])
    assert crps(x, np.array([2.0]))[0] == pytest.approx(1.0 - 0.5)  # mean |x - y| - mean |x - x'| / 2
    assert crps(np.array([[5.0]]), np.array([2.0]))[0] == 3.0  # a point forecast: the absolute error


@pytest.mark.slow
def test_held_out_histories_are_calibrated_and_beat_the_naive_and_default_forecasts():
    """Two held-out histories of every family (16 backtests, 336 region payouts, 2 000 trajectories each).

    The regions of one history share its national factor, so histories are the independent units: over the
    benchmark's 288 held-out histories the coverage of one history's 21 regions has an SD of 0.119 (50 %
    interval) and 0.076 (90 %), pooled within families. The mean of 16 then has a standard error of 0.030 and
    0.019, and the test allows three of them around the nominal level (a calibrated forecast fails it about 3
    times in 1 000): 50 % intervals 41-59 %, 90 % ones 84.3-95.7 %. The CRPS must beat the naive forecast's in
    every history (it did in all 288, by a factor of about 4) and the default scenario's on average (13.6
    against 17.4 mnkr over the 288)."""
    coverage, scores = {50: [], 90: []}, []
    for i, generators in enumerate(FAMILIES.values()):
        for k in range(2):
            history = family_history(generators[k], TEST_SEEDS + 10 * i + k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = backtest(history.panel(), "2019-08", n=2000, seed=k, borrow=True)
            t = result.regions
            for level in coverage:
                coverage[level].append(expected_coverage(t["pit_lo"], t["pit_hi"], level / 100).mean())
            scores.append((t["crps_sek"].mean(), t["crps_naive_sek"].mean(), t["crps_default_sek"].mean()))
    assert 0.41 <= np.mean(coverage[50]) <= 0.59, coverage[50]
    assert 0.843 <= np.mean(coverage[90]) <= 0.957, coverage[90]
    fitted, naive, default = np.array(scores).T
    assert (fitted < naive).all() and fitted.mean() < default.mean(), scores
