"""The numba kernel of the improvement staircase: one allocation of a cell, two ways to drive it.

:func:`allocate_cell` does what :func:`~kommiljard.kinds.staircase.reference.allocate_cell`
does, with the same floating-point operations in the same order, so the two agree to the öre
(to the last bit, in fact; tests compare them on random panels). Bar membership, the cascade
and the pay are the compiled twins of :mod:`kommiljard.kinds.steps`. fastmath stays off: this
is money.

- :func:`run_staircase` (``payout``, what-if curves): every cell of one or more panels, with
  tiers, routes, improvements, each bar's money and each region's amount from each bar.
- :func:`staircase_outcomes` (``kommiljard sweep``): straight from drawn shares, per group the
  amount summed over the measurement months, the highest tier and each month's tier, in threads.

Both kernels are serial and cached on disk, so a process loads them instead of compiling; the
sweep runs the second on slices of trajectories in threads (it releases the GIL). The bars'
rules reach the kernels as tuples, so the number of bars is known when compiling (one compiled
copy per number of bars, each cached): the loops over the bars unroll, and the sweep keeps a
cell's bar flows on its stack, in registers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from ...compiling import kernel
from ..steps import BASE, CASCADES, COUNT, FLOWS, WEIGHT, compiled
from ..trajectory import fused
from .rules import ImprovementStaircase
from .units import ROUTE_IMPROVEMENT, ROUTE_NONE, ROUTE_TARGET, bound_units, shares_improvement, target_bound

_steps = compiled()
_passes, _cascade, _add_member, _paid, _local_flows, _in_units = (
    _steps.passes,
    _steps.cascade,
    _steps.add_member,
    _steps.paid,
    _steps.local_flows,
    _steps.in_units,
)
_shares_improvement = njit(inline="always")(shares_improvement)  # its in_units: compiled() made it callable
N_FLOWS = len(FLOWS)


@dataclass(frozen=True)
class StaircaseParams:
    """A staircase block's rules as the flat arrays and scalars the kernel takes."""

    bar_share: np.ndarray  # (K,) float64, lowest bar first
    bar_bound: np.ndarray  # (K,) float64, in whole units
    bar_inclusive: np.ndarray  # (K,) bool
    target_bar: int  # -1: no target
    target_bound: float  # the target's threshold: as written, or in whole units of 1 / target_scale
    target_scale: float  # 0: the target's measure compared as given; else rounded to whole units of 1 / target_scale
    target_inclusive: bool
    target_if_improved: bool  # a region that improved without reaching a bar may still use the target
    needs_improver: bool  # the target pays only in a cell where some region reached a bar by improving
    relative: bool
    scale: float
    cumulative: bool
    cascade_mode: int  # a code of kinds.steps.CASCADES

    @classmethod
    def from_block(cls, block: ImprovementStaircase) -> StaircaseParams:
        t = block.target
        return cls(
            bar_share=np.array([b.pot_share for b in block.bars], dtype=np.float64),
            bar_bound=np.array([bound_units(b.min_improvement, block) for b in block.bars], dtype=np.float64),
            bar_inclusive=np.array([b.inclusive for b in block.bars], dtype=np.bool_),
            target_bar=block.bar_names.index(t.bar) if t is not None else -1,
            target_bound=target_bound(block) if t is not None else 0.0,
            target_scale=t.scale if t is not None else 0.0,
            target_inclusive=bool(t.inclusive) if t is not None else True,
            target_if_improved=t is None or t.entry == "no_bar",
            needs_improver=t is not None and t.needs_improver,
            relative=block.improvement_unit == "relative_pct",
            scale=block.scale,
            cumulative=block.cumulative,
            cascade_mode=CASCADES.index(block.cascade),
        )

    def args(self) -> tuple:
        """The rules as the kernels take them: one tuple after the input arrays (the bars' as tuples:
        their number is part of the compiled kernel's type)."""
        return (
            tuple(float(x) for x in self.bar_share),
            tuple(float(x) for x in self.bar_bound),
            tuple(bool(x) for x in self.bar_inclusive),
            self.target_bar,
            self.target_bound,
            self.target_scale,
            self.target_inclusive,
            self.target_if_improved,
            self.needs_improver,
            self.relative,
            self.scale,
            self.cumulative,
            self.cascade_mode,
        )


@njit(inline="always")
def allocate_cell(
    current,
    previous,
    target,
    weights,
    pot,
    rules,
    tier,
    route,
    improvement,
    amount,
    by_step,
    flows,
):
    """One month and group: fill the regions' ``tier``, ``route``, ``improvement``, ``amount``
    and ``by_step`` (R, K), the bars' ``flows`` (FLOWS, K); return what lapses. ``route``,
    ``improvement`` and ``by_step`` may be None (not recorded: the sweep's driver).

    Tiers are counted without data-dependent branches (the shares of a sweep are random):
    improvement first, and the target only for a region that reached no bar (never twice) and,
    unless ``target_if_improved``, did not improve. With ``needs_improver``, a cell in which no
    region reached a bar by improving pays nobody. The bars' rules are tuples (``len`` is known
    when compiling). Tiers are counted in a loop of their own (the compiler vectorises it across
    regions), and the members' weights added in region order in the next.
    """
    (
        bar_share,
        bar_bound,
        bar_inclusive,
        target_bar,
        target_bound,
        target_scale,
        target_inclusive,
        target_if_improved,
        needs_improver,
        relative,
        scale,
        cumulative,
        cascade_mode,
    ) = rules
    n_regions = current.shape[0]
    for k in range(len(bar_share)):
        flows[BASE, k] = pot * bar_share[k]
        flows[WEIGHT, k] = 0.0
        flows[COUNT, k] = 0.0
    has_target = np.int64(target_bar >= 0)
    improvers = np.int64(0)
    for r in range(n_regions):
        units = _shares_improvement(current[r], previous[r], relative, scale)
        n = np.int64(0)
        for k in range(len(bar_bound)):
            n += np.int64(_passes(units, bar_bound[k], bar_inclusive[k]))
        none = np.int64(n == 0)
        may = has_target * np.int64(target_if_improved or units <= 0.0)
        measured = target[r] if target_scale == 0.0 else _in_units(target[r], target_scale)
        hit = none * may * np.int64(_passes(measured, target_bound, target_inclusive))
        tier[r] = n + hit * (target_bar + 1)
        improvers += 1 - none
        if route is not None:
            route[r] = (1 - none) * ROUTE_IMPROVEMENT + hit * ROUTE_TARGET + none * (1 - hit) * ROUTE_NONE
        if improvement is not None:
            improvement[r] = units / scale
    if needs_improver and improvers == 0:  # nobody reached a bar by improving: nobody is paid
        for r in range(n_regions):
            tier[r] = 0
            if route is not None:
                route[r] = ROUTE_NONE
    for r in range(n_regions):
        _add_member(flows, tier[r], weights[r], cumulative)
    lapsed = _cascade(flows, cascade_mode)
    for r in range(n_regions):
        amount[r] = _paid(flows, tier[r], weights[r], cumulative, by_step[r] if by_step is not None else None)
    return lapsed


@kernel(nogil=True)
def staircase_kernel(current, previous, target, weights, pots, rules, *outputs):
    """Every cell of (T, C, R) shares, ``rules`` from :meth:`StaircaseParams.args`: see
    :func:`run_staircase` for the outputs."""
    amount, tier, route, improvement, lapsed, by_step, flows = outputs
    n_traj, n_cells = current.shape[0], current.shape[1]
    for t in range(n_traj):
        for c in range(n_cells):
            lapsed[t, c] = allocate_cell(
                current[t, c],
                previous[t, c],
                target[t, c],
                weights,
                pots[c],
                rules,
                tier[t, c],
                route[t, c],
                improvement[t, c],
                amount[t, c],
                by_step[t, c],
                flows[t, c],
            )


@dataclass(frozen=True)
class StaircaseResult:
    amount: np.ndarray  # (T, C, R) float64
    tier: np.ndarray  # (T, C, R) int8
    route: np.ndarray  # (T, C, R) int8
    improvement: np.ndarray  # (T, C, R) float64, in the block's unit
    lapsed: np.ndarray  # (T, C) float64
    by_step: np.ndarray  # (T, C, R, K) float64: each region's amount from each bar
    flows: np.ndarray  # (T, C, FLOWS, K) float64: each bar's money after the cascade (kinds.steps)


def run_staircase(params: StaircaseParams, current, previous, target, weights, pots) -> StaircaseResult:
    """The kernel on (T, C, R) arrays of shares in percent (or (C, R) for one panel).

    ``target`` holds the target's measure (ignored without a target), ``weights`` (R,) the
    sharing key, ``pots`` (C,) each cell's pot.
    """
    single = np.ndim(current) == 2
    arrays = [np.require(a, np.float64, ["C", "W"]) for a in (current, previous, target)]  # one compiled specialisation
    if single:
        arrays = [a[None] for a in arrays]
    shape = arrays[0].shape
    n_bars = len(params.bar_share)
    out = StaircaseResult(
        np.empty(shape),
        np.empty(shape, np.int8),
        np.empty(shape, np.int8),
        np.empty(shape),
        np.empty(shape[:2]),
        np.empty((*shape, n_bars)),
        np.empty((*shape[:2], N_FLOWS, n_bars)),
    )
    staircase_kernel(
        *arrays,
        np.require(weights, np.float64, ["C", "W"]),
        np.require(pots, np.float64, ["C", "W"]),
        params.args(),
        out.amount,
        out.tier,
        out.route,
        out.improvement,
        out.lapsed,
        out.by_step,
        out.flows,
    )
    if single:
        return StaircaseResult(*(a[0] for a in vars(out).values()))
    return out


@njit(inline="always")
def _trajectory(sources, indexes, weights, pots, rules, amount, tier, month_tier, work, s, t):
    """Row ``t`` of ``amount``, ``tier`` and ``month_tier`` (or None: an argument of its own, so that the compiler
    drops what it does not keep) from row ``s`` of the (T, X, G, R) sources (current, previous, target) at their
    month indexes; ``work``: a cell's tiers, amounts and flows."""
    cur_src, prev_src, target_src = sources
    cur_idx, prev_idx, target_idx = indexes
    cell_tier, paid, flows = work
    n_groups, n_regions = amount.shape[1], amount.shape[2]
    for m in range(cur_idx.shape[0]):
        for g in range(n_groups):
            allocate_cell(
                cur_src[s, cur_idx[m], g],
                prev_src[s, prev_idx[m], g],
                target_src[s, target_idx[m], g],
                weights,
                pots[m * n_groups + g],
                rules,
                cell_tier,
                None,
                None,
                paid,
                None,
                flows,
            )
            if month_tier is not None:
                for r in range(n_regions):
                    month_tier[t, m, g, r] = cell_tier[r]
            if m == 0:
                for r in range(n_regions):
                    amount[t, g, r] = paid[r]
                    tier[t, g, r] = cell_tier[r]
            else:
                for r in range(n_regions):
                    amount[t, g, r] += paid[r]
                    tier[t, g, r] = max(tier[t, g, r], cell_tier[r])


@kernel(nogil=True, error_model="numpy")
def sweep_kernel(
    cur_src, cur_idx, prev_src, prev_idx, target_src, target_idx, weights, pots, month_tier, rules, amount, tier
):
    """Per group amounts summed over the months, highest tiers and (unless ``month_tier`` is None) each
    month's tiers, from (T, X, G, R) sources."""
    n_regions = amount.shape[2]
    work = (np.empty(n_regions, np.int8), np.empty(n_regions), _local_flows(rules[0]))  # flows in registers
    sources, indexes = (cur_src, prev_src, target_src), (cur_idx, prev_idx, target_idx)
    for t in range(amount.shape[0]):
        _trajectory(sources, indexes, weights, pots, rules, amount, tier, month_tier, work, t, t)


class SweepArgs(NamedTuple):
    """A staircase block as the sweep's drawing kernel allocates each drawn trajectory
    (:mod:`kommiljard.kinds.trajectory`): the rules (:meth:`StaircaseParams.args`), each measurement month's index
    in its measure's months and in the comparison's, the target's, the sharing key, each cell's pot, and which of
    the drawn measures the block and its target read."""

    rules: tuple
    current: np.ndarray
    previous: np.ndarray
    target: np.ndarray
    weights: np.ndarray
    pots: np.ndarray
    measure: int
    target_measure: int


def sweep_args(params: StaircaseParams, months: tuple, weights, pots, measures: tuple[int, int]) -> SweepArgs:
    """:class:`SweepArgs` of a block: ``months`` its (current, previous, target) month indexes (target: empty
    without a target), ``measures`` the drawn measures its measure and its target's are (the target's ignored
    without one)."""
    current, previous, target = (np.asarray(m, dtype=np.int64) for m in months)
    measure, target_measure = measures
    if not len(target):
        target, target_measure = current, measure  # read, but a rule without a target ignores it
    as_float = [np.require(a, np.float64, ["C", "W"]) for a in (weights, pots)]
    return SweepArgs(params.args(), current, previous, target, *as_float, int(measure), int(target_measure))


def _trajectory_work(args):  # unannotated: numba compares an overload's parameters with its typing function's
    return np.empty(args.weights.shape[0], np.int8), np.empty(args.weights.shape[0])


def _allocate_trajectories(args, work, drawn, out, first):
    measure, target = drawn[args.measure], drawn[args.target_measure]
    cell = (work[0], work[1], _local_flows(args.rules[0]))  # the cell's flows on this call's stack
    sources, indexes = (measure, measure, target), (args.current, args.previous, args.target)
    amount, tier, month_tier = out
    for s in range(measure.shape[0]):
        _trajectory(sources, indexes, args.weights, args.pots, args.rules, amount, tier, month_tier, cell, s, first + s)


fused(SweepArgs, _trajectory_work, _allocate_trajectories, jit_options={"error_model": "numpy"})


@dataclass(frozen=True)
class Outcomes:
    amount: np.ndarray  # (T, G, R) float64, summed over the block's months in month order
    tier: np.ndarray  # (T, G, R) int8, the highest tier over the months
    month_tier: np.ndarray | None = None  # (T, M, G, R) int8, the tier in each month (if asked for)


def staircase_outcomes(
    params: StaircaseParams,
    current,
    previous,
    target,
    weights,
    pots,
    n_groups: int,
    threads: int = 1,
    out: Outcomes | None = None,
    months: bool = False,
) -> Outcomes:
    """Per group amounts and highest tiers of many trajectories, straight from drawn shares.

    ``current``, ``previous`` and ``target`` are each ``(source, months)``: ``source`` a
    (T, X, G, R) float64 array of shares in percent, ``months`` the (M,) indexes into its
    second axis of the block's months (``target`` may be None without a target). The result
    equals, to the last bit, :func:`run_staircase` on the (T, M * G, R) arrays
    ``source[:, months]`` with its amounts summed over the months in month order and its
    tiers' maximum over the months (with ``months``, also its tiers month by month). ``threads``
    work on slices of the trajectories. ``out`` (C-contiguous arrays of the result's shapes and
    types) is filled instead of new arrays.
    """
    (cur, cur_idx), (prev, prev_idx) = current, previous
    tgt, tgt_idx = target if target is not None else current  # read, but a rule without a target ignores it
    sources = [np.require(a, np.float64, ["C", "W"]) for a in (cur, prev, tgt)]  # one compiled specialisation
    indexes = [np.ascontiguousarray(i, dtype=np.int64) for i in (cur_idx, prev_idx, tgt_idx)]
    n_traj, _, g, n_regions = sources[0].shape
    if (
        g != n_groups
        or len({len(i) for i in indexes}) != 1
        or any(s.shape[0] != n_traj or s.shape[2:] != (g, n_regions) for s in sources)
    ):
        raise ValueError(
            f"shapes do not match: sources {[s.shape for s in sources]}, months {[len(i) for i in indexes]}, "
            f"{n_groups} groups"
        )
    pots = np.require(pots, np.float64, ["C", "W"])
    if pots.shape != (len(indexes[0]) * n_groups,):
        raise ValueError(f"pots {pots.shape}: one per cell ({len(indexes[0])} months x {n_groups} groups)")
    weights = np.require(weights, np.float64, ["C", "W"])
    shape = (n_traj, n_groups, n_regions)
    month_shape = (n_traj, len(indexes[0]), n_groups, n_regions)
    if out is None:
        out = Outcomes(np.empty(shape), np.empty(shape, np.int8), np.empty(month_shape, np.int8) if months else None)
    elif not (
        out.amount.shape == out.tier.shape == shape
        and (out.amount.dtype, out.tier.dtype) == (np.float64, np.int8)
        and out.amount.flags.c_contiguous
        and out.tier.flags.c_contiguous
        and (out.month_tier is None) == (not months)
        and (out.month_tier is None or (out.month_tier.shape == month_shape and out.month_tier.flags.c_contiguous))
    ):
        raise ValueError(f"out: C-contiguous float64 amounts and int8 tiers of shape {shape} (and month tiers)")

    def run(rows: slice) -> None:
        sweep_kernel(
            sources[0][rows],
            indexes[0],
            sources[1][rows],
            indexes[1],
            sources[2][rows],
            indexes[2],
            weights,
            pots,
            out.month_tier[rows] if out.month_tier is not None else None,
            params.args(),
            out.amount[rows],
            out.tier[rows],
        )

    pieces = (
        min(max(int(threads), 1) * 4, n_traj) if threads > 1 else 1
    )  # a few per thread: a slow thread holds up little
    edges = np.linspace(0, n_traj, pieces + 1).astype(np.int64)
    slices = [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]
    if len(slices) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, slices))
    else:
        run(slice(0, n_traj))
    return out
