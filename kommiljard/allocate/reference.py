"""Reference allocation of one month and group of an improvement staircase.

This is the specification in code: step by step, with named intermediate values, so that
every amount can be explained. The numba kernel must agree with it to the öre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..measure import ROUTE_IMPROVEMENT, ROUTE_NONE, improvement_units, shares_bar, tier_and_route
from ..rules.models import ImprovementStaircase


@dataclass(frozen=True)
class BarOutcome:
    """One step (a bar, or a threshold level) of one cell after the cascade."""

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


def cascade_steps(
    names: Sequence[str],
    bases: Sequence[float],
    regions: Sequence[str],
    tiers: Sequence[int],
    weights: Sequence[float],
    cumulative: bool,
    cascade_down: bool,
) -> tuple[tuple[BarOutcome, ...], float]:
    """The steps (bars or levels, lowest first) after the cascade, and what lapses.

    From the top down: a step nobody shares hands its money to the step below
    (``cascade_down``) or lets it lapse; an empty lowest step always lapses.
    """
    carry, lapsed = 0.0, 0.0
    steps: list[BarOutcome] = [None] * len(names)  # type: ignore[list-item]
    for k in reversed(range(len(names))):
        base = bases[k]
        available = base + carry
        members = tuple(r for r, t in zip(regions, tiers) if shares_bar(t, k, cumulative))
        weight = sum(w for w, t in zip(weights, tiers) if shares_bar(t, k, cumulative))
        if members:
            steps[k] = BarOutcome(names[k], base, carry, available, 0.0, 0.0, members, weight)
            carry = 0.0
        elif cascade_down and k > 0:
            steps[k] = BarOutcome(names[k], base, carry, 0.0, available, 0.0, (), 0.0)
            carry = available
        else:
            steps[k] = BarOutcome(names[k], base, carry, 0.0, 0.0, available, (), 0.0)
            lapsed += available
            carry = 0.0
    return tuple(steps), lapsed


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

    bases = [pot * bar.pot_share for bar in block.bars]
    bars, lapsed = cascade_steps(block.bar_names, bases, regions, tiers, weights, block.cumulative, block.cascade == "down")

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
    return CellOutcome(pot, bars, tuple(outcomes), lapsed)


__all__ = ["ROUTE_IMPROVEMENT", "ROUTE_NONE", "BarOutcome", "CellOutcome", "RegionOutcome", "allocate_cell"]
