"""Linear regression with AR(1) errors: REML estimate of the autocorrelation, GLS, forecast covariances.

For one monthly series ``y`` (T,) with design ``X`` (T, p):

    y_t = x_t' b + e_t,    e_t = phi e_(t-1) + eps_t,    eps_t ~ N(0, sigma^2) independent,  e stationary.

The Prais-Winsten transform P (row 1: ``sqrt(1 - phi^2) y_1``; row t: ``y_t - phi y_(t-1)``)
whitens e, so for a given phi the GLS estimate of b is least squares on ``(P X, P y)``,
with covariance ``sigma^2 (X*' X*)^-1`` and ``sigma^2 = RSS* / (T - p)``. phi is the
restricted (residual) maximum likelihood estimate,

    l(phi) = 1/2 log(1 - phi^2) - 1/2 log|X*' X*| - (T - p)/2 log RSS*(phi),

maximised on a grid and refined by a parabola through the best three points; the curvature
there gives phi's standard error. Unlike the lag-1 correlation of least-squares residuals,
REML allows for the p degrees of freedom the regression uses, which in 2-5 years of
monthly data with 14 regressors would otherwise bias phi down by about 0.1.

Months may be missing (a suppressed cell): for observed months ``t_1 < t_2 < ...`` a step of
``d = t_i - t_(i-1)`` months has ``e_(t_i) = phi^d e_(t_(i-1)) + eta`` with
``var(eta) = sigma^2 (1 - phi^(2d)) / (1 - phi^2)``, so row i of the transform is
``(y_i - phi^d y_(i-1)) / sqrt((1 - phi^(2d)) / (1 - phi^2))``, and the log-likelihood gains
``-sum log sqrt((1 - phi^(2d)) / (1 - phi^2))`` (0 when no month is missing). GLS is then exact
with the months that are there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PHI_GRID = np.round(np.arange(-0.6, 0.981, 0.01), 2)
PHI_BOUNDS = (-0.9, 0.98)


def _steps(phi: np.ndarray, months: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """phi^d and the innovation SD ratio sqrt((1 - phi^(2d)) / (1 - phi^2)) of each step, (..., n - 1)."""
    d = np.ones(n - 1) if months is None else np.diff(np.asarray(months)).astype(np.float64)
    p = phi[..., None]
    if months is None or np.all(d == 1):
        return np.broadcast_to(p, phi.shape + (n - 1,)), np.ones(phi.shape + (n - 1,))
    return p**d, np.sqrt((1.0 - p ** (2.0 * d)) / (1.0 - p**2))


def prais_winsten(a: np.ndarray, phi: np.ndarray | float, months: np.ndarray | None = None) -> np.ndarray:
    """``P(phi) a`` along axis 0 of ``a`` (T, ...) observed in ``months`` (default: consecutive); an array of
    phi adds a leading axis."""
    phi = np.asarray(phi, dtype=np.float64)
    lag, scale = _steps(phi, months, a.shape[0])
    shape = phi.shape + (a.shape[0] - 1,) + (1,) * (a.ndim - 1)
    lag, scale = lag.reshape(shape), scale.reshape(shape)
    p = phi.reshape(phi.shape + (1,) * a.ndim)
    if months is None or np.all(np.diff(months) == 1):
        return np.concatenate([np.sqrt(1.0 - p**2) * a[:1], a[1:] - p * a[:-1]], axis=phi.ndim)
    return np.concatenate([np.sqrt(1.0 - p**2) * a[:1], (a[1:] - lag * a[:-1]) / scale], axis=phi.ndim)


def reml_ar1(y: np.ndarray, x: np.ndarray, months: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """REML estimates of phi and their standard errors for series ``y`` (T,) or (T, S) that share
    the design ``x`` (T, p) and the observed ``months`` (see the module docstring); scalars for one series."""
    single = y.ndim == 1
    y = y[:, None] if single else y
    t, p = x.shape
    xs = prais_winsten(x, PHI_GRID, months)  # (K, T, p)
    ys = prais_winsten(y, PHI_GRID, months)  # (K, T, S)
    a = np.matmul(xs.transpose(0, 2, 1), xs)
    b = np.matmul(xs.transpose(0, 2, 1), ys)  # (K, p, S)
    beta = np.linalg.solve(a, b)
    rss = (ys**2).sum(axis=1) - (b * beta).sum(axis=1)  # (K, S)
    jacobian = 0.5 * np.log(1.0 - PHI_GRID**2) - np.log(_steps(PHI_GRID, months, t)[1]).sum(axis=-1)
    loglik = (jacobian - 0.5 * np.linalg.slogdet(a)[1])[:, None] - 0.5 * (t - p) * np.log(np.maximum(rss, 1e-300))
    k = np.argmax(loglik, axis=0)
    step = PHI_GRID[1] - PHI_GRID[0]
    inner = np.clip(k, 1, len(PHI_GRID) - 2)
    cols = np.arange(y.shape[1])
    lo, mid, hi = loglik[inner - 1, cols], loglik[inner, cols], loglik[inner + 1, cols]
    curv = hi - 2.0 * mid + lo
    ok = (k == inner) & (curv < 0)
    safe = np.where(ok, curv, -1.0)
    phi = np.where(ok, PHI_GRID[inner] + step * 0.5 * (lo - hi) / safe, PHI_GRID[k])
    se = np.where(ok, step / np.sqrt(-safe), np.sqrt((1.0 - PHI_GRID[k] ** 2) / max(t - p, 1)))
    phi = np.clip(phi, *PHI_BOUNDS)
    return (float(phi[0]), float(se[0])) if single else (phi, se)


@dataclass(frozen=True)
class Gls:
    """GLS at a given phi: coefficients, their unscaled covariance, residuals and innovations."""

    beta: np.ndarray  # (p,)
    unscaled_cov: np.ndarray  # (X*' X*)^-1; times sigma^2 it is the covariance of beta
    sigma2: float  # RSS* / (T - p)
    residuals: np.ndarray  # y - X beta (T,)
    innovations: np.ndarray  # P (y - X beta) (T,): independent N(0, sigma^2) under the model
    dof: int  # T - p


def gls(y: np.ndarray, x: np.ndarray, phi: float, months: np.ndarray | None = None) -> Gls:
    """Least squares on the Prais-Winsten transformed series observed in ``months`` (see the module docstring)."""
    xs, ys = prais_winsten(x, phi, months), prais_winsten(y, phi, months)
    unscaled = np.linalg.inv(xs.T @ xs)
    beta = unscaled @ (xs.T @ ys)
    resid = y - x @ beta
    innov = prais_winsten(resid, phi, months)
    dof = max(len(y) - x.shape[1], 1)
    return Gls(beta, unscaled, float(innov @ innov / dof), resid, innov, dof)


def ar1_cov(phi_a, phi_b, h_a: np.ndarray, h_b: np.ndarray) -> np.ndarray:
    """Covariance of two AR(1) forecast errors per unit innovation covariance.

    For ``e_a`` at horizons ``h_a`` (K,) and ``e_b`` at ``h_b`` (L,) after the last observed
    month (horizon 1 = the next month), driven by innovations with covariance 1 at equal
    times: ``sum_{j=1..min(h, k)} phi_a^(h-j) phi_b^(k-j)``. ``phi_a`` and ``phi_b`` may be
    arrays of one shape S; the result is (S..., K, L).
    """
    pa = np.asarray(phi_a, dtype=np.float64)[..., None, None]
    pb = np.asarray(phi_b, dtype=np.float64)[..., None, None]
    h = np.asarray(h_a)[:, None]
    k = np.asarray(h_b)[None, :]
    m = np.minimum(h, k)
    prod = pa * pb
    geometric = np.where(
        np.abs(1.0 - prod) > 1e-12, (1.0 - prod**m) / np.where(np.abs(1.0 - prod) > 1e-12, 1.0 - prod, 1.0), m
    )
    return pa ** (h - m) * pb ** (k - m) * geometric
