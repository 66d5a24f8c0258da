"""Predictive distribution of every region's share_90 and share_60 in future months, from a fit.

From the fitted parameters (:mod:`kommiljard.forecasting.fit`) and the history's last month T
(the fit's ``until``, or a later month of a newer history), for a month t = T + h:

    L(share_90) = N(t) + phi_N^h f_T + D_r(t) + phi_r^h u_T + error
    gap         = G_r(t) + phi_v^h v_T + error,       L(share_60) = L(share_90) - max(gap, 0)

where N, D and G are the fitted means (level + season + trend) of the national factor, the
region's own part and its gap, and f_T, u_T, v_T their deviations in month T (an AR(1)
deviation decays by phi each month). The error is Gaussian, the sum of

- the innovations still to come: ``cov(e_(T+h), e'_(T+k)) = rho s s' sum_(j=1..min(h,k)) phi^(h-j) phi'^(k-j)``,
  for the national factor (shared by all regions; groups correlated by ``national_group_corr``),
  each region's own part (groups correlated by its ``group_corr``; independent between
  regions) and each gap (independent);
- the estimation error of each mean, ``a_h' V a_k`` with ``a_h = x(T+h) - phi^h x(T)`` (level
  ``1 - phi^h``, trend ``tau(T+h) - phi^h tau(T)``, season: the month's coefficient minus
  phi^h that of month T), from ``level_se``, ``trend_se``, ``level_trend_corr`` and
  ``season_se`` (seasonal errors taken as independent between months);
- an assumed scheme response: ``response_pp[month][group]`` moves the median share_90 of
  that month by that many pp (the logit is shifted accordingly); ``response_sd_pp`` adds a
  region's own response, the same in every response month, independent between regions
  and groups.

Shares are rounded to one decimal, as published. Intervals of share_60 treat ``max(gap, 0)``
as the gap (the gap is many SDs above 0 in practice); draws apply it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import InputError
from ..inputs.panel import Panel, as_panel, shift_month
from ..inputs.regions import region_table
from .ar1 import ar1_cov
from .fit import Fit, Params, State, expit_pct, history_state, logit, month_index

_JITTER = 1e-12
_HERMITE = np.polynomial.hermite_e.hermegauss(24)


@dataclass(frozen=True)
class Forecast:
    """The joint Gaussian (logit scale) of share_90 and the gap in ``months`` for every region and group.

    Arrays run (month, group, region), as the sweep's trajectory model orders its variables.
    ``national_cov`` (K*G, K*G) is shared by all regions, ``own_cov`` (R, K*G, K*G) is each
    region's (index k * G + g); ``gap_cov`` (R, G, K, K).
    """

    months: tuple[str, ...]
    groups: tuple[str, ...]
    regions: tuple[str, ...]
    as_of: str
    mean_90: np.ndarray  # (K, G, R)
    mean_gap: np.ndarray  # (K, G, R)
    national_cov: np.ndarray
    own_cov: np.ndarray
    gap_cov: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.mean_90.shape

    @cached_property
    def sd_90(self) -> np.ndarray:
        """SD of L(share_90) (K, G, R)."""
        k, g, r = self.shape
        var = np.diag(self.national_cov).reshape(k, g)[..., None] + np.einsum("rii->ri", self.own_cov).T.reshape(
            k, g, r
        )
        return np.sqrt(var)

    @cached_property
    def sd_gap(self) -> np.ndarray:
        return np.sqrt(np.einsum("rgkk->kgr", self.gap_cov))

    def mean_vector(self) -> np.ndarray:
        """Means (V,) in :meth:`covariance`'s order: share_90 logits (month, group, region), then gaps."""
        return np.concatenate([self.mean_90.ravel(), self.mean_gap.ravel()])

    def covariance(self) -> np.ndarray:
        """Dense covariance (V, V): share_90 logits (month, group, region), then gaps likewise."""
        k, g, r = self.shape
        c90 = np.zeros((k, g, r, k, g, r))
        c90 += self.national_cov.reshape(k, g, 1, k, g, 1)
        own = self.own_cov.reshape(r, k, g, k, g)
        idx = np.arange(r)
        c90[:, :, idx, :, :, idx] += own  # advanced indexes first: (R, K, G, K, G)
        cgap = np.zeros((k, g, r, k, g, r))
        gi = np.arange(g)
        cgap[:, gi[:, None], idx[None, :], :, gi[:, None], idx[None, :]] = np.transpose(self.gap_cov, (1, 0, 2, 3))
        n = k * g * r
        out = np.zeros((2 * n, 2 * n))
        out[:n, :n], out[n:, n:] = c90.reshape(n, n), cgap.reshape(n, n)
        return out

    def draw(self, n: int, seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of share_90 and share_60 (n, K, G, R), rounded to one decimal."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        k, g, r = self.shape
        nat = rng.standard_normal((n, k * g)) @ _factor(self.national_cov).T
        own = np.einsum("rij,nrj->nri", _factor(self.own_cov), rng.standard_normal((n, r, k * g)))
        gap = np.einsum("rgij,nrgj->nrgi", _factor(self.gap_cov), rng.standard_normal((n, r, g, k)))
        l90 = self.mean_90 + nat.reshape(n, k, g, 1) + np.moveaxis(own.reshape(n, r, k, g), 1, -1)
        lgap = self.mean_gap + np.transpose(gap, (0, 3, 2, 1))
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
) -> Forecast:
    """The predictive distribution of every region's shares in ``months`` (see the module docstring).

    Starts from the fit's last month, or from the last month of ``history`` (which must not be
    before the fit's ``until`` and must have every region and group in that month).
    """
    if history is None and fit.state is None:
        raise InputError(
            "a fit read from a scenario file forecasts from the observed history: give it (the panel the fit was "
            "made from, or a newer one; `--observed PANEL`)"
        )
    state = fit.state if history is None else _state_of(history, fit)
    t_last = month_index(state.month)
    months = tuple(sorted(set(months)))
    if early := [m for m in months if month_index(m) <= t_last]:
        raise InputError(
            f"forecast months {', '.join(early)} are not after the last month of the history ({state.month})"
        )
    t = np.array([month_index(m) for m in months])
    h = t - t_last
    t0, regions, groups = fit.t0, fit.regions, fit.groups
    nat, reg, gap = fit.national, fit.region, fit.gap

    # Means: fitted level + season + trend, plus the last deviations decaying by phi per month.
    nat_mean_last = nat.mean(np.array([t_last]), t0)[:, 0]  # (G,)
    n_last = state.l90.mean(axis=0)  # the national factor: equally weighted mean over regions
    f_last = n_last - nat_mean_last
    u_last = state.l90 - n_last - (reg.mean(np.array([t_last]), t0)[..., 0] - nat_mean_last)  # (R, G)
    v_last = state.gap - gap.mean(np.array([t_last]), t0)[..., 0]
    decay_nat = nat.ar1[:, None] ** h  # (G, K)
    decay_own = reg.ar1[..., None] ** h  # (R, G, K)
    mean_90 = reg.mean(t, t0) + (decay_nat * f_last[:, None])[None] + decay_own * u_last[..., None]  # (R, G, K)
    mean_gap = gap.mean(t, t0) + gap.ar1[..., None] ** h * v_last[..., None]

    # Covariances: innovations to come plus parameter error.
    national_cov = _ar_block(nat.ar1, nat.sd, np.array(fit.national_group_corr), h) + _param_block(
        nat, f_last, h, t, t_last, t0
    )
    own_cov = _ar_block(reg.ar1, reg.sd, fit.group_corr, h) + _param_block(reg, u_last, h, t, t_last, t0)
    gap_cov = gap.sd[..., None, None] ** 2 * ar1_cov(gap.ar1, gap.ar1, h, h) + _param_cov(gap, v_last, h, t, t_last, t0)

    if response_pp:
        shift, sd = _response(response_pp, response_sd_pp, months, groups, mean_90)
        mean_90 = mean_90 + shift
        own_cov = own_cov + _response_cov(sd)
    by_month = (2, 1, 0)  # (R, G, K) -> (K, G, R)
    return Forecast(
        months, groups, regions, state.month, np.transpose(mean_90, by_month), np.transpose(mean_gap, by_month),
        national_cov, own_cov, gap_cov,
    )  # fmt: skip


def _state_of(history, fit: Fit) -> State:
    panel = as_panel(history, groups=list(fit.groups))
    last = str(panel.frame["month"].max())
    if month_index(last) < month_index(fit.until):
        raise InputError(
            f"{panel.source}: the history ends {last}, before the fit's until ({fit.until}); "
            "give the history the fit was made from, or a newer one"
        )
    return history_state(panel, last, fit.regions, fit.groups)


def _ar_block(phi: np.ndarray, sd: np.ndarray, corr: np.ndarray, h: np.ndarray) -> np.ndarray:
    """AR(1) forecast-error covariance over (month, group) pairs: (..., K*G, K*G) for phi, sd (..., G)
    and the correlation between the groups' innovations (...)."""
    n_g, n_k = phi.shape[-1], len(h)
    lead = phi.shape[:-1]
    out = np.zeros(lead + (n_k, n_g, n_k, n_g))
    for a in range(n_g):
        for b in range(n_g):
            rho = 1.0 if a == b else corr
            block = (np.asarray(rho) * sd[..., a] * sd[..., b])[..., None, None] * ar1_cov(
                phi[..., a], phi[..., b], h, h
            )
            out[..., :, a, :, b] = block
    return out.reshape(lead + (n_k * n_g, n_k * n_g))


def _param_cov(p: Params, last: np.ndarray, h: np.ndarray, t: np.ndarray, t_last: int, t0: float) -> np.ndarray:
    """Covariance (..., K, K) of the error in a series' fitted mean and in ``phi^h last`` (the
    deviation ``last`` in month T carried on; delta method for phi), carried into the forecast."""
    decay = p.ar1[..., None] ** h  # (..., K)
    d_phi = h * p.ar1[..., None] ** (h - 1) * last[..., None] * p.ar1_se[..., None]
    a_level = 1.0 - decay
    a_trend = (t - t0) / 12.0 - decay * (t_last - t0) / 12.0
    same = (t[:, None] % 12 == t[None, :] % 12).astype(float)  # seasonal coefficients shared by the months
    last_k = (t % 12 == t_last % 12).astype(float)  # forecast months in the same calendar month as T
    # sum_c a[k,c] a[k',c] with a[k,c] = [c(t_k) = c] - decay_k [c(T) = c]
    season = (
        same
        - decay[..., :, None] * last_k[None, :]
        - decay[..., None, :] * last_k[:, None]
        + decay[..., :, None] * decay[..., None, :]
    )
    se_l, se_t, rho, se_s = (x[..., None, None] for x in (p.level_se, p.trend_se, p.level_trend_corr, p.season_se))

    def outer(x, y):
        return x[..., :, None] * y[..., None, :]

    return (se_l**2 * outer(a_level, a_level) + se_t**2 * outer(a_trend, a_trend)
            + rho * se_l * se_t * (outer(a_level, a_trend) + outer(a_trend, a_level)) + se_s**2 * season
            + outer(d_phi, d_phi))  # fmt: skip


def _param_block(p: Params, last, h, t, t_last, t0) -> np.ndarray:
    """:func:`_param_cov` of each group on the diagonal blocks of a (..., K*G, K*G) matrix."""
    cov = _param_cov(p, last, h, t, t_last, t0)  # (..., G, K, K)
    n_g, n_k = cov.shape[-3], cov.shape[-1]
    out = np.zeros(cov.shape[:-3] + (n_k, n_g, n_k, n_g))
    for g in range(n_g):
        out[..., :, g, :, g] = cov[..., g, :, :]
    return out.reshape(cov.shape[:-3] + (n_k * n_g, n_k * n_g))


def _response(response_pp, response_sd_pp, months, groups, mean_90) -> tuple[np.ndarray, np.ndarray]:
    """Logit shift (R, G, K) moving the median share by the response, and the logit SD of a region's own response."""
    pp = np.zeros(mean_90.shape)
    for month, by_group in response_pp.items():
        if month not in months:
            continue
        for group, value in by_group.items():
            if group not in groups:
                raise InputError(f"response_pp[{month!r}]: unknown group {group!r} (groups: {', '.join(groups)})")
            pp[:, groups.index(group), months.index(month)] = value
    median = expit_pct(mean_90)
    shifted = np.clip(median + pp, 0.05, 99.95)
    shift = np.where(pp != 0, logit(shifted) - mean_90, 0.0)
    slope = shifted * (100.0 - shifted) / 100.0
    sd = np.where(pp != 0, response_sd_pp / slope, 0.0)
    return shift, sd


def _response_cov(sd: np.ndarray) -> np.ndarray:
    """A region's own response, the same draw in each response month of a group: (R, K*G, K*G)."""
    r, g, k = sd.shape
    flat = np.transpose(sd, (0, 2, 1)).reshape(r, k * g)  # index k * G + g
    same_group = (np.arange(k * g)[:, None] % g) == (np.arange(k * g)[None, :] % g)
    return flat[:, :, None] * flat[:, None, :] * same_group


def _factor(cov: np.ndarray) -> np.ndarray:
    """A matrix F with F F' = cov (Cholesky; eigenvalues for a degenerate one), batched."""
    n = cov.shape[-1]
    sym = (cov + np.swapaxes(cov, -1, -2)) / 2
    try:
        return np.linalg.cholesky(sym + _JITTER * np.eye(n))
    except np.linalg.LinAlgError:
        lam, vec = np.linalg.eigh(sym)
        return vec * np.sqrt(np.clip(lam, 0.0, None))[..., None, :]


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
    the history's last month), of the population-weighted national share's change from a
    year earlier. Rows: region, month, group, share_90, share_60 (clipped to 0-100).
    """
    panel = as_panel(history)
    frame = panel.frame
    as_of = as_of or str(frame["month"].max())
    frame = frame[frame["month"] <= as_of]
    if late := [m for m in months if month_index(m) - 12 > month_index(as_of)]:
        raise InputError(f"naive forecast: {', '.join(late)} are more than 12 months after {as_of}")
    weights = region_table().set_index("region")["population"].astype(float)
    w = frame["region"].map(weights)
    national = (frame[["share_90", "share_60"]].mul(w, axis=0).groupby([frame["month"], frame["group"]]).sum()
                .div(w.groupby([frame["month"], frame["group"]]).sum(), axis=0))  # fmt: skip
    recent = [shift_month(as_of, -i) for i in range(12)]
    change = {}
    for group in frame["group"].unique():
        now = national.xs(group, level="group")
        try:
            change[group] = np.mean([now.loc[m] - now.loc[shift_month(m, -12)] for m in recent], axis=0)
        except KeyError:
            raise InputError(
                f"{panel.source}: the naive forecast needs the 24 months up to {as_of} of {group}"
            ) from None
    before = frame.assign(month=frame["month"].map(lambda m: shift_month(m, 12)))
    out = before[before["month"].isin(list(months))].reset_index(drop=True)
    if missing := sorted(set(months) - set(out["month"])):
        raise InputError(
            f"{panel.source}: the naive forecast of {', '.join(missing)} needs the same months a year earlier"
        )
    shift = pd.DataFrame(change).T.loc[out["group"]].to_numpy()  # (rows, 2): share_90, share_60
    out["share_90"] = np.clip(out["share_90"].to_numpy() + shift[:, 0], 0.0, 100.0)
    out["share_60"] = np.minimum(np.clip(out["share_60"].to_numpy() + shift[:, 1], 0.0, 100.0), out["share_90"])
    return out[["region", "month", "group", "share_90", "share_60"]].sort_values(
        ["region", "month", "group"], ignore_index=True
    )
