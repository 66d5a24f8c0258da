"""Fit every region's waiting-time history: level, season, trend, autocorrelated noise, share_60 gap.

On the logit scale (``L(x) = log(x / (100 - x))``, x a share in percent), for region r,
group g and month t (calendar month c(t)), with ``tau(t) = (t - t0) / 12`` the time in years
from the middle of the *baseline year* (the year before the one that follows ``until``):

    L(share_90)[r,g,t] = n[g,t] + d[r,g,t]
    n[g,t] = N_level[g] + N_season[g,c(t)] + N_trend[g] tau(t) + f[g,t]          the national factor
    d[r,g,t] = level[r,g] + season[r,g,c(t)] + trend[r,g] tau(t) + u[r,g,t]       the region's own part
    L(share_90) - L(share_60) = gap[r,g,t] = gap_level[r,g] + gap_season[r,g,c(t)] + v[r,g,t]

``n`` is the equally weighted mean of the regions' logits (a two-way fixed-effects mean when
some regions start later), so ``d`` is what sets a region apart. Each season sums to 0
over the 12 calendar months, so a level is the expected logit averaged over the baseline
year and a trend is the change of that expectation per year (linear in time, not a step).
``f``, ``u`` and ``v`` are stationary AR(1) series (``e_t = phi e_(t-1) + eps_t``): waiting
times drift, so one month's deviation carries into the next and a forecast uses it. The
innovations of ``f`` (and of ``u`` within a region) are correlated between the two groups;
``u`` is independent between regions, so every correlation between regions runs through the
national factor. ``v`` is independent of the rest and between groups.

Each series is fitted by GLS with AR(1) errors (REML for phi, :mod:`.ar1`). The regions'
phi, log innovation variance, level, seasonal profile, trend (of ``d``), gap level and gap
season, and the Fisher-z correlation between groups are shrunk towards their pooled values
by empirical Bayes (:mod:`.shrinkage`: DerSimonian-Laird between-region variance, posterior
means); the national factor is a single series per group and is not shrunk. Reported region
levels, seasons and trends are absolute (national plus own); their standard errors are those
of the region's own part, the national ones are reported with the national factor.

A region-group needs ``min_months`` consecutive months up to ``until``; with ``borrow`` a
shorter one keeps its own level and gap level (shrunk) and borrows everything else from the
pooled estimate, with a warning naming what was borrowed. Months where fewer than half of
the regions report are left out (the national factor needs them). Months after ``until``
are ignored. The scheme's response to the money is not in a pre-scheme history: forecasts
take it as an assumption (:func:`kommiljard.forecasting.forecast.forecast`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs import options
from ..inputs.panel import Panel, normalise_month, shift_month
from ..inputs.regions import region_codes, region_label
from ..language import spoken
from ..money import format_number
from ..outputs.wording import group_name
from . import ar1
from .histories import as_history, group_word, joined, lines, listed, say
from .shrinkage import dersimonian_laird, posterior, shrink

GROUPS = ("first_visit", "operation")
MIN_MONTHS = 24
SHORT_HISTORY = 24  # fewer months than this: the seasonal patterns are the reference's, not fitted
MIN_HISTORY = 12  # the fewest months of history a forecast starts from
REFERENCE_SEASON = "default-2019"  # the scenario whose national seasons (the real series) short histories take
STATE_MONTHS = 12  # the last months a fit keeps for a forecast (forecast.WINDOW): last year's same months among them
LOGIT_CLIP = (0.05, 99.95)  # shares of 0 or 100 % are read as these on the logit scale
SEASON = slice(1, 12)  # design columns of the seasonal contrasts (January to November)
# How unequally regions respond to the scheme: a region's response is the month's assumed response times its
# own multiplier, whose SD this is (an assumption: a history before the scheme cannot show it).
RESPONSE_CV = 0.5
RESPONSE_CV_SOURCE = (
    "assumption: a region's response is the month's times 1 + 0.5 z, z standard normal, its own (the same in each "
    "response month); the announced 2019 improvements of single regions (3 to 9 pp, outcome_2019_published.csv) are "
    "about one to two response-months' worth above the national one"
)
MAX_LISTED = 12  # problems of a history listed in one message (the count says how many there are)


class HistoryWarning(UserWarning):
    """A history used only in part: a thin region-group borrowed parameters from the pooled
    estimate, or early months were left out."""


def logit(pct):
    return np.log(np.clip(pct, *LOGIT_CLIP) / (100.0 - np.clip(pct, *LOGIT_CLIP)))


def expit_pct(x):
    return 100.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def month_index(month: str) -> int:
    """Months since year 0: ``12 * year + month - 1``."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def design(
    t: np.ndarray, t0: float, trend: bool = True, season: bool = True, profile: np.ndarray | None = None
) -> np.ndarray:
    """Columns: 1, the seasonal contrasts of January..November (December = minus their sum; without
    ``season`` none, or one column of a seasonal ``profile`` (12,) whose amplitude is fitted), and the time in
    years from ``t0`` (the middle of the baseline year), for month indexes ``t``."""
    cal = np.asarray(t) % 12
    contrasts = (cal[:, None] == np.arange(11)).astype(float) - (cal == 11)[:, None]
    cols = [np.ones((len(cal), 1))] + ([contrasts] if season else [])
    cols += [np.asarray(profile)[cal][:, None]] if profile is not None and not season else []
    return np.hstack(cols + ([((np.asarray(t) - t0) / 12.0)[:, None]] if trend else []))


def columns(trend: bool, season: bool, profile: bool = False) -> dict[str, list[int]]:
    """The design's columns by parameter: level, the seasonal contrasts (as their RMS) or the amplitude of a
    given profile, trend."""
    out = {"level": [0]} | ({"season_rms": list(range(1, 12))} if season else {})
    out |= {"season_amplitude": [1]} if profile and not season else {}
    return out | ({"trend": [sum(len(c) for c in out.values())]} if trend else {})


def season_of(beta: np.ndarray, season: bool = True) -> np.ndarray:
    """The 12-month seasonal profile (..., 12) from a coefficient vector's contrasts (zeros without ``season``)."""
    if not season:
        return np.zeros(beta.shape[:-1] + (12,))
    s = beta[..., SEASON]
    return np.concatenate([s, -s.sum(axis=-1, keepdims=True)], axis=-1)


@dataclass(frozen=True)
class Params:
    """Fitted parameters of one family of series (national (G,), regions or gaps (R, G)), logit scale.

    ``level`` is the expected logit averaged over the baseline year, ``season`` (..., 12) its
    deviation per calendar month (summing to 0), ``trend`` its change per year, ``ar1`` and
    ``sd`` the AR(1) coefficient and innovation SD of the monthly deviation. The ``*_se`` and
    ``level_trend_corr`` describe the estimation error of the series' own part (for regions:
    of their deviation from the national factor), ``season_se`` per calendar month, ``ar1_se``
    that of ``ar1``.
    """

    level: np.ndarray
    season: np.ndarray
    trend: np.ndarray
    ar1: np.ndarray
    sd: np.ndarray
    level_se: np.ndarray
    trend_se: np.ndarray
    level_trend_corr: np.ndarray
    season_se: np.ndarray
    ar1_se: np.ndarray
    season_change_sd: np.ndarray | None = None  # SD of a calendar month's deviation from its season
    season_change_rho: np.ndarray | None = None  # that deviation's correlation a year on
    break_month: np.ndarray | None = None  # month index of a level break (-1: none); the level is the later one
    break_step: np.ndarray | None = None  # the level's change at the break

    def get(self, name: str) -> np.ndarray:
        """A field, zeros (break_month: -1) where it was not fitted."""
        value = getattr(self, name)
        if value is not None:
            return np.asarray(value)
        return np.full(np.shape(self.level), {"break_month": -1, "season_change_rho": 1.0}.get(name, 0.0))

    @property
    def stationary_sd(self) -> np.ndarray:
        """SD of the monthly deviation itself, ``sd / sqrt(1 - ar1^2)``."""
        return self.sd / np.sqrt(1.0 - self.ar1**2)

    def mean(self, t: np.ndarray, t0: float) -> np.ndarray:
        """Expected logit (..., len(t)) in months ``t``."""
        t = np.asarray(t)
        mean = self.level[..., None] + self.season[..., t % 12] + self.trend[..., None] * ((t - t0) / 12.0)
        if self.break_month is None:
            return mean
        return mean - self.get("break_step")[..., None] * (t < self.get("break_month")[..., None])


@dataclass(frozen=True)
class State:
    """The logits of share_90 and of the gap (R, G, K) of every region in the last months of a history (NaN: a
    suppressed or missing cell): what a forecast conditions on."""

    months: tuple[str, ...]
    l90: np.ndarray
    gap: np.ndarray


@dataclass(frozen=True)
class Fit:
    """Fitted parameters of a history, with the data each came from and how much it was shrunk."""

    until: str
    baseline_year: int
    regions: tuple[str, ...]
    groups: tuple[str, ...]
    national: Params  # (G,) the national factor
    region: Params  # (R, G) absolute share_90 parameters; *_se of the region's own part
    gap: Params  # (R, G) share_90 - share_60 on the logit scale
    group_corr: np.ndarray  # (R,) correlation of the two groups' innovations within a region
    national_group_corr: float
    borrowed: np.ndarray  # (R, G) bool: thin history, parameters borrowed from the pool
    data: pd.DataFrame  # per region and group: first_month, last_month, n_months, borrowed
    shrinkage: pd.DataFrame  # per region, group and parameter: estimate, pooled, value, shrinkage
    pooled: pd.DataFrame  # per group and parameter: pooled mean, between-region SD, regions
    national_months: tuple[str, str]  # first and last month of the national factor
    state: State | None = None  # the history's last month: what a forecast starts from
    diagnostics: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    source: str = "(in memory)"
    sha256: str = ""
    own_corr: np.ndarray | None = None  # (R*G, R*G) the own innovations' correlation, index r * G + g
    short: bool = False  # a history too short to fit the seasons: the reference's taken
    break_rate: np.ndarray | None = None  # (G,) level breaks found per month of a region's series
    break_sd: np.ndarray | None = None  # (G,) their RMS size (logit)

    @property
    def t0(self) -> float:
        return self.baseline_year * 12 + 5.5

    def regions_table(self) -> pd.DataFrame:
        """One row per region and group: every fitted parameter (logit) and the data behind it."""
        p, q = self.region, self.gap
        rows = []
        for ri, code in enumerate(self.regions):
            for gi, group in enumerate(self.groups):
                rows.append({
                    "region": code, "group": group,
                    "level_logit": p.level[ri, gi], "level_pct": float(expit_pct(p.level[ri, gi])),
                    "trend_logit": p.trend[ri, gi], "ar1": p.ar1[ri, gi], "noise_sd_logit": p.sd[ri, gi],
                    "noise_stationary_sd_logit": p.stationary_sd[ri, gi],
                    "level_se_logit": p.level_se[ri, gi], "trend_se_logit": p.trend_se[ri, gi],
                    "level_trend_corr": p.level_trend_corr[ri, gi], "season_se_logit": p.season_se[ri, gi],
                    "gap_level_logit": q.level[ri, gi], "gap_ar1": q.ar1[ri, gi], "gap_noise_sd_logit": q.sd[ri, gi],
                    "gap_level_se_logit": q.level_se[ri, gi], "gap_season_se_logit": q.season_se[ri, gi],
                    "group_corr": self.group_corr[ri],
                    **{f"season_{m + 1:02d}_logit": p.season[ri, gi, m] for m in range(12)},
                    **{f"gap_season_{m + 1:02d}_logit": q.season[ri, gi, m] for m in range(12)},
                })  # fmt: skip
        return pd.DataFrame(rows).merge(self.data, on=["region", "group"])


# ---------------------------------------------------------------------------------------
# Validation: every problem at once, naming region, group and months.
# ---------------------------------------------------------------------------------------


def _ranges(indexes: Sequence[int]) -> str:
    """``2017-03..2017-05, 2018-01`` for month indexes."""
    out, run = [], []
    for i in sorted(indexes):
        if run and i != run[-1] + 1:
            out.append(run)
            run = []
        run.append(i)
    if run:
        out.append(run)
    return ", ".join(month_name(r[0]) if len(r) == 1 else f"{month_name(r[0])}..{month_name(r[-1])}" for r in out)


def _listed(items: Sequence[str]) -> str:
    return listed(items, 8)


@dataclass(frozen=True)
class _Grid:
    """A history's logits on the month grid up to ``until``: (R, G, T), NaN where a cell is missing."""

    regions: tuple[str, ...]
    groups: tuple[str, ...]
    t: np.ndarray  # month indexes
    l90: np.ndarray
    l60: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.l90)

    def cut(self, k0: int) -> _Grid:
        return _Grid(self.regions, self.groups, self.t[k0:], self.l90[..., k0:], self.l60[..., k0:])


def _problems(grid: _Grid, min_months: int, borrow: bool, source: str, until: str) -> tuple[np.ndarray, list[str]]:
    """Which region-groups are thin, and the warnings; raise with one line per distinct problem."""
    present, regions, groups = grid.present, grid.regions, grid.groups
    problems, notes = [], []
    if absent := [group_word(g) for gi, g in enumerate(groups) if not present[:, gi].any()]:
        needs = joined(group_word(g) for g in groups)
        problems.append(say("refuse.no_group_rows", absent=", ".join(absent), until=until, groups=needs))
    none = [region_label(r) for ri, r in enumerate(regions) if not present[ri].any()]
    if none:
        have = len(regions) - len(none)
        problems.append(say("refuse.no_region_rows", n=len(none), total=len(regions), until=until, listed=_listed(none),
                            have=have))  # fmt: skip
    for gi, group in enumerate(groups):
        lacking = [region_label(r) for ri, r in enumerate(regions) if present[ri].any() and not present[ri, gi].any()]
        if lacking and present[:, gi].any():
            name = group_word(group)
            problems.append(say("refuse.group_lacking", group=name, until=until, listed=_listed(lacking)))
    n = present.sum(axis=-1)
    needed = min(min_months, math.ceil(0.75 * len(grid.t)))
    thin = (n < needed) & (n > 0)
    for gi, group in enumerate(groups):  # borrowing needs a pool: some region with the months
        have = n[:, gi] > 0
        if borrow and have.any() and thin[have, gi].all():
            longest = int(n[have, gi].max())
            problems.append(say("refuse.no_pool", group=group_word(group), needed=needed, until=until,
                                longest=longest, fewer=max(longest, 2)))  # fmt: skip
    if thin.any():
        asked = "" if needed == min_months else say("refuse.thin_asked", months=len(grid.t))
        where = say("refuse.thin_where", needed=needed, asked=asked, until=until,
                    listed=_listed(_thin_listed(thin, n, grid)))  # fmt: skip
        if borrow:
            notes.append(say("warn.borrowed", where=where))
        else:
            problems.append(say("refuse.thin", where=where))
    if problems:
        raise InputError(say("refuse.unfittable", source=source, lines=lines(problems[:MAX_LISTED])))
    started = np.cumsum(present, axis=-1) > 0
    gaps, gaps60 = ~present & started, present & np.isnan(grid.l60)
    if gaps.any() or gaps60.any():
        per_region = gaps.sum(axis=(1, 2)) + gaps60.sum(axis=(1, 2))
        most = np.argmax(per_region)
        also = say("warn.gaps_also", n=int(gaps60.sum())) if gaps60.any() else ""
        notes.append(say("warn.gaps", gaps=int(gaps.sum()), also=also, cells=format_number(present.size, lang=spoken()),
                         region=region_label(regions[most]), most=int(per_region[most])))  # fmt: skip
    return thin, notes


def _thin_listed(thin: np.ndarray, n: np.ndarray, grid: _Grid) -> list[str]:
    """``09 Gotland (7)`` per thin region, its groups named where they differ: the months with data of each."""
    out = []
    for ri in np.flatnonzero(thin.any(axis=1)):
        counts = [int(n[ri, gi]) for gi in np.flatnonzero(thin[ri])]
        if thin[ri].all() and len(set(counts)) == 1:
            out.append(f"{region_label(grid.regions[ri])} ({counts[0]})")
        else:
            each = ", ".join(f"{group_name(grid.groups[gi], spoken())} {n[ri, gi]}" for gi in np.flatnonzero(thin[ri]))
            out.append(f"{region_label(grid.regions[ri])} ({each})")
    return out


# ---------------------------------------------------------------------------------------
# One family of series (regions' own parts, or gaps): AR(1) GLS per series, then shrinkage.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    """One group's regions fitted and shrunk: parameters (R,), innovations, shrinkage and pool rows."""

    params: Params
    innovations: list  # per region: (month indexes, innovations), None when borrowed
    rows: list  # (region index, parameter, own estimate, pooled, shrunk value, shrinkage)
    pooled: list  # (parameter, pooled value, between-region SD, regions in the pool)
    residuals: list = field(default_factory=list)  # per region: (month indexes, GLS residuals), None when borrowed


def _fit_family(
    ys: list[np.ndarray],
    ts: list[np.ndarray],
    thin: np.ndarray,
    t0: float,
    *,
    trend: bool,
    season: bool = True,
    breaks: bool = False,
    profile: np.ndarray | None = None,
) -> _Family:
    """Fit each region's series ``ys`` (observed in months ``ts``, gaps allowed) and shrink every parameter
    towards the pool of the regions that are not ``thin``; thin ones borrow all but their level. With ``breaks``
    a series' level may break once (:func:`_level_break`): the months before it are moved to the later level."""
    n, usable = len(ys), ~thin
    xs = [design(t, t0, trend, season, profile) for t in ts]
    found = [_level_break(ys[r], xs[r], ts[r]) if breaks and usable[r] else None for r in range(n)]
    ys = [y if b is None else y + b[1] * (t < b[0]) for y, t, b in zip(ys, ts, found)]
    parts = columns(trend, season, profile is not None)
    rows: list = []
    pooled_rows: list = []

    def record(name, raw, value, share, pooled, between):
        rows.extend((r, name, float(raw[r]), pooled, float(value[r]), float(share[r])) for r in range(n))
        pooled_rows.append((name, pooled, between, int(usable.sum())))

    phi, phi_raw = _shrunk_ar1(ys, xs, ts, usable)
    phi_value = np.clip(phi.value, *ar1.PHI_BOUNDS)
    record("ar1", phi_raw, phi_value, phi.shrinkage, float(phi.pooled.mu[0]), float(np.sqrt(phi.pooled.tau2[0])))

    # Innovation variance: log sigma^2 has sampling variance about 2 / (T - p) and is biased by
    # about -1 / (T - p) (E log chi2_v / v); shrunk on that scale after adding the bias back.
    fits = [ar1.gls(ys[r], xs[r], phi_value[r], ts[r]) if usable[r] else None for r in range(n)]
    log_s2 = np.array([np.log(f.sigma2) + 1.0 / f.dof if f else 0.0 for f in fits])
    sig = shrink(log_s2, np.array([2.0 / f.dof if f else 1.0 for f in fits]), usable)
    sigma2 = np.exp(sig.value)
    pooled_sd = float(np.exp(sig.pooled.mu[0] / 2))
    record("noise_sd", np.where(usable, np.exp(log_s2 / 2), np.nan), np.sqrt(sigma2), sig.shrinkage, pooled_sd,
           pooled_sd * float(np.sqrt(sig.pooled.tau2[0])) / 2)  # fmt: skip

    beta_hat, beta, post, share, pool = _shrunk_coefficients(
        ys, xs, ts, fits, sigma2=sigma2, phi=phi_value, usable=usable, parts=parts
    )
    for name, cols in parts.items():
        mu, tau2 = pool
        if len(cols) == 1:
            c = cols[0]
            record(name, beta_hat[:, c], beta[:, c], share[:, c], float(mu[c]), float(np.sqrt(tau2[c])))
            continue

        def rms(b):
            return np.sqrt((season_of(b) ** 2).mean(axis=-1))

        record(name, rms(beta_hat), rms(beta), share[:, cols].mean(axis=1), float(rms(mu)), float(np.sqrt(tau2[1])))
    # The predictive innovation SD: an SD estimated with nu degrees of freedom (after shrinkage, nu = 2 / the
    # posterior variance of log sigma^2) forecasts like a Student-t, of variance nu / (nu - 2) times it.
    nu = np.maximum(2.0 / np.maximum(sig.var, 1e-9), 4.0)
    sd = np.sqrt(sigma2 * nu / (nu - 2.0))
    params = _family_params(beta, post, phi_value, sd, np.sqrt(phi.var), parts=parts, profile=profile)
    if breaks:
        level_se = np.sqrt(params.level_se**2 + np.array([b[2] ** 2 if b else 0.0 for b in found]))
        params = replace(
            params, level_se=level_se, break_month=np.array([b[0] if b else -1 for b in found]),
            break_step=np.array([b[1] if b else 0.0 for b in found]),
        )  # fmt: skip
    innovations = [(ts[r], f.innovations) if f else None for r, f in enumerate(fits)]
    return _Family(
        params, innovations, rows, pooled_rows, [(ts[r], f.residuals) if f else None for r, f in enumerate(fits)]
    )


BREAK_F = 12.35  # sup-F over the break month beyond which a level break is taken (Andrews 1993: 1 %, 15 % trimmed)
BREAK_TRIM = 6  # months at least on either side of a break


def _level_break(y: np.ndarray, x: np.ndarray, months: np.ndarray) -> tuple[int, float, float] | None:
    """The one level break a series shows, if any: its month, the step and the step's standard error.

    Each month with :data:`BREAK_TRIM` months on either side is tried as the break (a step column added
    to the design, GLS with the series' own AR(1) at the REML estimate without a break); the largest F
    statistic of the step, if above :data:`BREAK_F` (the 1 % critical value of the supremum over the
    break month), is taken.
    """
    if len(y) < 2 * BREAK_TRIM + x.shape[1]:
        return None
    phi = ar1.reml_ar1(y, x, months)[0]
    best, best_f = None, BREAK_F
    for k in range(BREAK_TRIM, len(y) - BREAK_TRIM + 1):
        step = (months < months[k]).astype(float)[:, None]
        g = ar1.gls(y, np.hstack([x, step]), phi, months)
        se = np.sqrt(g.unscaled_cov[-1, -1] * g.sigma2)
        f = (g.beta[-1] / se) ** 2
        if f > best_f:
            best, best_f = (int(months[k]), float(g.beta[-1]), float(se)), f
    return best


def _shrunk_ar1(ys, xs, ts, usable) -> tuple:
    """REML estimates of each usable series' AR(1) coefficient, shrunk (regions observed in the same months
    share one design and are estimated together)."""
    n = len(ys)
    est = np.column_stack([np.full(n, np.nan), np.ones(n)])
    spans: dict = {}
    for r in np.flatnonzero(usable):
        spans.setdefault(tuple(ts[r]), []).append(r)
    for months, same in spans.items():
        stacked = np.column_stack([ys[r] for r in same])
        est[same] = np.column_stack(ar1.reml_ar1(stacked, xs[same[0]], np.array(months)))
    return shrink(np.nan_to_num(est[:, 0]), est[:, 1] ** 2, usable), est[:, 0]


def _shrunk_coefficients(ys, xs, ts, fits, *, sigma2, phi, usable, parts) -> tuple:
    """Own GLS coefficients, their empirical-Bayes posteriors and shrinkage, and the pool (mean, tau^2); a thin
    series keeps its own level (given the pool's other coefficients) and borrows the rest."""
    n, p = len(ys), xs[0].shape[1]
    beta_hat = np.array([f.beta if f else np.zeros(p) for f in fits])
    cov = np.array([f.unscaled_cov * s2 if f else np.eye(p) for f, s2 in zip(fits, sigma2)])
    diag = np.einsum("rii->ri", cov)
    mu, tau2, mu_var = np.zeros(p), np.zeros(p), np.zeros(p)
    for cols in parts.values():
        pool = dersimonian_laird(beta_hat[usable][:, cols], diag[usable][:, cols], shared=len(cols) > 1)
        mu[cols], tau2[cols], mu_var[cols] = pool.mu, pool.tau2, pool.mu_var
    beta, post, share = np.empty((n, p)), np.empty((n, p, p)), np.ones((n, p))
    for r in range(n):
        if usable[r]:
            beta[r], post[r], share[r] = posterior(beta_hat[r], cov[r], mu, tau2, mu_var)
            continue
        # Thin: season and trend are the pool's (variance tau^2 + var_mu); the level is its own, given them.
        level = ar1.gls(ys[r] - xs[r][:, 1:] @ mu[1:], xs[r][:, :1], phi[r], ts[r])
        var = level.unscaled_cov[0, 0] * sigma2[r]
        beta_hat[r, 0] = level.beta[0]
        beta[r], post[r] = mu, np.diag(tau2 + mu_var)
        share[r, 0] = var / (var + max(tau2[0], 1e-12))
        beta[r, 0] = mu[0] + (1.0 - share[r, 0]) * (level.beta[0] - mu[0])
        post[r, 0, 0] = (1.0 - share[r, 0]) * var + share[r, 0] ** 2 * mu_var[0]
    return beta_hat, beta, post, share, (mu, tau2)


def _family_params(beta, post, phi, sd, phi_se, *, parts, profile: np.ndarray | None = None) -> Params:
    """The :class:`Params` of a family from its posterior coefficients (R, p) and covariances (R, p, p)."""
    n, season = len(beta), "season_rms" in parts
    none = np.zeros(n)
    season_se = np.sqrt(np.array([np.diag(_season_cov(c)) for c in post]).mean(axis=1)) if season else none
    seasons = season_of(beta, season)
    if "season_amplitude" in parts:
        k = parts["season_amplitude"][0]
        seasons = beta[:, k, None] * np.asarray(profile)[None, :]
        season_se = np.sqrt(post[:, k, k]) * float(np.sqrt(np.mean(np.square(profile))))
    if "trend" not in parts:
        trend, trend_se, corr = none, none, none
    else:
        k = parts["trend"][0]
        trend, trend_se = beta[:, k], np.sqrt(post[:, k, k])
        corr = post[:, 0, k] / np.sqrt(post[:, 0, 0] * post[:, k, k])
    return Params(
        level=beta[:, 0], season=seasons, trend=trend, ar1=phi, sd=sd,
        level_se=np.sqrt(post[:, 0, 0]), trend_se=trend_se, level_trend_corr=corr, season_se=season_se, ar1_se=phi_se,
    )  # fmt: skip


def season_change(residuals: list, fitted_season: bool = True) -> tuple[float, float]:
    """How a calendar month's deviation from the fitted season lasts from year to year (a season that changes, or a
    region's own season where it is not fitted): its SD and its correlation a year on, ``rho``, from the residuals'
    covariances 12 and 24 months apart averaged over the series (``c12 = s^2 rho``, ``c24 = s^2 rho^2``; rho 1 when
    the history has too few pairs 24 months apart, at least 0.5); (0, 1) unless ``c12`` is positive by two standard
    errors (between the series; one series: its products').

    A season fitted from ``n`` years of each calendar month leaves residuals of the same month correlated by about
    ``-1 / (n - 1)`` when the season does not change (each is measured against a mean that holds the others), so
    that is added back (``fitted_season``). An AR(1) deviation leaves ``phi^12`` of its variance a year apart:
    nothing for the deviations regions show.
    """

    def covariance(lag: int) -> tuple[np.ndarray, int]:
        per_series, count = [], 0
        for pair in residuals:
            if pair is None:
                continue
            months, e = pair
            at = dict(zip(months.tolist(), e))
            products = [at[m] * at[m - lag] for m in months.tolist() if m - lag in at]
            if not products:
                continue
            years = len(months) / 12
            bias = float(np.mean(e**2)) / (years - 1) if fitted_season and years > 1.5 else 0.0
            per_series.append((np.array(products) + bias) if len(residuals) == 1 else np.mean(products) + bias)
            count += len(products)
        return (np.concatenate(per_series) if len(residuals) == 1 else np.array(per_series)), count

    c12, n12 = covariance(12)
    if n12 < 12 or len(c12) < 2 or c12.mean() <= 2 * c12.std(ddof=1) / np.sqrt(len(c12)):
        return 0.0, 1.0
    c24, n24 = covariance(24)
    rho = float(np.clip(c24.mean() / c12.mean(), 0.5, 1.0)) if n24 >= 12 else 1.0
    return float(np.sqrt(c12.mean() / rho)), rho


def _with_season_change(params: Params, change) -> Params:
    """``params`` with the season change (SD and year-on-year correlation, broadcast), its variance taken out of
    the AR(1) deviations' (at most half of it), which the residuals' variance held."""
    sd, rho = (np.broadcast_to(np.asarray(x, dtype=float), np.shape(params.level)) for x in change)
    stationary = params.sd**2 / (1.0 - params.ar1**2)
    kept = np.maximum(stationary - sd**2, 0.5 * stationary)
    return replace(
        params, season_change_sd=np.array(sd), season_change_rho=np.array(rho), sd=np.sqrt(kept * (1.0 - params.ar1**2))
    )


def break_risk(families: list[_Family], months: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the chance a month brings a level break (breaks found per month of the series scanned) and
    the breaks' RMS size (logit), for forecasts: a break may come in the months ahead too."""
    rates, sizes = [], []
    for family in families:
        steps = family.params.get("break_step")
        found = family.params.get("break_month") >= 0
        scanned = sum(len(r[0]) for r in family.residuals if r is not None) or months
        rates.append(found.sum() / scanned)
        sizes.append(float(np.sqrt(np.mean(steps[found] ** 2))) if found.any() else 0.0)
    return np.array(rates), np.array(sizes)


def _season_cov(cov: np.ndarray) -> np.ndarray:
    """Covariance of the 12-month profile from the coefficients' covariance."""
    j = np.vstack([np.eye(11), -np.ones((1, 11))])
    return j @ cov[SEASON, SEASON] @ j.T


# ---------------------------------------------------------------------------------------
# The whole fit.
# ---------------------------------------------------------------------------------------


def fit_history(
    history: Panel | pd.DataFrame | str | Path,
    until: str | None = None,
    *,
    groups: Sequence[str] = GROUPS,
    min_months: int = MIN_MONTHS,
    borrow: bool = False,
) -> Fit:
    """Fit every region and group of a monthly history up to ``until`` (default: its last month).

    ``history`` is a panel (region, month, group, share_90, share_60) whose suppressed or missing
    cells (``N``, ``..``, ``-``, blank, ``<5``; NaN) are left out (:mod:`.histories`). The baseline
    year is the year before the one that follows ``until`` (``until`` 2019-08 -> 2018). Raises
    :class:`~kommiljard.errors.InputError`, one line per distinct problem, for a missing region or
    group, or (unless ``borrow``) regions with fewer than ``min_months`` months of data. See the
    module docstring for the model.
    """
    min_months = options.whole(min_months, "min_months", "min_months")
    panel = as_history(history, list(groups)).panel
    source, groups = panel.source, tuple(groups)
    grid, until, ignored = _grid(panel, until, groups)
    _problems(grid, 1, True, source, until)  # regions and groups missing (none thin at 1): before anything else
    notes: list[str] = []
    grid, dropped = _national_months(grid, source, until, notes)
    thin, more = _problems(grid, min_months, borrow, source, until)
    notes = more + notes
    baseline_year = int(shift_month(until, 1)[:4]) - 1
    t0 = baseline_year * 12 + 5.5
    short = len(grid.t) < SHORT_HISTORY
    if short:
        notes.append(say("warn.short_history", months=len(grid.t), short=SHORT_HISTORY, reference=REFERENCE_SEASON))
    national_series = _national_factor(grid.l90, grid.present)  # (G, T)
    national, national_group_corr = _fit_national(national_series, grid.t, t0, short, groups)

    own, gap = _families(grid, national_series, thin, t0, short)
    break_rate, break_sd = break_risk(own, len(grid.t))
    region = _stack([f.params for f in own], national)
    gaps = _stack([f.params for f in gap])
    if short:
        gaps = replace(gaps, season=gaps.season + _reference(groups)[1][None])
    group_corr, corr_rows, corr_pool = _group_correlation([f.innovations for f in own], thin)
    own_corr, lw = _own_correlation([f.innovations for f in own], [f.params for f in own], grid, group_corr)
    data = _data_table(grid, thin, until)
    shrinkage = _shrinkage_table(own, gap, corr_rows, grid.regions, groups, national, data)
    pooled = pd.DataFrame(
        [(name, g, *row) for name, fam in (("share_90", own), ("gap", gap)) for g, f in zip(groups, fam)
         for row in f.pooled] + [("share_90", "both", *corr_pool),
                                 ("share_90", "between", "own_corr_lw_shrinkage", lw, float("nan"), 0)],
        columns=["series", "group", "parameter", "pooled", "between_region_sd", "regions"],
    )  # fmt: skip
    for note in notes:
        warnings.warn(note, HistoryWarning, stacklevel=2)
    diagnostics = {"rows_after_until_ignored": ignored, "rows_before_national_factor_dropped": dropped}
    window = slice(max(0, len(grid.t) - STATE_MONTHS), len(grid.t))
    state = State(tuple(month_name(int(i)) for i in grid.t[window]), grid.l90[..., window],
                  grid.l90[..., window] - grid.l60[..., window])  # fmt: skip
    return Fit(
        until, baseline_year, grid.regions, groups, national, region, gaps, group_corr,
        national_group_corr, thin, data, shrinkage, pooled, (month_name(int(grid.t[0])), until), state, diagnostics,
        tuple(notes), source, panel.sha256, own_corr, short, break_rate, break_sd,
    )  # fmt: skip


def _families(grid: _Grid, national_series: np.ndarray, thin: np.ndarray, t0: float, short: bool) -> tuple:
    """Every group's regions fitted: their own parts (share_90 less the national factor; level breaks, seasons that
    change; in a short history each region's amplitude of the reference season) and their share_60 gaps."""
    groups = grid.groups

    def series(values: np.ndarray, relative: bool, gi: int) -> tuple[list, list]:
        """Each region's observed months of group ``gi`` (relative: minus the national factor)."""
        ok = ~np.isnan(values[:, gi])
        ys = [values[ri, gi, s] - (national_series[gi, s] if relative else 0.0) for ri, s in enumerate(ok)]
        return ys, [grid.t[s] for s in ok]

    profiles = _reference(groups)[0] if short else [None] * len(groups)
    own = [
        _fit_family(*series(grid.l90, True, gi), thin[:, gi], t0, trend=True, season=not short, breaks=True,
                    profile=profiles[gi])
        for gi in range(len(groups))
    ]  # fmt: skip
    own = [replace(f, params=_with_season_change(f.params, season_change(f.residuals, not short))) for f in own]
    gap_values = grid.l90 - grid.l60
    if short:  # the gaps' seasons from the reference as well: their levels fitted around it
        gap_values = gap_values - _reference(groups)[1][None, :, grid.t % 12]
    gap = [
        _fit_family(*series(gap_values, False, gi), thin[:, gi], t0, trend=False, season=not short)
        for gi in range(len(groups))
    ]
    return own, gap


def _grid(panel: Panel, until: str | None, groups: tuple[str, ...]) -> tuple[_Grid, str, int]:
    """The history's logits on its month grid up to ``until`` (checked), and the rows after it (ignored)."""
    frame = panel.frame[panel.frame["group"].isin(groups)]
    frame = frame[frame["share_90"].notna() | frame["share_60"].notna()]
    if frame.empty:
        names = joined((group_word(g) for g in groups), "or")
        raise InputError(say("refuse.no_shares", source=panel.source, groups=names))
    first_row, last = str(frame["month"].min()), str(frame["month"].max())
    if until is None:
        until = last
    elif normalise_month(until) != until:
        raise InputError(say("refuse.until_not_month", until=until))
    if until > last:
        raise InputError(say("refuse.until_after_end", source=panel.source, last=last, until=until))
    ignored = int((frame["month"] > until).sum())
    frame = frame[frame["month"] <= until]
    if frame.empty:
        raise InputError(say("refuse.no_rows_until", source=panel.source, until=until, first=first_row))
    regions = region_codes()
    start, end = month_index(str(frame["month"].min())), month_index(until)
    shape = (len(regions), len(groups), end - start + 1)
    l90, l60 = np.full(shape, np.nan), np.full(shape, np.nan)
    r = frame["region"].map({c: i for i, c in enumerate(regions)}).to_numpy()
    g = frame["group"].map({c: i for i, c in enumerate(groups)}).to_numpy()
    t = frame["month"].map(month_index).to_numpy() - start
    l90[r, g, t] = logit(frame["share_90"].to_numpy(dtype=float))
    l60[r, g, t] = logit(frame["share_60"].to_numpy(dtype=float))
    return _Grid(regions, groups, np.arange(start, end + 1), l90, l60), until, ignored


def _national_months(grid: _Grid, source: str, until: str, notes: list[str]) -> tuple[_Grid, int]:
    """The months where at least half of the regions report in every group, where the national factor is
    defined: the history from the first of them; a later month without them is left out for every region."""
    counts = grid.present.sum(axis=0).min(axis=0)  # (T,): regions reporting, in the group with fewest
    enough = counts >= math.ceil(len(grid.regions) / 2)
    if not enough.any():
        raise InputError(say("refuse.no_half_month", source=source, until=until))
    k0 = int(np.flatnonzero(enough)[0])
    dropped = int(grid.present[..., :k0].sum())
    if dropped:
        notes.append(say("warn.left_out_before", dropped=dropped, month=month_name(int(grid.t[k0]))))
    grid = grid.cut(k0)
    thin_months = np.flatnonzero(~enough[k0:])
    if len(thin_months):
        grid.l90[..., thin_months] = np.nan
        grid.l60[..., thin_months] = np.nan
        notes.append(say("warn.left_out_months", months=_ranges(grid.t[thin_months])))
    if (months := int(enough[k0:].sum())) < MIN_HISTORY:
        raise InputError(say("refuse.too_short", source=source, months=months, until=until, least=MIN_HISTORY))
    return grid, dropped


def _fit_national(series: np.ndarray, t: np.ndarray, t0: float, short: bool, groups) -> tuple[Params, float]:
    """The national factor of each group (G, T): GLS with AR(1) deviations (level, season, trend; with ``short``
    the season is the reference's), and the correlation of its innovations between the groups."""
    reference = _reference(groups)[0] if short else None
    fits, innovations = [], []
    for gi, y in enumerate(series):
        ok = ~np.isnan(y)
        months = t[ok]
        offset = reference[gi][months % 12] if short else 0.0
        x = design(months, t0, True, not short)
        phi, se = ar1.reml_ar1(y[ok] - offset, x, months)
        g = ar1.gls(y[ok] - offset, x, phi, months)
        fits.append((g, phi, se))
        innovations.append(pd.Series(g.innovations, index=months))
    national = _national_params(fits, not short)
    if short:
        national = replace(national, season=reference)
    change = [season_change([(t[~np.isnan(y)], g.residuals)], not short) for (g, _, _), y in zip(fits, series)]
    national = _with_season_change(national, np.array(change).T)
    both = pd.concat(innovations, axis=1).dropna().to_numpy().T
    corr = float(np.corrcoef(both)[0, 1]) if len(series) == 2 and both.shape[1] > 2 else 0.0
    return national, corr


def _reference(groups: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The reference seasonal patterns (G, 12), logit deviations: share_90's and the share_90 - share_60 gap's,
    from the real national series of the reference scenario (for histories too short to fit them)."""
    from ..sweeps.scenario import load_scenario

    spec = load_scenario(REFERENCE_SEASON).spec
    if missing := [g for g in groups if g not in spec.national]:
        raise InputError(say("refuse.no_reference_season", short=SHORT_HISTORY, groups=missing))
    season, gap = [], []
    for g in groups:
        n = spec.national[g]
        pct = n.level_pct + np.array(n.season_pp)
        s = logit(pct) - logit(n.level_pct)
        season.append(s - s.mean())
        q = logit(pct) - logit(pct - np.array(n.gap_pp))
        gap.append(q - q.mean())
    return np.array(season), np.array(gap)


def _data_table(grid: _Grid, thin: np.ndarray, until: str) -> pd.DataFrame:
    """Per region and group: the first and last month with data, the months used, the months missing among them."""
    rows = []
    for ri, code in enumerate(grid.regions):
        for gi, group in enumerate(grid.groups):
            seen = np.flatnonzero(grid.present[ri, gi])
            first, last = (grid.t[seen[0]], grid.t[seen[-1]]) if len(seen) else (grid.t[-1], grid.t[-1])
            rows.append({
                "region": code, "group": group, "first_month": month_name(int(first)), "last_month": until,
                "last_data": month_name(int(last)), "n_months": len(seen),
                "missing_months": int(last - first + 1 - len(seen)) if len(seen) else 0, "borrowed": bool(thin[ri, gi]),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _national_factor(l90: np.ndarray, present: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Equally weighted mean logit per group and month; with regions that start later or miss months, a two-way
    fixed-effects mean (each region's average offset removed, offsets averaging 0)."""
    offset = np.zeros(l90.shape[:2])
    national = np.nanmean(l90, axis=0)
    for _ in range(iterations):
        national = np.nanmean(l90 - offset[..., None], axis=0)
        new = np.nanmean(l90 - national[None], axis=-1)
        new -= new.mean(axis=0)
        if np.allclose(new, offset, atol=1e-12):
            break
        offset = new
    return national


def _national_params(fits, season: bool = True) -> Params:
    beta = np.array([g.beta for g, _, _ in fits])
    cov = np.array([g.unscaled_cov * g.sigma2 for g, _, _ in fits])
    k = columns(True, season)["trend"][0]
    season_se = (
        np.sqrt(np.einsum("sii->si", np.array([_season_cov(c) for c in cov])).mean(axis=1))
        if season
        else np.zeros(len(fits))
    )
    return Params(
        level=beta[:, 0], season=season_of(beta, season), trend=beta[:, k], ar1=np.array([phi for _, phi, _ in fits]),
        sd=np.sqrt([g.sigma2 * max(g.dof, 4) / (max(g.dof, 4) - 2) for g, _, _ in fits]),  # predictive: t, nu = dof
        level_se=np.sqrt(cov[:, 0, 0]), trend_se=np.sqrt(cov[:, k, k]),
        level_trend_corr=cov[:, 0, k] / np.sqrt(cov[:, 0, 0] * cov[:, k, k]), season_se=season_se,
        ar1_se=np.array([se for _, _, se in fits]),
    )  # fmt: skip


def _stack(per_group: list[Params], national: Params | None = None) -> Params:
    """Per-group parameters of R regions stacked to (R, G); with ``national``, levels, seasons and
    trends made absolute (national plus the region's own)."""
    out = {k: np.stack([p.get(k) for p in per_group], axis=1) for k in Params.__dataclass_fields__}
    if national is not None:
        for k in ("level", "season", "trend"):
            out[k] = out[k] + getattr(national, k)[None]
    return Params(**out)


def _own_correlation(innovations: list[list], params: list[Params], grid: _Grid, within: np.ndarray) -> tuple:
    """The correlation (R*G, R*G; index r * G + g) of the regions' own innovations, and the Ledoit-Wolf shrinkage
    of its part between regions.

    Each region's groups are correlated by ``within`` (R,), shrunk by empirical Bayes (:func:`_group_correlation`);
    the innovations, standardised by their SD and decorrelated within each region by that, are Ledoit-Wolf shrunk
    towards no correlation at all (every correlation between regions through the national factor, as in the model
    without this part), and the within-region correlation put back: positive definite, and equal to that model
    when the regions' innovations show nothing more. ``innovations[g][r]`` is (months, innovations) of region r in
    group g, None when borrowed; a missing month counts as 0.
    """
    from sklearn.covariance import ledoit_wolf

    n_r, n_g = len(grid.regions), len(grid.groups)
    e = np.zeros((len(grid.t), n_r * n_g))
    seen = np.zeros(n_r * n_g, dtype=int)
    for gi, family in enumerate(innovations):
        for ri, pair in enumerate(family):
            if pair is not None:
                months, values = pair
                e[months - grid.t[0], ri * n_g + gi] = values / params[gi].sd[ri]
                seen[ri * n_g + gi] = len(months)
    block = np.eye(n_r * n_g)
    if n_g == 2:
        for ri in range(n_r):
            block[2 * ri : 2 * ri + 2, 2 * ri : 2 * ri + 2] = np.linalg.cholesky([[1.0, within[ri]], [within[ri], 1.0]])
    white = np.linalg.solve(block, e.T).T
    usable = np.flatnonzero(seen >= 12)
    corr, shrinkage = np.eye(n_r * n_g), 1.0
    if len(usable) > 1:
        cov, shrinkage = ledoit_wolf(white[:, usable], assume_centered=True)
        sd = np.sqrt(np.diag(cov))
        corr[np.ix_(usable, usable)] = cov / np.outer(sd, sd)
    full = block @ corr @ block.T
    d = np.sqrt(np.diag(full))
    full = np.clip(full / np.outer(d, d), -1.0, 1.0)
    np.fill_diagonal(full, 1.0)
    return full, float(shrinkage)


def _group_correlation(innovations: list[list], thin: np.ndarray) -> tuple[np.ndarray, list, tuple]:
    """Per region, the shrunk correlation between its two groups' innovations (Fisher z).

    ``innovations[g][r]`` is (months, innovations) of region r in group g, None when borrowed.
    """
    n_regions = thin.shape[0]
    if len(innovations) != 2:
        return np.full(n_regions, np.nan), [], ("group_corr", float("nan"), float("nan"), 0)
    z, var = np.zeros(n_regions), np.ones(n_regions)
    usable = ~thin.any(axis=1)
    for ri in np.flatnonzero(usable):
        (ta, ea), (tb, eb) = innovations[0][ri], innovations[1][ri]
        both = np.intersect1d(ta, tb)
        a, b = ea[np.isin(ta, both)], eb[np.isin(tb, both)]
        z[ri] = np.arctanh(np.clip(np.corrcoef(a, b)[0, 1], -0.999, 0.999))
        var[ri] = 1.0 / max(len(both) - 3, 1)
    fz = shrink(z, var, usable)
    pooled = float(np.tanh(fz.pooled.mu[0]))
    own = np.where(usable, np.tanh(z), np.nan)
    rows = [
        (ri, float(own[ri]), pooled, float(np.tanh(fz.value[ri])), float(fz.shrinkage[ri])) for ri in range(n_regions)
    ]
    between = float(np.sqrt(fz.pooled.tau2[0])) * (1.0 - pooled**2)  # Fisher z's SD in correlation units (delta method)
    return np.tanh(fz.value), rows, ("group_corr", pooled, between, int(usable.sum()))


def _shrinkage_table(
    own: list[_Family], gap: list[_Family], corr_rows, regions, groups, national: Params, data
) -> pd.DataFrame:
    """One row per region, group and parameter: own estimate, pooled value, shrunk value, shrinkage."""
    out = []
    for prefix, families in (("", own), ("gap_", gap)):
        for gi, family in enumerate(families):
            for ri, name, raw, pooled, value, share in family.rows:
                if not prefix and name in ("level", "trend"):  # absolute: national plus the region's own
                    base = getattr(national, name)[gi]
                    raw, pooled, value = raw + base, pooled + base, value + base
                out.append((regions[ri], groups[gi], prefix + name, raw, pooled, value, share))
    for ri, raw, pooled, value, share in corr_rows:
        out.append((regions[ri], "both", "group_corr", raw, pooled, value, share))
    table = pd.DataFrame(out, columns=["region", "group", "parameter", "estimate", "pooled", "value", "shrinkage"])
    per_region = data.groupby("region").agg(n_months_both=("n_months", "min"), borrowed_any=("borrowed", "any"))
    table = table.merge(data[["region", "group", "n_months", "borrowed"]], on=["region", "group"], how="left")
    table = table.merge(per_region, left_on="region", right_index=True)
    both = table["group"] == "both"
    table.loc[both, "n_months"], table.loc[both, "borrowed"] = (
        table.loc[both, "n_months_both"],
        table.loc[both, "borrowed_any"],
    )
    table["n_months"] = table["n_months"].astype(int)
    table["borrowed"] = table["borrowed"].astype(bool)
    return table.drop(columns=["n_months_both", "borrowed_any"])
