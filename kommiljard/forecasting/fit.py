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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.panel import Panel, as_panel, normalise_month, shift_month
from ..inputs.regions import region_codes, region_label
from . import ar1
from .shrinkage import dersimonian_laird, posterior, shrink

GROUPS = ("first_visit", "operation")
MIN_MONTHS = 24
LOGIT_CLIP = (0.05, 99.95)  # shares of 0 or 100 % are read as these on the logit scale
SEASON = slice(1, 12)  # design columns of the seasonal contrasts (January to November)
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


def design(t: np.ndarray, t0: float, trend: bool = True) -> np.ndarray:
    """Columns: 1, the seasonal contrasts of January..November (December = minus their sum), and
    the time in years from ``t0`` (the middle of the baseline year), for month indexes ``t``."""
    cal = np.asarray(t) % 12
    season = (cal[:, None] == np.arange(11)).astype(float) - (cal == 11)[:, None]
    cols = [np.ones((len(cal), 1)), season] + ([((np.asarray(t) - t0) / 12.0)[:, None]] if trend else [])
    return np.hstack(cols)


def season_of(beta: np.ndarray) -> np.ndarray:
    """The 12-month seasonal profile (..., 12) from a coefficient vector's contrasts."""
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

    @property
    def stationary_sd(self) -> np.ndarray:
        """SD of the monthly deviation itself, ``sd / sqrt(1 - ar1^2)``."""
        return self.sd / np.sqrt(1.0 - self.ar1**2)

    def mean(self, t: np.ndarray, t0: float) -> np.ndarray:
        """Expected logit (..., len(t)) in months ``t``."""
        t = np.asarray(t)
        return self.level[..., None] + self.season[..., t % 12] + self.trend[..., None] * ((t - t0) / 12.0)


@dataclass(frozen=True)
class State:
    """The logits of share_90 and of the gap (R, G) of every region in one month."""

    month: str
    l90: np.ndarray
    gap: np.ndarray


def history_state(history: Panel | pd.DataFrame, month: str, regions: Sequence[str], groups: Sequence[str]) -> State:
    """The :class:`State` of a history in ``month``; every region and group must have a row there."""
    frame = history.frame if isinstance(history, Panel) else history
    rows = frame[frame["month"] == month].set_index(["region", "group"])
    index = pd.MultiIndex.from_product([list(regions), list(groups)])
    if missing := [f"{region_label(r)} {g}" for r, g in index if (r, g) not in rows.index]:
        raise InputError(
            f"no row for {month} of {', '.join(missing)}: a forecast starts from every region's last month"
        )
    rows = rows.loc[index]
    l90 = logit(rows["share_90"].to_numpy(dtype=float)).reshape(len(regions), len(groups))
    l60 = logit(rows["share_60"].to_numpy(dtype=float)).reshape(len(regions), len(groups))
    return State(month, l90, l90 - l60)


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


def _check(
    present: np.ndarray,
    regions: Sequence[str],
    groups: Sequence[str],
    start: int,
    end: int,
    min_months: int,
    borrow: bool,
    source: str,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """First observed month index per region-group, which are thin, and the warnings; raise on the rest."""
    problems, notes = [], []
    first = np.full(present.shape[:2], end + 1)
    until = month_name(end)
    for gi, group in enumerate(groups):
        if not present[:, gi].any():
            problems.append(
                f"group {group!r} has no rows up to {until}: "
                f"the fit needs every region's history of {' and '.join(groups)}"
            )
    for ri, code in enumerate(regions):
        label = region_label(code)
        if not present[ri].any():
            problems.append(
                f"region {label} has no rows up to {until}: add its monthly history "
                "(every region is needed, since the bars are shared)"
            )
            continue
        for gi, group in enumerate(groups):
            seen = np.flatnonzero(present[ri, gi])
            if not len(seen):
                if present[:, gi].any():
                    problems.append(f"region {label} has no rows for {group} up to {until}: add its {group} history")
                continue
            first[ri, gi] = start + seen[0]
            missing = [start + i for i in range(seen[0], end - start + 1) if not present[ri, gi, i]]
            if missing:
                problems.append(
                    f"region {label}, {group}: no row for {_ranges(missing)} "
                    f"(its history runs from {month_name(start + seen[0])} to {until}); "
                    "the fit needs every month: add the missing rows, or start the history after the gap"
                    + (", or fit with an earlier --until" if missing[-1] == end else "")
                )
    n = end - first + 1
    thin = (n < min_months) & (first <= end)
    for ri, gi in zip(*np.nonzero(thin)):
        label = region_label(regions[ri])
        where = f"region {label}, {groups[gi]}: {n[ri, gi]} month(s) ({month_name(first[ri, gi])} to {until})"
        if borrow:
            notes.append(
                f"{where}, fewer than {min_months}: season, trend, noise (AR(1) and SD), group correlation "
                "and gap season and noise borrowed from the pooled estimate; level and gap level estimated "
                "from its own months and shrunk"
            )
        else:
            problems.append(
                f"{where}: the fit needs at least {min_months} consecutive months up to {until}. Add older rows, "
                "or borrow the thin region's parameters from the pooled estimate (borrow=True, --borrow)"
            )
    if problems:
        shown = problems[:MAX_LISTED]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise InputError(
            f"{source}: the history cannot be fitted ({len(problems)} problem(s)):\n"
            + "\n".join(f"  - {p}" for p in shown)
            + more
        )
    return first, thin, notes


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


def _fit_family(ys: list[np.ndarray], ts: list[np.ndarray], thin: np.ndarray, t0: float, trend: bool) -> _Family:
    """Fit each region's series ``ys`` (contiguous months ``ts``) and shrink every parameter towards
    the pool of the regions that are not ``thin``; thin ones borrow all but their level."""
    n = len(ys)
    usable = ~thin
    xs = [design(t, t0, trend) for t in ts]
    p = xs[0].shape[1]
    rows: list = []
    pooled_rows: list = []

    def record(name, raw, value, share, pooled, between):
        rows.extend((r, name, float(raw[r]), pooled, float(value[r]), float(share[r])) for r in range(n))
        pooled_rows.append((name, pooled, between, int(usable.sum())))

    # AR(1) coefficient: REML per region, shrunk.
    est = np.column_stack([np.full(n, np.nan), np.ones(n)])
    spans = {(int(ts[r][0]), len(ts[r])) for r in np.flatnonzero(usable)}
    for first, length in spans:  # regions with the same months share one design: fitted together
        same = [r for r in np.flatnonzero(usable) if (int(ts[r][0]), len(ts[r])) == (first, length)]
        est[same] = np.column_stack(ar1.reml_ar1(np.column_stack([ys[r] for r in same]), xs[same[0]]))
    phi = shrink(np.nan_to_num(est[:, 0]), est[:, 1] ** 2, usable)
    phi_value = np.clip(phi.value, *ar1.PHI_BOUNDS)
    record("ar1", est[:, 0], phi_value, phi.shrinkage, float(phi.pooled.mu[0]), float(np.sqrt(phi.pooled.tau2[0])))

    # Innovation variance: log sigma^2 has sampling variance about 2 / (T - p) and is biased by
    # about -1 / (T - p) (E log chi2_v / v); shrunk on that scale after adding the bias back.
    fits = [ar1.gls(ys[r], xs[r], phi_value[r]) if usable[r] else None for r in range(n)]
    log_s2 = np.array([np.log(f.sigma2) + 1.0 / f.dof if f else 0.0 for f in fits])
    sig = shrink(log_s2, np.array([2.0 / f.dof if f else 1.0 for f in fits]), usable)
    sigma2 = np.exp(sig.value)
    pooled_sd = float(np.exp(sig.pooled.mu[0] / 2))
    record("noise_sd", np.where(usable, np.exp(log_s2 / 2), np.nan), np.sqrt(sigma2), sig.shrinkage, pooled_sd,
           pooled_sd * float(np.sqrt(sig.pooled.tau2[0])) / 2)  # fmt: skip

    # Level, season and trend: a diagonal prior per coefficient (the 11 seasonal ones share one
    # between-region variance), the posterior with each region's full covariance.
    beta_hat = np.array([f.beta if f else np.full(p, np.nan) for f in fits])
    cov = np.array([f.unscaled_cov * s2 if f else np.eye(p) for f, s2 in zip(fits, sigma2)])
    diag = np.einsum("rii->ri", cov)
    parts = {"level": [0], "season_rms": list(range(1, 12))} | ({"trend": [12]} if trend else {})
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
        level = ar1.gls(ys[r] - xs[r][:, 1:] @ mu[1:], xs[r][:, :1], phi_value[r])
        var = level.unscaled_cov[0, 0] * sigma2[r]
        beta_hat[r, 0] = level.beta[0]
        beta[r], post[r] = mu, np.diag(tau2 + mu_var)
        share[r, 0] = var / (var + max(tau2[0], 1e-12))
        beta[r, 0] = mu[0] + (1.0 - share[r, 0]) * (level.beta[0] - mu[0])
        post[r, 0, 0] = (1.0 - share[r, 0]) * var + share[r, 0] ** 2 * mu_var[0]
    for name, cols in parts.items():
        if len(cols) == 1:
            record(
                name,
                beta_hat[:, cols[0]],
                beta[:, cols[0]],
                share[:, cols[0]],
                float(mu[cols[0]]),
                float(np.sqrt(tau2[cols[0]])),
            )
        else:

            def rms(b):
                return np.sqrt((season_of(b) ** 2).mean(axis=-1))

            record(
                name,
                rms(beta_hat),
                rms(beta),
                share[:, cols].mean(axis=1),
                float(rms(mu)),
                float(np.sqrt(tau2[cols[0]])),
            )

    season_var = np.array([np.diag(_season_cov(c)) for c in post])
    none = np.zeros(n)
    params = Params(
        level=beta[:, 0], season=season_of(beta), trend=beta[:, 12] if trend else none, ar1=phi_value,
        sd=np.sqrt(sigma2), level_se=np.sqrt(post[:, 0, 0]), trend_se=np.sqrt(post[:, 12, 12]) if trend else none,
        level_trend_corr=post[:, 0, 12] / np.sqrt(post[:, 0, 0] * post[:, 12, 12]) if trend else none,
        season_se=np.sqrt(season_var.mean(axis=1)), ar1_se=np.sqrt(phi.var),
    )  # fmt: skip
    return _Family(params, [(ts[r], f.innovations) if f else None for r, f in enumerate(fits)], rows, pooled_rows)


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

    ``history`` is a panel (region, month, group, share_90, share_60). The baseline year is
    the year before the one that follows ``until`` (``until`` 2019-08 -> 2018). Raises
    :class:`~kommiljard.errors.InputError` naming region, group and months for a missing
    region or group, a gap, a history that stops before ``until`` or (unless ``borrow``) one
    shorter than ``min_months``. See the module docstring for the model.
    """
    panel = as_panel(history, groups=list(groups))
    frame = panel.frame
    source = panel.source
    regions, groups = region_codes(), tuple(groups)
    first_row, last = str(frame["month"].min()), str(frame["month"].max())
    if until is None:
        until = last
    elif normalise_month(until) != until:
        raise InputError(f"until = {until!r} is not a month: write YYYY-MM, e.g. 2019-08")
    if min_months < 2:
        raise ValueError(f"min_months must be at least 2, not {min_months}")
    ignored = int((frame["month"] > until).sum())
    frame = frame[(frame["month"] <= until) & frame["group"].isin(groups)]
    if frame.empty:
        raise InputError(f"{source}: no rows up to {until} (the history starts {first_row}); choose a later --until")
    end = month_index(until)
    start = month_index(str(frame["month"].min()))
    t_all = np.arange(start, end + 1)
    l90, l60, present = _arrays(frame, regions, groups, start, len(t_all))
    first, thin, notes = _check(present, regions, groups, start, end, min_months, borrow, source)

    # Months where at least half of the regions report (all regions report from their first
    # month on, so this is a range ending at until): the national factor is defined there.
    counts = present.any(axis=1).sum(axis=0)
    keep = np.flatnonzero(counts >= math.ceil(len(regions) / 2))
    if not len(keep):
        raise InputError(
            f"{source}: no month up to {until} has rows for half of the regions; the national factor needs them"
        )
    k0 = int(keep[0])
    dropped = int(present[:, :, :k0].sum())
    if dropped:
        notes.append(
            f"{dropped} row(s) before {month_name(int(t_all[k0]))} left out: fewer than half of the regions report "
            "there, and the national factor needs them"
        )
    l90, l60, present, t_all = l90[..., k0:], l60[..., k0:], present[..., k0:], t_all[k0:]
    first = np.maximum(first, t_all[0])
    baseline_year = int(shift_month(until, 1)[:4]) - 1
    t0 = baseline_year * 12 + 5.5

    national_series = _national_factor(l90, present)  # (G, T)
    nat_fits = []
    for gi in range(len(groups)):
        x = design(t_all, t0)
        phi, se = ar1.reml_ar1(national_series[gi], x)
        nat_fits.append((ar1.gls(national_series[gi], x, phi), phi, se))
    national = _national_params(nat_fits)
    nat_innov = np.array([g.innovations for g, _, _ in nat_fits])
    national_group_corr = float(np.corrcoef(nat_innov)[0, 1]) if len(groups) == 2 else float("nan")

    def series(values: np.ndarray, relative: bool, gi: int) -> tuple[list, list]:
        """Each region's observed months of group ``gi`` (relative: minus the national factor)."""
        sel = [present[ri, gi] for ri in range(len(regions))]
        ys = [values[ri, gi, s] - (national_series[gi, s] if relative else 0.0) for ri, s in enumerate(sel)]
        return ys, [t_all[s] for s in sel]

    own = [_fit_family(*series(l90, True, gi), thin[:, gi], t0, trend=True) for gi in range(len(groups))]
    gap = [_fit_family(*series(l90 - l60, False, gi), thin[:, gi], t0, trend=False) for gi in range(len(groups))]
    region = _stack([f.params for f in own], national)
    gaps = _stack([f.params for f in gap])
    group_corr, corr_rows, corr_pool = _group_correlation([f.innovations for f in own], thin)

    data = pd.DataFrame([
        {"region": code, "group": group, "first_month": month_name(int(first[ri, gi])), "last_month": until,
         "n_months": int(end - first[ri, gi] + 1), "borrowed": bool(thin[ri, gi])}
        for ri, code in enumerate(regions) for gi, group in enumerate(groups)
    ])  # fmt: skip
    shrinkage = _shrinkage_table(own, gap, corr_rows, regions, groups, national, data)
    pooled = pd.DataFrame(
        [
            (series, g, *row)
            for series, fam in (("share_90", own), ("gap", gap))
            for g, f in zip(groups, fam)
            for row in f.pooled
        ]
        + [("share_90", "both", *corr_pool)],
        columns=["series", "group", "parameter", "pooled", "between_region_sd", "regions"],
    )
    for note in notes:
        warnings.warn(note, HistoryWarning, stacklevel=2)
    diagnostics = {
        "rows_after_until_ignored": ignored,
        "rows_before_national_factor_dropped": dropped,
        "between_region_corr": dict(zip(groups, _between_region_corr(national, region))),
        "residual_corr_between_regions": [_residual_corr(f.innovations) for f in own],
    }
    state = State(until, l90[..., -1], l90[..., -1] - l60[..., -1])
    return Fit(
        until, baseline_year, regions, groups, national, region, gaps, group_corr, national_group_corr, thin, data,
        shrinkage, pooled, (month_name(int(t_all[0])), until), state, diagnostics, tuple(notes), source, panel.sha256,
    )  # fmt: skip


def _arrays(frame: pd.DataFrame, regions, groups, start: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logits of share_90 and share_60 (R, G, T), NaN where no row, and the presence mask."""
    l90, l60 = np.full((len(regions), len(groups), n), np.nan), np.full((len(regions), len(groups), n), np.nan)
    r = frame["region"].map({c: i for i, c in enumerate(regions)}).to_numpy()
    g = frame["group"].map({c: i for i, c in enumerate(groups)}).to_numpy()
    t = frame["month"].map(month_index).to_numpy() - start
    l90[r, g, t] = logit(frame["share_90"].to_numpy(dtype=float))
    l60[r, g, t] = logit(frame["share_60"].to_numpy(dtype=float))
    return l90, l60, ~np.isnan(l90)


def _national_factor(l90: np.ndarray, present: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Equally weighted mean logit per group and month; with regions that start later, a two-way
    fixed-effects mean (each region's average offset removed, offsets averaging 0)."""
    offset = np.zeros(l90.shape[:2])
    for _ in range(iterations):
        national = np.nanmean(l90 - offset[..., None], axis=0)
        new = np.nanmean(l90 - national[None], axis=-1)
        new -= new.mean(axis=0)
        if np.allclose(new, offset, atol=1e-12):
            break
        offset = new
    return national


def _national_params(fits) -> Params:
    beta = np.array([g.beta for g, _, _ in fits])
    cov = np.array([g.unscaled_cov * g.sigma2 for g, _, _ in fits])
    season_cov = np.array([_season_cov(c) for c in cov])
    return Params(
        level=beta[:, 0], season=season_of(beta), trend=beta[:, 12], ar1=np.array([phi for _, phi, _ in fits]),
        sd=np.sqrt([g.sigma2 for g, _, _ in fits]), level_se=np.sqrt(cov[:, 0, 0]), trend_se=np.sqrt(cov[:, 12, 12]),
        level_trend_corr=cov[:, 0, 12] / np.sqrt(cov[:, 0, 0] * cov[:, 12, 12]),
        season_se=np.sqrt(np.einsum("sii->si", season_cov).mean(axis=1)), ar1_se=np.array([se for _, _, se in fits]),
    )  # fmt: skip


def _stack(per_group: list[Params], national: Params | None = None) -> Params:
    """Per-group parameters of R regions stacked to (R, G); with ``national``, levels, seasons and
    trends made absolute (national plus the region's own)."""
    out = {k: np.stack([getattr(p, k) for p in per_group], axis=1) for k in Params.__dataclass_fields__}
    if national is not None:
        for k in ("level", "season", "trend"):
            out[k] = out[k] + getattr(national, k)[None]
    return Params(**out)


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


def _between_region_corr(national: Params, region: Params) -> list[float]:
    """Implied correlation of two regions' monthly deviations, per group: the national factor's
    stationary variance over the total (factor plus a typical region's own)."""
    nat = national.stationary_sd**2
    own = np.mean(region.stationary_sd**2, axis=0)
    return [float(v) for v in nat / (nat + own)]


def _residual_corr(innovations: list) -> float:
    """Mean correlation between two regions' innovations of their own part over their common
    months (about -1/(R-1) when the national factor takes up everything regions share)."""
    series = [s for s in innovations if s is not None]
    common = np.arange(max(t[0] for t, _ in series), min(t[-1] for t, _ in series) + 1)
    mat = np.array([e[np.isin(t, common)] for t, e in series])
    c = np.corrcoef(mat)
    return float(c[~np.eye(len(c), dtype=bool)].mean())
