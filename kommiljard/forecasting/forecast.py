"""Predictive distribution of every region's share_90 and share_60 in future months, from a fit.

The fitted model (:mod:`kommiljard.forecasting.fit`) makes every region's logits, in every month,
one joint Gaussian: for region r, group g and month t,

    L(share_90) = N_g(t) + D_rg(t) + f_g(t) + u_rg(t) (+ R_rg(t))      gap = G_rg(t) + v_rg(t)
    L(share_60) = L(share_90) - max(gap, 0)

where N, D and G are the fitted means (level + season + trend) of the national factor, the region's
own part and its gap, and f, u, v their AR(1) deviations, stationary: ``cov(e_t, e'_s) = c s s' phi'^(s - t)
/ (1 - phi phi')`` for s >= t, with c the correlation of the two series' innovations (the national
factor's between its groups; the regions' own between any two of them, as fitted and Ledoit-Wolf shrunk;
none for the gaps). The fitted means are uncertain too: each adds the covariance of its estimation error
(from ``level_se``, ``trend_se``, ``level_trend_corr`` and ``season_se``, seasonal errors independent
between calendar months), the national factor's shared by every region.

R is the scheme's response, an assumption: ``response_pp[month][group]`` moves the median share_90 of
that month by that many pp (the logit shifted accordingly) and each region responds unequally around it,
its own draw the same in every response month of a group: ``response_sd_pp`` added, and ``response_cv``
times the month's response. A month with a response that is already observed (standing in October,
September is known) tells how that region responds: the Gaussian conditioning below takes it in, so each
region's response is partially pooled, between the assumed common one and what its own months show.

The forecast conditions this Gaussian on the months known: the fit's last :data:`WINDOW` months (or those
of a given, newer history) and every month of that history after the fit's ``until``, leaving out any
cell that is suppressed or missing (a region whose last month is missing starts from its month before).
Observed shares are rounded to one decimal, so each carries that rounding as a little noise. What is
left is the joint Gaussian of the months asked for; drawn shares are rounded to one decimal, as
published. Intervals of share_60 treat ``max(gap, 0)`` as the gap (the gap is many SDs above 0 in
practice); draws apply it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.linalg import cho_factor, cho_solve
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from ..errors import InputError
from ..inputs.panel import Panel, shift_month
from ..inputs.regions import region_table
from .fit import STATE_MONTHS, Fit, Params, State, expit_pct, logit, month_index, month_name
from .histories import as_history, group_word, say

WINDOW = STATE_MONTHS  # months up to the fit's until a forecast conditions on (AR(1): the last observed one matters)
_HERMITE = np.polynomial.hermite_e.hermegauss(24)
_ROUNDING_SD_PP = 0.1 / np.sqrt(12)  # a share published to one decimal: its rounding error's SD


@dataclass(frozen=True)
class Forecast:
    """The joint Gaussian (logit scale) of share_90 and the gap in ``months`` for every region and group.

    Arrays run (month, group, region), as the sweep's trajectory model orders its variables; ``cov``
    (2V, 2V) is over share_90's logits in that order, then the gaps' (V = months x groups x regions).
    """

    months: tuple[str, ...]
    groups: tuple[str, ...]
    regions: tuple[str, ...]
    as_of: str  # the last month known
    mean_90: np.ndarray  # (K, G, R)
    mean_gap: np.ndarray  # (K, G, R)
    cov: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.mean_90.shape

    @cached_property
    def sd_90(self) -> np.ndarray:
        """SD of L(share_90) (K, G, R)."""
        n = int(np.prod(self.shape))
        return np.sqrt(np.diag(self.cov)[:n]).reshape(self.shape)

    @cached_property
    def sd_gap(self) -> np.ndarray:
        n = int(np.prod(self.shape))
        return np.sqrt(np.diag(self.cov)[n:]).reshape(self.shape)

    def mean_vector(self) -> np.ndarray:
        """Means (2V,) in :meth:`covariance`'s order: share_90 logits (month, group, region), then gaps."""
        return np.concatenate([self.mean_90.ravel(), self.mean_gap.ravel()])

    def covariance(self) -> np.ndarray:
        """Dense covariance (2V, 2V): share_90 logits (month, group, region), then gaps likewise."""
        return self.cov

    def draw(self, n: int, seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of share_90 and share_60 (n, K, G, R), rounded to one decimal."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        z = rng.standard_normal((n, len(self.cov))) @ factor(self.cov).T + self.mean_vector()
        l90, lgap = (z[:, : z.shape[1] // 2].reshape(n, *self.shape), z[:, z.shape[1] // 2 :].reshape(n, *self.shape))
        s90 = _rounded(l90)
        return s90, np.minimum(_rounded(l90 - np.maximum(lgap, 0.0)), s90)

    def intervals(self, levels: Sequence[float] = (0.5, 0.9)) -> pd.DataFrame:
        """One row per region, month, group and measure: mean, median and central intervals in percent."""
        sd60 = np.hypot(self.sd_90, self.sd_gap)
        frames = []
        for measure, mean, sd in (
            ("share_90", self.mean_90, self.sd_90),
            ("share_60", self.mean_90 - self.mean_gap, sd60),
        ):
            k, g, r = np.indices(self.shape).reshape(3, -1)
            cols = {
                "region": np.array(self.regions)[r],
                "month": np.array(self.months)[k],
                "group": np.array(self.groups)[g],
                "measure": measure,
                "mean": _mean_share(mean, sd).ravel(),
                "median": expit_pct(mean).ravel(),
            }
            for level in levels:
                z = norm.ppf(0.5 + level / 2)
                tag = f"{round(level * 100):d}"
                cols[f"lo{tag}"] = expit_pct(mean - z * sd).ravel()
                cols[f"hi{tag}"] = expit_pct(mean + z * sd).ravel()
            frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True).sort_values(
            ["region", "month", "group", "measure"], ignore_index=True
        )


def forecast(
    fit: Fit,
    months: Sequence[str],
    history: Panel | pd.DataFrame | str | Path | None = None,
    response_pp: Mapping[str, Mapping[str, float]] | None = None,
    response_sd_pp: float = 0.0,
    response_cv: float = 0.0,
) -> Forecast:
    """The predictive distribution of every region's shares in ``months`` (see the module docstring).

    Conditions on the fit's last months, or on those of ``history`` from the fit's window to its last
    month (which must not be before the fit's ``until``); ``months`` must come after that.
    """
    if history is None and fit.state is None:
        raise InputError(say("refuse.no_state"))
    known = fit.state if history is None else known_months(history, fit)
    months = tuple(sorted(set(months)))
    if early := [m for m in months if m <= known.months[-1]]:
        raise InputError(say("refuse.months_not_after", early=", ".join(early), last=known.months[-1]))
    joint = Joint(
        fit, tuple(known.months) + months, response_pp or {}, response_sd_pp, response_cv, month_index(known.months[-1])
    )
    with threadpool_limits(1):  # small matrices: one BLAS thread is fastest and spins no idle CPUs
        return _conditioned(joint, known, months)


def _conditioned(joint: Joint, known: State, months: tuple[str, ...]) -> Forecast:
    """The forecast of ``months``: the joint Gaussian given the ``known`` months."""
    fit = joint.fit
    values = (np.concatenate([known.l90, np.full((*known.l90.shape[:2], len(months)), np.nan)], axis=-1),
              np.concatenate([known.gap, np.full((*known.gap.shape[:2], len(months)), np.nan)], axis=-1))  # fmt: skip
    drawn = np.arange(len(known.months), len(joint.months))
    (m90, c90), (mgap, cgap) = (joint.conditional(kind, values[i], drawn) for i, kind in enumerate(("90", "gap")))
    cov = np.zeros((2 * len(m90), 2 * len(m90)))
    cov[: len(m90), : len(m90)], cov[len(m90) :, len(m90) :] = c90, cgap
    shape = (len(months), len(fit.groups), len(fit.regions))
    return Forecast(months, fit.groups, fit.regions, known.months[-1], m90.reshape(shape), mgap.reshape(shape), cov)


def known_months(history: Panel | pd.DataFrame | str | Path, fit: Fit) -> State:
    """The months of ``history`` a forecast conditions on: the fit's window up to its ``until``, and every later
    month to the history's last (logits, NaN where a cell is suppressed or missing)."""
    panel = as_history(history, list(fit.groups)).panel
    frame = panel.frame[panel.frame["group"].isin(fit.groups)]
    last = str(frame["month"].max())
    first = shift_month(fit.until, 1 - WINDOW)
    if last < fit.until:
        raise InputError(say("refuse.history_before_until", source=panel.source, last=last, until=fit.until))
    if str(frame["month"].min()) > fit.until:
        raise InputError(say("refuse.observed_after_until", source=panel.source, first=str(frame["month"].min()),
                             until=fit.until, start=first))  # fmt: skip
    months = tuple(month_name(i) for i in range(month_index(first), month_index(last) + 1))
    frame = frame[frame["month"].isin(months)]
    shape = (len(fit.regions), len(fit.groups), len(months))
    l90, l60 = np.full(shape, np.nan), np.full(shape, np.nan)
    r = frame["region"].map({c: i for i, c in enumerate(fit.regions)}).to_numpy()
    g = frame["group"].map({c: i for i, c in enumerate(fit.groups)}).to_numpy()
    k = frame["month"].map({m: i for i, m in enumerate(months)}).to_numpy()
    l90[r, g, k] = logit(frame["share_90"].to_numpy(float))
    l60[r, g, k] = logit(frame["share_60"].to_numpy(float))
    return State(months, l90, l90 - l60)


@dataclass(frozen=True)
class Joint:
    """The fitted model's Gaussian over ``months`` for every region and group: share_90's logits and the gaps,
    variables in (month, group, region) order (see the module docstring)."""

    fit: Fit
    months: tuple[str, ...]
    response_pp: Mapping[str, Mapping[str, float]]
    response_sd_pp: float
    response_cv: float
    t_known: int  # the last month known (index): level breaks may come after it

    @cached_property
    def t(self) -> np.ndarray:
        return np.array([month_index(m) for m in self.months])

    @cached_property
    def index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Month, group and region of every variable (month, group, region order)."""
        k, g, r = np.indices((len(self.months), len(self.fit.groups), len(self.fit.regions))).reshape(3, -1)
        return k, g, r

    def mean(self, kind: str) -> np.ndarray:
        fit, (k, g, r) = self.fit, self.index
        if kind == "gap":
            return fit.gap.mean(self.t, fit.t0)[r, g, k]
        base = fit.region.mean(self.t, fit.t0)  # (R, G, K) absolute: national plus own
        return (base + self.response[0])[r, g, k]

    @cached_property
    def response(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The response's logit shift (R, G, K) and each region's own response SDs: added, proportional."""
        fit = self.fit
        pp = np.zeros((len(fit.regions), len(fit.groups), len(self.months)))
        for month, by_group in self.response_pp.items():
            if month not in self.months:
                continue
            for group, value in by_group.items():
                if group not in fit.groups:
                    raise InputError(
                        say("refuse.response_group", month=month, group=group, groups=", ".join(map(repr, fit.groups)))
                    )
                pp[:, fit.groups.index(group), self.months.index(month)] = value
        centre = fit.region.mean(self.t, fit.t0)
        shifted = np.clip(expit_pct(centre) + pp, 0.05, 99.95)
        shift = np.where(pp != 0, logit(shifted) - centre, 0.0)
        slope = shifted * (100.0 - shifted) / 100.0
        return shift, np.where(pp != 0, self.response_sd_pp / slope, 0.0), np.abs(self.response_cv * pp) / slope

    def covariance(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The prior covariance of the share_90 logits (``kind`` "90") or of the gaps ("gap"): of the deviations
        from the fitted means, and of the fitted means' estimation error (apart: see :meth:`conditional`)."""
        fit, (k, g, r) = self.fit, self.index
        t = self.t[k]
        if kind == "gap":
            p = fit.gap
            same = (r[:, None] == r[None, :]) & (g[:, None] == g[None, :])
            return same * _stationary(p.ar1[r, g], p.sd[r, g], t), same * _mean_error(p, (r, g), t, fit.t0)
        nat, own = fit.national, fit.region
        same_month = (t[:, None] % 12) == (t[None, :] % 12)
        same_group = g[:, None] == g[None, :]
        national_corr = np.where(same_group, 1.0, fit.national_group_corr)
        years = np.abs(t[:, None] - t[None, :]) // 12
        change, rho = nat.get("season_change_sd")[g], nat.get("season_change_rho")[g]
        cov = national_corr * _stationary(nat.ar1[g], nat.sd[g], t)
        cov += same_group * same_month * np.outer(change, change) * rho[:, None] ** years
        q = r * len(fit.groups) + g
        corr = fit.own_corr if fit.own_corr is not None else _within_region(fit)
        same = q[:, None] == q[None, :]
        change, rho = own.get("season_change_sd")[r, g], own.get("season_change_rho")[r, g]
        cov += corr[q[:, None], q[None, :]] * _stationary(own.ar1[r, g], own.sd[r, g], t)
        cov += same * same_month * np.outer(change, change) * rho[:, None] ** years
        if fit.break_rate is not None:  # a level break may come in the months ahead: a random walk from the last month
            ahead = np.maximum(t - self.t_known, 0)
            risk = np.sqrt(fit.break_rate[g]) * fit.break_sd[g]
            cov += same * np.outer(risk, risk) * np.minimum.outer(ahead, ahead)
        _, added, proportional = self.response
        a, b = added[r, g, k], proportional[r, g, k]
        cov += same * (np.outer(a, a) + np.outer(b, b))
        return cov, same_group * _mean_error(nat, (g,), t, fit.t0) + same * _mean_error(own, (r, g), t, fit.t0)

    def conditional(self, kind: str, values: np.ndarray, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of the variables in months ``drawn`` (indexes into :attr:`months`) given every
        observed value (``values`` (R, G, K), NaN where not observed) of the other months.

        The deviations are conditioned on what is observed (gain K); the fitted means were estimated from those
        same months, so their error is not learnt from them again but carried through: the months drawn get
        ``x_f - K x_o`` of it, covariance ``[I, -K] M [I, -K]'`` (for one AR(1) series and its last month,
        ``x(T+h) - phi^h x(T)``).
        """
        k, g, r = self.index
        mean, (cov, error) = self.mean(kind), self.covariance(kind)
        y = values[r, g, k]
        want = np.isin(k, drawn)
        seen = ~want & ~np.isnan(y)
        x, o = np.flatnonzero(want), np.flatnonzero(seen)
        if not len(o):
            return mean[x], cov[np.ix_(x, x)] + error[np.ix_(x, x)]
        share = expit_pct(y[o])
        noise = (_ROUNDING_SD_PP / np.maximum(share * (100 - share) / 100, 0.05)) ** 2
        s_oo = cov[np.ix_(o, o)] + np.diag(noise * (1 if kind == "90" else 2))
        gain = cho_solve(cho_factor(s_oo), cov[np.ix_(o, x)]).T
        cond = cov[np.ix_(x, x)] - gain @ cov[np.ix_(o, x)]
        carried = error[np.ix_(x, x)] - gain @ error[np.ix_(o, x)]
        carried += -error[np.ix_(x, o)] @ gain.T + gain @ error[np.ix_(o, o)] @ gain.T
        cond = cond + carried
        return mean[x] + gain @ (y[o] - mean[o]), (cond + cond.T) / 2


def _stationary(phi: np.ndarray, sd: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The stationary cross-covariance of AR(1) series per variable (phi, innovation sd, month; innovation
    correlation 1): ``s s' phi'^(t' - t) / (1 - phi phi')`` for t' >= t (phi^(t - t') otherwise)."""
    lag = t[None, :] - t[:, None]
    decay = np.where(lag >= 0, phi[None, :], phi[:, None]) ** np.abs(lag)
    return np.outer(sd, sd) * decay / (1.0 - np.outer(phi, phi))


def _mean_error(p: Params, at: tuple, t: np.ndarray, t0: float) -> np.ndarray:
    """The covariance of the error of a series' fitted mean in months t: ``se_l^2 + se_t^2 tau tau' +
    rho se_l se_t (tau + tau') + se_s^2 [same calendar month]``, for the series ``at`` indexes (per variable);
    the caller keeps it to pairs of the same series."""
    tau = (t - t0) / 12.0
    se_l, se_t, rho, se_s = (getattr(p, name)[at] for name in ("level_se", "trend_se", "level_trend_corr", "season_se"))
    trend = se_t * tau
    same_month = (t[:, None] % 12) == (t[None, :] % 12)
    return (np.outer(se_l, se_l) + np.outer(trend, trend) + np.outer(rho * se_l, trend) + np.outer(trend, rho * se_l)
            + same_month * np.outer(se_s, se_s))  # fmt: skip


def _within_region(fit: Fit) -> np.ndarray:
    """The own innovations' correlation when only each region's two groups are correlated."""
    n_r, n_g = len(fit.regions), len(fit.groups)
    corr = np.eye(n_r * n_g)
    if n_g == 2:
        for ri, c in enumerate(fit.group_corr):
            corr[2 * ri, 2 * ri + 1] = corr[2 * ri + 1, 2 * ri] = c
    return corr


def factor(cov: np.ndarray) -> np.ndarray:
    """A matrix F with F F' = cov (Cholesky; eigenvalues for a degenerate one)."""
    sym = (cov + cov.T) / 2
    try:
        return np.linalg.cholesky(sym + 1e-12 * np.eye(len(sym)))
    except np.linalg.LinAlgError:
        lam, vec = np.linalg.eigh(sym)
        return vec * np.sqrt(np.clip(lam, 0.0, None))[None, :]


def _rounded(logits: np.ndarray) -> np.ndarray:
    return np.rint(1000.0 / (1.0 + np.exp(-logits))) / 10.0


def _mean_share(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """E[expit(mean + sd Z)] in percent (Gauss-Hermite)."""
    x, w = _HERMITE
    return (expit_pct(mean[..., None] + sd[..., None] * x) * (w / w.sum())).sum(axis=-1)


def naive_forecast(
    history: Panel | pd.DataFrame | str | Path, months: Sequence[str], as_of: str | None = None
) -> pd.DataFrame:
    """This year's share = the same month a year earlier + the national trend, per region and group.

    The national trend of a share is the mean, over the 12 months up to ``as_of`` (default:
    the history's last month; of them, those the history has a year earlier), of the
    population-weighted national share's change from a year earlier. Rows: region, month, group,
    share_90, share_60 (clipped to 0-100).
    """
    panel = as_history(history).panel
    frame = panel.frame.dropna(subset=["share_90", "share_60"])  # a suppressed cell says nothing here
    as_of = as_of or str(frame["month"].max())
    frame = frame[frame["month"] <= as_of]
    if late := [m for m in months if month_index(m) - 12 > month_index(as_of)]:
        raise InputError(say("refuse.naive_too_late", late=", ".join(late), as_of=as_of))
    weights = region_table().set_index("region")["population"].astype(float)
    w = frame["region"].map(weights)
    national = (frame[["share_90", "share_60"]].mul(w, axis=0).groupby([frame["month"], frame["group"]]).sum()
                .div(w.groupby([frame["month"], frame["group"]]).sum(), axis=0))  # fmt: skip
    recent = [shift_month(as_of, -i) for i in range(12)]
    change = {}
    for group in frame["group"].unique():
        now = national.xs(group, level="group")
        pairs = [m for m in recent if m in now.index and shift_month(m, -12) in now.index]
        if not pairs:
            raise InputError(say("refuse.naive_no_pairs", source=panel.source, as_of=as_of, group=group_word(group)))
        change[group] = np.mean([now.loc[m] - now.loc[shift_month(m, -12)] for m in pairs], axis=0)
    before = frame.assign(month=frame["month"].map(lambda m: shift_month(m, 12)))
    out = before[before["month"].isin(list(months))].reset_index(drop=True)
    if missing := sorted(set(months) - set(out["month"])):
        raise InputError(say("refuse.naive_no_year", source=panel.source, missing=", ".join(missing)))
    shift = pd.DataFrame(change).T.loc[out["group"]].to_numpy()  # (rows, 2): share_90, share_60
    out["share_90"] = np.clip(out["share_90"].to_numpy() + shift[:, 0], 0.0, 100.0)
    out["share_60"] = np.minimum(np.clip(out["share_60"].to_numpy() + shift[:, 1], 0.0, 100.0), out["share_90"])
    return out[["region", "month", "group", "share_90", "share_60"]].sort_values(
        ["region", "month", "group"], ignore_index=True
    )
