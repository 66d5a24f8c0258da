"""Reference allocation of one month and group of an improvement staircase.

This is the specification in code: step by step, with named intermediate values, so that
every amount can be explained. The numba kernel must agree with it to the öre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..steps import BASE, CASCADES, FLOWS, StepOutcome, add_member, cascade, paid, step_outcomes
from .rules import ImprovementStaircase
from .units import ROUTE_IMPROVEMENT, ROUTE_NONE, improvement_units, tier_and_route


@dataclass(frozen=True)
class RegionOutcome:
    region: str
    current: float
    previous: float
    target_share: float  # the target's measure (share_60 in 2019); NaN without a target
    improvement_units: float
    improvement: float  # in the block's unit (pp, or % for a relative change), at its decimals
    tier: int
    route: int
    weight: float
    by_bar: tuple[float, ...]  # amount from each bar, lowest first
    amount: float


@dataclass(frozen=True)
class CellOutcome:
    pot: float
    bars: tuple[StepOutcome, ...]
    regions: tuple[RegionOutcome, ...]
    lapsed: float
    flows: np.ndarray  # (len(FLOWS), bars): see kinds.steps

    @property
    def paid(self) -> float:
        return sum(r.amount for r in self.regions)

    def region(self, code: str) -> RegionOutcome:
        return next(r for r in self.regions if r.region == code)


def allocate_cell(
    block: ImprovementStaircase,
    regions: list[str],
    current: list[float],
    previous: list[float],
    target_share: list[float],
    weights: list[float],
    pot: float,
) -> CellOutcome:
    """Allocate one month and group's pot among ``regions``.

    ``current``/``previous`` are the block's measure this year and a year earlier,
    ``target_share`` the target's measure, ``weights`` the sharing key (population, or 1 for
    equal sharing).
    """
    units = [improvement_units(c, p, block) for c, p in zip(current, previous)]
    tiers_routes = [tier_and_route(u, t, block) for u, t in zip(units, target_share)]
    improvers = any(route == ROUTE_IMPROVEMENT for _, route in tiers_routes)
    if block.target is not None and block.target.needs_improver and not improvers:
        # 4.4.1 read literally: no payment at all in a month in which no region reached a bar by improving.
        tiers_routes = [(0, ROUTE_NONE)] * len(tiers_routes)
    tiers = [tier for tier, _ in tiers_routes]

    # Each bar's own money, who shares it, and the cascade of empty bars' money.
    flows = np.zeros((len(FLOWS), len(block.bars)))
    flows[BASE] = [pot * bar.pot_share for bar in block.bars]
    for tier, weight in zip(tiers, weights):
        add_member(flows, tier, weight, block.cumulative)
    lapsed = cascade(flows, CASCADES.index(block.cascade))

    outcomes = []
    for i, region in enumerate(regions):
        by_bar = np.zeros(len(block.bars))
        amount = paid(flows, tiers[i], weights[i], block.cumulative, by_bar)
        tier, route = tiers_routes[i]
        outcomes.append(
            RegionOutcome(
                region,
                current[i],
                previous[i],
                target_share[i],
                units[i],
                units[i] / block.scale,
                tier,
                route,
                weights[i],
                tuple(by_bar.tolist()),
                amount,
            )
        )
    bars = step_outcomes(block.bar_names, flows, regions, tiers, block.cumulative)
    return CellOutcome(pot, bars, tuple(outcomes), lapsed, flows)


def allocate_input_cell(block: ImprovementStaircase, inp, c: int) -> CellOutcome:
    """Cell ``c`` of a block's arrays (a :class:`~.arrays.StaircaseInput`) through :func:`allocate_cell`."""
    return allocate_cell(
        block,
        list(inp.regions),
        inp.current[c].tolist(),
        inp.previous[c].tolist(),
        inp.target_share[c].tolist(),
        inp.weights.tolist(),
        float(inp.pots[c]),
    )
