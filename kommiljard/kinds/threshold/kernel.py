"""The numba kernel of an absolute-threshold block over one or more panels, periods and groups.

It does what :mod:`kommiljard.kinds.threshold.reference` does, with the same floating-point
operations in the same order, so that both agree to the öre; the levels' membership, cascade
and pay are the compiled twins of :mod:`kommiljard.kinds.steps`. Serial and cached on disk
(a panel has a few cells). fastmath stays off: this is money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...compiling import kernel
from ..steps import BASE, COUNT, FLOWS, WEIGHT, compiled
from .reference import ROUTE_GATE, ROUTE_NONE, ROUTE_THRESHOLD, to_units
from .rules import AbsoluteThreshold

_steps = compiled()
_in_units, _passes, _cascade, _add_member, _paid = (
    _steps.in_units,
    _steps.passes,
    _steps.cascade,
    _steps.add_member,
    _steps.paid,
)


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


@kernel(nogil=True)
def threshold_kernel(
    value,
    gate,
    cell_period,
    weights,
    pots,
    level_bound,
    level_inclusive,
    has_gate,
    gate_bound,
    gate_inclusive,
    gate_all_groups,
    scale,
    cumulative,
    cascade_down,
    amount,
    tier,
    route,
    lapsed,
    by_step,
    flows,
):
    """Fill ``amount``/``tier``/``route`` (T, C, R), ``lapsed`` (T, C), ``by_step`` (T, C, R, K) and
    ``flows`` (T, C, FLOWS, K)."""
    n_traj, n_cells, n_regions = value.shape
    n_levels = level_bound.shape[0]
    for t in range(n_traj):
        for c in range(n_cells):
            f = flows[t, c]
            for k in range(n_levels):
                f[BASE, k] = pots[c, k]
                f[WEIGHT, k] = 0.0
                f[COUNT, k] = 0.0
            for r in range(n_regions):
                ok = True
                if has_gate:
                    for c2 in range(n_cells):
                        counts = c2 == c or (gate_all_groups and cell_period[c2] == cell_period[c])
                        if counts and not _passes(_in_units(gate[t, c2, r], scale), gate_bound, gate_inclusive):
                            ok = False
                units = _in_units(value[t, c, r], scale)
                n = 0
                for k in range(n_levels):
                    if _passes(units, level_bound[k], level_inclusive[k]):
                        n += 1
                if not ok:
                    n = 0
                    route[t, c, r] = ROUTE_GATE
                else:
                    route[t, c, r] = ROUTE_THRESHOLD if n > 0 else ROUTE_NONE
                tier[t, c, r] = n
                _add_member(f, n, weights[r], cumulative)
            lapsed[t, c] = _cascade(f, cascade_down)
            for r in range(n_regions):
                amount[t, c, r] = _paid(f, tier[t, c, r], weights[r], cumulative, by_step[t, c, r])


@dataclass(frozen=True)
class ThresholdResult:
    amount: np.ndarray  # (T, C, R) float64
    tier: np.ndarray  # (T, C, R) int8: levels reached (0 if the gate was not met)
    route: np.ndarray  # (T, C, R) int8: 0 none, 1 threshold, 2 gate not met
    lapsed: np.ndarray  # (T, C) float64
    by_step: np.ndarray  # (T, C, R, K) float64: each region's amount from each level
    flows: np.ndarray  # (T, C, FLOWS, K) float64: each level's money after the cascade


def run_threshold(params: ThresholdParams, value, gate, cell_period, weights, pots) -> ThresholdResult:
    """Run the kernel on (T, C, R) arrays (or (C, R) for one panel); ``pots`` is (C, K)."""
    single = np.ndim(value) == 2
    val, gat = (np.require(a, np.float64, ["C", "W"]) for a in (value, gate))  # one compiled specialisation
    if single:
        val, gat = val[None], gat[None]
    shape = val.shape
    n_levels = len(params.level_bound)
    out = ThresholdResult(
        np.empty(shape),
        np.empty(shape, np.int8),
        np.empty(shape, np.int8),
        np.empty(shape[:2]),
        np.empty((*shape, n_levels)),
        np.empty((*shape[:2], len(FLOWS), n_levels)),
    )
    threshold_kernel(
        val,
        gat,
        np.require(cell_period, np.int64, ["C", "W"]),
        np.require(weights, np.float64, ["C", "W"]),
        np.require(pots, np.float64, ["C", "W"]),
        params.level_bound,
        params.level_inclusive,
        params.has_gate,
        params.gate_bound,
        params.gate_inclusive,
        params.gate_all_groups,
        params.scale,
        params.cumulative,
        params.cascade_down,
        out.amount,
        out.tier,
        out.route,
        out.lapsed,
        out.by_step,
        out.flows,
    )
    if single:
        return ThresholdResult(*(a[0] for a in vars(out).values()))
    return out
