"""Sweeps in chunks: each trajectory's payout per region, in memory that does not grow with T.

A sweep hands over its synthetic trajectories one chunk at a time and keeps what it needs
of each chunk's totals (for example writes them to Parquet); :func:`sweep_totals` also keeps
running per-region aggregates. Memory is that of one chunk, whatever the number of chunks.

Inputs have trajectories last: (C, R, T), or (K, C, R, L) for K blocks of L trajectories
(T = K * L; trajectory ``k * L + i`` is lane ``i`` of block ``k``). C is the block's cells
(month-major, as in :class:`~kommiljard.kinds.staircase.arrays.StaircaseInput`) and R the regions. The blocked
form with L of 128 to 1024 (e.g. ``LANES``) is the fastest: each block is read as one stream.
Give int16 tenths of a percent (0 to 1000, e.g. from
:func:`~kommiljard.allocate.tenths.shares_to_tenths`; they are trusted, not checked again) or
float64 shares in percent. Shares on the 0.1 grid with rules that have a tenths form run in
the fast kernel (:mod:`kommiljard.allocate.lanes`); anything else runs through
:func:`~kommiljard.kinds.staircase.kernel.run_staircase` and is summed over cells. Example::

    params = StaircaseParams.from_block(rules.ruleset.block(1))
    chunks = (generate(seed) for seed in seeds)          # each (current, previous, level)
    agg = sweep_totals(params, chunks, inp.weights, inp.pots, on_chunk=write_parquet)
    agg.mean, agg.std, agg.min, agg.max, agg.paid_share  # per region
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numba
import numpy as np

from .kernels import StaircaseParams, run_staircase
from .lanes import BLOCK, totals_kernel
from .tenths import TenthsRules, shares_to_tenths

LANES = BLOCK  # a good L for blocked inputs
INT32_MAX = 2**31 - 1
CHUNK_STEPS = 8  # threads take steps of BLOCK lanes 8 at a time: a slowed thread holds up little


@dataclass(frozen=True)
class Totals:
    """One chunk's result: per trajectory, summed over the block's months and groups."""

    amount: np.ndarray  # (R, T) float64 kronor, one row per region
    lapsed: np.ndarray  # (T,) float64 kronor that nobody qualified for


def staircase_totals(
    params: StaircaseParams, current, previous, level, weights, pots, *, tenths: bool = True, out: Totals | None = None
) -> Totals:
    """Each trajectory's payout per region for one chunk of (C, R, T) or (K, C, R, L) inputs.

    ``weights`` (R,) and ``pots`` (C,) as in :func:`~kommiljard.kinds.staircase.kernel.run_staircase`.
    With ``tenths=False`` the float64 kernel is used whatever the inputs. ``out``, a
    :class:`Totals` of the right shapes, is filled instead of new arrays (the fast path only).
    """
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    pots = np.ascontiguousarray(pots, dtype=np.float64)
    rules = TenthsRules.from_params(params) if tenths and (weights > 0).all() else None
    arrays = _tenths(rules, current, previous, level) if rules is not None else None
    if arrays is None:
        return _float_totals(params, current, previous, level, weights, pots)
    cur, prev, lev = arrays
    n_threads = numba.config.NUMBA_NUM_THREADS
    n_blocks, n_cells, n_regions, n_lanes = cur.shape
    if not cur.shape == prev.shape == lev.shape or weights.shape != (n_regions,) or pots.shape != (n_cells,):
        raise ValueError(
            f"shapes do not match: current {cur.shape}, previous {prev.shape}, level {lev.shape}, "
            f"weights {weights.shape} (one per region), pots {pots.shape} (one per cell)"
        )
    integral = (weights == np.rint(weights)).all() and weights.sum() <= INT32_MAX
    bar_weights = weights.astype(np.int32) if integral else weights
    if not _fits(out, n_regions, n_blocks * n_lanes):
        out = Totals(np.empty((n_regions, n_blocks * n_lanes)), np.empty(n_blocks * n_lanes))
    with numba.parallel_chunksize(CHUNK_STEPS):
        totals_kernel(
            cur, prev, lev, weights, bar_weights, pots, rules.shares, rules.bounds, rules.members,
            rules.target_bound, rules.target_tier, rules.cascade_down, out.amount, out.lapsed,
            np.empty((n_threads, n_regions, BLOCK), np.int8), np.empty((n_threads, 3, BLOCK), bar_weights.dtype),
            np.empty((n_threads, 3, BLOCK)),
        )  # fmt: skip
    return out


def _fits(out: Totals | None, n_regions: int, n_traj: int) -> bool:
    """Whether ``out`` can be written by the kernel as it is."""
    return out is not None and all(
        a.shape == shape and a.dtype == np.float64 and a.flags.c_contiguous and a.flags.writeable
        for a, shape in ((out.amount, (n_regions, n_traj)), (out.lapsed, (n_traj,)))
    )


def _blocks(a) -> np.ndarray:
    """(C, R, T) as (1, C, R, T); (K, C, R, L) as it is."""
    a = np.asarray(a)
    return a[None] if a.ndim == 3 else a


def _tenths(rules: TenthsRules, current, previous, level) -> tuple[np.ndarray, ...] | None:
    arrays = []
    for i, a in enumerate((current, previous, level)):
        if i == 2 and not rules.target_tier:
            a = np.zeros(np.shape(current), np.int16)
        elif np.asarray(a).dtype != np.int16:
            a = shares_to_tenths(a)
            if a is None:
                return None
        arrays.append(np.ascontiguousarray(_blocks(a)))
    return tuple(arrays)


def _float_totals(params, current, previous, level, weights, pots) -> Totals:
    def by_trajectory(a):  # (K, C, R, L) -> (K * L, C, R) float64 shares
        a = _blocks(a)
        a = a / 10.0 if a.dtype == np.int16 else a
        return np.moveaxis(a, 3, 1).reshape(-1, *a.shape[1:3])

    res = run_staircase(
        params, by_trajectory(current), by_trajectory(previous), by_trajectory(level), weights, pots, tenths=False
    )
    return Totals(res.amount.sum(axis=1).T.copy(), res.lapsed.sum(axis=1))


@dataclass
class RunningTotals:
    """Per-region aggregates over every trajectory seen so far (chunks combined exactly)."""

    n: int = 0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    m2: np.ndarray = field(default_factory=lambda: np.zeros(0))  # sum of squared deviations
    min: np.ndarray = field(default_factory=lambda: np.zeros(0))
    max: np.ndarray = field(default_factory=lambda: np.zeros(0))
    paid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # trajectories paid > 0
    lapsed_sum: float = 0.0

    def add(self, totals: Totals) -> None:
        """Fold in one chunk (Chan et al.'s pairwise update of mean and m2)."""
        a = totals.amount
        k = a.shape[1]
        if k == 0:
            return
        mean, m2 = a.mean(axis=1), a.var(axis=1) * k
        if self.n == 0:
            self.mean, self.m2, self.min, self.max = mean, m2, a.min(axis=1), a.max(axis=1)
            self.paid = (a > 0).sum(axis=1)
        else:
            n = self.n + k
            delta = mean - self.mean
            self.mean = self.mean + delta * (k / n)
            self.m2 = self.m2 + m2 + delta**2 * (self.n * k / n)
            self.min, self.max = np.minimum(self.min, a.min(axis=1)), np.maximum(self.max, a.max(axis=1))
            self.paid = self.paid + (a > 0).sum(axis=1)
        self.n += k
        self.lapsed_sum += float(totals.lapsed.sum())

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.m2 / self.n)

    @property
    def paid_share(self) -> np.ndarray:
        return self.paid / self.n


def sweep_totals(
    params: StaircaseParams,
    chunks: Iterable[tuple],
    weights,
    pots,
    *,
    on_chunk: Callable[[int, Totals], None] | None = None,
    tenths: bool = True,
) -> RunningTotals:
    """Run every chunk ``(current, previous, level)`` of ``chunks`` and aggregate the totals.

    ``chunks`` is any iterable, typically a generator that draws each chunk when asked.
    ``on_chunk(i, totals)`` sees chunk ``i``'s :class:`Totals`; their arrays are reused for
    the next chunk of the same size, so copy what you keep.
    """
    agg = RunningTotals()
    out = None
    for i, (current, previous, level) in enumerate(chunks):
        out = staircase_totals(params, current, previous, level, weights, pots, tenths=tenths, out=out)
        if on_chunk is not None:
            on_chunk(i, out)
        agg.add(out)
    return agg
