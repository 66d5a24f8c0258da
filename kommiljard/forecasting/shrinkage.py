"""Empirical-Bayes shrinkage of region estimates towards the pooled (national) pattern.

Each region r has an estimate ``b_r`` of a parameter with sampling variance ``v_r`` (its
standard error squared). The regions' true values are taken as draws around a common mean,
``theta_r ~ N(mu, tau^2)``, so that ``b_r ~ N(mu, tau^2 + v_r)``. The between-region
variance tau^2 is the DerSimonian-Laird moment estimate from the data,

    w_r = 1 / v_r,   mu_w = sum w_r b_r / sum w_r,   Q = sum w_r (b_r - mu_w)^2,
    tau^2 = max(0, (Q - (k - 1)) / (sum w_r - sum w_r^2 / sum w_r)),

(k regions; for a parameter with several components, such as the seasonal profile, Q and
the denominator are summed over the components, so they share one tau^2), and mu is the
random-effects mean ``sum b_r / (tau^2 + v_r) / sum 1 / (tau^2 + v_r)``, whose variance
is ``var_mu = 1 / sum 1 / (tau^2 + v_r)``. A region's shrunk estimate is the posterior mean

    theta_r = mu + (1 - B_r) (b_r - mu),   B_r = v_r / (v_r + tau^2),

with variance ``(1 - B_r) v_r + B_r^2 var_mu`` (the second term: the pool is estimated
too). ``B_r`` is the reported *shrinkage*: 0 keeps the region's own estimate, 1 replaces it
by the pooled one. A region whose data are thin (large ``v_r``) moves further towards the
pool. For a vector of coefficients with a full covariance ``V_r`` and a diagonal prior
``T = diag(tau^2)``, the posterior is ``P = (V_r^-1 + T^-1)^-1``,
``theta_r = P (V_r^-1 b_r + T^-1 mu)``, with variance ``P + A diag(var_mu) A'``,
``A = P T^-1``; the shrinkage of coefficient i is ``1 - P_ii / V_ii`` (the univariate B_r
when V_r is diagonal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAU2_FLOOR = 1e-12  # keeps T^-1 finite when the regions do not differ beyond their noise


@dataclass(frozen=True)
class Pooled:
    """The between-region distribution of one parameter: mean ``mu`` and variance ``tau2`` (per component)."""

    mu: np.ndarray
    tau2: np.ndarray
    mu_var: np.ndarray  # sampling variance of mu
    regions: int  # how many regions' estimates it is based on


def dersimonian_laird(est: np.ndarray, var: np.ndarray, shared: bool = False) -> Pooled:
    """Pooled mean and between-region variance of ``est`` (k, c) with sampling variances ``var`` (k, c).

    Rows are regions; with ``shared`` the c components share one tau^2 (see the module docstring).
    """
    est, var = np.atleast_2d(np.asarray(est, float).T).T, np.atleast_2d(np.asarray(var, float).T).T
    k = est.shape[0]
    w = 1.0 / var
    s1, s2 = w.sum(axis=0), (w**2).sum(axis=0)
    mu_w = (w * est).sum(axis=0) / s1
    q = (w * (est - mu_w) ** 2).sum(axis=0)
    denom = s1 - s2 / s1
    if shared:
        tau2 = np.full(est.shape[1], max(0.0, float((q - (k - 1)).sum() / denom.sum())) if k > 1 else 0.0)
    else:
        tau2 = np.where(k > 1, np.maximum(0.0, (q - (k - 1)) / np.where(denom > 0, denom, 1.0)), 0.0)
    wr = 1.0 / (var + tau2)
    mu = (wr * est).sum(axis=0) / wr.sum(axis=0)
    return Pooled(mu, tau2, 1.0 / wr.sum(axis=0), k)


@dataclass(frozen=True)
class Shrunk:
    """Shrunk estimates, their posterior variances and the weight on the pooled mean (per region)."""

    value: np.ndarray
    var: np.ndarray
    shrinkage: np.ndarray
    pooled: Pooled


def shrink(est: np.ndarray, var: np.ndarray, usable: np.ndarray | None = None) -> Shrunk:
    """Shrink a scalar parameter of k regions (1-d ``est`` and ``var``).

    Regions not ``usable`` (thin histories) take the pooled mean with variance
    ``tau^2 + var_mu`` and shrinkage 1; the pool is estimated from the usable ones.
    """
    est, var = np.asarray(est, float), np.asarray(var, float)
    usable = np.ones(len(est), bool) if usable is None else np.asarray(usable, bool)
    pooled = dersimonian_laird(est[usable], var[usable])
    mu, tau2, mu_var = float(pooled.mu[0]), float(pooled.tau2[0]), float(pooled.mu_var[0])
    b = np.where(usable, var / (var + max(tau2, TAU2_FLOOR)), 1.0)
    value = np.where(usable, mu + (1.0 - b) * (est - mu), mu)
    post = np.where(usable, (1.0 - b) * var, tau2) + b**2 * mu_var
    return Shrunk(value, post, b, pooled)


def posterior(
    b: np.ndarray, cov: np.ndarray, mu: np.ndarray, tau2: np.ndarray, mu_var: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean (p,), covariance (p, p) and per-coefficient shrinkage of ``b ~ N(theta, cov)``
    with prior ``theta ~ N(mu, diag(tau2))``, mu estimated with variances ``mu_var`` (see the module docstring)."""
    prior_prec = 1.0 / np.maximum(tau2, TAU2_FLOOR)
    cov_inv = np.linalg.inv(cov)
    post = np.linalg.inv(cov_inv + np.diag(prior_prec))
    post = (post + post.T) / 2
    mean = post @ (cov_inv @ b + prior_prec * mu)
    pull = post * prior_prec  # A = P T^-1
    return mean, post + (pull * mu_var) @ pull.T, 1.0 - np.diag(post) / np.diag(cov)
