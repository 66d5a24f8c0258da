"""The toy quota's rule, readable: who reaches the threshold, and each one's share of the pot by visits."""

from __future__ import annotations

import math

ROUTES = ("none", "met")


def allocate_cell(pot: float, visits: list[float], threshold: float) -> tuple[list[float], list[int], float]:
    """(each region's amount, its tier 0/1, the lapsed money) of one cell; NaN visits (no data) never qualify."""
    met = [not math.isnan(v) and v >= threshold and v > 0 for v in visits]
    weight = sum(v for v, m in zip(visits, met) if m)
    if weight == 0:
        return [0.0] * len(visits), [0] * len(visits), pot
    amounts = [pot * v / weight if m else 0.0 for v, m in zip(visits, met)]
    return amounts, [int(m) for m in met], pot - sum(amounts)
