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

    frame: pd.DataFrame  # region, month, group, share_90, share_60
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


def synthetic_history(seed: int = 0, params: HistoryParams = HistoryParams()) -> History:
    """Draw a SYNTHETIC history of all 21 regions and both groups from ``params`` (seeded).

    Every random draw is made whatever ``starts`` and ``response_pp`` say, so changing them
    changes only the rows they concern.
    """
    regions, groups = region_codes(), GROUPS
    n_r, n_g = len(regions), len(groups)
    t = np.arange(month_index(params.start), month_index(params.end) + 1)
    months = tuple(month_name(int(i)) for i in t)
    t0 = params.baseline_year * 12 + 5.5
    rng = np.random.default_rng(np.random.SeedSequence(seed))

    nat_pct = np.array([params.national_level_pct[g] for g in groups])
    slope = nat_pct * (100.0 - nat_pct) / 100.0  # pp per logit at the national level
    gap_pp = np.array([params.gap_pp[g] for g in groups])  # (G, 12)
    slope60 = (nat_pct - gap_pp.mean(axis=1)) * (100.0 - nat_pct + gap_pp.mean(axis=1)) / 100.0

    def pp(values: dict, at: np.ndarray = slope) -> np.ndarray:
        return np.array([values[g] for g in groups]) / at

    nat_season = (
        logit(nat_pct[:, None] + np.array([params.national_season_pp[g] for g in groups])) - logit(nat_pct)[:, None]
    )
    nat_season -= nat_season.mean(axis=1, keepdims=True)
    nat_gap = logit(nat_pct[:, None] + np.array([params.national_season_pp[g] for g in groups])) - logit(
        nat_pct[:, None] + np.array([params.national_season_pp[g] for g in groups]) - gap_pp
    )

    offset = _correlated(rng, n_r, params.level_corr) * pp(params.level_sd_pp)
    offset -= offset.mean(axis=0)
    level = logit(nat_pct)[None] + offset
    amplitude = 1.0 + params.season_amplitude_sd * rng.standard_normal((n_r, n_g))
    season = nat_season[None] * amplitude[..., None]  # (R, G, 12)
    trend_dev = _correlated(rng, n_r, params.trend_corr) * pp(params.trend_sd_pp)
    trend = pp(params.national_trend_pp)[None] + trend_dev - trend_dev.mean(axis=0)
    phi = np.clip(rng.normal(params.ar1_mean, params.ar1_sd, (n_r, n_g)), *params.ar1_range)
    stationary = pp(params.noise_sd_pp)[None] * np.exp(params.noise_sd_spread * rng.standard_normal((n_r, n_g)))
    sd = stationary * np.sqrt(1.0 - phi**2)
    corr = np.clip(rng.normal(params.group_corr_mean, params.group_corr_sd, n_r), *params.group_corr_range)
    gap_level = nat_gap.mean(axis=1)[None] + rng.normal(0.0, params.gap_level_sd_pp, (n_r, n_g)) / slope60
    gap_sd = params.gap_noise_sd_pp / slope60 * np.sqrt(1.0 - params.gap_ar1**2)

    nat_sd = pp(params.national_sd_pp)
    z = _correlated(rng, len(t), params.national_group_corr).T * nat_sd[:, None]
    f = _ar1_paths(rng, np.full(n_g, params.national_ar1), z)  # (G, T)
    e = rng.standard_normal((n_r, len(t), 2))
    e[..., 1] = corr[:, None] * e[..., 0] + np.sqrt(1.0 - corr[:, None] ** 2) * e[..., 1]
    u = _ar1_paths(rng, phi, np.moveaxis(e, -1, 1) * sd[..., None])  # (R, G, T)
    v = _ar1_paths(
        rng, np.full((n_r, n_g), params.gap_ar1), rng.standard_normal((n_r, n_g, len(t))) * gap_sd[..., None]
    )
    own_response = rng.standard_normal((n_r, n_g)) * params.response_sd_pp

    cal = t % 12
    l90 = level[..., None] + season[..., cal] + trend[..., None] * ((t - t0) / 12.0) + f[None] + u
    response = np.zeros_like(l90)
    for month, by_group in params.response_pp.items():
        for group, value in by_group.items():
            response[:, groups.index(group), months.index(month)] = value + own_response[:, groups.index(group)]
    s90_exact = np.where(response != 0, np.clip(expit_pct(l90) + response, 0.05, 99.95), expit_pct(l90))
    l90 = logit(s90_exact)
    gap = np.maximum(gap_level[..., None] + (nat_gap - nat_gap.mean(axis=1, keepdims=True))[:, cal][None] + v, 0.0)
    s90, s60 = np.round(expit_pct(l90), 1), np.round(expit_pct(l90 - gap), 1)

    r, g, m = np.indices(l90.shape).reshape(3, -1)
    frame = pd.DataFrame({
        "region": np.array(regions)[r], "month": np.array(months)[m], "group": np.array(groups)[g],
        "share_90": s90.ravel(), "share_60": s60.ravel(),
    })  # fmt: skip
    first = frame["region"].map(lambda c: params.starts.get(c, params.start))
    frame = frame[frame["month"] >= first].sort_values(["region", "month", "group"], ignore_index=True)

    zeros = np.zeros(n_g)
    national = Params(
        level.mean(axis=0), season.mean(axis=0), trend.mean(axis=0), np.full(n_g, params.national_ar1), nat_sd,
        zeros, zeros, zeros, zeros, zeros,
    )  # fmt: skip
    zr = np.zeros((n_r, n_g))
    region = Params(level, season, trend, phi, sd, zr, zr, zr, zr, zr)
    gap_season = np.broadcast_to(nat_gap - nat_gap.mean(axis=1, keepdims=True), (n_r, n_g, 12))
    gaps = Params(
        gap_level,
        gap_season,
        zr,
        np.full((n_r, n_g), params.gap_ar1),
        np.broadcast_to(gap_sd, (n_r, n_g)),
        zr,
        zr,
        zr,
        zr,
        zr,
    )
    truth = Truth(regions, groups, months, national, region, gaps, corr, params.national_group_corr, response)
    return History(frame, truth, params, seed)


def with_params(**changes) -> HistoryParams:
    """The default :class:`HistoryParams` with some fields changed."""
    return replace(HistoryParams(), **changes)
