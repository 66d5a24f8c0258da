"""The trajectory generator: seeded by logical block, a Gaussian model, conditioning, panels."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pytest

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
