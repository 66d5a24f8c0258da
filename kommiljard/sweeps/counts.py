"""Counts drawn for a sweep: Poisson or negative binomial around an expected count, from SFC64 streams.

A count measure (operations performed) is drawn per region and group (a procedure) for a block's
months as one total: its expected value is the trend's count for those months times a random growth
(log-normal: a part shared by the region's groups and a part of its own), and the count is Poisson
around it (``poisson``) or Poisson around a gamma-distributed multiple of it (``negative_binomial``,
size ``dispersion``: variance mean + mean^2 / dispersion). Months already observed are added as they
are. The random numbers come from the sweep's streams (:mod:`kommiljard.sweeps.rng`): trajectory i
takes its numbers from stream i // STREAM_SIZE, so results do not depend on chunks or threads.

The samplers are NumPy's algorithms in numba on the stream's SFC64 state, so that a trajectory costs
no more than a staircase trajectory: the standard normals of :func:`~kommiljard.sweeps.rng.fill_normals`,
Poisson by multiplication below a mean of 10 and by Hörmann's PTRS transformed rejection above
(NumPy's ``random_poisson``), gamma by Marsaglia and Tsang's method.
"""

from __future__ import annotations

import math

from numba import njit

from .rng import standard_normal, uniform

NORMAL_ABOVE = 1_000.0  # a Poisson mean above which the count is drawn by the normal approximation


@njit(inline="always")
def _poisson_small(lam, a, b, c, w):
    """Poisson by multiplying uniforms (a mean below 10): (the count, the new state words)."""
    enlam = math.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        u, a, b, c, w = uniform(a, b, c, w)
        prod *= u
        if prod > enlam:
            x += 1
        else:
            return x, a, b, c, w


@njit(inline="always")
def _poisson_ptrs(lam, a, b, c, w):
    """Poisson by Hörmann's PTRS (a mean of 10 or more): (the count, the new state words)."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    bb = 0.931 + 2.53 * slam
    aa = -0.059 + 0.02483 * bb
    invalpha = 1.1239 + 1.1328 / (bb - 3.4)
    vr = 0.9277 - 3.6224 / (bb - 2)
    while True:
        u, a, b, c, w = uniform(a, b, c, w)
        u -= 0.5
        v, a, b, c, w = uniform(a, b, c, w)
        us = 0.5 - abs(u)
        k = math.floor((2 * aa / us + bb) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k, a, b, c, w
        if k < 0 or (us < 0.013 and v > us):
            continue
        log_ratio = math.log(v) + math.log(invalpha) - math.log(aa / (us * us) + bb)
        if log_ratio <= -lam + k * loglam - math.lgamma(k + 1):
            return k, a, b, c, w


@njit(inline="always")
def poisson(lam, a, b, c, w):
    """One Poisson count of mean ``lam`` (0 for a mean of 0 or less): (the count, the new state words).

    Above a mean of ``NORMAL_ABOVE`` the count is Poisson's normal approximation rounded to a whole
    number: the same mean and variance, a skewness (1 / sqrt(mean) <= 3 %) left out."""
    if not lam > 0.0:
        return 0.0, a, b, c, w
    if lam >= NORMAL_ABOVE:
        z, a, b, c, w = standard_normal(a, b, c, w)
        return max(math.floor(lam + math.sqrt(lam) * z + 0.5), 0.0), a, b, c, w
    if lam >= 10.0:
        k, a, b, c, w = _poisson_ptrs(lam, a, b, c, w)
        return float(k), a, b, c, w
    k, a, b, c, w = _poisson_small(lam, a, b, c, w)
    return float(k), a, b, c, w


@njit(inline="always")
def gamma_unit_mean(shape, a, b, c, w):
    """A gamma variate of mean 1 and ``shape`` (>= 1), by Marsaglia and Tsang: (the variate, the new words)."""
    d = shape - 1.0 / 3.0
    scale = 1.0 / math.sqrt(9.0 * d)
    while True:
        x, a, b, c, w = standard_normal(a, b, c, w)
        v = 1.0 + scale * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, a, b, c, w = uniform(a, b, c, w)
        if u < 1.0 - 0.0331 * (x * x) * (x * x) or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v / shape, a, b, c, w


@njit(nogil=True, cache=True)
def draw_counts(state, expected, observed, growth, out):
    """Fill ``out`` (T, R, G) with drawn totals from the SFC64 ``state`` (uint64 (4,), advanced).

    ``expected`` (R, G) is each region and group's expected count in the months to draw (before growth),
    ``observed`` (R, G) the counts of the months already observed (added as they are), ``growth`` the
    rules of the growth and the noise: (log-mean (R, G), SD shared by a region's groups, SD of each
    group, dispersion: 0 for Poisson, else the negative binomial's size, at least 1).
    """
    centre, sd_region, sd_group, dispersion = growth
    n_traj, n_regions, n_groups = out.shape
    a, b, c, w = state[0], state[1], state[2], state[3]
    for t in range(n_traj):
        for r in range(n_regions):
            shared, a, b, c, w = standard_normal(a, b, c, w)
            for g in range(n_groups):
                own, a, b, c, w = standard_normal(a, b, c, w)
                mean = expected[r, g] * math.exp(centre[r, g] + sd_region * shared + sd_group * own)
                if dispersion > 0.0 and mean > 0.0:
                    factor, a, b, c, w = gamma_unit_mean(dispersion, a, b, c, w)
                    mean *= factor
                count, a, b, c, w = poisson(mean, a, b, c, w)
                out[t, r, g] = observed[r, g] + count
    state[0], state[1], state[2], state[3] = a, b, c, w
