"""Competing implementations of what the sweep kernel computes, for the benchmarks.

Each takes a case of ``tests/comparisons.py`` (the 2019 staircase's cells, (T, C, R) float64
shares) and returns per trajectory, group and region the amount summed over the months and
the highest tier, as ``staircase_outcomes`` does.

The numpy contender is tuned (one thread, real draws of the default scenario): every buffer is
allocated once per chunk size; shares become int16 tenths ``SUB`` trajectories at a time, the
rest works on ``CHUNK`` trajectories; the grid check is a gather (``x == GRID[uint16(int16(rint(10
x)))]``), no division; cells are month-major; each bar's member weight comes from one
``bincount`` over ``4 * cell + tier`` and each region's amount from one gather of per-cell rates
at the same index (both measured faster than ``einsum``/``matmul`` forms); the cascade runs on
vectors of cells with products by masks instead of ``where``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommiljard.kinds.staircase.kernel import Outcomes, StaircaseParams
from kommiljard.kinds.steps import DOWN, DOWN_THEN_UP, in_units

from comparisons import REGIONS, StaircaseCase, by_group, sweep_sources

# ----------------------------------------------------------------------------- the tuned numpy contender

CHUNK = 1024  # trajectories per chunk of the contender
SUB = 128  # trajectories converted to int16 tenths at a time (the float temporaries stay in the cache)
N_TIERS = 4  # tiers 0 to 3: the contender pads the bars to three
NEVER = 2001  # a difference of two shares in tenths never reaches this
GRID = np.full(2**16, np.nan)  # GRID[u] is u / 10 for u on the 0.1 grid (0 to 1000), NaN for any other uint16
GRID[:1001] = np.arange(1001) / 10.0


@dataclass(frozen=True)
class TenthsRules:
    """A staircase's rules for shares in int16 tenths: integer bounds, padded to three bars.

    Shares on the published 0.1 grid are exact integers ``a = 10 s``; an improvement of
    ``a - b`` tenths is then exactly ``(a - b) * 10 ** (D - 1)`` units of the rules
    (``D = improvement_decimals >= 1``), so each bound becomes the least difference in tenths
    that passes it.
    """

    bounds: np.ndarray  # (3,) int16
    target_bound: int  # least share_60 in tenths that opens the target's bar
    target_tier: int  # 0: no target
    shares: np.ndarray  # (3,) bar shares, 0 for padding
    cumulative: bool
    cascade_down: bool

    @classmethod
    def of(cls, p: StaircaseParams) -> TenthsRules | None:
        """The rules in tenths, or None for what the contender does not do (relative improvement, under 1
        decimal, more than three bars, the literal 4.4.1 reading, an empty blue bar's money passed up)."""
        decimals = round(math.log10(p.scale))
        unsupported = not p.target_if_improved or p.needs_improver or p.cascade_mode == DOWN_THEN_UP
        if p.relative or not 1 <= decimals <= 9 or len(p.bar_share) > 3 or unsupported:
            return None
        factor = 10 ** (decimals - 1)

        def least(units: float, inclusive: bool) -> int:
            u = int(units)
            return max(-NEVER, min(NEVER, -(-u // factor) if inclusive else u // factor + 1))

        bounds = np.full(3, NEVER, np.int16)
        shares = np.zeros(3)
        for k, (b, inc, share) in enumerate(zip(p.bar_bound, p.bar_inclusive, p.bar_share)):
            bounds[k], shares[k] = least(b, bool(inc)), share
        has = p.target_bar >= 0
        target = round(p.target_bound * 10, 9)  # the target's share as written, in tenths (71.0 -> 710)
        return cls(
            bounds,
            (math.ceil(target) if p.target_inclusive else math.floor(target) + 1) if has else NEVER,
            p.target_bar + 1 if has else 0,
            shares,
            bool(p.cumulative),
            p.cascade_mode == DOWN,
        )


class _Tenths:
    """int16 tenths of up to ``shape[0]`` trajectories of shares, converted ``sub`` at a time."""

    def __init__(self, shape: tuple[int, ...], sub: int):
        self.sub = min(sub, shape[0])
        small = (self.sub, *shape[1:])
        self.scaled, self.grid = np.empty(small), np.empty(small)
        self.ok, self.index = np.empty(small, np.bool_), np.empty(small, np.intp)
        self.tenths = np.empty(shape, np.int16)

    @np.errstate(invalid="ignore")  # NaN and huge shares cast to garbage; GRID rejects them
    def __call__(self, shares: np.ndarray) -> np.ndarray | None:
        """The tenths of ``shares`` (a view of this object's buffer), or None if one is off the grid."""
        n = len(shares)
        for a in range(0, n, self.sub):
            b = min(a + self.sub, n)
            k = b - a
            x, y, t = shares[a:b], self.scaled[:k], self.tenths[a:b]
            np.multiply(x, 10.0, out=y)
            np.rint(y, out=y)
            np.copyto(t, y, casting="unsafe")  # out-of-range values wrap; GRID rejects them below
            np.copyto(self.index[:k], t.view(np.uint16))
            GRID.take(self.index[:k], out=self.grid[:k], mode="clip")
            np.equal(self.grid[:k], x, out=self.ok[:k])
            if not self.ok[:k].all():
                return None
        return self.tenths[:n]


class _Chunk:
    """The buffers and constants for chunks of ``size`` trajectories (allocated once: a fresh
    temporary of a few MB is a fresh mapping whose page faults cost as much as the arithmetic)."""

    def __init__(self, size: int, sub: int, shapes: tuple, rules: TenthsRules, weights, pots, sources):
        n_months, n_groups, n_regions = shapes
        self.size, self.rules = size, rules
        by_source: dict[int, _Tenths] = {}  # share_90, read twice (this year and last), is converted once
        self.conv = [by_source.setdefault(id(s), _Tenths((size, *s.shape[1:]), sub)) for s in sources]
        cells = (n_months, size, n_groups, n_regions)  # month-major: sums over the months add whole slabs
        self.diff, self.tier = np.empty(cells, np.int16), np.empty(cells, np.int8)
        self.hit, self.none = np.empty(cells, np.bool_), np.empty(cells, np.bool_)
        self.n_cells = n_months * size * n_groups
        self.base = np.repeat(np.arange(0, N_TIERS * self.n_cells, N_TIERS), n_regions)
        self.index = np.empty(self.base.size, np.intp)
        self.weight_of = np.tile(weights, self.n_cells)
        self.weight_full = np.tile(weights, (size, n_groups))
        pot = np.repeat(np.asarray(pots, np.float64).reshape(n_months, 1, n_groups), size, axis=1).ravel()
        self.own_pot = rules.shares[:, None] * pot  # (bars, cells): each bar's money before the cascade
        self.rates = np.zeros((self.n_cells, N_TIERS))  # column n: what a region of tier n gets per unit weight
        self.paid = np.empty((n_months, size, n_groups * n_regions))

    def run(self, rows: tuple[np.ndarray, ...], indexes, amount: np.ndarray, tier: np.ndarray) -> bool:
        """Fill ``amount`` and ``tier`` (size, G, R) from these rows of the sources; False if one is off the grid."""
        rules = self.rules
        tenths = {}
        for conv, x in zip(self.conv, rows):
            if id(conv) not in tenths:
                tenths[id(conv)] = conv(x)
                if tenths[id(conv)] is None:
                    return False
        (cur, prev, lev), (cur_idx, prev_idx, lev_idx) = [tenths[id(conv)] for conv in self.conv], indexes
        d, n, hit = self.diff, self.tier, self.hit
        for m in range(len(cur_idx)):
            np.subtract(cur[:, cur_idx[m]], prev[:, prev_idx[m]], out=d[m])
        np.greater_equal(d, rules.bounds[0], out=n.view(np.bool_))
        for b in rules.bounds[1:]:
            np.greater_equal(d, b, out=hit)
            n += hit.view(np.int8)
        if rules.target_tier:
            for m in range(len(lev_idx)):
                np.greater_equal(lev[:, lev_idx[m]], np.int16(rules.target_bound), out=hit[m])
            np.equal(n, 0, out=self.none)
            hit &= self.none
            n += hit.view(np.int8) * np.int8(rules.target_tier)
        # Each tier's weight per cell from one bincount over 4 * cell + tier; each bar's from the tiers that share it.
        np.copyto(self.index, n.reshape(-1))
        self.index += self.base
        by_tier = np.bincount(self.index, weights=self.weight_of, minlength=N_TIERS * self.n_cells).reshape(-1, N_TIERS)
        if rules.cumulative:
            w2 = by_tier[:, 3]
            w1 = by_tier[:, 2] + w2
            weight = (by_tier[:, 1] + w1, w1, w2)
        else:
            weight = (by_tier[:, 1], by_tier[:, 2], by_tier[:, 3])
        carry = 0.0
        rate = [None] * 3
        for k in (2, 1, 0):  # the cascade, on vectors of cells: products by "the bar has members", no where
            available = self.own_pot[k] + carry
            has = weight[k] > 0.0
            paid = available * has
            if rules.cascade_down and k > 0:
                carry = available - paid
            rate[k] = paid / (weight[k] + ~has)  # 0 for a bar nobody shares
        rates = self.rates
        rates[:, 1] = rate[0]
        if rules.cumulative:
            np.add(rate[0], rate[1], out=rates[:, 2])
            np.add(rates[:, 2], rate[2], out=rates[:, 3])
        else:
            rates[:, 2], rates[:, 3] = rate[1], rate[2]
        per = self.paid  # each region's rate, gathered at the same index as the bincount
        rates.reshape(-1).take(self.index, out=per.reshape(-1), mode="clip")
        flat_amount, flat_tier = amount.reshape(len(amount), -1), tier.reshape(len(tier), -1)
        by_month = n.reshape(len(per), len(amount), -1)
        np.copyto(flat_amount, per[0])
        np.copyto(flat_tier, by_month[0])
        for m in range(1, len(per)):
            flat_amount += per[m]
            np.maximum(flat_tier, by_month[m], out=flat_tier)
        flat_amount *= self.weight_full
        return True


def numpy_sweep_outcomes(
    params: StaircaseParams, current, previous, target, weights, pots, n_groups: int, chunk=CHUNK, sub=SUB
) -> Outcomes | None:
    """What :func:`~kommiljard.kinds.staircase.kernel.staircase_outcomes` returns (same arguments, one
    thread), in numpy: no Python loop over trajectories, regions or cells (only over months, bars
    and chunks). None when the rules have no tenths form, a weight is not positive or a share is off
    the 0.1 grid. Amounts agree to about 1e-7 kr (other additions), tiers exactly.
    """
    rules = TenthsRules.of(params)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if rules is None or not (weights > 0).all():
        return None
    (cur, cur_idx), (prev, prev_idx) = current, previous
    lev, lev_idx = target if rules.target_tier else (cur, cur_idx)
    sources = tuple(np.ascontiguousarray(s, dtype=np.float64) for s in (cur, prev, lev))  # share_90 stays one array
    indexes = tuple([int(i) for i in idx] for idx in (cur_idx, prev_idx, lev_idx))
    n_traj, n_regions = len(sources[0]), sources[0].shape[-1]
    shapes = (len(indexes[0]), n_groups, n_regions)
    out = Outcomes(np.empty((n_traj, n_groups, n_regions)), np.empty((n_traj, n_groups, n_regions), np.int8))
    work = None
    for a in range(0, n_traj, chunk):
        b = min(a + chunk, n_traj)
        if work is None or work.size != b - a:  # the first chunk, and a last, shorter one
            work = _Chunk(b - a, sub, shapes, rules, weights, pots, sources)
        if not work.run(tuple(s[a:b] for s in sources), indexes, out.amount[a:b], out.tier[a:b]):
            return None
    return out


def numpy_outcomes(case: StaircaseCase) -> dict[str, np.ndarray]:
    """The tuned numpy contender on a case of ``tests/comparisons.py`` (its sweep sources)."""
    current, previous, target, groups = sweep_sources(case)
    res = numpy_sweep_outcomes(
        StaircaseParams.from_block(case.block), current, previous, target, case.weights, case.pots, groups
    )
    if res is None:
        raise ValueError("the numpy contender needs shares on the 0.1 grid and rules with a tenths form")
    return {"amount": res.amount, "tier": res.tier}


def pandas_outcomes(case: StaircaseCase) -> dict[str, np.ndarray]:
    """What most analysts write: groupby(trajectory, cell).apply over a long table."""
    p = StaircaseParams.from_block(case.block)
    n_traj, n_cells, n_regions = case.current.shape
    index = pd.MultiIndex.from_product([range(n_traj), range(n_cells), REGIONS], names=["trajectory", "cell", "region"])
    table = pd.DataFrame(
        {
            "share_90": case.current.ravel(),
            "share_90_last_year": case.previous.ravel(),
            "share_60": case.target.ravel(),
            "population": np.tile(case.weights, n_traj * n_cells),
            "pot": np.repeat(np.tile(case.pots, n_traj), n_regions),
        },
        index=index,
    ).reset_index()

    def allocate(g: pd.DataFrame) -> pd.DataFrame:
        units = in_units(g["share_90"], p.scale) - in_units(g["share_90_last_year"], p.scale)
        tier = sum((units >= b) if inc else (units > b) for b, inc in zip(p.bar_bound, p.bar_inclusive))
        if p.target_bar >= 0:
            at_target = g["share_60"] >= p.target_bound if p.target_inclusive else g["share_60"] > p.target_bound
            tier = tier.where(~((tier == 0) & at_target), p.target_bar + 1)
        amount = pd.Series(0.0, index=g.index)
        carry = 0.0
        for k in range(len(p.bar_share) - 1, -1, -1):
            available = g["pot"].iloc[0] * p.bar_share[k] + carry
            member = tier >= k + 1 if p.cumulative else tier == k + 1
            if member.any():
                amount += available * g["population"].where(member, 0.0) / g.loc[member, "population"].sum()
                carry = 0.0
            else:
                carry = available if p.cascade_mode >= DOWN and k > 0 else 0.0
        return pd.DataFrame({"amount": amount, "tier": tier})

    out = table.groupby(["trajectory", "cell"], group_keys=False).apply(allocate, include_groups=False)
    shape = (n_traj, n_cells, n_regions)
    return by_group(
        {"amount": out["amount"].to_numpy().reshape(shape), "tier": out["tier"].to_numpy().reshape(shape)},
        len(case.block.group_names),
    )
