"""The trajectory model of sweeps: a scenario's synthetic monthly shares for all 21 regions over a
baseline and a measurement year, drawn by the million, optionally given observed cells.

On the logit scale, for region r, group g and month m of year y (0 = baseline year,
1 = measurement year), with every spread of the scenario converted from pp to logit at
the group's national level:

    L(share_90) = centre[g, y, m] + level[r, g] + y * (trend[r, g] + shock[g] + shock_m[g, m]) + noise
    L(share_60) = L(share_90) - max(gap[g, y, m] + gap_level[r, g] + gap_noise, 0)

``centre`` is set so that the expected population-weighted share is the scenario's
national share (level + season, plus trend and response in the measurement year).
``level`` and ``trend`` are drawn per region, correlated between groups and centred to a
population-weighted mean of 0 (the regions add up to the national series), unless the
scenario fixes them for a region. ``shock`` and ``shock_m`` are shared by all regions.
Every term is linear in one vector of standard normals per trajectory, so the model is a
Gaussian vector whose loadings are what :func:`_model_logits` computes from the identity
matrix; conditioning on observed cells is ordinary Gaussian conditioning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from numba import njit
from numba.extending import overload

from ..compiling import kernel
from ..errors import InputError
from ..inputs.panel import Panel
from ..inputs.population import read_population
from ..inputs.regions import region_codes
from ..kinds.trajectory import allocate_trajectories, trajectory_work
from ..language import speaker
from ..rules.tomlfiles import said_origin
from .rng import STREAM_SIZE, each_stream, fill_normals, seed_words, stream_state
from .scenario import Scenario, ScenarioError, load_scenario
from .shares import shares_row

say = speaker(__package__)


def logit(pct):
    """``log(x / (100 - x))`` of a share in percent."""
    return np.log(pct / (100.0 - pct))


def expit(x):
    """The share in percent of a logit."""
    return 100.0 / (1.0 + np.exp(-x))


_LOGIT_CLIP = (0.05, 99.95)  # observed shares of 0 or 100 % are read as these on the logit scale
_JITTER = 1e-10


def _year_months(spec, months: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Year index (0 baseline, 1 measurement) and calendar month (1-12) of each ``YYYY-MM``."""
    years = {spec.baseline_year: 0, spec.measurement_year: 1}
    bad = [m for m in months if int(m[:4]) not in years]
    if bad:
        raise ValueError(
            f"month(s) {bad} are outside scenario {spec.name!r}'s years {spec.baseline_year} and "
            f"{spec.measurement_year}"
        )
    return np.array([years[int(m[:4])] for m in months]), np.array([int(m[5:7]) for m in months])


def _centre(pct: float, sd: float) -> float:
    """The logit c with E[expit(c + sd * Z)] = pct / 100 (Gauss-Hermite, Newton)."""
    x, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    c = float(logit(np.array(pct)))
    for _ in range(50):
        e = 1.0 / (1.0 + np.exp(-(c + sd * x)))
        step = (w @ e - pct / 100.0) / (w @ (e * (1.0 - e)))
        c -= step
        if abs(step) < 1e-13:
            break
    return c


def _corr_factor(corr: float, n: int) -> np.ndarray:
    """Lower Cholesky factor of an n x n matrix with ``corr`` off the diagonal."""
    return np.linalg.cholesky(np.full((n, n), corr) + (1.0 - corr) * np.eye(n))


class VariableLayout:
    """How drawn variables are laid out: share_90 for (month, group, region) over ``months``, then the
    share_90 - share_60 gap for (month, group, region) over ``months_60``."""

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    months: tuple[str, ...]
    months_60: tuple[str, ...]

    def months_of(self, measure: str) -> tuple[str, ...]:
        """The months a measure is drawn for: share_90's ``months``, share_60's ``months_60``."""
        return {"share_90": self.months, "share_60": self.months_60}[measure]

    @property
    def shape_90(self) -> tuple[int, int, int]:
        return len(self.months), len(self.groups), len(self.regions)

    @property
    def shape_60(self) -> tuple[int, int, int]:
        return len(self.months_60), len(self.groups), len(self.regions)

    @cached_property
    def n90(self) -> int:
        """Number of share_90 variables (the gaps follow)."""
        return int(np.prod(self.shape_90))

    @property
    def n_vars(self) -> int:
        return self.n90 + int(np.prod(self.shape_60))

    @cached_property
    def pair_90(self) -> np.ndarray:
        """For each gap variable, the share_90 variable of the same month, group and region."""
        per_month = len(self.groups) * len(self.regions)
        m60 = np.array([self.months.index(m) for m in self.months_60], dtype=np.int64)
        return (m60[:, None] * per_month + np.arange(per_month)).ravel()


def observed_record(observed: Panel, depends_on: pd.DataFrame, used: int) -> dict:
    """What a sweep records of an observed panel: its source, how many of its rows it uses and
    ignores, and a fingerprint of the rows the draws depend on."""
    cells = depends_on[["region", "month", "group", "share_90", "share_60"]].sort_values(["region", "month", "group"])
    return {
        "source": observed.source,
        "synthetic": observed.synthetic,
        "cells_used": used,
        "cells_ignored": len(observed.frame) - used,
        "sha256": hashlib.sha256(cells.to_csv(index=False).encode()).hexdigest(),
    }


class Coefficients(NamedTuple):
    """What :func:`_model_logits` computes the logits from besides the normals and the means: the shapes,
    which months are in the measurement year, the regions free to be drawn, the population weights, the
    correlation factors between groups and every standard deviation (logit scale, per group)."""

    n_reg: int
    n_grp: int
    year: np.ndarray  # (M,) 0 baseline year, 1 measurement year
    slot: np.ndarray  # (M,) the month's monthly-shock slot in the measurement year, -1 in the baseline year
    n_slots: int
    n_months_60: int
    free_level: np.ndarray  # (R, G) 1 where the level is drawn, 0 where the scenario fixes it
    free_trend: np.ndarray
    w: np.ndarray  # (R,) population weights
    level_factor: np.ndarray  # (G, G) lower Cholesky factors of the correlations between groups
    trend_factor: np.ndarray
    shock_factor: np.ndarray
    sd_level: np.ndarray  # (G,)
    sd_trend: np.ndarray
    sd_year: np.ndarray
    sd_month: np.ndarray
    sd_noise: np.ndarray
    sd_gap: np.ndarray
    sd_gapnoise: np.ndarray


@dataclass(frozen=True)
class TrajectoryModel(VariableLayout):
    """A scenario's model for the 21 regions, given groups and months.

    Variables, in this order: share_90 for (month, group, region) over ``months``, then the
    share_90 - share_60 gap for (month, group, region) over ``months_60``. Months are
    ``YYYY-MM`` in the scenario's baseline or measurement year; groups and regions follow
    the cube's order, so a draw reshapes to the kernel's (T, cells, regions) arrays.
    """

    scenario: Scenario
    regions: tuple[str, ...]
    groups: tuple[str, ...]
    months: tuple[str, ...]
    months_60: tuple[str, ...]
    mu: np.ndarray  # (V,) logit means
    coefficients: Coefficients
    n_latent: int  # standard normals per trajectory

    def logits(self, z: np.ndarray) -> np.ndarray:
        """Logits (n, V) of the variables for standard normals ``z`` (n, n_latent)."""
        out = np.empty((z.shape[0], self.n_vars))
        _model_logits(np.ascontiguousarray(z, dtype=np.float64), self.mu, self.coefficients, out)
        return out

    def drawing(self) -> Free:
        """The model as the drawing kernels take it."""
        return Free(self.mu, self.coefficients, self.n_latent)

    def shares_of(self) -> SharesOf:
        """How the drawing kernels make shares of its logits (every variable drawn)."""
        return SharesOf(self.n90, self.pair_90, np.full(self.n_vars, np.nan))

    def covariance(self) -> np.ndarray:
        """Covariance (V, V) of the variables' logits."""
        loadings = self.logits(np.eye(self.n_latent)) - self.mu
        return loadings.T @ loadings

    def index(self) -> pd.DataFrame:
        """One row per variable: kind (share_90 or gap), month, group, region."""
        frames = []
        for kind, months in (("share_90", self.months), ("gap", self.months_60)):
            m, g, r = np.indices((len(months), len(self.groups), len(self.regions))).reshape(3, -1)
            frames.append(
                pd.DataFrame(
                    {
                        "kind": kind,
                        "month": np.array(months, dtype=object)[m],
                        "group": np.array(self.groups)[g],
                        "region": np.array(self.regions)[r],
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def condition(self, observed: pd.DataFrame) -> ConditionedModel:
        """The model given observed cells (rows with region, month, group, share_90, share_60).

        Rows outside the model's months, groups or regions are ignored. share_90 and the gap
        of an observed cell are fixed; every other variable is drawn from its conditional
        distribution, so a region's observed months inform its level and trend, and every
        observed month informs the national shock.
        """
        index = self.index()
        key = {k: i for i, k in enumerate(zip(index["kind"], index["month"], index["group"], index["region"]))}
        obs_share = np.full(self.n_vars, np.nan)
        obs_logit = np.full(self.n_vars, np.nan)
        for row in observed.itertuples(index=False):
            s90, s60 = float(row.share_90), float(row.share_60)
            l90 = float(logit(np.clip(s90, *_LOGIT_CLIP)))
            i = key.get(("share_90", row.month, row.group, row.region))
            if i is not None:
                obs_share[i], obs_logit[i] = s90, l90
            j = key.get(("gap", row.month, row.group, row.region))
            if j is not None:
                obs_share[j], obs_logit[j] = s60, l90 - float(logit(np.clip(s60, *_LOGIT_CLIP)))
        seen = ~np.isnan(obs_logit)
        o, x = np.flatnonzero(seen), np.flatnonzero(~seen)
        cov = self.covariance()
        s_oo = cov[np.ix_(o, o)] + _JITTER * np.eye(len(o))
        gain = np.linalg.solve(s_oo, cov[np.ix_(o, x)]).T if len(o) else np.zeros((len(x), 0))
        mean = self.mu[x] + gain @ (obs_logit[o] - self.mu[o])
        cond = cov[np.ix_(x, x)] - gain @ cov[np.ix_(o, x)]
        cond = (cond + cond.T) / 2
        try:
            factor, triangular = np.linalg.cholesky(cond + _JITTER * np.eye(len(x))), True
        except np.linalg.LinAlgError:  # a degenerate scenario (some spreads 0): factor via eigenvalues
            lam, vec = np.linalg.eigh(cond)
            factor, triangular = vec * np.sqrt(np.clip(lam, 0.0, None)), False
        return ConditionedModel(
            self, o, x, obs_logit[o], obs_share, mean, np.ascontiguousarray(factor), triangular, int(seen.sum())
        )


@dataclass(frozen=True)
class ConditionedModel:
    """A :class:`TrajectoryModel` given observed cells: draws only the others."""

    model: TrajectoryModel
    observed: np.ndarray  # variable indexes
    missing: np.ndarray
    observed_logit: np.ndarray
    observed_share: np.ndarray  # (V,) NaN where not observed
    mean: np.ndarray  # conditional mean of the missing variables
    factor: np.ndarray  # its covariance = factor @ factor.T
    triangular: bool
    n_observed: int

    @property
    def n_latent(self) -> int:
        return len(self.missing)

    def drawing(self) -> Given:
        """The model as the drawing kernels take it: the observed variables at their values, the others
        ``mean + factor @ z``."""
        return Given(self.mean, self.factor, self.triangular, self.missing, self.observed, self.observed_logit)

    def shares_of(self) -> SharesOf:
        """How the drawing kernels make shares of its logits (the observed variables keep their shares)."""
        return SharesOf(self.model.n90, self.model.pair_90, self.observed_share)


class Given(NamedTuple):
    """What :func:`_conditional_logits` draws the missing variables from, and the observed ones' logits."""

    mean: np.ndarray
    factor: np.ndarray
    triangular: bool
    missing: np.ndarray
    observed: np.ndarray
    observed_logit: np.ndarray


def trajectory_model(
    scenario: Scenario | str | Path | None,
    months: Sequence[str],
    months_60: Sequence[str] = (),
    groups: Sequence[str] | None = None,
    population=None,
) -> TrajectoryModel:
    """Build the model of a scenario for share_90 in ``months`` and share_60 in ``months_60``.

    ``population`` (a :class:`~kommiljard.population.Population`, default SCB 2018) weights
    the centring of regional levels and trends.
    """
    scenario = load_scenario(scenario)
    spec = scenario.spec
    groups = tuple(groups or spec.group_names)
    if unknown := [g for g in groups if g not in spec.national]:
        raise ScenarioError(
            say("refuse.no_groups", origin=said_origin(scenario.origin), unknown=unknown, groups=list(spec.group_names))
        )
    months, months_60 = tuple(sorted(set(months))), tuple(sorted(set(months_60)))
    if extra := sorted(set(months_60) - set(months)):
        raise ValueError(f"months_60 {extra} must also be share_90 months")
    year, cal = _year_months(spec, months)
    regions = region_codes()
    population = population or read_population()
    if missing := [r for r in regions if r not in population.counts.index]:
        raise InputError(say("refuse.population", source=population.source, missing=" ".join(missing)))
    w = population.of(regions).astype(np.float64)
    spreads = _Spreads.of(spec, groups)
    free_level, free_trend, level, trend = _region_terms(spec, regions, groups, spreads, w)
    slots = sorted({m for m, y in zip(months, year) if y == 1})
    slot = np.array([slots.index(m) if y == 1 else -1 for m, y in zip(months, year)], dtype=np.int64)
    mu = _means(spec, groups, months, months_60, spreads=spreads, level=level, trend=trend)
    coefficients = Coefficients(
        len(regions), len(groups), year.astype(np.int64), slot, max(len(slots), 1), len(months_60),
        free_level, free_trend, w,
        _corr_factor(spec.spread.level_corr, len(groups)), _corr_factor(spec.spread.trend_corr, len(groups)),
        _corr_factor(spec.shock.group_corr, len(groups)),
        spreads.level, spreads.trend, spreads.year, spreads.month, spreads.noise, spreads.gap, spreads.gapnoise,
    )  # fmt: skip
    n_latent = 3 * len(regions) * len(groups) + len(groups) + max(len(slots), 1) * len(groups) + len(mu)
    return TrajectoryModel(scenario, regions, groups, months, months_60, mu, coefficients, n_latent)


class _Spreads(NamedTuple):
    """A scenario's standard deviations per group on the logit scale (converted from pp at the group's
    national level: share_90's, or share_60's for the gaps), and the share_90 conversion slope."""

    slope90: np.ndarray
    level: np.ndarray
    trend: np.ndarray
    noise: np.ndarray
    year: np.ndarray
    month: np.ndarray
    gap: np.ndarray
    gapnoise: np.ndarray

    @classmethod
    def of(cls, spec, groups: tuple[str, ...]) -> _Spreads:
        nat = [spec.national[g] for g in groups]
        slope90 = np.array([n.level_pct * (100 - n.level_pct) / 100 for n in nat])
        level60 = np.array([n.level_pct - float(np.mean(n.gap_pp)) for n in nat])
        slope60 = level60 * (100 - level60) / 100

        def per_group(values: dict, slope: np.ndarray) -> np.ndarray:
            return np.array([values[g] for g in groups]) / slope

        spread, shock = spec.spread, spec.shock
        return cls(
            slope90,
            per_group(spread.level_sd_pp, slope90),
            per_group(spread.trend_sd_pp, slope90),
            per_group(spread.noise_sd_pp, slope90),
            per_group(shock.year_sd_pp, slope90),
            per_group(shock.month_sd_pp, slope90),
            per_group(spread.gap_sd_pp, slope60),
            per_group(spread.gap_noise_sd_pp, slope60),
        )


def _region_terms(spec, regions: list[str], groups: tuple[str, ...], spreads: _Spreads, w: np.ndarray):
    """Which regions' levels and trends are drawn (1) or fixed by the scenario (0), and every region's
    level (a logit offset from the centre) and trend: the fixed values, and for the drawn regions the
    shift that makes the weighted mean over all regions 0."""
    R, G = len(regions), len(groups)
    free_level, free_trend = np.ones((R, G)), np.ones((R, G))
    fixed_level, fixed_trend = np.zeros((R, G)), np.zeros((R, G))
    annual_sd = np.hypot(spreads.level, spreads.noise)
    for code, setting in spec.regions.items():
        r = regions.index(code)
        for gi, g in enumerate(groups):
            if g in setting.level_pct:
                free_level[r, gi] = 0.0
                fixed_level[r, gi] = float(logit(np.array(setting.level_pct[g]))) - _centre(
                    spec.national[g].level_pct, annual_sd[gi]
                )
            if g in setting.trend_pp:
                free_trend[r, gi] = 0.0
                fixed_trend[r, gi] = setting.trend_pp[g] / spreads.slope90[gi]

    def centring_shift(free: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        w_free = w @ free
        return np.where(w_free > 0, -(w @ ((1 - free) * fixed)) / np.where(w_free > 0, w_free, 1.0), 0.0)

    level = np.where(free_level > 0, centring_shift(free_level, fixed_level), fixed_level)  # (R, G)
    trend = np.where(free_trend > 0, centring_shift(free_trend, fixed_trend), fixed_trend)
    return free_level, free_trend, level, trend


def _means(spec, groups, months, months_60, *, spreads: _Spreads, level: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """The variables' logit means: share_90 for (month, group, region), centred so that the expected
    population-weighted share is the scenario's national one, then the gaps for (month_60, group, region)."""
    year, cal = _year_months(spec, months)
    R, G, M = level.shape[0], len(groups), len(months)
    nat = [spec.national[g] for g in groups]
    sd = spreads
    mu90 = np.empty((M, G, R))
    gap_logit = {}
    for mi in range(M):
        y, c = year[mi], cal[mi] - 1
        for gi, n in enumerate(nat):
            pct = n.level_pct + n.season_pp[c] + y * (n.trend_pp + n.response_pp[c])
            var = sd.level[gi] ** 2 + sd.noise[gi] ** 2 + y * (sd.trend[gi] ** 2 + sd.year[gi] ** 2 + sd.month[gi] ** 2)
            centre = _centre(pct, np.sqrt(var))
            mu90[mi, gi] = centre + level[:, gi] + y * trend[:, gi]
            var60 = var + sd.gap[gi] ** 2 + sd.gapnoise[gi] ** 2
            gap_logit[months[mi], gi] = centre - _centre(pct - n.gap_pp[c], np.sqrt(var60))
    mu60 = np.array([[np.full(R, gap_logit[m, gi]) for gi in range(G)] for m in months_60]).reshape(
        len(months_60), G, R
    )
    return np.concatenate([mu90.ravel(), mu60.ravel()])


@njit(inline="always")
def _correlated(zt, start, factor, sd, free, w, out):
    """Per-region draws correlated between groups, centred to a weighted mean of 0 (``out`` is (G, R):
    each group's regions side by side, as the logits are laid out). A drawn region (``free`` 1) takes
    ``total / weight``, the bits of ``1 * total / weight``: one division per group, not per region."""
    n_grp, n_reg = out.shape
    for r in range(n_reg):
        for g in range(n_grp):
            v = 0.0
            for h in range(g + 1):
                v += factor[g, h] * zt[start + r * n_grp + h]
            out[g, r] = sd[g] * v * free[r, g]
    for g in range(n_grp):
        total = 0.0
        weight = 0.0
        for r in range(n_reg):
            total += w[r] * out[g, r]
            weight += w[r] * free[r, g]
        if weight > 0.0:
            shift = total / weight
            for r in range(n_reg):
                f = free[r, g]
                out[g, r] -= shift if f == 1.0 else f * total / weight


_U = np.uint64


@njit(inline="always")
def _logit_scratch(c):
    """The per-trajectory work arrays of :func:`_model_logits_row`: level and trend (G, R), the shocks."""
    return np.empty((c.n_grp, c.n_reg)), np.empty((c.n_grp, c.n_reg)), np.empty((c.n_slots + 1, c.n_grp))


@njit(inline="always")
def _model_logits_row(zt, mu, c, scratch, out):
    """One trajectory's logits ``out`` (V,) from its standard normals ``zt`` and the means ``mu``, with the
    :class:`Coefficients` ``c`` (see the module docstring); ``scratch`` from :func:`_logit_scratch`."""
    level, trend, shock = scratch  # shock's row 0: the year's shock; row 1 + s: month slot s
    n_reg, n_grp, year, slot, n_slots = c.n_reg, c.n_grp, c.year, c.slot, c.n_slots
    sd_noise, sd_gap, sd_gapnoise = c.sd_noise, c.sd_gap, c.sd_gapnoise
    rg = n_reg * n_grp
    trend0, year0 = rg, 2 * rg
    month0 = year0 + n_grp
    gap0 = month0 + n_slots * n_grp
    noise0 = gap0 + rg
    n_months = year.shape[0]
    _correlated(zt, 0, c.level_factor, c.sd_level, c.free_level, c.w, level)
    _correlated(zt, trend0, c.trend_factor, c.sd_trend, c.free_trend, c.w, trend)
    for g in range(n_grp):
        for s in range(n_slots + 1):
            first = year0 if s == 0 else month0 + (s - 1) * n_grp
            v = 0.0
            for h in range(g + 1):
                v += c.shock_factor[g, h] * zt[first + h]
            shock[s, g] = v * (c.sd_year[g] if s == 0 else c.sd_month[g])
    # The loops below index with unsigned integers (_U), which numba does not check for negative indexes.
    noise = _U(noise0)
    for m in range(n_months):
        for g in range(n_grp):
            i, level_g, sd = _U((m * n_grp + g) * n_reg), _U(g * n_reg), sd_noise[g]  # level_g: (g, 0) of level, trend
            if year[m] == 1:  # the same additions, in the same order, as noise first then the year's terms
                year_shock, month_shock = shock[0, g], shock[1 + slot[m], g]
                for r in range(n_reg):
                    j, k = i + _U(r), level_g + _U(r)
                    drawn = mu[j] + level.flat[k] + sd * zt[noise + j]
                    out[j] = drawn + (trend.flat[k] + year_shock + month_shock)
            else:
                for r in range(n_reg):
                    j = i + _U(r)
                    out[j] = mu[j] + level.flat[level_g + _U(r)] + sd * zt[noise + j]
    i = _U(n_months * n_grp * n_reg)
    for _ in range(c.n_months_60):
        for g in range(n_grp):
            gap, gap_sd, noise_sd = _U(gap0 + g), sd_gap[g], sd_gapnoise[g]
            for r in range(n_reg):
                out[i] = mu[i] + gap_sd * zt[gap + _U(r * n_grp)] + noise_sd * zt[noise + i]
                i += _U(1)


@kernel(nogil=True)
def _model_logits(z, mu, c, out):
    """The model's logits for each row of standard normals ``z`` (see :func:`_model_logits_row`)."""
    scratch = _logit_scratch(c)
    for t in range(z.shape[0]):
        _model_logits_row(z[t], mu, c, scratch, out[t])


@njit(inline="always")
def _conditional_logits_row(zt, given, out):
    """Observed variables at their values; the others from mean + factor @ zt (see :class:`Given`)."""
    mean, factor, triangular = given.mean, given.factor, given.triangular
    missing, observed, observed_logit = given.missing, given.observed, given.observed_logit
    m = missing.shape[0]
    for j in range(observed.shape[0]):
        out[observed[j]] = observed_logit[j]
    for a in range(m):
        v = mean[a]
        stop = a + 1 if triangular else m
        for b in range(stop):
            v += factor[a, b] * zt[b]
        out[missing[a]] = v


@kernel(nogil=True)
def _conditional_logits(z, given, out):
    """:func:`_conditional_logits_row` for each row of standard normals ``z``."""
    for t in range(z.shape[0]):
        _conditional_logits_row(z[t], given, out[t])


class SharesOf(NamedTuple):
    """How the drawing kernels turn logits into shares (:func:`~kommiljard.sweeps.shares.shares_row`): the number of
    share_90 variables, each gap's share_90 variable, the observed shares (NaN where drawn)."""

    n90: int
    pair_90: np.ndarray
    observed_share: np.ndarray


class Free(NamedTuple):
    """What the drawing kernels draw a :class:`TrajectoryModel` from: its means, coefficients, normals a trajectory."""

    mu: np.ndarray
    coefficients: Coefficients
    n_latent: int


# The drawing kernels take a model as a Free or a Given; these three say what each needs (numba overloads in
# compiled code; in plain Python, NUMBA_DISABLE_JIT=1, the functions themselves).


def _latent(drawn):
    """Standard normals a trajectory of the model."""
    return drawn.n_latent if isinstance(drawn, Free) else drawn.missing.shape[0]


def _work(drawn):
    """Work arrays of :func:`_logits`, made once per kernel call."""
    return _logit_scratch(drawn.coefficients) if isinstance(drawn, Free) else None


def _logits(drawn, work, zt, out):
    """One trajectory's logits ``out`` from its standard normals ``zt``."""
    if isinstance(drawn, Free):
        _model_logits_row(zt, drawn.mu, drawn.coefficients, work, out)
    else:
        _conditional_logits_row(zt, drawn, out)


@overload(_latent, inline="always")
def _latent_of(drawn):
    if drawn.instance_class is Free:
        return lambda drawn: drawn.n_latent
    return lambda drawn: drawn.missing.shape[0]


@overload(_work, inline="always")
def _work_of(drawn):
    if drawn.instance_class is Free:
        return lambda drawn: _logit_scratch(drawn.coefficients)
    return lambda drawn: None


@overload(_logits, jit_options={"error_model": "numpy"})
def _logits_of(drawn, work, zt, out):
    if drawn.instance_class is Free:
        return lambda drawn, work, zt, out: _model_logits_row(zt, drawn.mu, drawn.coefficients, work, out)
    return lambda drawn, work, zt, out: _conditional_logits_row(zt, drawn, out)


FUSED_ROWS = 32  # trajectories drawn into the cache before the kind allocates them (about 100 kB of shares)


def _block_work(drawn):
    """Work arrays of :func:`_block_logits`, made once per kernel call."""


def _block_logits(drawn, work, z, rows, out):
    """The logits ``out[:rows]`` of the trajectories whose standard normals are ``z[:rows]``."""


@overload(_block_work, inline="always")
def _block_work_of(drawn):
    if drawn.instance_class is Free:
        return lambda drawn: _logit_scratch(drawn.coefficients)
    return lambda drawn: (np.empty((drawn.missing.shape[0], FUSED_ROWS)), np.empty(FUSED_ROWS))


@overload(_block_logits, jit_options={"error_model": "numpy"})
def _block_logits_of(drawn, work, z, rows, out):
    if drawn.instance_class is Free:

        def free(drawn, work, z, rows, out):
            for k in range(rows):
                _model_logits_row(z[k], drawn.mu, drawn.coefficients, work, out[k])

        return free
    return _conditional_block


def _conditional_block(drawn, work, z, rows, out):
    """:func:`_conditional_logits_row` for ``rows`` trajectories side by side: each trajectory's sums in the same
    order (the same bits), the loop over the trajectories innermost (it vectorises), a factor's zeros left out (a
    fitted model's gaps are independent of its shares)."""
    zt, acc = work
    mean, factor, triangular, missing = drawn.mean, drawn.factor, drawn.triangular, drawn.missing
    m = missing.shape[0]
    for k in range(rows):
        for b in range(m):
            zt[b, k] = z[k, b]
        for j in range(drawn.observed.shape[0]):
            out[k, drawn.observed[j]] = drawn.observed_logit[j]
    for a in range(m):
        for k in range(rows):
            acc[k] = mean[a]
        for b in range(a + 1 if triangular else m):
            f = factor[a, b]
            if f != 0.0:
                for k in range(rows):
                    acc[k] += f * zt[b, k]
        for k in range(rows):
            out[k, missing[a]] = acc[k]


# One trajectory at a time, start to end in the cache: its normals (NumPy's SFC64 stream and ziggurat,
# inlined), its logits, their shares, and in a sweep its outcomes. Nothing else is written to memory.


@kernel(nogil=True, error_model="numpy")  # no division check: the exp loop vectorises
def _draw_stream(state, skip, drawn, shares, s90, s60):
    """Skip ``skip`` trajectories of the SFC64 ``state`` (updated), then draw a trajectory of the model ``drawn``
    (a :class:`Free` or :class:`Given`) into each row of ``s90`` and ``s60``."""
    n_vars = shares.observed_share.shape[0]
    z, logits, scratch, work = np.empty(_latent(drawn)), np.empty(n_vars), np.empty((2, n_vars)), _work(drawn)
    for _ in range(skip):
        fill_normals(state, z)
    for t in range(s90.shape[0]):
        fill_normals(state, z)
        _logits(drawn, work, z, logits)
        shares_row(logits, shares, scratch, s90, s60, t)


@kernel(nogil=True, error_model="numpy")
def _draw_outcomes(words, start, drawn, shares, shapes, args, out, total):
    """Draw trajectories ``start`` to ``start + len(total) - 1`` of the seed whose words are ``words`` and allocate
    them, :data:`FUSED_ROWS` at a time while their shares are in the cache
    (:func:`~kommiljard.kinds.trajectory.allocate_trajectories` with the kind's ``args``), into rows of ``out``
    (amount, tier, month_tier); ``total[i]``: the amounts summed over the groups in their order. ``shapes``:
    share_90's and share_60's (FUSED_ROWS, months, G, R)."""
    n_vars = shares.observed_share.shape[0]
    n90, n = shares.n90, total.shape[0]
    z, logits = np.empty((FUSED_ROWS, _latent(drawn))), np.empty((FUSED_ROWS, n_vars))
    scratch, work = np.empty((2, n_vars)), _block_work(drawn)
    s90, s60 = np.empty((FUSED_ROWS, n90)), np.empty((FUSED_ROWS, n_vars - n90))
    measures = (s90.reshape(shapes[0]), s60.reshape(shapes[1]))
    kind_work = trajectory_work(args)
    amount = out[0]
    state = stream_state(words, start // STREAM_SIZE)
    for _ in range(start % STREAM_SIZE):
        fill_normals(state, z[0])
    for first in range(0, n, FUSED_ROWS):
        rows = min(FUSED_ROWS, n - first)
        for k in range(rows):
            i = first + k
            if i and (start + i) % STREAM_SIZE == 0:
                state = stream_state(words, (start + i) // STREAM_SIZE)
            fill_normals(state, z[k])
        _block_logits(drawn, work, z, rows, logits)
        for k in range(rows):
            shares_row(logits[k], shares, scratch, s90, s60, k)
        allocate_trajectories(args, kind_work, (measures[0][:rows], measures[1][:rows]), out, first)
        for i in range(first, first + rows):
            for r in range(total.shape[1]):
                total[i, r] = amount[i, 0, r]
            for g in range(1, amount.shape[1]):
                for r in range(total.shape[1]):
                    total[i, r] += amount[i, g, r]


def draw_outcomes(model, seed: int, start: int, stop: int, *, threads: int, args, out: tuple, total: np.ndarray):
    """Trajectories ``start`` to ``stop - 1`` of a seed (as :func:`draw` draws them) allocated as each is drawn by
    the kind whose :mod:`~kommiljard.kinds.trajectory` arguments are ``args``: ``out`` (amount (T, G, R), tier
    (T, G, R), month_tier (T, M, G, R), C-contiguous) and ``total`` (T, R), the amounts summed over the groups, are
    filled; ``threads`` work on runs of whole streams. No drawn share is kept."""
    base = model.model if isinstance(model, ConditionedModel) else model
    drawn, shares, words = model.drawing(), model.shares_of(), seed_words(seed)
    shapes = ((FUSED_ROWS, *base.shape_90), (FUSED_ROWS, *base.shape_60))

    def run(streams: range) -> None:
        lo, hi = max(start, streams[0] * STREAM_SIZE), min(stop, (streams[-1] + 1) * STREAM_SIZE)
        rows = slice(lo - start, hi - start)
        _draw_outcomes(words, lo, drawn, shares, shapes, args, tuple(a[rows] for a in out), total[rows])

    _in_threads(run, _streams(start, stop, threads))


@dataclass(frozen=True)
class Draws:
    """Shares of trajectories ``start`` to ``stop - 1``: share_90 (T, M, G, R), share_60 (T, M60, G, R)."""

    start: int
    share_90: np.ndarray
    share_60: np.ndarray


def _streams(start: int, stop: int, threads: int) -> list[range]:
    """The random streams of trajectories ``start`` to ``stop - 1``, in at most ``threads`` runs of whole streams
    (about as many trajectories each)."""
    streams = range(start // STREAM_SIZE, (stop - 1) // STREAM_SIZE + 1)
    lanes = max(1, min(threads, len(streams)))
    edges = np.linspace(0, len(streams), lanes + 1).round().astype(int)
    return [streams[a:b] for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _in_threads(fn: Callable[[range], None], runs: list[range]) -> None:
    if len(runs) > 1:
        with ThreadPoolExecutor(len(runs)) as pool:
            list(pool.map(fn, runs))
    elif runs:
        fn(runs[0])


def draw(
    model: TrajectoryModel | ConditionedModel,
    seed: int,
    start: int,
    stop: int,
    *,
    threads: int = 1,
    out: Draws | None = None,
    then: Callable[[slice], None] | None = None,
) -> Draws:
    """Draw trajectories ``start`` to ``stop - 1`` of a seed.

    Trajectory i depends only on the seed, i and the model: the normals come in random
    streams of :data:`~kommiljard.sweeps.rng.STREAM_SIZE` trajectories, stream s from
    ``SeedSequence(seed, spawn_key=(s,))`` (the s-th child of ``SeedSequence(seed).spawn``),
    whatever range is asked for; ``threads`` work on whole streams (the kernels release the GIL).
    ``out`` (the arrays of an earlier draw, with at least ``stop - start`` rows) is filled
    instead of new arrays; ``then(rows)`` is called in the drawing thread as soon as a stream's
    rows (a slice of the result) are drawn.
    """
    base = model.model if isinstance(model, ConditionedModel) else model
    n = stop - start
    if out is None:
        s90, s60 = np.empty((n, base.n90)), np.empty((n, base.n_vars - base.n90))
    else:
        s90, s60 = out.share_90.reshape(len(out.share_90), -1)[:n], out.share_60.reshape(len(out.share_60), -1)[:n]
    drawn, shares, words = model.drawing(), model.shares_of(), seed_words(seed)

    def one_stream(s: int) -> None:
        lo, hi = max(start, s * STREAM_SIZE), min(stop, (s + 1) * STREAM_SIZE)
        rows = slice(lo - start, hi - start)
        _draw_stream(stream_state(words, s), lo - s * STREAM_SIZE, drawn, shares, s90[rows], s60[rows])
        if then is not None:
            then(rows)

    each_stream(start, stop, threads, one_stream)
    return Draws(start, s90.reshape(n, *base.shape_90), s60.reshape(n, *base.shape_60))  # n: also with no share_60


def trajectories(
    scenario: Scenario | str | Path | None = None,
    n: int = 1,
    seed: int = 0,
    months: Sequence[str] | None = None,
    observed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``n`` synthetic panels in one long frame: trajectory, region, month, group, share_90, share_60.

    ``months`` default to all 24 months of the scenario's baseline and measurement years;
    share_60 is drawn for the same months. With ``observed`` (a panel frame), its cells
    stay as observed and the others are drawn given them. Each trajectory is a valid panel.
    """
    scenario = load_scenario(scenario)
    spec = scenario.spec
    months = scenario_months(spec) if months is None else list(months)
    if observed is not None:
        months = sorted(set(months) | set(observed["month"]) & set(scenario_months(spec)))
    model = trajectory_model(scenario, months, months)
    drawn = draw(model.condition(observed) if observed is not None else model, seed, 0, n)
    t, m, g, r = np.indices(drawn.share_90.shape).reshape(4, -1)
    return pd.DataFrame(
        {
            "trajectory": t.astype(np.int64),
            "region": np.array(model.regions)[r],
            "month": np.array(model.months)[m],
            "group": np.array(model.groups)[g],
            "share_90": drawn.share_90.ravel(),
            "share_60": drawn.share_60.ravel(),
        }
    )


def scenario_months(spec) -> list[str]:
    return [f"{y}-{m:02d}" for y in (spec.baseline_year, spec.measurement_year) for m in range(1, 13)]
