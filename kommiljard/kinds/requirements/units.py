"""One region's judgement in one cell of a requirement: its improvement, the step it reaches, whether
it is at a high level, and the fraction of its part it earns. The only copy of these rules.

Plain Python in the subset numba compiles: the reference calls these functions as they are, the
kernel their compiled twins (:func:`compiled`), so both do the same floating-point operations in
the same order. Figures are rounded as published to the requirement's decimals
(:func:`~kommiljard.kinds.steps.in_units`) before they are compared; an improvement is the
difference of the rounded figures (percentage points, or the measure's own unit) or the relative
change computed from them, signed so that a better figure is a positive improvement (``sign`` -1
for a measure where lower is better, such as a median wait). A missing figure (NaN) reaches nothing.
"""

from __future__ import annotations

import types
from functools import cache

import numpy as np

from ..steps import in_units, passes

ROUTE_NONE, ROUTE_IMPROVEMENT, ROUTE_FULFILMENT = 0, 1, 2
ROUTE_NAMES = ("none", "improvement", "fulfilment")
STEPS = ("earned", "bonus")  # a cell's steps: what regions earned from it, and its unearned money as bonus
BONUS_MODES = ("earned", "met_population", "per_requirement", "lapse")


def improvement_units(current, previous, relative, sign, scale):
    """The improvement in whole units of ``1 / scale``: ``sign`` times the difference of the rounded
    figures, or the relative change in percent from them (rounded the same way; NaN from a previous 0)."""
    now = in_units(current, scale)
    before = in_units(previous, scale)
    if not relative:
        return sign * (now - before)
    if before == 0.0:
        return np.nan
    return in_units(sign * (now - before) / before * 100.0, scale)


def is_fulfilled(level, bound_units, inclusive, sign, scale):
    """Whether a level (rounded to the requirement's decimals) reaches the fulfilment threshold (in whole
    units): at or above it, or with ``sign`` -1 at or below it (``inclusive``; else strictly)."""
    return passes(sign * in_units(level, scale), sign * bound_units, inclusive)


def judged(steps_reached, improvement_fraction, fulfilled, fulfilment_fraction, fulfilment_tier):
    """``(tier, route, fraction)``: the route that pays more wins, improvement on a tie (a region is
    paid once, never for both). ``tier`` is the improvement step reached, or for the fulfilment route
    ``fulfilment_tier`` (the highest step that pays no more than fulfilment does, at least 1)."""
    if improvement_fraction > 0.0 and (not fulfilled or improvement_fraction >= fulfilment_fraction):
        return steps_reached, ROUTE_IMPROVEMENT, improvement_fraction
    if fulfilled:
        return fulfilment_tier, ROUTE_FULFILMENT, fulfilment_fraction
    return 0, ROUTE_NONE, 0.0


@cache
def compiled():
    """The numba twins of the functions above, the functions themselves compiled (inlined into the kernel, which
    is cached on disk keyed by its sources: :mod:`kommiljard.compiling`); the steps' twins make ``in_units`` and
    ``passes``, which they call by name, callable from compiled code."""
    from numba import njit

    from ..steps import compiled as step_functions

    steps = step_functions()
    jit = njit(inline="always")
    return types.SimpleNamespace(
        improvement_units=jit(improvement_units),
        is_fulfilled=jit(is_fulfilled),
        judged=jit(judged),
        passes=steps.passes,
    )
