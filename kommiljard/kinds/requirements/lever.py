"""A region's lever in a block of requirements: percentage points of a requirement's measure.

Moving a requirement by X pp moves the region's figure of the requirement's measure X points in the
better direction (up, or down where lower is better) in the months the requirement measures — never
the year before, which is history — rounded to 6 decimals and kept within the measure's unit (a
share stays within 0-100 %). The requirement's level moves with it where it reads the same column.
Every requirement that reads the same column in the same rows moves too (they are the same figure).
The same arithmetic serves a what-if on a panel (:func:`move_figures`) and the kernel's batches of
payout curves (:func:`lever_batch`).
"""

from __future__ import annotations

import numpy as np

from ...rules.requirements import Requirement, RequirementsBonus
from ..steps import in_units
from .arrays import RequirementsInput, cell_months

FIGURE_DECIMALS = 6
MAX_CHANGE_PP = 100.0


def lever_measure(req: Requirement) -> str:
    """The column a requirement's lever moves: its improvement's measure, else its level's."""
    return req.measure if req.improvement is not None else req.level_measure


def better_sign(req: Requirement) -> float:
    """+1 where a higher figure is better, -1 where lower is (the lever's direction)."""
    better = req.improvement.better if req.improvement is not None else req.fulfilment.better
    return -1.0 if better == "lower" else 1.0


def moved(values, change, sign: float, lo: float, hi: float) -> np.ndarray:
    """``values`` moved ``change`` in the better direction (``sign``), rounded to 6 decimals, within ``lo``..``hi``."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) + sign * change, FIGURE_DECIMALS), lo, hi)


def move_figures(frame, block: RequirementsBonus, req: Requirement, region: str, months, change: float):
    """A copy of a panel ``frame`` with ``region``'s figure of ``req``'s measure moved ``change`` points in
    ``months`` (the requirement's group)."""
    frame = frame.copy()
    column = lever_measure(req)
    lo, hi = block.measure(column).range
    rows = (frame["region"] == region) & frame["month"].isin(list(months)) & (frame["group"] == req.group)
    values = frame.loc[rows, column].astype(np.float64)
    frame.loc[rows, column] = moved(values, change, better_sign(req), lo, hi)
    return frame


def lever_batch(block: RequirementsBonus, inp: RequirementsInput, region: int, j: int, changes) -> tuple:
    """(current, previous, level) as (T, C, R) batches, one per change of ``changes`` (T,): ``region``'s figure
    moved that many points in every cell that reads requirement ``j``'s column in its group (``j`` itself and any
    other reading the same figures), for the kernel to allocate all at once. A period's mean moves as much as each
    of its months (short of the unit's bounds)."""
    req = block.requirements[j]
    column, sign = lever_measure(req), better_sign(req)
    lo, hi = block.measure(column).range
    changes = np.asarray(changes, dtype=np.float64)
    current, previous, level = (
        np.repeat(a[None], len(changes), axis=0) for a in (inp.current, inp.previous, inp.level)
    )
    for c, k in enumerate(inp.cell_requirement):
        other = block.requirements[int(k)]
        if other.group != req.group or column not in other.measure_columns():
            continue
        if other.improvement is not None and other.measure == column:
            current[:, c, region] = moved(inp.current[c, region], changes, sign, lo, hi)
        if other.fulfilment is not None and other.level_measure == column:
            level[:, c, region] = moved(inp.level[c, region], changes, sign, lo, hi)
    return current, previous, level


def to_next_step(req: Requirement, current: float, previous: float, level: float, fraction: float) -> float:
    """The points the region's figure must still move (in the better direction) to earn more of its part: to the
    next staircase step above what it earns, or to the level if that pays more; NaN if nothing pays more."""
    options = []
    scale = req.scale
    if req.improvement is not None and np.isfinite(previous):
        imp = req.improvement
        sign = -1.0 if imp.better == "lower" else 1.0
        now = sign * (in_units(current, scale) - in_units(previous, scale))
        for s in imp.steps:
            if s.fraction > fraction:
                bound = in_units(s.min_improvement, scale) + (0 if s.inclusive else 1)
                if imp.unit == "relative_pct":
                    needed = bound / scale * abs(previous) / 100.0 - now / scale
                else:
                    needed = (bound - now) / scale
                options.append(max(needed, 0.0))
                break
    ful = req.fulfilment
    if ful is not None and ful.fraction > fraction and np.isfinite(level):
        sign = -1.0 if ful.better == "lower" else 1.0
        bound = in_units(ful.threshold, scale) * sign + (0 if ful.inclusive else 1)
        options.append(max((bound - sign * in_units(level, scale)) / scale, 0.0))
    return float(min(options)) if options else np.nan


def requirement_cells(block: RequirementsBonus, name: str) -> list[tuple[str, str]]:
    """The cells (month, requirement) of the requirement called ``name``."""
    req = next(r for r in block.requirements if r.name == name)
    return [(m, req.name) for m, _ in cell_months(req)]
