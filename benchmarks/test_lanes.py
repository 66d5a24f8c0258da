"""The fast paths against the reference: int16 tenths in run_staircase, and the sweep kernel.

The tenths path is exact because every reference improvement and level on the 0.1 grid is a
whole number of tenths (checked here for every pair of shares) and every bound turns into a
least whole number of tenths (checked for every difference). Random panels, with the
thresholds hit exactly, then check whole allocations against the readable reference.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommiljard.allocate.batch import Totals, staircase_totals, sweep_totals
from kommiljard.kinds.staircase.kernel import StaircaseParams, run_staircase, staircase_outcomes, tenths_inputs
from kommiljard.kinds.staircase.reference import allocate_cell
from kommiljard.allocate.tenths import MAX_BARS, TenthsRules, shares_to_tenths, tenths_bound
from kommiljard.kinds.staircase.units import bound_units, improvement_units, passes
from kommiljard.rules import load_rules

SHARES = np.arange(1001)  # every share on the grid, in tenths
VARIANTS = {
    "2019": {},
    "decimals_1": {"block1.improvement_decimals": 1},
    "exclusive_bars_lapse_equal": {"block1.cumulative": False, "block1.cascade": "lapse", "block1.sharing": "equal"},
    "blue_above_zero_target_exclusive": {
        "block1.bars.blue.min_improvement": 0.0, "block1.bars.blue.inclusive": False,
        "block1.target.inclusive": False, "block1.target.threshold": 70.95,
    },  # fmt: skip
}


def block_of(overrides: dict):
    return load_rules(overrides=overrides).ruleset.block(1)


@pytest.mark.parametrize("decimals", range(1, 10))
def test_every_improvement_and_level_on_the_grid_is_whole_tenths(decimals):
    scale = 10.0**decimals
    a, b = np.meshgrid(SHARES, SHARES, indexing="ij")
    # The reference's arithmetic (measure.improvement_units), on all 1001 x 1001 pairs at once.
    units = np.rint((a / 10.0 - b / 10.0) * scale)
    np.testing.assert_array_equal(units, (a - b) * 10.0 ** (decimals - 1))
    np.testing.assert_array_equal(np.rint(SHARES / 10.0 * scale), SHARES * 10.0 ** (decimals - 1))
    block = block_of({"block1.improvement_decimals": decimals})
    for cur, prev in [(743, 713), (0, 1000), (1000, 0), (505, 455)]:
        assert improvement_units(cur / 10, prev / 10, block) == (cur - prev) * 10 ** (decimals - 1)


def test_decimals_zero_is_not_whole_tenths_so_it_has_no_tenths_form():
    a, b = np.meshgrid(SHARES, SHARES, indexing="ij")
    d = a - b
    half_even = np.round(d / 10)  # exact halves round to even
    float_diff = np.rint(a / 10.0 - b / 10.0)  # what the reference does
    assert (half_even != float_diff).sum() > 0  # e.g. 0.3 - 0.8 is -0.5000000000000001
    params = StaircaseParams.from_block(block_of({"block1.improvement_decimals": 0}))
    assert TenthsRules.from_params(params) is None


@pytest.mark.parametrize("decimals", [1, 2, 6, 9])
@pytest.mark.parametrize("inclusive", [True, False])
@pytest.mark.parametrize("bound", [-1.0, 0.0, 0.05, 0.1, 0.95, 1.0, 2.999, 3.0, 5.0, 5.01, 71.0, 99.99])
def test_tenths_bound_passes_exactly_the_same_differences(decimals, inclusive, bound):
    block = block_of({"block1.improvement_decimals": decimals})
    units = bound_units(bound, block)
    least = tenths_bound(units, decimals, inclusive)
    d = np.arange(-1000, 1001)
    expected = [passes(float(x * 10 ** (decimals - 1)), units, inclusive) for x in d]
    np.testing.assert_array_equal(d >= least, expected)


def test_shares_to_tenths_accepts_only_exact_grid_values():
    np.testing.assert_array_equal(shares_to_tenths([0.0, 71.0, 74.3, 100.0]), [0, 710, 743, 1000])
    assert shares_to_tenths([[70.9, 71.1]]).dtype == np.int16
    for bad in ([92.99], [70.05], [0.1 + 0.2], [np.nan], [-0.1], [100.1], [1e9]):
        assert shares_to_tenths(bad) is None, bad


def test_more_bars_than_the_kernel_unrolls_or_relative_improvement_have_no_tenths_form():
    params = StaircaseParams.from_block(block_of({}))
    wide = dataclasses.replace(
        params,
        bar_share=np.full(MAX_BARS + 1, 1 / (MAX_BARS + 1)),
        bar_bound=np.arange(MAX_BARS + 1) * 1e6,
        bar_inclusive=np.ones(MAX_BARS + 1, bool),
    )
    assert TenthsRules.from_params(wide) is None
    assert TenthsRules.from_params(dataclasses.replace(params, relative=True)) is None


@st.composite
def panels(draw):
    """(T, C, R) tenths, with differences and share_60 often exactly on a bound."""
    t, c, r = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 21))
    n = t * c * r
    near = st.sampled_from([-10, -1, 0, 1, 9, 10, 11, 29, 30, 31, 49, 50, 51, 60])
    delta = draw(st.lists(st.one_of(near, st.integers(-80, 80)), min_size=n, max_size=n))
    previous = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    level = draw(st.lists(st.one_of(st.sampled_from([709, 710, 711]), st.integers(0, 1000)), min_size=n, max_size=n))
    weights = draw(st.lists(st.integers(1, 3_000_000), min_size=r, max_size=r))
    previous = np.array(previous, np.int16).reshape(t, c, r)
    current = np.clip(previous + np.array(delta).reshape(t, c, r), 0, 1000).astype(np.int16)
    return current, previous, np.array(level, np.int16).reshape(t, c, r), np.array(weights, np.float64)


def reference(block, current, previous, level, weights, pots):
    """allocate_cell on every trajectory and cell: amounts, tiers, routes, improvements, lapsed."""
    cells = [
        [
            allocate_cell(block, [str(i) for i in range(len(weights))], list(current[t, c] / 10), list(previous[t, c] / 10),
                          list(level[t, c] / 10), list(weights), float(pots[c]))  # fmt: skip
            for c in range(current.shape[1])
        ]
        for t in range(current.shape[0])
    ]

    def grid(f):
        return np.array([[[f(reg) for reg in cell.regions] for cell in row] for row in cells])

    lapsed = np.array([[cell.lapsed for cell in row] for row in cells])
    return grid(lambda x: x.amount), grid(lambda x: x.tier), grid(lambda x: x.route), grid(lambda x: x.improvement), lapsed


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=panels())
def test_tenths_path_equals_the_reference(variant, panel):
    block = block_of(VARIANTS[variant])
    params = StaircaseParams.from_block(block)
    current, previous, level, weights = panel
    pots = np.array([block.pot_sek(g) for g in block.group_names] * 3)[: current.shape[1]]
    shares = [a / 10.0 for a in (current, previous, level)]
    assert tenths_inputs(params, *shares) is not None
    res = run_staircase(params, *shares, weights, pots)
    amount, tier, route, improvement, lapsed = reference(block, current, previous, level, weights, pots)
    np.testing.assert_array_equal(res.tier, tier)
    np.testing.assert_array_equal(res.route, route)
    np.testing.assert_array_equal(res.improvement, improvement)
    np.testing.assert_allclose(res.amount, amount, atol=0.01, rtol=0)
    np.testing.assert_allclose(res.lapsed, lapsed, atol=0.01, rtol=0)
    # The float64 path gives the same, to the last bit.
    slow = run_staircase(params, *shares, weights, pots, tenths=False)
    np.testing.assert_array_equal(res.amount, slow.amount)
    # The sweep kernel: (C, R, T) trajectories last, totals over the cells.
    totals = staircase_totals(params, *(np.moveaxis(a, 0, -1) for a in (current, previous, level)), weights, pots)
    np.testing.assert_allclose(totals.amount, amount.sum(axis=1).T, atol=0.01, rtol=0)
    np.testing.assert_allclose(totals.lapsed, lapsed.sum(axis=1), atol=0.01, rtol=0)


def test_exact_thresholds_of_the_2019_rules():
    """1.0, 3.0, 5.0 pp and share_60 = 71.0 exactly, each with its neighbours 0.1 below and above."""
    params = StaircaseParams.from_block(block_of({}))
    gain = np.array([9, 10, 11, 29, 30, 31, 49, 50, 51, 0, 0, 0, -1])  # tenths of a pp
    level = np.array([0] * 9 + [709, 710, 711, 710]) / 10.0
    previous = np.full(gain.size, 713) / 10.0  # 71.3, as in 74.3 - 71.3 = 3.0
    current = (713 + gain) / 10.0
    assert tenths_inputs(params, current[None], previous[None], level[None]) is not None
    res = run_staircase(params, current[None], previous[None], level[None], np.ones(gain.size), [1e6])
    np.testing.assert_array_equal(res.tier[0], [0, 1, 1, 1, 2, 2, 2, 2, 3, 0, 1, 1, 1])
    np.testing.assert_array_equal(res.route[0], [0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2, 2, 2])


def test_off_grid_shares_fall_back_to_float64_and_still_equal_the_reference():
    block = block_of({})
    params = StaircaseParams.from_block(block)
    current = np.array([[[92.99, 96.0, 93.0, 91.0]]])  # 92.99 is not on the grid
    previous = np.full_like(current, 92.0)
    level = np.array([[[70.99, 50.0, 71.0, 60.0]]])
    weights = np.array([1e6, 5e5, 2.5e5, 2.5e5])
    assert tenths_inputs(params, current, previous, level) is None
    res = run_staircase(params, current, previous, level, weights, [213_333_333.33])
    amount, tier, *_ = reference(block, current * 10, previous * 10, level * 10, weights, [213_333_333.33])
    np.testing.assert_array_equal(res.tier, tier)
    np.testing.assert_allclose(res.amount, amount, atol=0.01, rtol=0)
    totals = staircase_totals(params, *(np.moveaxis(a, 0, -1) for a in (current, previous, level)), weights, [213_333_333.33])
    np.testing.assert_allclose(totals.amount[:, 0], amount[0, 0], atol=0.01, rtol=0)


def test_decimals_zero_falls_back_and_rounds_like_the_reference():
    block = block_of({"block1.improvement_decimals": 0})
    params = StaircaseParams.from_block(block)
    # 0.3 - 0.8 is -0.5000000000000001 in float: the reference rounds it to -1, not to -0.
    current = np.array([[[0.3, 74.5, 3.5, 75.0]]])
    previous = np.array([[[0.8, 73.0, 1.0, 74.5]]])
    level = np.zeros_like(current)
    weights = np.ones(4)
    amount, tier, route, improvement, lapsed = reference(block, current * 10, previous * 10, level * 10, weights, [1e6])
    res = run_staircase(params, current, previous, level, weights, [1e6])
    np.testing.assert_array_equal(res.improvement, improvement)
    np.testing.assert_array_equal(res.tier, tier)
    totals = staircase_totals(params, *(np.moveaxis(a, 0, -1) for a in (current, previous, level)), weights, [1e6])
    np.testing.assert_allclose(totals.amount[:, 0], amount[0, 0], atol=0.01, rtol=0)


def random_tenths(shape, seed):
    rng = np.random.default_rng(seed)
    previous = rng.integers(550, 951, size=shape, dtype=np.int16)
    current = np.clip(previous + rng.integers(-40, 61, size=shape, dtype=np.int16), 0, 1000)
    level = np.clip(current - rng.integers(50, 161, size=shape, dtype=np.int16), 0, 1000)
    return current, previous, level


@pytest.fixture(scope="module")
def setup_2019():
    block = block_of({})
    pop = np.arange(1, 22) * 100_003.0
    pots = np.array([block.pot_sek(g) for _ in block.months for g in block.group_names])
    return StaircaseParams.from_block(block), pop, pots


def test_layouts_weights_and_float_input_agree(setup_2019):
    params, pop, pots = setup_2019
    blocked = random_tenths((3, 6, 21, 300), seed=1)  # L = 300: one full step of 256 lanes and a short one
    flat = [np.ascontiguousarray(np.moveaxis(a, 0, 2).reshape(6, 21, -1)) for a in blocked]  # (C, R, 900)
    a = staircase_totals(params, *blocked, pop, pots)
    b = staircase_totals(params, *flat, pop, pots)
    c = staircase_totals(params, *(x / 10.0 for x in flat), pop, pots)  # float shares on the grid
    d = staircase_totals(params, *flat, pop + 0.5, pots)  # non-integral weights: float64 sums
    slow = staircase_totals(params, *flat, pop, pots, tenths=False)
    np.testing.assert_array_equal(a.amount, b.amount)
    np.testing.assert_array_equal(a.amount, c.amount)
    np.testing.assert_allclose(a.amount, slow.amount, atol=0.01, rtol=0)
    np.testing.assert_allclose(a.lapsed, slow.lapsed, atol=0.01, rtol=0)
    np.testing.assert_allclose(d.amount, staircase_totals(params, *flat, pop + 0.5, pots, tenths=False).amount, atol=0.01, rtol=0)
    paid = a.amount.sum(axis=0) + a.lapsed
    np.testing.assert_allclose(paid, pots.sum(), atol=0.01 * len(pots), rtol=0)


def test_mismatched_shapes_are_refused(setup_2019):
    params, pop, pots = setup_2019
    cur, prev, lev = random_tenths((1, 6, 21, 8), seed=5)
    with pytest.raises(ValueError, match="shapes do not match"):
        staircase_totals(params, cur, prev[:, :, :20], lev, pop, pots)
    with pytest.raises(ValueError, match="one per cell"):
        staircase_totals(params, cur, prev, lev, pop, pots[:5])


def test_fewer_bars_than_the_kernel_unrolls(setup_2019):
    params, pop, pots = setup_2019
    two_bars = dataclasses.replace(
        params, bar_share=np.array([0.8, 0.2]), bar_bound=params.bar_bound[:2], bar_inclusive=params.bar_inclusive[:2]
    )
    assert TenthsRules.from_params(two_bars) is not None
    inputs = random_tenths((2, 6, 21, 256), seed=4)
    fast = staircase_totals(two_bars, *inputs, pop, pots)
    slow = staircase_totals(two_bars, *inputs, pop, pots, tenths=False)
    np.testing.assert_allclose(fast.amount, slow.amount, atol=0.01, rtol=0)
    np.testing.assert_allclose(fast.lapsed, slow.lapsed, atol=0.01, rtol=0)


def test_chunked_totals_equal_the_unchunked_ones(setup_2019):
    params, pop, pots = setup_2019
    whole = random_tenths((10, 6, 21, 64), seed=2)
    expected = staircase_totals(params, *whole, pop, pots)
    seen = []
    agg = sweep_totals(
        params,
        (tuple(a[i : i + 3] for a in whole) for i in range(0, 10, 3)),  # chunks of 3, 3, 3 and 1 blocks
        pop,
        pots,
        on_chunk=lambda i, t: seen.append(Totals(t.amount.copy(), t.lapsed.copy())),
    )
    np.testing.assert_array_equal(np.concatenate([t.amount for t in seen], axis=1), expected.amount)
    np.testing.assert_array_equal(np.concatenate([t.lapsed for t in seen]), expected.lapsed)
    amount = expected.amount
    assert agg.n == amount.shape[1]
    np.testing.assert_allclose(agg.mean, amount.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(agg.std, amount.std(axis=1), rtol=1e-9)
    np.testing.assert_array_equal(agg.min, amount.min(axis=1))
    np.testing.assert_array_equal(agg.max, amount.max(axis=1))
    np.testing.assert_array_equal(agg.paid_share, (amount > 0).mean(axis=1))
    assert agg.lapsed_sum == pytest.approx(expected.lapsed.sum(), abs=0.01)


def test_same_result_with_one_and_two_threads(setup_2019):
    params, pop, pots = setup_2019
    blocked = random_tenths((9, 6, 21, 256), seed=3)
    per_cell = [np.moveaxis(a, 3, 1).reshape(-1, 6, 21) / 10.0 for a in blocked]
    before = numba.get_num_threads()
    results = {}
    try:
        for n in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(n)
            results[n] = (staircase_totals(params, *blocked, pop, pots), run_staircase(params, *per_cell, pop, pots))
    finally:
        numba.set_num_threads(before)
    (t1, r1), (t2, r2) = results[1], results[max(results)]
    np.testing.assert_array_equal(t1.amount, t2.amount)
    np.testing.assert_array_equal(t1.lapsed, t2.lapsed)
    np.testing.assert_array_equal(r1.amount, r2.amount)
    np.testing.assert_array_equal(r1.tier, r2.tier)


# The sweep's outcomes kernel: per group amounts summed over the months, and the highest tier.

OUTCOME_VARIANTS = [*VARIANTS, "two_bars_no_target", "one_bar_lapse"]


def outcome_params(variant: str):
    """The block and its params; the last two variants edit the 2019 params (fewer bars, no target)."""
    block = block_of(VARIANTS.get(variant, {}))
    params = StaircaseParams.from_block(block)
    if variant == "two_bars_no_target":
        params = dataclasses.replace(params, bar_share=np.array([0.8, 0.2]), bar_bound=params.bar_bound[:2],
                                     bar_inclusive=params.bar_inclusive[:2], target_bar=-1)  # fmt: skip
    elif variant == "one_bar_lapse":
        params = dataclasses.replace(params, bar_share=np.array([1.0]), bar_bound=params.bar_bound[1:2],
                                     bar_inclusive=params.bar_inclusive[1:2], cascade_down=False)  # fmt: skip
    return block, params


def by_months(result, n_months: int, n_groups: int):
    """run_staircase's (T, M * G, R) amounts summed over the months in month order, and tiers' maximum."""
    amount = result.amount.reshape(len(result.amount), n_months, n_groups, -1)
    total = amount[:, 0].copy()
    for m in range(1, n_months):
        total += amount[:, m]
    return total, result.tier.reshape(amount.shape).max(axis=1)


def on_bounds_tenths(rng, shape):
    """(T, C, R) tenths with improvements and share_60 often exactly on 1.0 / 3.0 / 5.0 pp and 71.0."""
    previous = rng.integers(0, 1001, size=shape)
    near = np.array([-10, -1, 0, 1, 9, 10, 11, 29, 30, 31, 49, 50, 51, 60])
    delta = np.where(rng.random(shape) < 0.6, near[rng.integers(0, len(near), size=shape)], rng.integers(-80, 81, size=shape))
    current = np.clip(previous + delta, 0, 1000)
    level = np.where(rng.random(shape) < 0.5, rng.choice([709, 710, 711], size=shape), rng.integers(0, 1001, size=shape))
    return [a.astype(np.int16) for a in (current, previous, level)]


@pytest.mark.parametrize("variant", OUTCOME_VARIANTS)
@pytest.mark.parametrize("seed", range(3))
def test_outcomes_kernel_equals_run_staircase_to_the_last_bit(variant, seed):
    block, params = outcome_params(variant)
    assert TenthsRules.from_params(params) is not None
    n_months, n_groups, n_regions = len(block.months), len(block.group_names), 21
    rng = np.random.default_rng(seed)
    current, previous, level = on_bounds_tenths(rng, (400, n_months * n_groups, n_regions))
    weights = rng.integers(1, 3_000_000, size=n_regions).astype(np.float64) + (0.5 if seed == 2 else 0.0)
    pots = np.array([block.pot_sek(g) for _ in block.months for g in block.group_names])
    shares = [a / 10.0 for a in (current, previous, level)]
    assert tenths_inputs(params, *shares) is not None
    expected = by_months(run_staircase(params, *shares, weights, pots), n_months, n_groups)
    months = np.arange(n_months)
    sources = [(a.reshape(len(a), n_months, n_groups, n_regions) / 10.0, months) for a in (current, previous, level)]
    got = staircase_outcomes(params, *sources, weights, pots, n_groups)
    assert got is not None
    np.testing.assert_array_equal(got.amount, expected[0])
    np.testing.assert_array_equal(got.tier, expected[1])
    assert got.tier.dtype == np.int8
    threaded = staircase_outcomes(params, *sources, weights, pots, n_groups, threads=2)
    np.testing.assert_array_equal(threaded.amount, got.amount)
    np.testing.assert_array_equal(threaded.tier, got.tier)
    # Sources with more months than the block's, read through the month indexes (as a sweep does).
    wide = [np.concatenate([s, s[:, ::-1]], axis=1) for s, _ in sources]
    picked = [(wide[0], months), (wide[1], 2 * n_months - 1 - months), (wide[2], months)]
    swapped = staircase_outcomes(params, picked[0], picked[1], picked[2], weights, pots, n_groups)
    np.testing.assert_array_equal(swapped.amount, got.amount)


def test_outcomes_kernel_on_the_exact_2019_thresholds():
    """Each region in its own trajectory: 1.0, 3.0, 5.0 pp and share_60 = 71.0, and 0.1 either side."""
    block = block_of({})
    params = StaircaseParams.from_block(block)
    gain = np.array([9, 10, 11, 29, 30, 31, 49, 50, 51, 0, 0, 0, -1])
    level = np.array([0] * 9 + [709, 710, 711, 710])
    n_cells = len(block.months) * len(block.group_names)
    shape = (gain.size, n_cells, 21)
    current, previous, lev = (np.full(shape, v, np.int16) for v in (700, 700, 0))
    current[:, :, 5] += gain[:, None].astype(np.int16)
    lev[:, :, 5] = level[:, None]
    pots = np.array([block.pot_sek(g) for _ in block.months for g in block.group_names])
    weights = np.arange(1, 22) * 1000.0
    expected = by_months(run_staircase(params, *(a / 10.0 for a in (current, previous, lev)), weights, pots), len(block.months), 2)
    months = np.arange(len(block.months))
    got = staircase_outcomes(params, *((a.reshape(len(a), 3, 2, 21) / 10.0, months) for a in (current, previous, lev)), weights, pots, 2)
    np.testing.assert_array_equal(got.tier[:, 0, 5], [0, 1, 1, 1, 2, 2, 2, 2, 3, 0, 1, 1, 1])
    np.testing.assert_array_equal(got.amount, expected[0])
    np.testing.assert_array_equal(got.tier, expected[1])


def test_outcomes_kernel_refuses_off_grid_shares_and_rules_without_tenths_form():
    block = block_of({})
    params = StaircaseParams.from_block(block)
    months = np.arange(3)
    shares = np.full((2, 3, 2, 21), 70.0)
    pots = np.ones(6) * 1e6
    ok = staircase_outcomes(params, (shares, months), (shares, months), (shares, months), np.ones(21), pots, 2)
    assert ok is not None
    for bad in (70.05, np.nan, 100.1, -0.1):
        off = shares.copy()
        off[1, 2, 1, 20] = bad
        for which in range(3):
            args = [(shares, months)] * 3
            args[which] = (off, months)
            assert staircase_outcomes(params, *args, np.ones(21), pots, 2) is None, (bad, which)
    relative = dataclasses.replace(params, relative=True)
    assert staircase_outcomes(relative, (shares, months), (shares, months), (shares, months), np.ones(21), pots, 2) is None
    assert staircase_outcomes(params, (shares, months), (shares, months), (shares, months), np.zeros(21), pots, 2) is None
