"""numba kernel of the improvement staircase over many trajectories, months and groups.

It does what :mod:`kommiljard.allocate.reference` does, in the same order of floating-point
operations, so that both agree to the öre (tests compare them on random panels). fastmath
stays off: this is money.

Shares on the 0.1 grid take a fast path: the same kernel on int16 tenths, with the bounds
turned into whole tenths (:mod:`kommiljard.allocate.tenths`), so every threshold comparison
is between integers. Sweeps that need only each trajectory's totals use
:mod:`kommiljard.allocate.batch` instead, which is faster still. :func:`staircase_outcomes`
is what ``kommiljard sweep`` uses: per group amounts summed over the months and the highest
tier, the same bits as :func:`run_staircase`, straight from the drawn float64 shares.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from ..measure import bound_units
from ..rules.models import ImprovementStaircase
from .tenths import MAX_TENTHS, TenthsRules, shares_to_tenths


@dataclass(frozen=True)
class StaircaseParams:
    """A staircase block's rules as the flat arrays and scalars the kernel takes."""

    bar_share: np.ndarray  # (K,) float64, lowest bar first
    bar_bound: np.ndarray  # (K,) float64, in whole units
    bar_inclusive: np.ndarray  # (K,) bool
    target_bar: int  # -1: no target
    target_bound: float
    target_inclusive: bool
    relative: bool
    scale: float
    cumulative: bool
    cascade_down: bool

    @classmethod
    def from_block(cls, block: ImprovementStaircase) -> StaircaseParams:
        t = block.target
        return cls(
            bar_share=np.array([b.pot_share for b in block.bars], dtype=np.float64),
            bar_bound=np.array([bound_units(b.min_improvement, block) for b in block.bars], dtype=np.float64),
            bar_inclusive=np.array([b.inclusive for b in block.bars], dtype=np.bool_),
            target_bar=block.bar_names.index(t.bar) if t is not None else -1,
            target_bound=bound_units(t.threshold, block) if t is not None else 0.0,
            target_inclusive=bool(t.inclusive) if t is not None else True,
            relative=block.improvement_unit == "relative_pct",
            scale=block.scale,
            cumulative=block.cumulative,
            cascade_down=block.cascade == "down",
        )


@njit(cache=True)
def _improvement_units(cur, prev, relative, scale):
    diff = cur - prev
    if relative:
        if prev == 0.0:
            if diff == 0.0:
                return 0.0
            return np.inf if diff > 0.0 else -np.inf
        diff = diff / prev * 100.0
    return np.rint(diff * scale)


@njit(cache=True)
def passes(units, bound, inclusive):
    return units >= bound if inclusive else units > bound


@njit(cache=True)
def shares_step(tier, k, cumulative):
    """Whether a region of this tier shares step ``k`` (a bar or a level; 0 = lowest)."""
    return tier >= k + 1 if cumulative else tier == k + 1


@njit(cache=True)
def cascade_in_place(pot, count, cascade_down):
    """Turn base pots per step (lowest first) into what each step pays; return what lapses.

    From the top down, an empty step hands its money to the step below (``cascade_down``)
    or lets it lapse; an empty lowest step always lapses. The same order of additions as
    the reference implementations.
    """
    carry = 0.0
    lapse = 0.0
    for k in range(pot.shape[0] - 1, -1, -1):
        available = pot[k] + carry
        if count[k] > 0:
            pot[k] = available
            carry = 0.0
        elif cascade_down and k > 0:
            pot[k] = 0.0
            carry = available
        else:
            pot[k] = 0.0
            lapse += available
            carry = 0.0
    return lapse


@njit(cache=True)
def region_amount(tier, pot, step_weight, weight, cumulative):
    """A region's amount: its weight's share of every step it shares, lowest step first."""
    a = 0.0
    for k in range(pot.shape[0]):
        if shares_step(tier, k, cumulative):
            a += pot[k] * weight / step_weight[k]
    return a


@njit(parallel=True, cache=False)
def staircase_kernel(
    current, previous, level, weights, pots,
    bar_share, bar_bound, bar_inclusive,
    target_bar, target_bound, target_inclusive,
    relative, scale, cumulative, cascade_down,
    amount, tier, route, improvement, lapsed, scratch,
):  # fmt: skip
    """Fill ``amount``/``tier``/``route``/``improvement`` (T, C, R) and ``lapsed`` (T, C).

    ``scratch`` is (threads, 3, bars) float64, one row per thread of the pool, so the loops
    allocate nothing. ``current``/``previous``/``level`` may be float64 shares or integers
    (tenths, with bounds in tenths and ``scale`` 1).
    """
    n_traj, n_cells, n_regions = current.shape
    n_bars = bar_share.shape[0]
    for t in prange(n_traj):
        own = scratch[numba.get_thread_id()]
        bar_pot, bar_weight, bar_count = own[0], own[1], own[2]
        for c in range(n_cells):
            for k in range(n_bars):
                bar_weight[k] = 0.0
                bar_count[k] = 0.0
            for r in range(n_regions):
                units = _improvement_units(current[t, c, r], previous[t, c, r], relative, scale)
                n = 0
                for k in range(n_bars):
                    if passes(units, bar_bound[k], bar_inclusive[k]):
                        n += 1
                rt = 1 if n > 0 else 0
                if n == 0 and target_bar >= 0:
                    if passes(np.rint(level[t, c, r] * scale), target_bound, target_inclusive):
                        n = target_bar + 1
                        rt = 2
                tier[t, c, r] = n
                route[t, c, r] = rt
                improvement[t, c, r] = units / scale
                for k in range(n_bars):
                    if shares_step(n, k, cumulative):
                        bar_weight[k] += weights[r]
                        bar_count[k] += 1.0
            for k in range(n_bars):
                bar_pot[k] = pots[c] * bar_share[k]
            lapsed[t, c] = cascade_in_place(bar_pot, bar_count, cascade_down)
            for r in range(n_regions):
                amount[t, c, r] = region_amount(tier[t, c, r], bar_pot, bar_weight, weights[r], cumulative)


@dataclass(frozen=True)
class StaircaseResult:
    amount: np.ndarray  # (T, C, R) float64
    tier: np.ndarray  # (T, C, R) int8
    route: np.ndarray  # (T, C, R) int8
    improvement: np.ndarray  # (T, C, R) float64, in the block's unit
    lapsed: np.ndarray  # (T, C) float64


def tenths_inputs(params: StaircaseParams, current, previous, level) -> tuple[TenthsRules, tuple] | None:
    """The rules and inputs of the tenths path, or None when it does not apply.

    It applies when the rules have a tenths form (:meth:`TenthsRules.from_params`) and every
    share is on the 0.1 grid (:func:`shares_to_tenths`); without a target ``level`` is unused.
    """
    rules = TenthsRules.from_params(params)
    if rules is None:
        return None
    cur, prev = shares_to_tenths(current), shares_to_tenths(previous)
    lev = shares_to_tenths(level) if rules.target_tier else np.zeros(np.shape(current), np.int16)
    if cur is None or prev is None or lev is None:
        return None
    return rules, (cur, prev, lev)


def run_staircase(params: StaircaseParams, current, previous, level, weights, pots, *, tenths: bool = True) -> StaircaseResult:
    """Run the kernel on (T, C, R) arrays (or (C, R) for one trajectory).

    With ``tenths`` (the default) shares on the 0.1 grid run as int16 tenths with integer
    bound comparisons; anything else (or ``tenths=False``) runs on float64 shares. The two
    paths give the same tiers, routes, improvements and amounts, to the last bit.
    """
    single = np.ndim(current) == 2
    fast = tenths_inputs(params, current, previous, level) if tenths else None
    if fast is None:
        arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (current, previous, level)]
        kernel_params = params
    else:
        rules, arrays = fast
        arrays = [np.ascontiguousarray(a) for a in arrays]
        kernel_params = _tenths_params(params, rules)
    if single:
        arrays = [a[None] for a in arrays]
    cur, prev, lev = arrays
    shape = cur.shape
    out = StaircaseResult(
        np.empty(shape), np.empty(shape, np.int8), np.empty(shape, np.int8), np.empty(shape), np.empty(shape[:2])
    )
    p = kernel_params
    scratch = np.empty((numba.config.NUMBA_NUM_THREADS, 3, len(p.bar_share)))
    staircase_kernel(
        cur, prev, lev,
        np.ascontiguousarray(weights, dtype=np.float64), np.ascontiguousarray(pots, dtype=np.float64),
        p.bar_share, p.bar_bound, p.bar_inclusive,
        p.target_bar, p.target_bound, p.target_inclusive,
        p.relative, p.scale, p.cumulative, p.cascade_down,
        out.amount, out.tier, out.route, out.improvement, out.lapsed, scratch,
    )  # fmt: skip
    if fast is not None:
        # The kernel reports tenths; the reference reports (tenths * 10**(D-1)) / 10**D.
        np.divide(out.improvement * 10.0 ** (rules.decimals - 1), params.scale, out=out.improvement)
    if single:
        return StaircaseResult(*(a[0] for a in (out.amount, out.tier, out.route, out.improvement, out.lapsed)))
    return out


def _tenths_params(params: StaircaseParams, rules: TenthsRules) -> StaircaseParams:
    """``params`` with bounds in whole tenths (all inclusive) and scale 1, for int16 inputs."""
    n_bars = len(params.bar_share)
    return StaircaseParams(
        bar_share=params.bar_share,
        bar_bound=rules.bounds[:n_bars].astype(np.float64),
        bar_inclusive=np.ones(n_bars, dtype=np.bool_),
        target_bar=params.target_bar,
        target_bound=float(rules.target_bound),
        target_inclusive=True,
        relative=False,
        scale=1.0,
        cumulative=params.cumulative,
        cascade_down=params.cascade_down,
    )


# ---------------------------------------------------------------------------------------
# Sweep outcomes: per group amounts summed over the months, and the highest tier.
# ---------------------------------------------------------------------------------------


_GRID = np.arange(MAX_TENTHS + 1) / 10.0  # tenths / 10.0, as shares_to_tenths computes it (a lookup, not a division)


@njit(inline="always")
def _grid_tenths(value):
    """``value`` (percent) as whole tenths and whether it is exactly on the 0.1 grid (as
    :func:`~kommiljard.allocate.tenths.shares_to_tenths` decides, one value at a time)."""
    t = np.rint(value * 10.0)
    inside = (t >= 0.0) & (t <= 1000.0)
    i = np.int64(t) if inside else np.int64(0)
    return i, inside & (t / 10.0 == value)


@njit(inline="always")
def _member(n, k, cumulative):
    return (n >= k + 1) if cumulative else (n == k + 1)


@njit(inline="always")
def _cascade(available, weight, cascade_down, top):
    """This bar's pot and the money handed down, as :func:`staircase_kernel` decides them
    (it asks whether the bar has members; with positive weights, whether ``weight > 0``)."""
    if weight > 0.0:
        return available, 0.0
    if cascade_down and not top:
        return 0.0, available
    return 0.0, 0.0


@njit(nogil=True, cache=True, error_model="numpy")
def outcomes_kernel(
    cur_src, cur_idx, prev_src, prev_idx, lev_src, lev_idx, weights, pots,
    shares, bounds, target_bound, target_tier, cumulative, cascade_down,
    amount, tier, off_grid,
):  # fmt: skip
    """Fill ``amount`` and ``tier`` (T, G, R) from float64 shares on the 0.1 grid.

    Sources are (T, X, G, R) arrays of shares in percent; month ``m`` of the block reads
    ``cur_src[:, cur_idx[m]]``, ``prev_src[:, prev_idx[m]]`` and (with a target,
    ``target_tier > 0``) ``lev_src[:, lev_idx[m]]``; cell ``c = m * G + g`` as in
    :func:`~kommiljard.cube.block_cells`. ``amount[t, g, r]`` is the sum over the months, in
    month order, of what :func:`staircase_kernel` pays in that cell, with the same operations
    in the same order (so the same bits: a bar a region does not share adds +0.0, which
    changes nothing); ``tier[t, g, r]`` the highest tier over the months. Bars are padded
    to three, as in :class:`~kommiljard.allocate.tenths.TenthsRules` (``shares``,
    ``bounds`` in whole tenths, ``target_bound``, ``target_tier``); a padded bar has no
    members and no pot, so it pays and hands down nothing. Weights must be positive.
    A trajectory with a share read that is not exactly on the grid gets ``off_grid[t] = 1``
    (its outputs are then meaningless). The loops have no data-dependent branches (the
    shares are random, so branches would be mispredicted). Serial and cached, and it
    releases the GIL: :func:`staircase_outcomes` runs it on slices of trajectories in
    threads, so a sweep does not compile a parallel kernel on every run.
    """
    n_traj, n_groups, n_regions = amount.shape
    n_months = cur_idx.shape[0]
    b0, b1, b2 = bounds[0], bounds[1], bounds[2]
    has_target = target_tier > 0
    tiers = np.empty(n_regions, np.int64)
    paid = np.empty(n_regions)
    for t in range(n_traj):
        bad = False
        for m in range(n_months):
            mc, mp = cur_idx[m], prev_idx[m]
            ml = lev_idx[m] if has_target else 0
            for g in range(n_groups):
                c = m * n_groups + g
                for r in range(n_regions):
                    a, ok_a = _grid_tenths(cur_src[t, mc, g, r])
                    b, ok_b = _grid_tenths(prev_src[t, mp, g, r])
                    d = a - b
                    n = np.int64(d >= b0) + np.int64(d >= b1) + np.int64(d >= b2)
                    ok = ok_a & ok_b
                    if has_target:
                        lv, ok_l = _grid_tenths(lev_src[t, ml, g, r])
                        ok = ok & ok_l
                        n = target_tier if (n == 0) & (lv >= target_bound) else n
                    bad = bad | (not ok)
                    tiers[r] = n
                # Each bar's members' weight, in region order. A weight times 1.0 or 0.0 is
                # exact, and adding +0.0 changes nothing: the sums are staircase_kernel's,
                # and no data-dependent branch is taken (selects between floats compile to
                # branches, mispredicted on random shares). Weights are positive, so a bar
                # has members exactly when its weight is above 0.
                w0 = w1 = w2 = 0.0
                for r in range(n_regions):
                    n, wr = tiers[r], weights[r]
                    w0 += wr * np.float64(_member(n, 0, cumulative))
                    w1 += wr * np.float64(_member(n, 1, cumulative))
                    w2 += wr * np.float64(_member(n, 2, cumulative))
                pot = pots[c]
                p2, carry = _cascade(pot * shares[2] + 0.0, w2, cascade_down, False)
                p1, carry = _cascade(pot * shares[1] + carry, w1, cascade_down, False)
                p0, carry = _cascade(pot * shares[0] + carry, w0, cascade_down, True)
                # What each region is paid: the bars it shares, lowest first, each p * w / W
                # (times 1.0; a bar it does not share adds 0.0, with W = 1 if nobody shares it).
                d0, d1, d2 = (w0 if w0 > 0.0 else 1.0), (w1 if w1 > 0.0 else 1.0), (w2 if w2 > 0.0 else 1.0)
                for r in range(n_regions):
                    n, wr = tiers[r], weights[r]
                    x = 0.0
                    x += p0 * wr / d0 * np.float64(_member(n, 0, cumulative))
                    x += p1 * wr / d1 * np.float64(_member(n, 1, cumulative))
                    x += p2 * wr / d2 * np.float64(_member(n, 2, cumulative))
                    paid[r] = x
                if m == 0:
                    for r in range(n_regions):
                        amount[t, g, r] = paid[r]
                        tier[t, g, r] = tiers[r]
                else:
                    for r in range(n_regions):
                        amount[t, g, r] += paid[r]
                        tier[t, g, r] = max(tier[t, g, r], tiers[r])
        off_grid[t] = 1 if bad else 0


@dataclass(frozen=True)
class Outcomes:
    amount: np.ndarray  # (T, G, R) float64, summed over the block's months in month order
    tier: np.ndarray  # (T, G, R) int8, the highest tier over the months


def staircase_outcomes(
    params: StaircaseParams, current, previous, level, weights, pots, n_groups: int, threads: int = 1
) -> Outcomes | None:
    """Per group amounts and highest tiers of many trajectories, or None if the fast path does not apply.

    ``current``, ``previous`` and ``level`` are each ``(source, months)``: ``source`` a
    (T, X, G, R) float64 array of shares in percent, ``months`` the (M,) indexes into its
    second axis of the block's months (``level`` is ignored, and may be None, without a
    target). The result equals, to the last bit, :func:`run_staircase` on the (T, M * G, R)
    arrays ``source[:, months]``, with its amounts summed over the months in month order
    (``amount[:, 0] + amount[:, 1] + ...``) and its tiers' maximum over the months. None
    when the rules have no tenths form or a share read is not exactly on the 0.1 grid:
    then use :func:`run_staircase`. ``threads`` work on slices of the trajectories (each
    trajectory's result does not depend on them).
    """
    rules = TenthsRules.from_params(params)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if rules is None or not (weights > 0).all():
        return None
    (cur, cur_idx), (prev, prev_idx) = current, previous
    if rules.target_tier:
        lev, lev_idx = level
    else:
        lev, lev_idx = cur, cur_idx  # not read
    sources = [np.ascontiguousarray(a, dtype=np.float64) for a in (cur, prev, lev)]
    indexes = [np.ascontiguousarray(i, dtype=np.int64) for i in (cur_idx, prev_idx, lev_idx)]
    n_traj, _, g, n_regions = sources[0].shape
    if g != n_groups or len({len(i) for i in indexes}) != 1 or any(s.shape[0] != n_traj or s.shape[2:] != (g, n_regions) for s in sources):
        raise ValueError(f"shapes do not match: sources {[s.shape for s in sources]}, months {[len(i) for i in indexes]}, {n_groups} groups")
    pots = np.ascontiguousarray(pots, dtype=np.float64)
    if pots.shape != (len(indexes[0]) * n_groups,):
        raise ValueError(f"pots {pots.shape}: one per cell ({len(indexes[0])} months x {n_groups} groups)")
    out = Outcomes(np.empty((n_traj, n_groups, n_regions)), np.empty((n_traj, n_groups, n_regions), np.int8))
    off_grid = np.empty(n_traj, np.int8)
    bounds = rules.bounds.astype(np.int64)

    def run(rows: slice) -> None:
        outcomes_kernel(
            sources[0][rows], indexes[0], sources[1][rows], indexes[1], sources[2][rows], indexes[2], weights, pots,
            rules.shares, bounds, int(rules.target_bound), int(rules.target_tier), bool(params.cumulative),
            bool(rules.cascade_down), out.amount[rows], out.tier[rows], off_grid[rows],
        )  # fmt: skip

    pieces = min(max(int(threads), 1) * 4, n_traj) if threads > 1 else 1  # a few per thread: a slow thread holds up little
    bounds_at = np.linspace(0, n_traj, pieces + 1).astype(np.int64)
    slices = [slice(a, b) for a, b in zip(bounds_at[:-1], bounds_at[1:])]
    if len(slices) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, slices))
    else:
        run(slice(0, n_traj))
    if off_grid.any():
        return None
    return out
