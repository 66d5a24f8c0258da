"""The numba kernel of a block of requirements with a bonus pot.

:func:`requirements_kernel` does what :func:`~.reference.allocate_requirements` does, with the same
floating-point operations in the same order (the judgement is the compiled twin of
:mod:`.units`), so the two agree to the bit; tests compare them on random panels. It runs one or
many panels (T, C, R) at once: payouts, what-if curves and sweeps. Serial, ``nogil`` and cached on
disk; fastmath stays off (money). The requirements' staircases are flattened: step ``s`` of
requirement ``j`` lies between ``step_start[j]`` and ``step_start[j + 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ...rules.requirements import RequirementsBonus
from .reference import RequirementRule
from .units import BONUS_MODES, ROUTE_NONE, compiled

_u = compiled()
_improvement_units, _is_fulfilled, _judged, _passes = _u.improvement_units, _u.is_fulfilled, _u.judged, _u.passes
EARNED, MET_POPULATION, PER_REQUIREMENT, LAPSE = range(len(BONUS_MODES))


@dataclass(frozen=True)
class RequirementsParams:
    """A block's requirements as flat arrays (J requirements, S steps in all) and the bonus reading's code."""

    relative: np.ndarray  # (J,) bool
    sign: np.ndarray  # (J,) float64: -1 where lower is better
    scale: np.ndarray  # (J,) float64
    step_start: np.ndarray  # (J + 1,) int64
    step_bound: np.ndarray  # (S,) float64, in whole units
    step_inclusive: np.ndarray  # (S,) bool
    step_fraction: np.ndarray  # (S,) float64
    fulfilment_bound: np.ndarray  # (J,) float64 in whole units; NaN: no fulfilment route
    fulfilment_inclusive: np.ndarray  # (J,) bool
    fulfilment_sign: np.ndarray  # (J,) float64
    fulfilment_fraction: np.ndarray  # (J,) float64
    fulfilment_tier: np.ndarray  # (J,) int64
    bonus_mode: int

    @classmethod
    def from_block(cls, block: RequirementsBonus) -> RequirementsParams:
        rules = [RequirementRule.of(r) for r in block.requirements]

        def flat(name, dtype):
            return np.array([x for r in rules for x in getattr(r, name)], dtype=dtype)

        def each(name, dtype):
            return np.array([getattr(r, name) for r in rules], dtype=dtype)

        return cls(
            relative=each("relative", np.bool_),
            sign=each("sign", np.float64),
            scale=each("scale", np.float64),
            step_start=np.cumsum([0] + [len(r.step_bounds) for r in rules]).astype(np.int64),
            step_bound=flat("step_bounds", np.float64),
            step_inclusive=flat("step_inclusive", np.bool_),
            step_fraction=flat("step_fractions", np.float64),
            fulfilment_bound=each("fulfilment_bound", np.float64),
            fulfilment_inclusive=each("fulfilment_inclusive", np.bool_),
            fulfilment_sign=each("fulfilment_sign", np.float64),
            fulfilment_fraction=each("fulfilment_fraction", np.float64),
            fulfilment_tier=each("fulfilment_tier", np.int64),
            bonus_mode=BONUS_MODES.index(block.bonus),
        )

    def args(self) -> tuple:
        return tuple(vars(self).values())


@njit(inline="always")
def _judge_region(t, c, r, j, current, previous, level, rules):
    """``(improvement units, tier, route, fraction)`` of region ``r`` in cell ``c`` of trajectory ``t``."""
    (relative, sign, scale, step_start, step_bound, step_inclusive, step_fraction) = rules[:7]
    (ful_bound, ful_inclusive, ful_sign, ful_fraction, ful_tier) = rules[7:12]
    units = _improvement_units(current[t, c, r], previous[t, c, r], relative[j], sign[j], scale[j])
    reached = 0
    for s in range(step_start[j], step_start[j + 1]):
        reached += 1 if _passes(units, step_bound[s], step_inclusive[s]) else 0
    improvement_fraction = step_fraction[step_start[j] + reached - 1] if reached > 0 else 0.0
    fulfilled = not np.isnan(ful_bound[j]) and _is_fulfilled(
        level[t, c, r], ful_bound[j], ful_inclusive[j], ful_sign[j], scale[j]
    )
    tier, route, fraction = _judged(reached, improvement_fraction, fulfilled, ful_fraction[j], ful_tier[j])
    return units, tier, route, fraction


@njit(inline="always")
def _keys(t, cell_requirement, weights, earned, mode, keys, total):
    """Step 4: fill ``keys[t]`` (J, R) with the bonus key of each requirement."""
    n_cells, n_regions = earned.shape[1], earned.shape[2]
    keys[t] = 0.0
    total[:] = 0.0
    for c in range(n_cells):
        j = cell_requirement[c]
        for r in range(n_regions):
            keys[t, j, r] += earned[t, c, r]
            total[r] += earned[t, c, r]
    if mode == PER_REQUIREMENT:
        return
    for j in range(keys.shape[1]):
        for r in range(n_regions):
            if mode == LAPSE:
                keys[t, j, r] = 0.0
            elif mode == EARNED:
                keys[t, j, r] = total[r]
            else:
                keys[t, j, r] = weights[r] if total[r] > 0.0 else 0.0


@njit(cache=True, nogil=True)
def requirements_kernel(current, previous, level, cell_requirement, pots, weights, missing, rules, out):
    """Fill ``out`` = (earned, bonus, fraction, tier, route, improvement (T, C, R); unearned, lapsed
    (T, C); keys (T, J, R)) from the figures (T, C, R), the cells' requirements and pots (C,), the
    weights (R,), the no-data mask (C, R) and the rules (:meth:`RequirementsParams.args`)."""
    earned, bonus, fraction, tier, route, improvement, unearned, lapsed, keys = out
    scale, mode = rules[2], rules[12]
    n_traj, n_cells, n_regions = current.shape
    total = np.empty(n_regions)
    total_weight = 0.0
    for r in range(n_regions):
        total_weight += weights[r]
    for t in range(n_traj):
        for c in range(n_cells):
            j = cell_requirement[c]
            to_bonus = 0.0
            for r in range(n_regions):
                part = pots[c] * weights[r] / total_weight
                if missing[c, r]:
                    units, k, way, f = np.nan, 0, ROUTE_NONE, 0.0
                else:
                    units, k, way, f = _judge_region(t, c, r, j, current, previous, level, rules)
                earned[t, c, r] = part * f
                fraction[t, c, r], tier[t, c, r], route[t, c, r] = f, k, way
                improvement[t, c, r] = units / scale[j]
                to_bonus += part - earned[t, c, r]
            unearned[t, c] = to_bonus
        _keys(t, cell_requirement, weights, earned, mode, keys, total)
        for c in range(n_cells):
            j = cell_requirement[c]
            key_total = 0.0
            for r in range(n_regions):
                if not missing[c, r]:
                    key_total += keys[t, j, r]
            shares = mode != LAPSE and key_total > 0.0
            for r in range(n_regions):
                given = shares and not missing[c, r]
                bonus[t, c, r] = unearned[t, c] * keys[t, j, r] / key_total if given else 0.0
            lapsed[t, c] = 0.0 if shares else unearned[t, c]


@dataclass(frozen=True)
class RequirementsResult:
    earned: np.ndarray  # (T, C, R) float64
    bonus: np.ndarray  # (T, C, R) float64: each region's share of the cell's unearned money
    fraction: np.ndarray  # (T, C, R) float64
    tier: np.ndarray  # (T, C, R) int8
    route: np.ndarray  # (T, C, R) int8
    improvement: np.ndarray  # (T, C, R) float64, in the requirement's unit
    unearned: np.ndarray  # (T, C) float64: each cell's money sent to the bonus pot
    lapsed: np.ndarray  # (T, C) float64
    keys: np.ndarray  # (T, J, R) float64: the bonus key of each requirement

    @property
    def amount(self) -> np.ndarray:
        return self.earned + self.bonus


def run_requirements(
    params: RequirementsParams, current, previous, level, cell_requirement, pots, weights, missing=None
) -> RequirementsResult:
    """Run the kernel on (T, C, R) figures, or (C, R) for one panel."""
    single = np.ndim(current) == 2
    cur, prev, lev = (np.require(a, np.float64, ["C", "W"]) for a in (current, previous, level))
    if single:
        cur, prev, lev = cur[None], prev[None], lev[None]
    shape = cur.shape
    mask = np.zeros(shape[1:], np.bool_) if missing is None else np.require(missing, np.bool_, ["C", "W"])
    n_req = len(params.sign)
    out = RequirementsResult(
        *(np.empty(shape) for _ in range(3)),
        np.empty(shape, np.int8),
        np.empty(shape, np.int8),
        np.empty(shape),
        np.empty(shape[:2]),
        np.empty(shape[:2]),
        np.empty((shape[0], n_req, shape[2])),
    )
    requirements_kernel(
        cur,
        prev,
        lev,
        np.require(cell_requirement, np.int64, ["C", "W"]),
        np.require(pots, np.float64, ["C", "W"]),
        np.require(weights, np.float64, ["C", "W"]),
        mask,
        params.args(),
        tuple(vars(out).values()),
    )
    if single:
        return RequirementsResult(*(a[0] for a in vars(out).values()))
    return out
