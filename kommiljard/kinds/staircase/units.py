"""Improvement versus the same month a year earlier, and the tier it reaches.

Both shares are first rounded as they would be published, to the rule file's
``improvement_decimals`` (half away from zero, :func:`~kommiljard.kinds.steps.in_units`), in
whole units of the last decimal; the improvement is the difference of those units (percentage
points) or the relative change computed from them (percent, itself rounded the same way).
With 6 decimals, 74.3 - 71.3 is 3 000 000 units, exactly the bound of 3.0 pp, and the
rounding never moves a published share. A relative change from a share of 0 is undefined:
NaN, which reaches no bar (the engine refuses such a panel before it gets here). The
target's measure is compared as given, or, with the target's ``decimals``, rounded the same
way to that many decimals and compared in whole units (:func:`target_units`).
"""

from __future__ import annotations

import numpy as np

from ..steps import in_units, passes
from .rules import ImprovementStaircase

ROUTE_NONE, ROUTE_IMPROVEMENT, ROUTE_TARGET = 0, 1, 2


def route_names(block: ImprovementStaircase) -> tuple[str, ...]:
    """Route codes 0, 1, 2 as the names used in outputs (the target's route from its rule)."""
    return ("none", "improvement", block.target.route if block.target else "target")


def shares_improvement(current: float, previous: float, relative: bool, scale: float) -> float:
    """The improvement in whole units of ``1 / scale``, from the two shares rounded as published:
    their difference (pp), or the relative change in percent (NaN from a previous share of 0)."""
    now = in_units(current, scale)
    before = in_units(previous, scale)
    if not relative:
        return now - before
    if before == 0.0:
        return np.nan
    return in_units((now - before) / before * 100.0, scale)


def improvement_units(current: float, previous: float, block: ImprovementStaircase) -> float:
    """The block's improvement in whole units of ``10 ** -improvement_decimals``."""
    return float(shares_improvement(current, previous, block.improvement_unit == "relative_pct", block.scale))


def improvement_pp(current, previous, block: ImprovementStaircase):
    """The difference of the shares as the block rounds them, in percentage points (arrays too)."""
    return (in_units(current, block.scale) - in_units(previous, block.scale)) / block.scale


def bound_units(value: float, block: ImprovementStaircase) -> float:
    """A bar's bound (a rule-file number) in the same whole units."""
    return float(in_units(value, block.scale))


def target_units(share, scale: float):
    """The target's measure as compared: as given (``scale`` 0), or in whole units of ``1 / scale`` rounded as
    published (arrays too)."""
    return share if scale == 0.0 else in_units(share, scale)


def target_bound(block: ImprovementStaircase) -> float:
    """The target's threshold in the units :func:`target_units` gives."""
    t = block.target
    return float(target_units(t.threshold, t.scale))


def target_reached(share: float, block: ImprovementStaircase) -> bool:
    """Whether a region's target measure reaches the target (rounded as the target's ``decimals`` say)."""
    t = block.target
    return bool(passes(target_units(share, t.scale), target_bound(block), t.inclusive))


def may_use_target(imp_units: float, block: ImprovementStaircase) -> bool:
    """Whether a region that reached no bar by its improvement may enter by the target: always
    (``entry = "no_bar"``), or only if it did not improve at all (``"not_improved"``: 4.4.1, "Om
    ett landsting har förbättrat sin andel väntande och når 71-procentsmålet får landstinget
    endast ersättning för förbättringen")."""
    return block.target is not None and (block.target.entry == "no_bar" or imp_units <= 0.0)


def tier_and_route(imp_units: float, target_share: float, block: ImprovementStaircase) -> tuple[int, int]:
    """The tier (number of bars, 0 = none) and the route by which it was reached.

    Improvement comes first: a region that reaches a bar by improving is paid for that and
    never again for the target (no double pay). The target only opens its own bar, compared
    with the target's measure as given (or rounded to the target's ``decimals``).
    """
    tier = sum(passes(imp_units, bound_units(b.min_improvement, block), b.inclusive) for b in block.bars)
    if tier > 0:
        return tier, ROUTE_IMPROVEMENT
    t = block.target
    if may_use_target(imp_units, block) and target_reached(target_share, block):
        return block.bar_names.index(t.bar) + 1, ROUTE_TARGET
    return 0, ROUTE_NONE
