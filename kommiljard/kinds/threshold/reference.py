"""Reference allocation of an absolute-threshold block, one period and group at a time.

The specification in code, step by step with named intermediate values. A region's figure
for the period is compared, in whole units of the rule file's ``decimals``, with each
level's threshold; if the block has a gate, a region that fails it reaches no level. Each
level's pot is shared among the regions that reach it (all of them, or with ``cumulative =
false`` only those for which it is the highest level reached); an empty level's pot goes
to the level below (``cascade = "down"``) or lapses. The numba kernel must agree to the öre.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..steps import BASE, FLOWS, StepOutcome, add_member, cascade, in_units, paid, passes, step_outcomes
from .rules import AbsoluteThreshold, Period

ROUTE_NONE, ROUTE_THRESHOLD, ROUTE_GATE = 0, 1, 2
ROUTE_NAMES = ("none", "threshold", "gate_not_met")


def to_units(value: float, block: AbsoluteThreshold) -> float:
    """A share or threshold in whole units of ``10 ** -decimals`` (70.0 -> 70 000 000 at 6)."""
    return float(in_units(value, block.scale))


def passes_gate(value: float, block: AbsoluteThreshold) -> bool:
    g = block.gate
    return passes(to_units(value, block), to_units(g.threshold, block), g.inclusive)


def gate_met(block: AbsoluteThreshold, gate: Mapping[str, Sequence[float]], group: str) -> list[bool]:
    """Per region, whether the block's gate lets the group's levels count.

    ``gate`` holds each group's gate figure per region. Scope ``group``: the group's own
    figure must pass; ``all_groups``: every group's figure must.
    """
    groups = block.group_names if block.gate.scope == "all_groups" else (group,)
    return [all(passes_gate(gate[g][i], block) for g in groups) for i in range(len(gate[group]))]


@dataclass(frozen=True)
class RegionOutcome:
    region: str
    value: float  # the measure for the period
    gate_value: float  # the gate's measure (NaN: no gate)
    gate_met: bool
    tier: int  # number of levels reached (0 if the gate was not met)
    route: int
    weight: float
    by_level: tuple[float, ...]
    amount: float


@dataclass(frozen=True)
class ThresholdCell:
    levels: tuple[StepOutcome, ...]
    regions: tuple[RegionOutcome, ...]
    lapsed: float
    flows: np.ndarray  # (len(FLOWS), levels): see kinds.steps

    @property
    def pot(self) -> float:
        return sum(lv.base_pot for lv in self.levels)

    @property
    def paid(self) -> float:
        return sum(r.amount for r in self.regions)

    def region(self, code: str) -> RegionOutcome:
        return next(r for r in self.regions if r.region == code)


def allocate_threshold_cell(
    block: AbsoluteThreshold,
    regions: Sequence[str],
    values: Sequence[float],
    gate_ok: Sequence[bool],
    gate_values: Sequence[float],
    weights: Sequence[float],
    pots: Sequence[float],
) -> ThresholdCell:
    """Share one period and group's level pots (``pots``, lowest level first) among ``regions``."""
    tiers, routes = [], []
    for value, ok in zip(values, gate_ok):
        reached = sum(
            passes(to_units(value, block), to_units(lv.threshold, block), lv.inclusive) for lv in block.levels
        )
        if not ok:
            tiers.append(0)
            routes.append(ROUTE_GATE)
        else:
            tiers.append(reached)
            routes.append(ROUTE_THRESHOLD if reached else ROUTE_NONE)

    flows = np.zeros((len(FLOWS), len(block.levels)))
    flows[BASE] = pots
    for tier, weight in zip(tiers, weights):
        add_member(flows, tier, weight, block.cumulative)
    lapsed = cascade(flows, block.cascade == "down")

    outcomes = []
    for i, region in enumerate(regions):
        by_level = np.zeros(len(block.levels))
        amount = paid(flows, tiers[i], weights[i], block.cumulative, by_level)
        outcomes.append(
            RegionOutcome(
                region,
                values[i],
                gate_values[i],
                gate_ok[i],
                tiers[i],
                routes[i],
                weights[i],
                tuple(by_level.tolist()),
                amount,
            )
        )
    levels = step_outcomes(block.level_names, flows, regions, tiers, block.cumulative)
    return ThresholdCell(levels, tuple(outcomes), lapsed, flows)


def allocate_period(
    block: AbsoluteThreshold,
    period: Period,
    regions: Sequence[str],
    values: Mapping[str, Sequence[float]],
    gate: Mapping[str, Sequence[float]] | None,
    weights: Sequence[float],
) -> dict[str, ThresholdCell]:
    """Every group of one period: ``values`` and ``gate`` map each group to its figures per region."""
    out = {}
    for group in block.group_names:
        ok = gate_met(block, gate, group) if block.gate else [True] * len(regions)
        gate_values = gate[group] if block.gate else [float("nan")] * len(regions)
        pots = [block.pot_sek(lv, period, group) for lv in block.levels]
        out[group] = allocate_threshold_cell(block, regions, values[group], ok, gate_values, weights, pots)
    return out


def period_cells(block: AbsoluteThreshold, inp, p: int) -> tuple[dict[str, int], dict[str, ThresholdCell]]:
    """The reference outcome of period ``p`` of a block's arrays (:class:`~.arrays.ThresholdInput`):
    each group's cell index and :class:`ThresholdCell`."""
    rows = {g: c for c, ((_, g), cp) in enumerate(zip(inp.cells, inp.cell_period)) if cp == p}
    gate = {g: inp.gate[c].tolist() for g, c in rows.items()} if block.gate else None
    values = {g: inp.value[c].tolist() for g, c in rows.items()}
    return rows, allocate_period(block, block.periods[p], list(inp.regions), values, gate, inp.weights.tolist())
