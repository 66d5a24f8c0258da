"""Naive references on arrays, written from the rules' text and nothing of the package's code.

Shares are read as exact decimals (``Decimal(repr(x))``), so a bound is reached exactly as a
person reading the agreement would decide it; money is plain float arithmetic. These are
slow and obvious on purpose: the property tests and the benchmarks compare every fast
function of the package with them (see ``tests/comparisons.py``).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np


def exact(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def rounded(x: Decimal, decimals: int) -> Decimal:
    """As a published figure is rounded: half away from zero."""
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) if x.is_finite() else x


def reaches(value: Decimal | None, bound: float, inclusive: bool) -> bool:
    """Whether a value reaches a bound; an undefined value (None) reaches nothing."""
    if value is None:
        return False
    b = exact(bound)
    return value >= b if inclusive else value > b


def improvement(block, current: float, previous: float) -> Decimal | None:
    """The improvement in the block's unit: each share rounded as published to the block's
    decimals, then their difference (pp), or the relative change in percent rounded to the same
    decimals. A relative change from 0 is undefined (None)."""
    now, before = (rounded(exact(x), block.improvement_decimals) for x in (current, previous))
    if block.improvement_unit == "relative_pct":
        if before == 0:
            return None
        return rounded((now - before) / before * 100, block.improvement_decimals)
    return now - before


def share_out(pots: list[float], tiers: list[int], weights: list[float], cumulative: bool, cascade: str):
    """Each step's pot after the cascade, each region's amount, and what lapses.

    An empty step's money goes down to the step below (``down``, ``down_then_up``) or lapses;
    what reaches an empty lowest step lapses, or under ``down_then_up`` goes up to the lowest
    step that has members."""
    k_steps = len(pots)

    def shares(tier: int, k: int) -> bool:
        return tier > k if cumulative else tier == k + 1

    occupied = [any(shares(t, k) for t in tiers) for k in range(k_steps)]
    paid = [0.0] * k_steps
    carry, lapsed = 0.0, 0.0
    for k in reversed(range(k_steps)):
        money = pots[k] + carry
        carry = 0.0
        if occupied[k]:
            paid[k] = money
        elif cascade != "lapse" and k > 0:
            carry = money
        else:
            lapsed += money
    if cascade == "down_then_up" and lapsed > 0 and any(occupied):
        paid[occupied.index(True)] += lapsed
        lapsed = 0.0
    amounts = []
    for t, w in zip(tiers, weights):
        total = 0.0
        for k in range(k_steps):
            if shares(t, k):
                total += paid[k] * w / sum(w2 for t2, w2 in zip(tiers, weights) if shares(t2, k))
        amounts.append(total)
    return amounts, lapsed


def staircase(block, current, previous, target, weights, pots) -> dict[str, np.ndarray]:
    """One or more panels (C, R) of an improvement staircase: amount, tier, route (0 none,
    1 improvement, 2 target) and lapsed per cell."""
    current, previous, target = (np.atleast_2d(a) for a in (current, previous, target))
    out = {
        "amount": np.zeros(current.shape),
        "tier": np.zeros(current.shape, int),
        "route": np.zeros(current.shape, int),
        "lapsed": np.zeros(len(current)),
    }
    t = block.target
    for c in range(len(current)):
        tiers, routes = [], []
        for cur, prev, tgt in zip(current[c], previous[c], target[c]):
            imp = improvement(block, cur, prev)
            tier = sum(reaches(imp, bar.min_improvement, bar.inclusive) for bar in block.bars)
            route = 1 if tier else 0
            not_improved = imp is not None and imp <= 0  # an undefined change is not "did not improve"
            open_to_it = t is not None and (t.entry == "no_bar" or not_improved)
            measured = exact(tgt) if t is None or t.decimals is None else rounded(exact(tgt), t.decimals)
            if not tier and open_to_it and reaches(measured, t.threshold, t.inclusive):
                tier, route = block.bar_names.index(t.bar) + 1, 2
            tiers.append(tier)
            routes.append(route)
        if t is not None and t.needs_improver and 1 not in routes:  # nobody improved into a bar: nobody is paid
            tiers, routes = [0] * len(tiers), [0] * len(routes)
        amounts, lapsed = share_out(
            [pots[c] * b.pot_share for b in block.bars], tiers, list(weights), block.cumulative, block.cascade
        )
        out["amount"][c], out["tier"][c], out["route"][c], out["lapsed"][c] = amounts, tiers, routes, lapsed
    return out


def threshold(block, value, gate, cell_period, weights, pots) -> dict[str, np.ndarray]:
    """One panel (C, R) of an absolute-threshold block, cells period-major: amount, tier, route
    (0 none, 1 threshold, 2 gate not met) and lapsed per cell. ``pots`` is (C, levels)."""
    n_cells, n_regions = value.shape
    out = {
        "amount": np.zeros(value.shape),
        "tier": np.zeros(value.shape, int),
        "route": np.zeros(value.shape, int),
        "lapsed": np.zeros(n_cells),
    }
    for c in range(n_cells):
        tiers, routes = [], []
        for r in range(n_regions):
            ok = True
            if block.gate is not None:
                g = block.gate
                same_period = [c2 for c2 in range(n_cells) if cell_period[c2] == cell_period[c]]
                counted = same_period if g.scope == "all_groups" else [c]
                ok = all(
                    reaches(rounded(exact(gate[c2, r]), block.decimals), g.threshold, g.inclusive) for c2 in counted
                )
            reached = sum(
                reaches(rounded(exact(value[c, r]), block.decimals), lv.threshold, lv.inclusive) for lv in block.levels
            )
            tiers.append(reached if ok else 0)
            routes.append(2 if not ok else (1 if reached else 0))
        amounts, lapsed = share_out(list(pots[c]), tiers, list(weights), block.cumulative, block.cascade)
        out["amount"][c], out["tier"][c], out["route"][c], out["lapsed"][c] = amounts, tiers, routes, lapsed
    return out


def price_per_operation(block, regions, operations, history, population) -> dict[str, np.ndarray]:
    """One panel of a price-per-operation block from the rules' text: ``operations`` (R, P) of
    ``regions`` in the period, ``history`` (Y, R, P) in each earlier year's same months, ``population``
    (R,). Baselines and ranks are exact fractions; money is float. Returns each region's amount, what it
    was paid for its own operations and as one of the top regions, and what lapsed."""
    n_regions, n_procs = operations.shape
    prices = [p.price_sek for p in block.procedures]
    counted = np.zeros((n_regions, n_procs))
    for r in range(n_regions):
        for p in range(n_procs):
            ops = Fraction(int(operations[r, p]))
            if block.counting == "every_operation":
                counted[r, p] = float(ops)
                continue
            years = [Fraction(int(h)) for h in history[:, r, p]]
            base = max(years) if block.baseline_statistic == "max" else sum(years) / len(years)
            if block.whole_operations:
                base = Fraction(math.ceil(base))
            counted[r, p] = float(max(ops - base, Fraction(0)))
    earned = counted * np.array(prices)
    if block.pot_by == "procedure":
        pots = [(block.total_sek * proc.pot_share, [p]) for p, proc in enumerate(block.procedures)]
    else:
        pots = [(block.total_sek, list(range(n_procs)))]
    key = None
    if block.cap.key == "table":
        key = [block.cap.table[r] for r in regions]
    elif block.cap.key != "none":
        key = list(population) if block.cap.key == "population" else [1.0] * n_regions
    paid, top, lapsed = np.zeros(n_regions), np.zeros(n_regions), 0.0
    for money, procs in pots:
        caps = [money * k / sum(key) for k in key] if key is not None else [math.inf] * n_regions
        own = [sum(earned[r, p] for p in procs) for r in range(n_regions)]
        kept = [min(o, c) for o, c in zip(own, caps)]
        if key is None and sum(kept) > money:
            kept = [k * money / sum(kept) for k in kept]
        left = max(money - sum(kept), 0.0)
        paid += kept
        if block.unearned.to == "lapse" or left <= 0.01:
            lapsed += left
            continue
        p = procs[0]
        rates = [Fraction(int(operations[r, p]), int(population[r])) for r in range(n_regions)]
        members = [rate > 0 and sum(other > rate for other in rates) < block.unearned.regions for rate in rates]
        if not any(members):
            lapsed += left
            continue
        weight = {"population": list(population), "operations": list(operations[:, p]), "equal": [1.0] * n_regions}[
            block.unearned.sharing
        ]
        total_weight = sum(w for w, m in zip(weight, members) if m)
        for r in range(n_regions):
            if members[r]:
                share = left * weight[r] / total_weight
                if block.unearned.within_cap and key is not None:
                    share = min(share, caps[r] - kept[r])
                top[r] += share
                lapsed += left * weight[r] / total_weight - share
    return {"amount": paid + top, "paid": paid, "top": top, "lapsed": np.array(lapsed)}


def requirement_judgement(req, current: float, previous: float, level: float) -> tuple[int, int, float]:
    """(tier, route, fraction) of one region in one cell of a requirement: 1 improvement, 2 fulfilment.

    Figures are rounded as published to the requirement's decimals; an improvement is the change in
    the better direction (down for a measure where lower is better), in points or in percent of last
    year's figure. The route that earns the larger fraction pays, improvement on a tie."""
    improvement_fraction, reached = 0.0, 0
    imp = req.improvement
    if imp is not None and current == current and previous == previous:  # x != x: NaN, no figure
        now, before = (rounded(exact(x), req.decimals) for x in (current, previous))
        change = now - before if imp.better == "higher" else before - now
        if imp.unit == "relative_pct":
            change = None if before == 0 else rounded(change / before * 100, req.decimals)
        reached = sum(reaches(change, s.min_improvement, s.inclusive) for s in imp.steps)
        improvement_fraction = imp.steps[reached - 1].fraction if reached else 0.0
    ful = req.fulfilment
    fulfilled = False
    if ful is not None and level == level:
        value, bound = rounded(exact(level), req.decimals), exact(ful.threshold)
        if ful.better == "higher":
            fulfilled = value >= bound if ful.inclusive else value > bound
        else:
            fulfilled = value <= bound if ful.inclusive else value < bound
    if improvement_fraction > 0 and (not fulfilled or improvement_fraction >= ful.fraction):
        return reached, 1, improvement_fraction
    if fulfilled:
        steps = imp.steps if imp is not None else ()
        return max(1, sum(s.fraction <= ful.fraction for s in steps)), 2, ful.fraction
    return 0, 0, 0.0


def requirements(block, figures, *, cell_requirement, weights, pots, missing) -> dict[str, np.ndarray]:
    """One panel (C, R) of a block of requirements with a bonus pot (``figures``: current, previous and level,
    each (C, R)): each region's part of a cell by
    the sharing key, the fraction it earns, and its share of the unearned money (the bonus pot) by the
    block's reading; amount (earned + bonus), earned, bonus, tier, route per region and cell, lapsed per cell."""
    current, previous, level = figures
    n_cells, n_regions = current.shape
    total_weight = float(sum(weights))
    part = np.array([[pots[c] * weights[r] / total_weight for r in range(n_regions)] for c in range(n_cells)])
    tier, route = np.zeros((n_cells, n_regions), int), np.zeros((n_cells, n_regions), int)
    fraction = np.zeros((n_cells, n_regions))
    for c in range(n_cells):
        req = block.requirements[cell_requirement[c]]
        for r in range(n_regions):
            if not missing[c, r]:
                tier[c, r], route[c, r], fraction[c, r] = requirement_judgement(
                    req, current[c, r], previous[c, r], level[c, r]
                )
    earned = part * fraction
    unearned = (part - earned).sum(axis=1)
    earned_in_year = earned.sum(axis=0)
    bonus = np.zeros((n_cells, n_regions))
    lapsed = np.zeros(n_cells)
    for c in range(n_cells):
        if block.bonus == "earned":
            key = earned_in_year
        elif block.bonus == "met_population":
            key = np.where(earned_in_year > 0, weights, 0.0)
        elif block.bonus == "per_requirement":
            same = [c2 for c2 in range(n_cells) if cell_requirement[c2] == cell_requirement[c]]
            key = earned[same].sum(axis=0)
        else:
            key = np.zeros(n_regions)
        key = np.where(missing[c], 0.0, key)
        if key.sum() > 0:
            bonus[c] = unearned[c] * key / key.sum()
        else:
            lapsed[c] = unearned[c]
    return {
        "amount": earned + bonus,
        "earned": earned,
        "bonus": bonus,
        "tier": tier,
        "route": route,
        "lapsed": lapsed,
    }
