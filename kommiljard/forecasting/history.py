"""SYNTHETIC multi-year monthly histories of all 21 regions, drawn from known parameters.

Not real data: a seeded generator for testing :mod:`kommiljard.forecasting.fit` (does it recover
what it was given? are its forecasts calibrated?) and for notebooks. It draws the fit's own
model (see that module's docstring) on the logit scale, for region r, group g, month t:

    L(share_90) = level[r,g] + season[r,g,c(t)] + trend[r,g] tau(t) + f[g,t] + u[r,g,t]  (+ response)
    L(share_60) = L(share_90) - max(gap_level[r,g] + gap_season[g,c(t)] + v[r,g,t], 0)

with ``tau(t)`` the years from the middle of the baseline year. Regions differ in level and
trend (correlated between groups, equally weighted mean = the national value), in the
amplitude of their seasonal pattern (the national pattern times ``1 + a[r,g]``), in the
AR(1) coefficient and SD of their monthly deviation ``u`` (whose innovations are correlated
between the groups of a region) and in their gap level. ``f`` is a national AR(1) factor
shared by every region, ``v`` an AR(1) gap deviation. National values default to the real
2018 series (the bundled ``default-2019`` scenario's level, season and gap); every spread
is made up. Spreads in percentage points are converted to logits at the group's national
level, as the sweep's scenarios are.

A *scheme response* (the reaction to the money, which a history before the scheme cannot
show) can be added in chosen months: ``response_pp[month][group]`` percentage points on
share_90 (and so on share_60), plus a region's own ``response_sd_pp`` deviation, the same in
every response month. Shares are rounded to one decimal, as published.

:class:`Irregular` makes a history shaped like real exports (each part off by default): regions
that respond unequally to the scheme (``response_cv``: a region's response is the month's times
its own multiplier, normal, two-valued or larger where there is more room), heavy-tailed month
shocks (Student-t innovations; transient outliers), seasons that change (an amplitude that
grows; each region's profile drifting from year to year), level breaks, correlation within
clusters of regions (the six healthcare regions by default) and suppressed cells (``N`` in
an export: NaN here). They are drawn from a second random stream of the seed, so a history
without them is the same as before, value for value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..inputs.panel import Panel
from ..inputs.regions import region_codes
from .fit import GROUPS, Params, expit_pct, logit, month_index, month_name

# The bundled default-2019 scenario's national season and share_90 - share_60 gap (pp, Jan-Dec).
_SEASON_PP = {
    "first_visit": (-0.5, 0.0, 2.0, 2.5, 2.0, 1.0, -3.0, -6.5, -4.5, 1.5, 3.5, 1.5),
    "operation": (2.5, 2.5, 3.5, 4.0, 3.0, 0.0, -4.5, -10.0, -6.5, 0.5, 3.5, 1.5),
}
_GAP_PP = {
    "first_visit": (14.8, 14.2, 13.6, 13.0, 12.8, 15.8, 18.8, 16.8, 11.7, 10.8, 12.1, 15.5),
    "operation": (12.0, 11.4, 12.6, 13.8, 13.5, 13.2, 19.0, 15.9, 8.9, 11.0, 13.1, 12.5),
}


# The six healthcare regions (sjukvårdsregioner): regions that share hospitals and plans.
HEALTHCARE_REGIONS = (
    ("01", "09"),
    ("03", "04", "17", "18", "19", "20", "21"),
    ("05", "06", "08"),
    ("07", "10", "12", "13"),
    ("14",),
    ("22", "23", "24", "25"),
)
RESPONSE_SHAPES = ("normal", "bimodal", "room")


@dataclass(frozen=True)
class Irregular:
    """What makes a history real-shaped; every part is off (0) by default. pp at the national level."""

    response_cv: float = 0.0  # a region's response = the month's response x (1 + cv x its own draw)
    response_shape: str = "normal"  # normal, bimodal (1 + cv or 1 - cv), room (more for regions below the mean)
    innovation_df: float = 0.0  # Student-t innovations of the regions' own deviations (0: normal), same SD
    national_df: float = 0.0  # the same for the national factor
    outlier_rate: float = 0.0  # share of region-group-months with a transient (additive) outlier
    outlier_sd_pp: float = 0.0
    season_drift: float = 0.0  # the seasonal amplitude grows by this share a year (from the baseline year)
    season_walk_pp: float = 0.0  # each region's season drifts by a random walk: SD per calendar month and year
    break_share: float = 0.0  # share of region-groups whose level breaks once, in a month from break_from on
    break_sd_pp: float = 0.0
    break_from: str = "2015-01"
    cluster_corr: float = 0.0  # correlation of the own deviations' innovations within a cluster of regions
    clusters: tuple[tuple[str, ...], ...] = HEALTHCARE_REGIONS
    suppressed_share: float = 0.0  # share of cells (one measure of one row) suppressed: NaN
    keep: tuple[str, ...] = ()  # months never suppressed (e.g. those a payout reads)


@dataclass(frozen=True)
class HistoryParams:
    """What a synthetic history is drawn from. pp values are per group unless scalar."""

    start: str = "2014-01"
    end: str = "2019-12"
    baseline_year: int = 2018  # levels are the mean expected logit over this year
    national_level_pct: dict = field(default_factory=lambda: {"first_visit": 80.2, "operation": 69.9})
    national_season_pp: dict = field(default_factory=lambda: dict(_SEASON_PP))
    national_trend_pp: dict = field(default_factory=lambda: {"first_visit": -0.4, "operation": -1.2})  # per year
    national_ar1: float = 0.7
    national_sd_pp: dict = field(default_factory=lambda: {"first_visit": 0.5, "operation": 0.6})  # innovation SD
    national_group_corr: float = 0.5
    level_sd_pp: dict = field(default_factory=lambda: {"first_visit": 8.0, "operation": 10.0})
    level_corr: float = 0.5
    season_amplitude_sd: float = 0.3  # a region's season = national season * (1 + N(0, this))
    trend_sd_pp: dict = field(default_factory=lambda: {"first_visit": 1.0, "operation": 1.3})  # per year
    trend_corr: float = 0.4
    noise_sd_pp: dict = field(default_factory=lambda: {"first_visit": 1.3, "operation": 1.7})  # typical stationary SD
    noise_sd_spread: float = 0.3  # log-SD of the regions' noise SD around it
    ar1_mean: float = 0.5
    ar1_sd: float = 0.15
    ar1_range: tuple[float, float] = (0.0, 0.9)
    group_corr_mean: float = 0.3
    group_corr_sd: float = 0.15
    group_corr_range: tuple[float, float] = (-0.5, 0.8)
    gap_pp: dict = field(default_factory=lambda: dict(_GAP_PP))  # national share_90 - share_60 per month
    gap_level_sd_pp: float = 2.7
    gap_noise_sd_pp: float = 0.9  # stationary
    gap_ar1: float = 0.4
    starts: Mapping[str, str] = field(default_factory=dict)  # region -> first month (a thinner history)
    response_pp: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # month -> group -> pp
    response_sd_pp: float = 0.0
    irregular: Irregular = Irregular()


@dataclass(frozen=True)
class Truth:
    """The parameters a history was drawn from, in the fit's terms (:class:`~kommiljard.forecasting.fit.Params`).

    ``national`` is what the fit's national factor estimates: the regions' mean level,
    season and trend, with the AR(1) of ``f``; ``region`` holds absolute values; ``response``
    (R, G, T) the pp added in each month.
    """

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    months: tuple[str, ...]
    national: Params
    region: Params
    gap: Params
    group_corr: np.ndarray  # (R,)
    national_group_corr: float
    response: np.ndarray

    def table(self) -> pd.DataFrame:
        """One row per region and group with the true level, trend, AR(1), noise and gap (logit)."""
        r, g = np.indices(self.region.level.shape).reshape(2, -1)
        p, q = self.region, self.gap
        return pd.DataFrame({
            "region": np.array(self.regions)[r], "group": np.array(self.groups)[g],
            "level_logit": p.level.ravel(), "level_pct": expit_pct(p.level.ravel()), "trend_logit": p.trend.ravel(),
            "ar1": p.ar1.ravel(), "noise_sd_logit": p.sd.ravel(), "noise_stationary_sd_logit": p.stationary_sd.ravel(),
            "gap_level_logit": q.level.ravel(), "group_corr": self.group_corr[r],
        })  # fmt: skip


@dataclass(frozen=True)
class History:
    """A SYNTHETIC history: the panel rows, the truth behind them, and how they were drawn."""

    frame: pd.DataFrame  # region, month, group, share_90, share_60 (NaN: a suppressed cell)
    truth: Truth
    params: HistoryParams
    seed: int

    def panel(self) -> Panel:
        """The rows as a :class:`~kommiljard.inputs.panel.Panel` marked synthetic."""
        meta = {
            "kommiljard.synthetic": "true",
            "kommiljard.generator": f"kommiljard.forecasting.history seed={self.seed}",
        }
        return Panel(self.frame, f"synthetic history (seed {self.seed})", "", meta)

    def until(self, month: str) -> pd.DataFrame:
        """The rows up to ``month``."""
        return self.frame[self.frame["month"] <= month].reset_index(drop=True)


def _correlated(rng: np.random.Generator, n: int, corr: float) -> np.ndarray:
    """``n`` pairs of standard normals with correlation ``corr``, (n, 2)."""
    z = rng.standard_normal((n, 2))
    return np.column_stack([z[:, 0], corr * z[:, 0] + np.sqrt(1.0 - corr**2) * z[:, 1]])


def _ar1_paths(rng: np.random.Generator, phi: np.ndarray, innovations: np.ndarray) -> np.ndarray:
    """Stationary AR(1) paths along the last axis from innovations (..., T) and coefficients (...)."""
    out = np.empty_like(innovations)
    out[..., 0] = innovations[..., 0] / np.sqrt(1.0 - phi**2)
    for t in range(1, innovations.shape[-1]):
        out[..., t] = phi * out[..., t - 1] + innovations[..., t]
    return out


def _student(rng: np.random.Generator, z: np.ndarray, df: float) -> np.ndarray:
    """Normals ``z`` made Student-t with ``df`` degrees of freedom and the same variance (df 0: as they are)."""
    if not df:
        return z
    return z * np.sqrt((df - 2.0) / rng.chisquare(df, z.shape))


@dataclass(frozen=True)
class _Scale:
    """The grid and the pp-to-logit conversions of a history."""

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    t: np.ndarray  # month indexes
    months: tuple[str, ...]
    t0: float
    slope: np.ndarray  # (G,) pp per logit of share_90 at the national level
    slope60: np.ndarray

    def pp(self, values: dict, at: np.ndarray | None = None) -> np.ndarray:
        return np.array([values[g] for g in self.groups]) / (self.slope if at is None else at)


def synthetic_history(seed: int = 0, params: HistoryParams = HistoryParams()) -> History:
    """Draw a SYNTHETIC history of all 21 regions and both groups from ``params`` (seeded).

    Every random draw is made whatever ``starts`` and ``response_pp`` say, so changing them
    changes only the rows they concern; :class:`Irregular` parts come from a second stream.
    """
    t = np.arange(month_index(params.start), month_index(params.end) + 1)
    nat_pct = np.array([params.national_level_pct[g] for g in GROUPS])
    gap_mean = np.array([np.mean(params.gap_pp[g]) for g in GROUPS])
    scale = _Scale(
        region_codes(), GROUPS, t, tuple(month_name(int(i)) for i in t), params.baseline_year * 12 + 5.5,
        nat_pct * (100.0 - nat_pct) / 100.0, (nat_pct - gap_mean) * (100.0 - nat_pct + gap_mean) / 100.0,
    )  # fmt: skip
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    extra = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    truth, parts = _draw(rng, extra, params, scale)
    l90 = _irregular_logits(extra, params, scale, truth, parts)
    response = _response(extra, params, scale, truth, parts["own_response"])
    s90_exact = np.where(response != 0, np.clip(expit_pct(l90) + response, 0.05, 99.95), expit_pct(l90))
    l90 = logit(s90_exact)
    gap = np.maximum(parts["gap"], 0.0)
    s90, s60 = np.round(expit_pct(l90), 1), np.round(expit_pct(l90 - gap), 1)
    r, g, m = np.indices(l90.shape).reshape(3, -1)
    frame = pd.DataFrame({
        "region": np.array(scale.regions)[r], "month": np.array(scale.months)[m], "group": np.array(GROUPS)[g],
        "share_90": s90.ravel(), "share_60": s60.ravel(),
    })  # fmt: skip
    first = frame["region"].map(lambda c: params.starts.get(c, params.start))
    frame = frame[frame["month"] >= first].sort_values(["region", "month", "group"], ignore_index=True)
    frame = _suppressed(extra, params.irregular, frame)
    return History(frame, replace(truth, response=response), params, seed)


def _draw(rng: np.random.Generator, extra: np.random.Generator, params: HistoryParams, s: _Scale):
    """The regular parameters and paths (the first stream, in its fixed order), as the truth and the parts
    of the logits; the Irregular innovations' shapes (Student-t, clusters) from the second stream."""
    n_r, n_g, groups, irregular = len(s.regions), len(s.groups), s.groups, params.irregular
    nat_pct = np.array([params.national_level_pct[g] for g in groups])
    season_pp = np.array([params.national_season_pp[g] for g in groups])
    gap_pp = np.array([params.gap_pp[g] for g in groups])  # (G, 12)
    nat_season = logit(nat_pct[:, None] + season_pp) - logit(nat_pct)[:, None]
    nat_season -= nat_season.mean(axis=1, keepdims=True)
    nat_gap = logit(nat_pct[:, None] + season_pp) - logit(nat_pct[:, None] + season_pp - gap_pp)

    offset = _correlated(rng, n_r, params.level_corr) * s.pp(params.level_sd_pp)
    offset -= offset.mean(axis=0)
    level = logit(nat_pct)[None] + offset
    amplitude = 1.0 + params.season_amplitude_sd * rng.standard_normal((n_r, n_g))
    season = nat_season[None] * amplitude[..., None]  # (R, G, 12)
    trend_dev = _correlated(rng, n_r, params.trend_corr) * s.pp(params.trend_sd_pp)
    trend = s.pp(params.national_trend_pp)[None] + trend_dev - trend_dev.mean(axis=0)
    phi = np.clip(rng.normal(params.ar1_mean, params.ar1_sd, (n_r, n_g)), *params.ar1_range)
    stationary = s.pp(params.noise_sd_pp)[None] * np.exp(params.noise_sd_spread * rng.standard_normal((n_r, n_g)))
    sd = stationary * np.sqrt(1.0 - phi**2)
    corr = np.clip(rng.normal(params.group_corr_mean, params.group_corr_sd, n_r), *params.group_corr_range)
    gap_level = nat_gap.mean(axis=1)[None] + rng.normal(0.0, params.gap_level_sd_pp, (n_r, n_g)) / s.slope60
    gap_sd = params.gap_noise_sd_pp / s.slope60 * np.sqrt(1.0 - params.gap_ar1**2)

    nat_sd = s.pp(params.national_sd_pp)
    z = _correlated(rng, len(s.t), params.national_group_corr).T * nat_sd[:, None]
    f = _ar1_paths(rng, np.full(n_g, params.national_ar1), _student(extra, z, irregular.national_df))  # (G, T)
    e = rng.standard_normal((n_r, len(s.t), 2))
    e[..., 1] = corr[:, None] * e[..., 0] + np.sqrt(1.0 - corr[:, None] ** 2) * e[..., 1]
    e = _student(extra, _clustered(extra, irregular, s.regions, e), irregular.innovation_df)
    u = _ar1_paths(rng, phi, np.moveaxis(e, -1, 1) * sd[..., None])  # (R, G, T)
    v = _ar1_paths(
        rng, np.full((n_r, n_g), params.gap_ar1), rng.standard_normal((n_r, n_g, len(s.t))) * gap_sd[..., None]
    )
    own_response = rng.standard_normal((n_r, n_g)) * params.response_sd_pp
    gap_season = nat_gap - nat_gap.mean(axis=1, keepdims=True)
    cal = s.t % 12
    parts = {"f": f, "u": u, "own_response": own_response, "gap": gap_level[..., None] + gap_season[:, cal][None] + v}
    zeros, zr = np.zeros(n_g), np.zeros((n_r, n_g))
    national = Params(
        level.mean(axis=0), season.mean(axis=0), trend.mean(axis=0), np.full(n_g, params.national_ar1), nat_sd,
        zeros, zeros, zeros, zeros, zeros,
    )  # fmt: skip
    gaps = Params(
        gap_level, np.broadcast_to(gap_season, (n_r, n_g, 12)), zr, np.full((n_r, n_g), params.gap_ar1),
        np.broadcast_to(gap_sd, (n_r, n_g)), zr, zr, zr, zr, zr,
    )  # fmt: skip
    region = Params(level, season, trend, phi, sd, zr, zr, zr, zr, zr)
    truth = Truth(s.regions, groups, s.months, national, region, gaps, corr, params.national_group_corr, None)
    return truth, parts


def _clustered(rng: np.random.Generator, irregular: Irregular, regions, e: np.ndarray) -> np.ndarray:
    """Innovations (R, T, 2) with correlation ``cluster_corr`` between the regions of a cluster."""
    rho = irregular.cluster_corr
    if not rho:
        return e
    shared = rng.standard_normal((len(irregular.clusters),) + e.shape[1:])
    cluster = np.array([next(i for i, c in enumerate(irregular.clusters) if r in c) for r in regions])
    return np.sqrt(1.0 - rho) * e + np.sqrt(rho) * shared[cluster]


def _irregular_logits(rng: np.random.Generator, params: HistoryParams, s: _Scale, truth: Truth, parts) -> np.ndarray:
    """share_90's logits (R, G, T) before the response: the regular model, then seasons that change, level
    breaks and transient outliers."""
    irregular, p = params.irregular, truth.region
    cal, tau = s.t % 12, (s.t - s.t0) / 12.0
    season = p.season[..., cal] * (1.0 + irregular.season_drift * tau)
    l90 = p.level[..., None] + season + p.trend[..., None] * tau + parts["f"][None] + parts["u"]
    if irregular.season_walk_pp:
        years = s.t // 12 - s.t[0] // 12
        steps = rng.standard_normal(l90.shape[:2] + (years[-1] + 1, 12))
        steps *= irregular.season_walk_pp / s.slope[None, :, None, None]
        steps[..., 0, :] = 0.0
        walk = np.cumsum(steps, axis=2)
        walk -= walk.mean(axis=-1, keepdims=True)
        l90 = l90 + walk[:, :, years, cal]
    if irregular.break_share:
        hit = rng.random(l90.shape[:2]) < irregular.break_share
        first = np.searchsorted(s.t, month_index(irregular.break_from))
        when = rng.integers(first, len(s.t), l90.shape[:2])
        size = rng.standard_normal(l90.shape[:2]) * irregular.break_sd_pp / s.slope[None]
        l90 = l90 + (hit * size)[..., None] * (np.arange(len(s.t)) >= when[..., None])
    if irregular.outlier_rate:
        hit = rng.random(l90.shape) < irregular.outlier_rate
        l90 = l90 + hit * rng.standard_normal(l90.shape) * irregular.outlier_sd_pp / s.slope[None, :, None]
    return l90


def _response(rng: np.random.Generator, params: HistoryParams, s: _Scale, truth: Truth, own) -> np.ndarray:
    """pp added to share_90 (R, G, T): the month's response times each region's multiplier, plus its ``own``
    (R, G) in every response month."""
    irregular = params.irregular
    if irregular.response_shape not in RESPONSE_SHAPES:
        raise ValueError(f"response_shape {irregular.response_shape!r}: one of {', '.join(RESPONSE_SHAPES)}")
    shape = truth.region.level.shape
    if irregular.response_shape == "bimodal":
        draw = rng.choice([-1.0, 1.0], shape)
    elif irregular.response_shape == "room":  # more room below the mean level: a larger response
        room = truth.national.level[None] - truth.region.level
        draw = room / room.std(axis=0, keepdims=True)
    else:
        draw = rng.standard_normal(shape)
    multiplier = 1.0 + irregular.response_cv * draw
    response = np.zeros(shape + (len(s.t),))
    for month, by_group in params.response_pp.items():
        for group, value in by_group.items():
            gi = s.groups.index(group)
            response[:, gi, s.months.index(month)] = value * multiplier[:, gi] + own[:, gi]
    return response


def _suppressed(rng: np.random.Generator, irregular: Irregular, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a share ``suppressed_share`` of its measure cells NaN (not in the ``keep`` months)."""
    if not irregular.suppressed_share:
        return frame
    frame = frame.copy()
    open_rows = ~frame["month"].isin(irregular.keep).to_numpy()
    for column in ("share_90", "share_60"):
        hit = (rng.random(len(frame)) < irregular.suppressed_share) & open_rows
        frame.loc[hit, column] = np.nan
    return frame


def with_params(**changes) -> HistoryParams:
    """The default :class:`HistoryParams` with some fields changed (``irregular``: a dict or an Irregular)."""
    if isinstance(changes.get("irregular"), dict):
        changes["irregular"] = Irregular(**changes["irregular"])
    return replace(HistoryParams(), **changes)
