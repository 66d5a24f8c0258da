"""The counts a sweep draws (kommiljard.sweeps.counts): Poisson and negative binomial around a growing
expected count, their means and variances, and the same numbers from the same stream."""

from __future__ import annotations

import numpy as np
import pytest

from kommiljard.sweeps.counts import NORMAL_ABOVE, draw_counts
from kommiljard.sweeps.rng import sfc64_state, stream_generator

EXPECTED = np.array([[0.0, 0.4, 3.0, 9.9, 10.0, 29.9, 30.0, 1000.0, 40_000.0]])
N = 200_000


def drawn(growth, observed=None, seed=1, n=N, expected=EXPECTED):
    out = np.empty((n, *expected.shape))
    state = sfc64_state(stream_generator(seed, 0))
    observed = np.zeros(expected.shape) if observed is None else observed
    draw_counts(state, expected, observed, growth, out)
    return out


def no_growth(dispersion=0.0):
    return (np.zeros(EXPECTED.shape), np.ones(EXPECTED.shape), 0.0, 0.0, dispersion)


def test_poisson_counts_have_the_mean_and_variance_of_poisson_on_both_sides_of_each_method():
    out = drawn(no_growth())
    assert (out == np.round(out)).all() and (out >= 0).all()
    mean, var = out.mean(axis=0)[0], out.var(axis=0)[0]
    sd_of_mean = np.sqrt(np.maximum(EXPECTED[0], 1e-9) / N)
    assert np.all(np.abs(mean - EXPECTED[0]) <= 5 * sd_of_mean + 1e-12)
    assert var[0] == 0.0 and np.allclose(var[1:], EXPECTED[0, 1:], rtol=0.03)
    assert EXPECTED[0, 5] < NORMAL_ABOVE <= EXPECTED[0, 6]  # the table straddles the approximation


def test_negative_binomial_variance_is_mean_plus_mean_squared_over_the_size():
    out = drawn(no_growth(50.0))
    mu = EXPECTED[0, 1:]
    assert np.allclose(out.var(axis=0)[0, 1:], mu + mu**2 / 50.0, rtol=0.04)
    assert np.allclose(out.mean(axis=0)[0, 1:], mu, rtol=0.01, atol=0.01)


def test_growth_multiplies_the_mean_and_shares_a_regional_part():
    expected = np.full((2, 3), 5_000.0)
    sd_region, sd_group = 0.08, 0.04
    centre = np.full(expected.shape, np.log(1.05) - 0.5 * (sd_region**2 + sd_group**2))
    out = drawn((centre, np.ones(expected.shape), sd_region, sd_group, 0.0), expected=expected, n=50_000)
    assert np.allclose(out.mean(axis=0), 5_250.0, rtol=0.005)
    logs = np.log(out)
    same_region = np.corrcoef(logs[:, 0, 0], logs[:, 0, 1])[0, 1]
    other_region = np.corrcoef(logs[:, 0, 0], logs[:, 1, 0])[0, 1]
    assert same_region == pytest.approx(sd_region**2 / (sd_region**2 + sd_group**2), abs=0.03)
    assert abs(other_region) < 0.03


def test_observed_months_are_added_as_they_are_and_a_stream_gives_the_same_counts_again():
    observed = np.arange(EXPECTED.size, dtype=float).reshape(EXPECTED.shape) * 7
    a = drawn(no_growth(20.0), observed, seed=5, n=1000)
    b = drawn(no_growth(20.0), None, seed=5, n=1000)
    np.testing.assert_array_equal(a - observed, b)
    assert not np.array_equal(b, drawn(no_growth(20.0), None, seed=6, n=1000))


def test_the_normal_approximation_has_poissons_percentiles_to_within_one_count():
    from scipy import stats

    ps = np.linspace(0.0001, 0.9999, 9999)
    z = stats.norm.ppf(ps)
    for lam in (NORMAL_ABOVE, 50.0, 100.0, 1000.0, 20_000.0):
        approx = np.floor(lam + np.sqrt(lam) * z + (z * z - 1) / 6 + 0.5)
        assert np.abs(stats.poisson.ppf(ps, lam) - approx).max() <= 1.0
