"""Improvement versus the same month a year earlier, and the tier it reaches.

Improvements and bounds are compared in whole units of the rule file's last decimal
(``improvement_decimals``, :func:`~kommiljard.kinds.steps.in_units`): with 6 decimals,
74.3 - 71.3 becomes 3 000 000 units, exactly the bound of 3.0 pp. Units are kept as float64
integers so that an infinite relative improvement (from a level of 0) stays representable.
"""

from __future__ import annotations

import math

from ...rules import ImprovementStaircase
from ..steps import in_units, passes

ROUTE_NONE, ROUTE_IMPROVEMENT, ROUTE_TARGET = 0, 1, 2


def route_names(block: ImprovementStaircase) -> tuple[str, ...]:
    """Route codes 0, 1, 2 as the names used in outputs (the target's route from its rule)."""
    return ("none", "improvement", block.target.route if block.target else "target")


def improvement_value(current: float, previous: float, relative: bool) -> float:
    """Raw improvement: percentage points, or the relative change in percent."""
    diff = current - previous
    if not relative:
        return diff
    if previous == 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / previous * 100.0


def improvement_units(current: float, previous: float, block: ImprovementStaircase) -> float:
    """Improvement in whole units of ``10 ** -improvement_decimals``."""
    return float(in_units(improvement_value(current, previous, block.improvement_unit == "relative_pct"), block.scale))


def bound_units(value: float, block: ImprovementStaircase) -> float:
    """A bound or share (a rule-file number, or a panel value) in the same whole units."""
    return float(in_units(value, block.scale))


def tier_and_route(imp_units: float, target_share: float, block: ImprovementStaircase) -> tuple[int, int]:
    """The tier (number of bars, 0 = none) and the route by which it was reached.

    Improvement comes first: a region that reaches a bar by improving is paid for that and
    never again for the target (no double pay). The target only opens its own bar.
    """
    tier = sum(passes(imp_units, bound_units(b.min_improvement, block), b.inclusive) for b in block.bars)
    if tier > 0:
        return tier, ROUTE_IMPROVEMENT
    t = block.target
    if t is not None and passes(bound_units(target_share, block), bound_units(t.threshold, block), t.inclusive):
        return block.bar_names.index(t.bar) + 1, ROUTE_TARGET
    return 0, ROUTE_NONE
