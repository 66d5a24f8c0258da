"""The numba kernel of a block of requirements with a bonus pot.

:func:`requirements_kernel` does what :func:`~.reference.allocate_requirements` does, with the same
floating-point operations in the same order (the judgement is the compiled twin of
:mod:`.units`), so the two agree to the bit; tests compare them on random panels. It runs one or
many panels (T, C, R) at once: payouts, what-if curves and sweeps. Serial, ``nogil`` and cached on
disk; fastmath stays off (money). The requirements' staircases are flattened: step ``s`` of
requirement ``j`` lies between ``step_start[j]`` and ``step_start[j + 1]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numba import njit

from ...compiling import kernel
from .reference import RequirementRule
from .rules import RequirementsBonus
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
def _judge_region(t, c, r, j, figures, rules):
    """``(improvement units, tier, route, fraction)`` of region ``r`` in cell ``c`` of trajectory ``t``."""
    current, previous, level = figures
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
def _keys(o, cell_requirement, weights, out, mode, total):
    """Step 4: fill ``keys[o]`` (J, R) of ``out`` with the bonus key of each requirement."""
    earned, keys = out[0], out[8]
    n_cells, n_regions = earned.shape[1], earned.shape[2]
    keys[o] = 0.0
    total[:] = 0.0
    for c in range(n_cells):
        j = cell_requirement[c]
        for r in range(n_regions):
            keys[o, j, r] += earned[o, c, r]
            total[r] += earned[o, c, r]
    if mode == PER_REQUIREMENT:
        return
    for j in range(keys.shape[1]):
        for r in range(n_regions):
            if mode == LAPSE:
                keys[o, j, r] = 0.0
            elif mode == EARNED:
                keys[o, j, r] = total[r]
            else:
                keys[o, j, r] = weights[r] if total[r] > 0.0 else 0.0


@njit(inline="always")
def _allocate(t, o, figures, cells, rules, work):
    """Trajectory ``t`` of the ``figures`` (current, previous, level) into slot ``o`` of the outputs; ``cells`` are
    (cell_requirement, pots), ``work`` is (weights, their total, the no-data mask, a scratch (R,), the outputs of
    :func:`requirements_kernel`)."""
    cell_requirement, pots = cells
    weights, total_weight, missing, total, out = work
    earned, bonus, fraction, tier, route, improvement, unearned, lapsed, keys = out
    scale, mode = rules[2], rules[12]
    n_cells, n_regions = figures[0].shape[1], figures[0].shape[2]
    for c in range(n_cells):
        j = cell_requirement[c]
        to_bonus = 0.0
        for r in range(n_regions):
            part = pots[c] * weights[r] / total_weight
            if missing[c, r]:
                units, k, way, f = np.nan, 0, ROUTE_NONE, 0.0
            else:
                units, k, way, f = _judge_region(t, c, r, j, figures, rules)
            earned[o, c, r] = part * f
            fraction[o, c, r], tier[o, c, r], route[o, c, r] = f, k, way
            improvement[o, c, r] = units / scale[j]
            to_bonus += part - earned[o, c, r]
        unearned[o, c] = to_bonus
    _keys(o, cell_requirement, weights, out, mode, total)
    for c in range(n_cells):
        j = cell_requirement[c]
        key_total = 0.0
        for r in range(n_regions):
            if not missing[c, r]:
                key_total += keys[o, j, r]
        shares = mode != LAPSE and key_total > 0.0
        for r in range(n_regions):
            given = shares and not missing[c, r]
            bonus[o, c, r] = unearned[o, c] * keys[o, j, r] / key_total if given else 0.0
        lapsed[o, c] = 0.0 if shares else unearned[o, c]


@njit(inline="always")
def _total_weight(weights):
    total = 0.0
    for r in range(weights.shape[0]):
        total += weights[r]
    return total


@kernel(nogil=True)
def requirements_kernel(figures, cells, weights, missing, rules, out):
    """Fill ``out`` = (earned, bonus, fraction, tier, route, improvement (T, C, R); unearned, lapsed (T, C); keys
    (T, J, R)) from the ``figures`` (current, previous, level: (T, C, R)), the ``cells`` (each cell's requirement
    and pot, (C,)), the weights (R,), the no-data mask (C, R) and the rules (:meth:`RequirementsParams.args`)."""
    work = (weights, _total_weight(weights), missing, np.empty(weights.shape[0]), out)
    for t in range(figures[0].shape[0]):
        _allocate(t, t, figures, cells, rules, work)


@kernel(nogil=True)
def requirements_outcomes_kernel(figures, cells, weights, rules, amount, tier):
    """For a sweep: fill ``amount`` (T, J, R), each region's money from each requirement (earned and bonus, summed
    cell by cell in order), and ``tier`` (T, C, R), the step each region reached in each cell, keeping one
    trajectory's cell arrays at a time."""
    n_traj, n_cells, n_regions = figures[0].shape
    cell_requirement = cells[0]
    one = np.empty((1, n_cells, n_regions))
    steps = np.empty((1, n_cells, n_regions), np.int8)
    out = (
        one,
        one.copy(),
        one.copy(),
        steps,
        steps.copy(),
        one.copy(),
        np.empty((1, n_cells)),
        np.empty((1, n_cells)),
        np.empty((1, amount.shape[1], n_regions)),
    )
    missing = np.zeros((n_cells, n_regions), np.bool_)
    work = (weights, _total_weight(weights), missing, np.empty(n_regions), out)
    earned, bonus = out[0], out[1]
    for t in range(n_traj):
        _allocate(t, 0, figures, cells, rules, work)
        amount[t] = 0.0
        for c in range(n_cells):
            j = cell_requirement[c]
            for r in range(n_regions):
                amount[t, j, r] += earned[0, c, r] + bonus[0, c, r]
                tier[t, c, r] = steps[0, c, r]


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


def _figures(current, previous, level) -> tuple[np.ndarray, ...]:
    """The figures as one compiled specialisation takes them: C-contiguous float64, (T, C, R)."""
    figures = tuple(np.require(a, np.float64, ["C", "W"]) for a in (current, previous, level))
    return tuple(a[None] for a in figures) if figures[0].ndim == 2 else figures


def _cells(inputs: Mapping) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.require(inputs["cell_requirement"], np.int64, ["C", "W"]),
        np.require(inputs["pots"], np.float64, ["C", "W"]),
    )


def run_requirements(params: RequirementsParams, current, previous, level, **inputs) -> RequirementsResult:
    """Run the kernel on (T, C, R) figures, or (C, R) for one panel; ``inputs``: ``cell_requirement`` and ``pots``
    (C,), ``weights`` (R,) and optionally ``missing`` (C, R)."""
    single = np.ndim(current) == 2
    figures = _figures(current, previous, level)
    shape = figures[0].shape
    missing = inputs.get("missing")
    mask = np.zeros(shape[1:], np.bool_) if missing is None else np.require(missing, np.bool_, ["C", "W"])
    out = RequirementsResult(
        *(np.empty(shape) for _ in range(3)),
        np.empty(shape, np.int8),
        np.empty(shape, np.int8),
        np.empty(shape),
        np.empty(shape[:2]),
        np.empty(shape[:2]),
        np.empty((shape[0], len(params.sign), shape[2])),
    )
    weights = np.require(inputs["weights"], np.float64, ["C", "W"])
    requirements_kernel(figures, _cells(inputs), weights, mask, params.args(), tuple(vars(out).values()))
    if single:
        return RequirementsResult(*(a[0] for a in vars(out).values()))
    return out


@dataclass(frozen=True)
class RequirementOutcomes:
    amount: np.ndarray  # (T, J, R) float64: each region's money from each requirement
    tier: np.ndarray  # (T, C, R) int8: the step reached in each cell


def requirements_outcomes(
    params: RequirementsParams, current, previous, level, *, threads: int = 1, **inputs
) -> RequirementOutcomes:
    """The sweep's kernel on (T, C, R) figures (``inputs`` as :func:`run_requirements`, without ``missing``),
    slices of trajectories on ``threads`` threads (the kernel releases the GIL): the same numbers whatever the
    number of threads."""
    from concurrent.futures import ThreadPoolExecutor

    figures = _figures(current, previous, level)
    n_traj, _, n_regions = figures[0].shape
    out = RequirementOutcomes(np.empty((n_traj, len(params.sign), n_regions)), np.empty(figures[0].shape, np.int8))
    cells, weights = _cells(inputs), np.require(inputs["weights"], np.float64, ["C", "W"])

    def run(bounds) -> None:
        lo, hi = bounds
        part = tuple(a[lo:hi] for a in figures)
        requirements_outcomes_kernel(part, cells, weights, params.args(), out.amount[lo:hi], out.tier[lo:hi])

    edges = np.linspace(0, n_traj, max(1, min(threads, n_traj)) + 1).astype(int)
    with ThreadPoolExecutor(max_workers=len(edges) - 1) as pool:
        list(pool.map(run, zip(edges[:-1], edges[1:])))
    return out
