"""Reference allocation of a block of requirements with a bonus pot: the specification in code.

Step by step, with named intermediate values, so that every amount can be explained:

1. **Each region's part** of a cell's money (a requirement in a month, or over its period): the
   cell's pot times the region's sharing weight over all regions' weights (population, or equal).
2. **Judgement** (:mod:`.units`): the region's improvement on the same month a year earlier and the
   staircase step it reaches, whether its level is high enough, and so the route that pays and the
   fraction of its part it earns.
3. **Earned** = part x fraction; the **unearned** rest of every part goes to the bonus pot.
4. **The bonus key** (the rule file's ``bonus``): ``earned``, each region's money earned from met
   requirements over the whole block; ``met_population``, its weight if it earned anything;
   ``per_requirement``, what it earned from the cell's own requirement; ``lapse``, nobody.
5. **The bonus**: each cell's unearned money is shared by the key among the regions with data in
   the cell; with no key (nobody earned anything) it lapses.

So in every cell: earned + bonus paid + lapsed = pot. The numba kernel (:mod:`.kernel`) does the
same floating-point operations in the same order and must agree to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..steps import in_units, passes
from .rules import Requirement, RequirementsBonus
from .units import ROUTE_NONE, improvement_units, is_fulfilled, judged


@dataclass(frozen=True)
class RegionJudgement:
    """One region in one cell: its figures, its judgement, its part and what it earned and got."""

    region: str
    current: float  # the requirement's measure this month (or period mean); NaN without an improvement route
    previous: float  # the same a year earlier
    level: float  # the fulfilment measure; NaN without a fulfilment route
    improvement: float  # in the requirement's unit (pp, or % for a relative change), at its decimals
    steps_reached: int
    fulfilled: bool
    tier: int  # the staircase step it is paid at (0: none)
    route: int  # units.ROUTE_NAMES
    fraction: float  # of its part that it earned
    weight: float
    part: float  # its share of the cell's pot by the sharing key
    earned: float
    unearned: float  # part - earned: to the bonus pot
    bonus: float  # its share of this cell's unearned money
    missing: bool  # no data in this cell (computed with allow_missing): not judged, no bonus from it

    @property
    def amount(self) -> float:
        return self.earned + self.bonus


@dataclass(frozen=True)
class CellOutcome:
    """One requirement in one month (or its period): the pot, every region, the bonus and what lapsed."""

    month: str
    requirement: Requirement
    pot: float
    regions: tuple[RegionJudgement, ...]
    earned: float
    unearned: float  # to the bonus pot
    bonus_paid: float
    lapsed: float
    key_total: float  # the bonus key summed over the regions with data (0: nobody to share with)

    def region(self, code: str) -> RegionJudgement:
        return next(r for r in self.regions if r.region == code)


@dataclass(frozen=True)
class RequirementsOutcome:
    """A whole block: its cells in order, and the bonus key of each requirement (J, R)."""

    regions: tuple[str, ...]
    cells: tuple[CellOutcome, ...]
    keys: np.ndarray  # (J, R) the weights each requirement's unearned money is shared by
    reading: str  # the bonus reading

    @property
    def bonus_pot(self) -> float:
        """All unearned money: the bonus pot (cell by cell, in order)."""
        return running_sum(c.unearned for c in self.cells)

    @property
    def bonus_paid(self) -> float:
        return running_sum(c.bonus_paid for c in self.cells)

    @property
    def lapsed(self) -> float:
        return running_sum(c.lapsed for c in self.cells)

    def totals(self, code: str) -> tuple[float, float]:
        """A region's money earned and its bonus, over the block."""
        mine = [c.region(code) for c in self.cells]
        return running_sum(r.earned for r in mine), running_sum(r.bonus for r in mine)


def running_sum(values) -> float:
    """Left to right, as the kernel adds (Python 3.12's ``sum`` of floats compensates: not the same bits)."""
    total = 0.0
    for v in values:
        total += v
    return total


@dataclass(frozen=True)
class RequirementRule:
    """A requirement's rules in whole units, as the judgement reads them."""

    relative: bool
    sign: float
    scale: float
    step_bounds: tuple[float, ...]
    step_inclusive: tuple[bool, ...]
    step_fractions: tuple[float, ...]
    fulfilment_bound: float  # NaN: no fulfilment route
    fulfilment_inclusive: bool
    fulfilment_sign: float
    fulfilment_fraction: float
    fulfilment_tier: int

    @classmethod
    def of(cls, req: Requirement) -> RequirementRule:
        imp, ful = req.improvement, req.fulfilment
        steps = imp.steps if imp else ()
        fraction = ful.fraction if ful else 0.0
        return cls(
            relative=bool(imp and imp.unit == "relative_pct"),
            sign=-1.0 if imp and imp.better == "lower" else 1.0,
            scale=req.scale,
            step_bounds=tuple(float(in_units(s.min_improvement, req.scale)) for s in steps),
            step_inclusive=tuple(s.inclusive for s in steps),
            step_fractions=tuple(s.fraction for s in steps),
            fulfilment_bound=float(in_units(ful.threshold, req.scale)) if ful else np.nan,
            fulfilment_inclusive=bool(ful and ful.inclusive),
            fulfilment_sign=-1.0 if ful and ful.better == "lower" else 1.0,
            fulfilment_fraction=fraction,
            fulfilment_tier=max(1, sum(f <= fraction for f in (s.fraction for s in steps))),
        )


def judge(rule: RequirementRule, current: float, previous: float, level: float) -> tuple[float, int, bool, tuple]:
    """``(improvement units, steps reached, fulfilled, (tier, route, fraction))`` of one region."""
    units = improvement_units(current, previous, rule.relative, rule.sign, rule.scale)
    reached = 0
    for bound, inclusive in zip(rule.step_bounds, rule.step_inclusive):
        reached += 1 if passes(units, bound, inclusive) else 0
    improvement_fraction = rule.step_fractions[reached - 1] if reached > 0 else 0.0
    has_route = not np.isnan(rule.fulfilment_bound)
    fulfilled = has_route and bool(
        is_fulfilled(level, rule.fulfilment_bound, rule.fulfilment_inclusive, rule.fulfilment_sign, rule.scale)
    )
    outcome = judged(reached, improvement_fraction, fulfilled, rule.fulfilment_fraction, rule.fulfilment_tier)
    return units, reached, fulfilled, outcome


def judge_cell(block: RequirementsBonus, inp, c: int, total_weight: float) -> list[dict]:
    """Steps 1-3 for cell ``c`` of a block's arrays: every region's part, judgement and earnings."""
    req = block.requirements[int(inp.cell_requirement[c])]
    rule = RequirementRule.of(req)
    rows = []
    for r, region in enumerate(inp.regions):
        weight = float(inp.weights[r])
        part = float(inp.pots[c]) * weight / total_weight
        missing = inp.missing is not None and bool(inp.missing[c, r])
        current, previous, level = (float(a[c, r]) for a in (inp.current, inp.previous, inp.level))
        units, reached, fulfilled, (tier, route, fraction) = (
            (np.nan, 0, False, (0, ROUTE_NONE, 0.0)) if missing else judge(rule, current, previous, level)
        )
        earned = part * fraction
        rows.append(
            dict(
                region=region,
                current=current,
                previous=previous,
                level=level,
                improvement=units / rule.scale,
                steps_reached=reached,
                fulfilled=fulfilled,
                tier=tier,
                route=route,
                fraction=fraction,
                weight=weight,
                part=part,
                earned=earned,
                unearned=part - earned,
                missing=missing,
            )
        )
    return rows


def bonus_keys(block: RequirementsBonus, inp, judged_cells: list[list[dict]]) -> np.ndarray:
    """Step 4: per requirement (J, R), the weights its unearned money is shared by."""
    mode = block.bonus
    n_req, n_regions = len(block.requirements), len(inp.regions)
    earned = np.zeros((n_req, n_regions))  # per requirement, summed cell by cell in order
    total = np.zeros(n_regions)  # over the block, cell by cell in order
    for c, rows in enumerate(judged_cells):
        j = int(inp.cell_requirement[c])
        for r, row in enumerate(rows):
            earned[j, r] += row["earned"]
            total[r] += row["earned"]
    if mode == "per_requirement":
        return earned
    if mode == "lapse":
        return np.zeros((n_req, n_regions))
    key = total if mode == "earned" else np.where(total > 0.0, inp.weights, 0.0)
    return np.repeat(key[None], n_req, axis=0)


def share_bonus(block: RequirementsBonus, inp, c: int, rows: list[dict], key: np.ndarray) -> CellOutcome:
    """Step 5 for cell ``c``: its unearned money shared by ``key`` among the regions with data in it."""
    unearned = running_sum(row["unearned"] for row in rows)
    key_total = running_sum(float(key[r]) for r, row in enumerate(rows) if not row["missing"])
    shares = block.bonus != "lapse" and key_total > 0.0
    regions = []
    for r, row in enumerate(rows):
        bonus = unearned * float(key[r]) / key_total if shares and not row["missing"] else 0.0
        regions.append(RegionJudgement(**row, bonus=bonus))
    return CellOutcome(
        month=inp.cells[c][0],
        requirement=block.requirements[int(inp.cell_requirement[c])],
        pot=float(inp.pots[c]),
        regions=tuple(regions),
        earned=running_sum(row["earned"] for row in rows),
        unearned=unearned,
        bonus_paid=running_sum(r.bonus for r in regions),
        lapsed=0.0 if shares else unearned,
        key_total=key_total,
    )


def allocate_requirements(block: RequirementsBonus, inp) -> RequirementsOutcome:
    """The whole block on its arrays (a :class:`~.arrays.RequirementsInput`), steps 1 to 5."""
    total_weight = running_sum(float(w) for w in inp.weights)
    judged_cells = [judge_cell(block, inp, c, total_weight) for c in range(len(inp.cells))]
    keys = bonus_keys(block, inp, judged_cells)
    cells = tuple(
        share_bonus(block, inp, c, rows, keys[int(inp.cell_requirement[c])]) for c, rows in enumerate(judged_cells)
    )
    return RequirementsOutcome(tuple(inp.regions), cells, keys, block.bonus)
