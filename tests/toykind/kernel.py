"""The toy quota's fast path: the reference's arithmetic on whole arrays (numpy), many panels at once."""

from __future__ import annotations

import numpy as np


def allocate(pots: np.ndarray, visits: np.ndarray, threshold: float):
    """``visits`` (..., C, R), ``pots`` (C,): amounts (..., C, R), tiers (..., C, R) int8, lapsed (..., C).

    The same operations as :func:`toykind.reference.allocate_cell`: a weight summed region by region in order,
    each amount ``pot * v / weight``, the lapsed money ``pot`` minus the amounts summed in order."""
    met = ~np.isnan(visits) & (visits >= threshold) & (visits > 0)
    v = np.where(met, visits, 0.0)
    weight = np.zeros(visits.shape[:-1])
    for r in range(visits.shape[-1]):
        weight = weight + v[..., r]
    safe = np.where(weight == 0, 1.0, weight)
    amount = np.where(met, pots[:, None] * v / safe[..., None], 0.0)
    paid = np.zeros(visits.shape[:-1])
    for r in range(visits.shape[-1]):
        paid = paid + amount[..., r]
    lapsed = np.where(weight == 0, pots, pots - paid)
    return amount, met.astype(np.int8), lapsed
