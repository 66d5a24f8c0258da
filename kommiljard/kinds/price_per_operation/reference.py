"""Reference allocation of a price-per-operation block: one cell (the block's period), step by step.

The specification in code, with named intermediate values so that every amount can be explained:

1. **Counted operations.** Per region and procedure, the operations of the period above the
   baseline (each earlier year's total over the same months; their mean or highest; a baseline that
   is not whole rounded up when only whole operations count), or every operation.
2. **Earned.** Counted operations times the procedure's price.
3. **Pots and caps.** The block has one pot, or one per procedure. Each region's cap in a pot is the
   pot times its part of the cap key (the caps add up to the pot). A region keeps what it earned in
   the pot, at most its cap. Without caps, money earned above the pot is scaled down pro rata.
4. **Unearned money.** What is left of a pot lapses, or goes to the regions with the most operations
   per inhabitant in the pot's procedure (ties at the last place included), shared by population,
   operations or equally; with ``within_cap`` at most up to each one's cap, the rest lapsing.

Paid + to the top regions + lapsed = the pot, in every pot. The numba kernel must agree to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .pay import SHARINGS, baseline, capped, counted, is_top, share_weight, top_threshold
from .rules import PricePerOperation


@dataclass(frozen=True)
class ProcedureOutcome:
    """One region in one procedure."""

    procedure: str
    operations: float  # performed in the period
    history: tuple[float, ...]  # each baseline year's operations in the same months
    baseline: float  # their mean or highest (NaN when every operation counts)
    counted: float  # operations paid for
    price: float
    earned: float  # counted x price
    paid: float  # for its own operations, after the cap (and pro rata)
    top: float  # from the procedure's unearned money, as one of the top regions
    amount: float  # paid + top


@dataclass(frozen=True)
class PotOutcome:
    """One pot: the block's, or one procedure's."""

    name: str  # the procedure, or "all"
    pot: float
    earned: float  # what the regions earned in it, before caps
    kept: float  # after caps
    scale: float  # the pro rata factor (1: the pot was not overdrawn)
    paid: float  # for the regions' own operations
    unearned: float  # pot - paid
    top_regions: tuple[str, ...]
    to_top: float  # paid to the top regions
    lapsed: float


@dataclass(frozen=True)
class RegionOutcome:
    region: str
    population: float
    procedures: tuple[ProcedureOutcome, ...]
    caps: tuple[float, ...]  # per pot (inf: no cap)
    earned: float  # over every procedure, before caps
    cap: float  # the sum of its caps (inf: no cap)
    paid: float  # for its own operations
    top: float  # as one of the top regions
    amount: float
    share_of_max_pct: float  # paid / cap x 100 (NaN without caps)

    @property
    def reached_cap(self) -> bool:
        return bool(np.isfinite(self.cap)) and self.earned >= self.cap


@dataclass(frozen=True)
class PriceCell:
    pots: tuple[PotOutcome, ...]
    regions: tuple[RegionOutcome, ...]

    @property
    def pot(self) -> float:
        return math.fsum(p.pot for p in self.pots)

    @property
    def lapsed(self) -> float:
        return sum(p.lapsed for p in self.pots)

    @property
    def paid(self) -> float:
        return sum(r.amount for r in self.regions)

    def region(self, code: str) -> RegionOutcome:
        return next(r for r in self.regions if r.region == code)


@dataclass(frozen=True)
class PricePot:
    """The working values of one pot while it is allocated."""

    index: int
    procedures: tuple[int, ...]  # the procedures whose earnings it pays
    money: float


def region_caps(block: PricePerOperation, pot: float, key: Sequence[float], key_sum: float) -> list[float]:
    """Each region's cap in one pot: the pot times the region's part of the key (inf without caps)."""
    if block.cap.key == "none":
        return [math.inf] * len(key)
    return [pot * k / key_sum for k in key]


def earnings(block: PricePerOperation, operations, history) -> tuple[list[list[float]], ...]:
    """Per region and procedure: the baseline, the operations counted and the money earned (counted x price)."""
    above = block.counting == "above_baseline"
    use_max = block.baseline_statistic == "max"
    bases, counts, earned = [], [], []
    for r in range(len(operations)):
        base = [
            baseline([h[r][p] for h in history], use_max) if above else math.nan for p in range(len(block.procedures))
        ]
        count = [float(counted(operations[r][p], base[p], above, block.whole_operations)) for p in range(len(base))]
        bases.append(base)
        counts.append(count)
        earned.append([c * proc.price_sek for c, proc in zip(count, block.procedures)])
    return bases, counts, earned


def top_shares(block: PricePerOperation, unearned: float, ops: Sequence[float], population: Sequence[float]):
    """Who among the regions gets a pot's unearned money (the top regions by operations per inhabitant),
    and each one's share of it (0 for the others)."""
    rates = [o / p for o, p in zip(ops, population)]
    threshold = float(top_threshold(rates, block.unearned.regions, np.zeros(block.unearned.regions)))
    members = [is_top(rate, threshold) for rate in rates]
    code = SHARINGS.index(block.unearned.sharing)
    weights = [share_weight(code, p, o) if m else 0.0 for m, p, o in zip(members, population, ops)]
    weight_sum = 0.0
    for w in weights:
        weight_sum += w
    if weight_sum == 0.0:  # nobody performed an operation: nobody is among the top regions
        return [False] * len(ops), [0.0] * len(ops)
    return members, [unearned * w / weight_sum for w in weights]


@dataclass(frozen=True)
class PotShares:
    """What one pot paid each region: for its own operations, and as one of the top regions."""

    outcome: PotOutcome
    paid: list[float]
    top: list[float]


def allocate_pot(
    block: PricePerOperation, pot: PricePot, regions, earned, caps, *, operations, population
) -> PotShares:
    """One pot: each region keeps what it earned in the pot's procedures up to its cap (scaled down pro
    rata if, without caps, the pot is overdrawn); the rest lapses or goes to the top regions."""
    has_cap = block.cap.key != "none"
    own = []
    for r in range(len(regions)):
        total = 0.0
        for p in pot.procedures:
            total += earned[r][p]
        own.append(total)
    kept = [capped(e, c, has_cap) for e, c in zip(own, caps)]
    kept_sum = _sum(kept)
    scale = pot.money / kept_sum if not has_cap and kept_sum > pot.money else 1.0
    paid = [k * scale for k in kept]
    unearned = 0.0 if scale < 1.0 else max(0.0, pot.money - _sum(paid))
    top, members, lapsed = [0.0] * len(regions), [False] * len(regions), unearned
    if block.unearned.to == "top_regions" and unearned > 0.0:
        ops = [operations[r][pot.procedures[0]] for r in range(len(regions))]
        members, shares = top_shares(block, unearned, ops, population)
        if any(members):
            lapsed = 0.0
            for r, got in enumerate(shares):
                room = caps[r] - paid[r]
                if block.unearned.within_cap and has_cap and got > room:
                    lapsed += got - room
                    got = room
                top[r] = got
    name = block.procedures[pot.procedures[0]].name if block.pot_by == "procedure" else "all"
    outcome = PotOutcome(
        name,
        pot.money,
        _sum(own),
        kept_sum,
        scale,
        _sum(paid),
        unearned,
        tuple(r for r, m in zip(regions, members) if m),
        _sum(top),
        lapsed,
    )
    return PotShares(outcome, paid, top)


def block_pots(block: PricePerOperation) -> list[PricePot]:
    """The block's pots with the procedures each pays for."""
    money = block.pot_sek()
    if block.pot_by == "procedure":
        return [PricePot(p, (p,), money[p]) for p in range(len(block.procedures))]
    return [PricePot(0, tuple(range(len(block.procedures))), money[0])]


def allocate_price_cell(
    block: PricePerOperation,
    regions: Sequence[str],
    operations: Sequence[Sequence[float]],
    history: Sequence[Sequence[Sequence[float]]],
    population: Sequence[float],
    cap_key: Sequence[float],
) -> PriceCell:
    """Allocate the block's period among ``regions``.

    ``operations[r][p]`` are region r's operations of procedure p (the block's order) in the period,
    ``history[y][r][p]`` the same in each baseline year's same months, ``population[r]`` the population
    table's, ``cap_key[r]`` each region's number in the cap key (its population, 1, or the rule file's).
    """
    bases, counts, earned = earnings(block, operations, history)
    key_sum = _sum(cap_key)
    pots = block_pots(block)
    caps = [region_caps(block, pot.money, cap_key, key_sum) for pot in pots]
    shares = [
        allocate_pot(block, pot, regions, earned, caps[s], operations=operations, population=population)
        for s, pot in enumerate(pots)
    ]
    outcomes = []
    for r, region in enumerate(regions):
        procedures = []
        for p, proc in enumerate(block.procedures):
            s = p if block.pot_by == "procedure" else 0
            own = _sum([earned[r][q] for q in pots[s].procedures])
            paid = shares[s].paid[r] if block.pot_by == "procedure" else _part(earned[r][p], shares[s].paid[r], own)
            top = shares[s].top[r] if block.pot_by == "procedure" else 0.0
            history_r = tuple(float(h[r][p]) for h in history)
            procedures.append(
                ProcedureOutcome(
                    proc.name,
                    operations[r][p],
                    history_r,
                    bases[r][p],
                    counts[r][p],
                    proc.price_sek,
                    earned[r][p],
                    paid,
                    top,
                    paid + top,
                )
            )
        outcomes.append(region_outcome(region, population[r], procedures, [c[r] for c in caps], shares, r))
    return PriceCell(tuple(s.outcome for s in shares), tuple(outcomes))


def region_outcome(region: str, population: float, procedures, caps: list[float], shares: list[PotShares], r: int):
    """A region's totals over the pots, in pot order (a region that reached a cap of the block's one pot
    gets exactly its cap)."""
    amount, paid, top = 0.0, 0.0, 0.0
    for s in shares:
        amount += s.paid[r]
        amount += s.top[r]
        paid += s.paid[r]
        top += s.top[r]
    cap = _sum(caps)
    earned = _sum([p.earned for p in procedures])
    pct = paid / cap * 100.0 if math.isfinite(cap) else math.nan
    return RegionOutcome(region, population, tuple(procedures), tuple(caps), earned, cap, paid, top, amount, pct)


def _part(earned: float, paid: float, own: float) -> float:
    """A procedure's part of what a region was paid in a pot of several procedures: in proportion to
    what it earned there."""
    return earned * (paid / own) if own > 0.0 else 0.0


def _sum(values) -> float:
    """Left to right, from 0.0: the order the kernel adds in."""
    total = 0.0
    for v in values:
        total += v
    return total
