"""numba kernel of an absolute-threshold block over many trajectories, periods and groups.

It does what :mod:`kommiljard.allocate.threshold` does, in the same order of floating-point
operations, so that both agree to the öre. fastmath stays off: this is money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ..rules.models import AbsoluteThreshold
from .kernels import cascade_in_place, passes, region_amount, shares_step
from .threshold import to_units


@dataclass(frozen=True)
class ThresholdParams:
    """A threshold block's rules as the flat arrays and scalars the kernel takes."""

    level_bound: np.ndarray  # (K,) float64, in whole units, lowest level first
    level_inclusive: np.ndarray  # (K,) bool
    has_gate: bool
    gate_bound: float
    gate_inclusive: bool
    gate_all_groups: bool
    scale: float
    cumulative: bool
    cascade_down: bool

    @classmethod
    def from_block(cls, block: AbsoluteThreshold) -> ThresholdParams:
        g = block.gate
        return cls(
            level_bound=np.array([to_units(lv.threshold, block) for lv in block.levels], dtype=np.float64),
            level_inclusive=np.array([lv.inclusive for lv in block.levels], dtype=np.bool_),
            has_gate=g is not None,
            gate_bound=to_units(g.threshold, block) if g is not None else 0.0,
            gate_inclusive=bool(g.inclusive) if g is not None else True,
            gate_all_groups=g is not None and g.scope == "all_groups",
            scale=block.scale,
            cumulative=block.cumulative,
            cascade_down=block.cascade == "down",
        )


@njit(parallel=True, cache=False)
def threshold_kernel(
    value, gate, cell_period, weights, pots,
    level_bound, level_inclusive,
    has_gate, gate_bound, gate_inclusive, gate_all_groups,
    scale, cumulative, cascade_down,
    amount, tier, route, lapsed,
):  # fmt: skip
    """Fill ``amount``/``tier``/``route`` (T, C, R) and ``lapsed`` (T, C)."""
    n_traj, n_cells, n_regions = value.shape
    n_levels = level_bound.shape[0]
    for t in prange(n_traj):
        level_pot = np.empty(n_levels)
        level_weight = np.empty(n_levels)
        level_count = np.empty(n_levels, dtype=np.int64)
        for c in range(n_cells):
            for k in range(n_levels):
                level_weight[k] = 0.0
                level_count[k] = 0
            for r in range(n_regions):
                ok = True
                if has_gate:
                    for c2 in range(n_cells):
                        counts = c2 == c or (gate_all_groups and cell_period[c2] == cell_period[c])
                        if counts and not passes(np.rint(gate[t, c2, r] * scale), gate_bound, gate_inclusive):
                            ok = False
                units = np.rint(value[t, c, r] * scale)
                n = 0
                for k in range(n_levels):
                    if passes(units, level_bound[k], level_inclusive[k]):
                        n += 1
                if not ok:
                    n = 0
                    route[t, c, r] = 2
                else:
                    route[t, c, r] = 1 if n > 0 else 0
                tier[t, c, r] = n
                for k in range(n_levels):
                    if shares_step(n, k, cumulative):
                        level_weight[k] += weights[r]
                        level_count[k] += 1
            for k in range(n_levels):
                level_pot[k] = pots[c, k]
            lapsed[t, c] = cascade_in_place(level_pot, level_count, cascade_down)
            for r in range(n_regions):
                amount[t, c, r] = region_amount(tier[t, c, r], level_pot, level_weight, weights[r], cumulative)


@dataclass(frozen=True)
class ThresholdResult:
    amount: np.ndarray  # (T, C, R) float64
    tier: np.ndarray  # (T, C, R) int8: levels reached (0 if the gate was not met)
    route: np.ndarray  # (T, C, R) int8: 0 none, 1 threshold, 2 gate not met
    lapsed: np.ndarray  # (T, C) float64


def run_threshold(params: ThresholdParams, value, gate, cell_period, weights, pots) -> ThresholdResult:
    """Run the kernel on (T, C, R) arrays (or (C, R) for one trajectory); ``pots`` is (C, K)."""
    single = np.ndim(value) == 2
    val, gat = (np.ascontiguousarray(a, dtype=np.float64) for a in (value, gate))
    if single:
        val, gat = val[None], gat[None]
    shape = val.shape
    out = ThresholdResult(np.empty(shape), np.empty(shape, np.int8), np.empty(shape, np.int8), np.empty(shape[:2]))
    threshold_kernel(
        val, gat, np.ascontiguousarray(cell_period, dtype=np.int64),
        np.ascontiguousarray(weights, dtype=np.float64), np.ascontiguousarray(pots, dtype=np.float64),
        params.level_bound, params.level_inclusive,
        params.has_gate, params.gate_bound, params.gate_inclusive, params.gate_all_groups,
        params.scale, params.cumulative, params.cascade_down,
        out.amount, out.tier, out.route, out.lapsed,
    )  # fmt: skip
    if single:
        return ThresholdResult(*(a[0] for a in (out.amount, out.tier, out.route, out.lapsed)))
    return out
