"""The trajectory generator: seeded by logical block, a Gaussian model, conditioning, panels."""

from __future__ import annotations

import math
from importlib.resources import files

import numpy as np
import pytest
from numba import njit

from kommiljard.engine import payout
from kommiljard.inputs.panel import validate_panel
from kommiljard.inputs.population import read_population
from kommiljard.sweeps.model import draw, trajectories, trajectory_model
from kommiljard.sweeps.rng import STREAM_SIZE, fill_normals, set_sfc64_state, sfc64_state, stream_generator

MONTHS = ["2018-09", "2018-10", "2018-11", "2019-09", "2019-10", "2019-11"]


@pytest.fixture(scope="module")
def model():
    return trajectory_model(None, MONTHS, MONTHS[3:])


def test_a_trajectory_depends_only_on_seed_and_index(model):
    whole = draw(model, 5, 0, 2 * STREAM_SIZE + 300)
    pieces = [draw(model, 5, a, b, threads=t) for (a, b), t in zip([(0, 700), (700, 2100), (2100, 2300)], [1, 2, 2])]
    np.testing.assert_array_equal(np.concatenate([p.share_90 for p in pieces]), whole.share_90)
    np.testing.assert_array_equal(np.concatenate([p.share_60 for p in pieces]), whole.share_60)
    assert not np.array_equal(draw(model, 6, 0, 10).share_90, whole.share_90[:10])


def test_draws_are_the_documented_stream(model):
    """Block b's trajectories take the rows of stream_generator(seed, b).standard_normal((STREAM_SIZE, k))."""
    d = draw(model, 4, 1500, 2600, threads=2)
    z = np.concatenate([stream_generator(4, b).standard_normal((STREAM_SIZE, model.n_latent)) for b in (1, 2)])[
        500:1600
    ]
    logits = model.logits(z)[:, : d.share_90[0].size].reshape(d.share_90.shape)
    np.testing.assert_array_equal(d.share_90, np.rint(1000.0 / (1.0 + np.exp(-logits))) / 10.0)


def test_shares_are_published_percentages(model):
    d = draw(model, 1, 0, 3000)
    for s in (d.share_90, d.share_60):
        assert ((s >= 0) & (s <= 100)).all() and np.allclose(s * 10, np.rint(s * 10), atol=1e-9)
    m60 = [model.months.index(m) for m in model.months_60]
    assert (d.share_60 <= d.share_90[:, m60]).all()


@pytest.mark.slow
def test_draws_follow_the_model_covariance(model):
    z = np.random.default_rng(0).standard_normal((20000, model.n_latent))
    empirical = np.cov(model.logits(z), rowvar=False)
    cov = model.covariance()
    assert np.abs(empirical - cov).max() < 0.05 * np.abs(cov).max()
    # a region's months move together (its level), and the same month of two regions too (the shock)
    i, j = 3 * 42 + 0, 4 * 42 + 0  # 2019-09 and 2019-10, first_visit, region 01
    assert cov[i, j] > 0.5 * np.sqrt(cov[i, i] * cov[j, j])


def test_regions_add_up_to_the_national_level(model):
    d = draw(model, 2, 0, 2000)
    w = read_population().of(model.regions).astype(float)
    national = d.share_90[:, 0] @ (w / w.sum())  # 2018-09, per group
    assert national.std(axis=0).max() < 1.0 and abs(national[:, 0].mean() - 76.0) < 0.7


def test_a_region_fixed_in_the_scenario(tmp_path):
    source = (files("kommiljard") / "scenarios" / "default-2019.toml").read_text(encoding="utf-8")
    path = tmp_path / "fixed.toml"
    path.write_text(
        source + '\n[regions."06"]\nlevel_pct = { first_visit = 92.0 }\ntrend_pp = { first_visit = 4.0 }\n',
        encoding="utf-8",
    )
    m = trajectory_model(path, MONTHS, MONTHS[3:])
    d = draw(m, 3, 0, 2000)
    r = m.regions.index("06")
    assert abs(d.share_90[:, :3, 0, r].mean() - 92.0) < 1.0
    logit = np.log(d.share_90[:, :, 0] / (100 - d.share_90[:, :, 0]))
    change = (logit[:, 3:] - logit[:, :3]).mean(axis=(0, 1))  # per region
    slope = 80.2 * 19.8 / 100  # pp per logit unit at the national level, where spreads are converted
    assert change[r] - np.delete(change, r).mean() == pytest.approx(4.0 / slope, abs=0.03)


@pytest.mark.kernels  # also with the JIT off (.ci/run): few draws
def test_conditioning_keeps_observed_cells_and_draws_the_rest(model):
    one = trajectories(None, n=1, seed=11, months=MONTHS)
    known = one[one["month"] != "2019-11"].drop(columns="trajectory")
    given = model.condition(known)
    assert given.n_observed == 5 * 42 + 2 * 42  # share_90 of five months, share_60 of the two measurement months known
    d = draw(given, 4, 0, 300)
    keep = known.set_index(["month", "group", "region"])["share_90"]
    for mi, month in enumerate(model.months[:5]):
        for gi, group in enumerate(model.groups):
            expected = keep.loc[month, group].loc[list(model.regions)].to_numpy()
            assert (d.share_90[:, mi, gi] == expected).all()
    assert np.ptp(d.share_90[:, 5], axis=0).min() > 0


@pytest.mark.kernels  # also with the JIT off (.ci/run): few draws
def test_trajectories_are_valid_panels(rules, population):
    frame = trajectories(None, n=2, seed=9)
    assert len(frame) == 2 * 21 * 24 * 2 and set(frame["month"].str[:4]) == {"2018", "2019"}
    panel = validate_panel(frame[frame["trajectory"] == 1].drop(columns="trajectory"))
    assert payout(panel, rules, population).paid_sek > 0


@pytest.mark.parametrize("seed", [0, 4, 2019])
def test_inlined_sfc64_normals_are_numpys_bit_for_bit(seed):
    """The draw kernels' own SFC64 + ziggurat: NumPy's values and state, tails and rejections included."""
    rng = stream_generator(seed, 7)
    state = sfc64_state(rng)
    ours = np.empty(1_000_003)
    fill_normals(state, ours[:3])  # a short call, then a long one: the state carries over
    fill_normals(state, ours[3:])
    np.testing.assert_array_equal(ours, rng.standard_normal(ours.size))
    np.testing.assert_array_equal(state, sfc64_state(rng))
    assert (np.abs(ours) > 3.6541528853610088).any()  # the tail beyond the ziggurat's last layer was drawn
    set_sfc64_state(rng, state)
    np.testing.assert_array_equal(sfc64_state(rng), state)
    with pytest.raises(TypeError):
        sfc64_state(np.random.default_rng(0))


def test_draw_into_given_arrays_with_a_callback_per_stream(model):
    """A sweep reuses its arrays and allocates each stream as soon as it is drawn: the same shares,
    and the callback sees every row exactly once, each time a whole stream's rows already drawn."""
    fresh = draw(model, 9, 700, 3100, threads=2)
    reused = draw(model, 9, 0, 3000)  # arrays of an earlier, larger draw
    seen = []

    def then(rows):
        assert not np.isnan(reused.share_90[rows]).any()
        seen.append((rows.start, rows.stop))

    reused.share_90[:] = np.nan
    again = draw(model, 9, 700, 3100, threads=2, out=reused, then=then)
    np.testing.assert_array_equal(again.share_90, fresh.share_90)
    np.testing.assert_array_equal(again.share_60, fresh.share_60)
    assert np.shares_memory(again.share_90, reused.share_90)
    assert sorted(seen) == [(0, 300), (300, 1300), (1300, 2300), (2300, 2400)]


@pytest.mark.slow
def test_the_vectorised_exp_is_within_a_few_ulps_of_the_c_librarys():
    """shares_row's fast exp: the margin of NEAR_TIE needs it within about 1e-12; it is within 1e-15."""
    from kommiljard.sweeps.shares import FAST_RANGE, fast_exp

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-12, 12, 200_000), rng.uniform(-FAST_RANGE, FAST_RANGE, 20_000)])
    x = np.concatenate([x, [0.0, -0.0, FAST_RANGE, -FAST_RANGE, np.log(2) / 2, -np.log(2) / 2, 1e-300]])
    ours = np.array([fast_exp(v) for v in x[:2000]])  # the compiled function called from Python
    np.testing.assert_allclose(ours, np.exp(x[:2000]), rtol=1e-15, atol=0)

    @njit
    def many(values, out):
        for i in range(values.shape[0]):
            out[i] = fast_exp(values[i])

    out = np.empty_like(x)
    many(x, out)
    exact = np.array([math.exp(v) for v in x])
    assert np.abs(out / exact - 1).max() < 1e-15


@pytest.mark.slow
def test_shares_at_rounding_ties_and_out_of_range_are_the_scalar_exps():
    """A logit whose share is within NEAR_TIE of a rounding tie, beyond the fast exp's range, or NaN: the share is
    rint(1000 / (1 + exp(-logit))) / 10 with the C library's exp, as for every other logit."""
    from kommiljard.sweeps.model import SharesOf
    from kommiljard.sweeps.shares import shares_row

    ties = [math.log(1000.0 / (k + 0.5) - 1.0) for k in range(1, 999, 7)]  # share (k + 0.5) / 10: a tie
    near = [t + d for t in ties for d in (-1e-13, 1e-13, -1e-11, 1e-11)]
    logits = np.array([*ties, *near, 800.0, -800.0, 1e308, -1e308, np.inf, -np.inf, 0.0, 3.2])
    n90 = len(logits)
    s90, s60 = np.empty(n90), np.empty(0)
    shares_row(
        logits, SharesOf(n90, np.zeros(0, np.int64), np.full(n90, np.nan)), np.empty((2, n90)), s90[None], s60[None], 0
    )
    expected = [np.rint(1000.0 / (1.0 + math.exp(-v) if -v < 709 else math.inf)) / 10.0 for v in logits]
    np.testing.assert_array_equal(s90, expected)


def test_a_streams_first_state_is_numpys_seedsequence_and_sfc64():
    """The drawing kernels seed each stream themselves: the state of SFC64(SeedSequence(seed, spawn_key=(s,)))."""
    from kommiljard.sweeps.rng import seed_words, stream_state

    rng = np.random.default_rng(1)
    seeds = [0, 1, 2019, 2**32 - 1, 2**32, 2**63 - 1, *rng.integers(0, 2**63, 30).tolist()]
    streams = [0, 1, 999, 2**32 - 1, 2**32, 2**40 + 3, *rng.integers(0, 10**6, 5).tolist()]
    for seed in seeds:
        for stream in streams:
            expected = sfc64_state(stream_generator(seed, stream))
            np.testing.assert_array_equal(stream_state(seed_words(seed), stream), expected, err_msg=f"{seed} {stream}")
    with pytest.raises(ValueError):
        seed_words(-1)


def test_tenths_without_a_division_are_the_divisions():
    from kommiljard.sweeps.shares import tenths

    @njit
    def all_tenths(k, out):
        for i in range(k.shape[0]):
            out[i] = tenths(k[i])

    k = np.arange(1001, dtype=np.float64)
    out = np.empty_like(k)
    all_tenths(k, out)
    np.testing.assert_array_equal(out, k / 10.0)


@pytest.mark.parametrize("observed", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_allocating_as_drawn_equals_allocating_drawn_batches(observed, rules, population):
    """The fused kernel (draw a few trajectories, allocate them while in the cache) against draw() then the
    sweep kernel: the same outcomes, for a model given observed cells too, from any start, in threads."""
    from kommiljard.inputs.panel import as_panel
    from kommiljard.sample import sample_panel
    from kommiljard.sweeps.outcomes import Batches, setup_sweep, total
    from kommiljard.sweeps.scenario import load_scenario

    frame = sample_panel()
    panel = as_panel(frame[frame["month"] <= "2019-09"], ("first_visit", "operation")) if observed else None
    setup, _ = setup_sweep(load_scenario(None), rules, population, None, panel)
    start, stop = 1_234, 3_567
    batches = Batches(setup, 11, threads=2)
    assert batches.fused is not None  # a plain staircase sweep allocates in the drawing kernel
    fused = batches(start, stop)
    drawn = draw(setup.model, 11, start, stop)
    amount, tier, month_tier = setup.plan.allocate({"share_90": drawn.share_90, "share_60": drawn.share_60}, None)
    np.testing.assert_array_equal(fused["amount"], amount)
    np.testing.assert_array_equal(fused["tier"], tier)
    np.testing.assert_array_equal(fused["month_tier"], month_tier)
    np.testing.assert_array_equal(fused["amount_sek"], total(amount))
