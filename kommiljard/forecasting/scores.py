"""How good a forecast drawn as trajectories was: where the realised value fell in it (PIT), whether its central
intervals held it (coverage), and the continuous ranked probability score (CRPS).

A region's payout has atoms (no bar in any month pays exactly 0), so the predictive distribution F of a
payout is not continuous: the realised value y has a probability interval ``[F(y-), F(y)]`` rather than one
PIT value. Following Czado, Gneiting and Held (2009, *Predictive model assessment for count data*,
Biometrics 65), y's PIT is taken as uniform on that interval (the randomised PIT, which is exactly uniform
for a calibrated forecast); its *expected* coverage of a central interval of level ``a`` is the share of
``[F(y-), F(y)]`` inside ``[(1 - a) / 2, (1 + a) / 2]`` (an indicator where F is continuous at y), and the
PIT histogram spreads each realised value over the bins it covers. The interval ``[p(1-a)/2, p(1+a)/2]`` of
the samples, inclusive, can hold an atom's every realised value, so its plain coverage runs above ``a``
where payouts of 0 are likely; the expected coverage does not.

The CRPS of samples x_1..x_n for y is ``mean |x_i - y| - mean |x_i - x_j| / 2`` (Gneiting and Raftery
2007), in kronor: lower is better, and for a point forecast it is the absolute error.
"""

from __future__ import annotations

import numpy as np

TOLERANCE_SEK = 1e-6  # the engine and the sweep kernel may differ in the last bits of a sum
LEVELS = (0.5, 0.9)


def pit_bounds(samples: np.ndarray, realised: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``F(y-)`` and ``F(y)`` per column of ``samples`` (n, R) for ``realised`` (R,), the empirical CDF of the
    samples (values within :data:`TOLERANCE_SEK` of y count as equal to it)."""
    below = (samples < realised - TOLERANCE_SEK).mean(axis=0)
    at_most = (samples <= realised + TOLERANCE_SEK).mean(axis=0)
    return below, at_most


def expected_coverage(lo: np.ndarray, hi: np.ndarray, level: float) -> np.ndarray:
    """The chance that a PIT uniform on ``[lo, hi]`` falls in the central interval of ``level`` (per value)."""
    a, b = 0.5 - level / 2, 0.5 + level / 2
    width = hi - lo
    overlap = np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
    point = ((lo >= a) & (lo <= b)).astype(float)
    return np.where(width > 0, overlap / np.where(width > 0, width, 1.0), point)


def pit_histogram(lo: np.ndarray, hi: np.ndarray, bins: int = 10) -> np.ndarray:
    """The non-randomised PIT histogram: each value's ``[lo, hi]`` spread uniformly over ``bins`` equal bins
    (a point in the bin that holds it); counts summing to the number of values."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    lo, hi = np.ravel(lo), np.ravel(hi)
    width = hi - lo
    overlap = np.clip(np.minimum(hi[:, None], edges[1:]) - np.maximum(lo[:, None], edges[:-1]), 0.0, None)
    spread = overlap / np.where(width > 0, width, 1.0)[:, None]
    point = np.zeros_like(spread)
    point[np.arange(len(lo)), np.clip((lo * bins).astype(int), 0, bins - 1)] = 1.0
    return np.where((width > 0)[:, None], spread, point).sum(axis=0)


def crps(samples: np.ndarray, realised: np.ndarray) -> np.ndarray:
    """The CRPS per column of ``samples`` (n, R) for ``realised`` (R,), in the samples' unit."""
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=0)
    n = x.shape[0]
    error = np.abs(x - realised).mean(axis=0)
    weights = (2.0 * np.arange(1, n + 1) - n - 1) / (n * n)  # mean |x_i - x_j| = 2 sum_i w_i x_(i)
    return error - (weights[:, None] * x).sum(axis=0)
