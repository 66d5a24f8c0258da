"""Reference allocation of one month and group of an improvement staircase.

This is the specification in code: step by step, with named intermediate values, so that
every amount can be explained. The numba kernel must agree with it to the öre.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..measure import ROUTE_IMPROVEMENT, ROUTE_NONE, improvement_units, shares_bar, tier_and_route
from ..rules.models import ImprovementStaircase


@dataclass(frozen=True)
class BarOutcome:
    """One bar of one cell after the cascade."""

    name: str
    base_pot: float  # pot_share x the cell's pot
    received: float  # cascaded down into this bar from the bars above
    pot: float  # what the bar pays out (0 if it has no members)
    passed_down: float  # handed to the bar below (empty bar, cascade "down")
    lapsed: float  # lapsed here (empty lowest bar, or cascade "lapse")
    members: tuple[str, ...]
    member_weight: float  # sum of the sharing weights of the members


@dataclass(frozen=True)
class RegionOutcome:
    region: str
    current: float
    previous: float
    level: float
    improvement_units: float
    improvement: float  # in the block's unit (pp), rounded to its decimals
    tier: int
    route: int
    weight: float
    by_bar: tuple[float, ...]  # amount from each bar, lowest first
    amount: float


@dataclass(frozen=True)
class CellOutcome:
    pot: float
    bars: tuple[BarOutcome, ...]
    regions: tuple[RegionOutcome, ...]
    lapsed: float

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
    level: list[float],
    weights: list[float],
    pot: float,
) -> CellOutcome:
    """Allocate one month and group's pot among ``regions``.

    ``current``/``previous`` are the block's measure this year and a year earlier, ``level``
    is the target's measure, ``weights`` the sharing key (population, or 1 for equal sharing).
    """
    units = [improvement_units(c, p, block) for c, p in zip(current, previous)]
    tiers_routes = [tier_and_route(u, lv, block) for u, lv in zip(units, level)]
    tiers = [tr[0] for tr in tiers_routes]

    # Bars from the top down: an empty bar hands its money to the bar below (or lapses).
    n_bars = len(block.bars)
    carry, lapsed = 0.0, 0.0
    bars: list[BarOutcome] = [None] * n_bars  # type: ignore[list-item]
    for k in reversed(range(n_bars)):
        bar = block.bars[k]
        base = pot * bar.pot_share
        available = base + carry
        members = tuple(r for r, t in zip(regions, tiers) if shares_bar(t, k, block.cumulative))
        weight = sum(w for w, t in zip(weights, tiers) if shares_bar(t, k, block.cumulative))
        if members:
            bars[k] = BarOutcome(bar.name, base, carry, available, 0.0, 0.0, members, weight)
            carry = 0.0
        elif block.cascade == "down" and k > 0:
            bars[k] = BarOutcome(bar.name, base, carry, 0.0, available, 0.0, (), 0.0)
            carry = available
        else:
            bars[k] = BarOutcome(bar.name, base, carry, 0.0, 0.0, available, (), 0.0)
            lapsed += available
            carry = 0.0

    outcomes = []
    for i, region in enumerate(regions):
        by_bar = []
        amount = 0.0
        for k, b in enumerate(bars):
            share = b.pot * weights[i] / b.member_weight if shares_bar(tiers[i], k, block.cumulative) else 0.0
            by_bar.append(share)
            amount += share
        tier, route = tiers_routes[i]
        outcomes.append(
            RegionOutcome(
                region, current[i], previous[i], level[i], units[i], units[i] / block.scale,
                tier, route, weights[i], tuple(by_bar), amount,
            )
        )
    return CellOutcome(pot, tuple(bars), tuple(outcomes), lapsed)


__all__ = ["ROUTE_IMPROVEMENT", "ROUTE_NONE", "BarOutcome", "CellOutcome", "RegionOutcome", "allocate_cell"]
