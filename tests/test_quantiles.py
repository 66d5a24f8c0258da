"""The sweep's summary statistics in bounded memory equal numpy's on all the values at once:
percentiles to the bit (``np.percentile``), means to 1e-12 and the same bits in any order of arrival."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommiljard.sweeps.quantiles import Means, Quantiles, local_passes, percentile_plan

pytestmark = pytest.mark.kernels  # CI runs these again with NUMBA_DISABLE_JIT=1 (see .ci/run)

PERCENTILES = (0, 5, 50, 95, 100)


def values(rng: np.random.Generator, n: int, regime: str) -> np.ndarray:
    """(n, 3) amounts: continuous, with a point mass at 0, or with several point masses and ties."""
    v = rng.normal(1e6, 3e5, (n, 3))
    if regime != "continuous":
        v[rng.random((n, 3)) < 0.4] = 0.0
    if regime == "masses":
        v[rng.random((n, 3)) < 0.3] = 123_456.789
        v[:, 2] = np.round(v[:, 2], -4)
    return v


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 4000),
    regime=st.sampled_from(["continuous", "zeros", "masses"]),
    batch=st.integers(1, 900),
    keep=st.sampled_from([1, 7, 300, 1 << 23]),
    threads=st.integers(1, 3),
)
def test_percentiles_equal_numpys_in_any_order_and_memory(seed, n, regime, batch, keep, threads):
    rng = np.random.default_rng(seed)
    v = values(rng, n, regime)
    q = Quantiles(3)
    for a in rng.permutation(np.arange(0, n, batch)):
        q.add(v[a : a + batch])
    loaders = lambda: [lambda a=a: v[a : a + 333] for a in range(0, n, 333)]  # noqa: E731
    got = q.percentiles(PERCENTILES, local_passes(loaders, threads), keep)  # a small budget forces refining passes
    np.testing.assert_array_equal(got, np.percentile(v, PERCENTILES, axis=0).T)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5000), sizes=st.lists(st.integers(1, 2500), min_size=2))
def test_means_have_the_same_bits_whatever_the_batches_and_their_order(seed, n, sizes):
    rng = np.random.default_rng(seed)
    v = values(rng, n, "zeros")
    results = []
    for size in (sizes[0], sizes[1], n):
        m = Means(n, 3)
        for a in rng.permutation(np.arange(0, n, size)):
            m.add(int(a), v[a : a + size])
        results.append(m.mean())
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    np.testing.assert_allclose(results[0], v.mean(axis=0), rtol=1e-12)


def test_a_missing_piece_is_an_error_not_a_mean():
    m = Means(2500, 1)
    m.add(0, np.ones((1500, 1)))
    with pytest.raises(RuntimeError, match="incomplete"):
        m.mean()


@pytest.mark.parametrize("n", [1, 2, 3, 20, 21, 101, 1000])
def test_plan_matches_numpy_on_ranks(n):
    ranks = np.arange(n, dtype=np.float64) * 3.0  # sorted, distinct: each value names its rank
    for p, (a, b, gamma) in zip(PERCENTILES, percentile_plan(n, PERCENTILES)):
        expected = np.percentile(ranks, p)
        assert 0 <= a <= b <= n - 1 and b - a <= 1
        assert ranks[a] <= expected <= ranks[b] and 0.0 <= gamma < 1.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5000), chunk=st.integers(1, 2500), batch=st.integers(1, 700))
def test_sums_and_histograms_of_parts_merge_to_the_same_bits(seed, n, chunk, batch):
    """A Dask task gathers its part's means and histogram; merged in any order they are the whole sweep's."""
    rng = np.random.default_rng(seed)
    v = values(rng, n, "masses")
    whole_means, whole_q = Means(n, 3), Quantiles(3)
    whole_means.add(0, v)
    whole_q.add(v)
    merged_means, merged_q = Means(n, 3), Quantiles(3)
    for start in rng.permutation(np.arange(0, n, chunk)):
        start, stop = int(start), min(int(start) + chunk, n)
        means, q = Means(n, 3, within=(start, stop)), Quantiles(3)
        for a in range(start, stop, batch):
            means.add(a, v[a : min(a + batch, stop)])
            q.add(v[a : min(a + batch, stop)])
        merged_means.merge(means.portable())
        merged_q.merge(q.portable())
    np.testing.assert_array_equal(merged_means.mean(), whole_means.mean())
    assert merged_q.n == whole_q.n
    for a, b in ((merged_q.counts, whole_q.counts), (merged_q.low, whole_q.low), (merged_q.high, whole_q.high)):
        np.testing.assert_array_equal(a, b)
