"""Exact means and percentiles of one value per region over a sweep's trajectories, in bounded memory.

A sweep of 10⁸ trajectories has 2.1 × 10⁹ amounts: too many to hold for sorting. Instead:

- **Means** add the values of each block of :data:`BLOCK` trajectories (aligned to trajectory
  numbers, as the random streams are) in trajectory order, then the blocks' sums in block order:
  the same operations whatever the chunk size, the threads or the order in which parts are
  computed or resumed. A block split between two batches waits, as values, for its other piece.
- **Percentiles** are numpy's (``np.percentile``, linear interpolation) to the bit, found by radix
  selection on the values' bit patterns (an order-preserving 64-bit key): while the sweep runs, a
  histogram of each region's keys by their top :data:`TOP_BITS` bits (with each bin's smallest and
  largest key); at the end, the bin holding each wanted order statistic is known, and passes over
  the written values keep only the values in those bins (or, for a bin too full to keep, count the
  next :data:`SUB_BITS` bits). A bin whose smallest and largest key are equal needs no pass at all
  (a point mass, such as the many trajectories in which a region is paid nothing).

Memory is a few tens of MB whatever the number of trajectories (the block sums grow by 168 bytes
per 1 000 trajectories).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numba import njit

from ..compiling import kernel

BLOCK = 1_000  # trajectories per block of the means (the random streams' size)
TOP_BITS = 16  # bits of the key counted while the sweep runs
SUB_BITS = 12  # bits counted per refining pass
KEEP = 1 << 22  # values kept at most in one pass (32 MiB per thread while they are read)
_SIGN = np.uint64(1 << 63)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(inline="always")
def _key(value):
    """An unsigned key with the order of the float64 ``value`` (NaN aside)."""
    bits = np.float64(value).view(np.uint64)
    return bits ^ (_ALL if bits >> np.uint64(63) else _SIGN)


def _value(key: np.uint64) -> float:
    """The float64 of a key (the inverse of :func:`_key`)."""
    key = np.uint64(key)
    bits = key ^ _SIGN if key >> np.uint64(63) else key ^ _ALL
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


@kernel(nogil=True)
def _count_top(values, bins):
    """Count the (T, R) ``values`` per region in the bins of their keys' top bits, with each bin's
    smallest and largest key (``bins`` (R, 2**TOP_BITS, 3): count, lowest, highest side by side, so that a
    value touches one cache line)."""
    shift = np.uint64(64 - TOP_BITS)
    one = np.uint64(1)
    for t in range(values.shape[0]):
        for r in range(values.shape[1]):
            k = _key(values[t, r])
            b = np.int64(k >> shift)
            bins[r, b, 0] += one
            bins[r, b, 1] = min(bins[r, b, 1], k)
            bins[r, b, 2] = max(bins[r, b, 2], k)


@kernel(nogil=True)
def _select_pass(values, first, order, shift, prefix, keep, fill, kept, counts, low, high):
    """One pass over (T, R) ``values`` for groups of keys (``first[r]:first[r + 1]`` of ``order``
    are region r's groups): a value whose key has group j's ``prefix`` above bit ``shift`` is kept
    (``keep[j] >= 0``: at ``kept[keep[j] + fill[j]]``) or counted by its next SUB_BITS bits (row
    ``-keep[j] - 1`` of ``counts``, ``low``, ``high``)."""
    sub = np.uint64(SUB_BITS)
    mask = np.uint64((1 << SUB_BITS) - 1)
    for t in range(values.shape[0]):
        for r in range(values.shape[1]):
            a, b = first[r], first[r + 1]
            if a == b:
                continue
            k = _key(values[t, r])
            for i in range(a, b):
                j = order[i]
                s = np.uint64(shift[j])
                if k >> s != prefix[j]:
                    continue
                if keep[j] >= 0:
                    kept[keep[j] + fill[j]] = values[t, r]
                    fill[j] += 1
                else:
                    row = -keep[j] - 1
                    bin_ = np.int64((k >> (s - sub)) & mask)
                    counts[row, bin_] += 1
                    low[row, bin_] = min(low[row, bin_], k)
                    high[row, bin_] = max(high[row, bin_], k)


@kernel(nogil=True)
def _block_sums(values, first_block, sums):
    """Add (T, R) ``values`` (whole blocks of BLOCK trajectories, the first ``first_block``) into
    ``sums`` (blocks, R), each block in trajectory order."""
    n_regions = values.shape[1]
    for i in range(values.shape[0] // BLOCK):
        row = first_block + i
        for r in range(n_regions):
            sums[row, r] = 0.0
        for t in range(i * BLOCK, (i + 1) * BLOCK):
            for r in range(n_regions):
                sums[row, r] += values[t, r]


@kernel(nogil=True)
def _piece_sum(values, out):
    """``out[r]``: the sum of ``values[:, r]`` in row order (a block gathered from its pieces)."""
    for r in range(values.shape[1]):
        out[r] = 0.0
    for t in range(values.shape[0]):
        for r in range(values.shape[1]):
            out[r] += values[t, r]


def percentile_plan(n: int, percentiles) -> list[tuple[int, int, float]]:
    """For each percentile, numpy's linear interpolation on ``n`` sorted values: the ranks (0-based)
    of the two values it interpolates and its weight, computed with numpy's own operations."""
    q = np.true_divide(np.asarray(percentiles, dtype=np.float64), 100)
    virtual = (n - 1) * q  # np.quantile's virtual index for its default method, "linear"
    previous = np.floor(virtual)
    plan = []
    for v, p in zip(virtual, previous):
        if v >= n - 1:
            plan.append((n - 1, n - 1, 0.0))
        elif v < 0:
            plan.append((0, 0, 0.0))
        else:
            plan.append((int(p), int(p) + 1, v - p))
    return plan


def interpolate(a: float, b: float, gamma: float) -> float:
    """numpy's linear interpolation between two neighbouring values, to the bit (``np.percentile``'s)."""
    a, b, t = np.float64(a), np.float64(b), np.float64(gamma)
    diff = b - a
    return float(b - diff * (1 - t)) if t >= 0.5 else float(a + diff * t)


class Means:
    """Sums of one value per region over trajectories, the same bits in any order of arrival."""

    def __init__(self, n: int, n_regions: int, within: tuple[int, int] | None = None):
        """Sums of ``n`` trajectories' values, or of those ``within`` (start, stop) of them (a Dask task's part,
        merged into the whole sweep's with :meth:`merge`)."""
        start, stop = within if within is not None else (0, n)
        self.n, self.first = n, start // BLOCK
        self.sums = np.zeros((-(-stop // BLOCK) - self.first, n_regions))
        self.pending: dict[int, list[tuple[int, np.ndarray]]] = {}

    def add(self, start: int, values: np.ndarray) -> None:
        """Values (T, R) of trajectories ``start`` to ``start + T - 1``."""
        values = np.ascontiguousarray(values, dtype=np.float64)
        stop = start + len(values)
        head = min(-(-start // BLOCK) * BLOCK, stop)  # the first block boundary at or after start
        tail = max(stop // BLOCK * BLOCK, head)
        if head > start:
            self._piece(start, values[: head - start])
        if tail > head:
            _block_sums(values[head - start : tail - start], head // BLOCK - self.first, self.sums)
        if stop > tail:
            self._piece(tail, values[tail - start :])

    def _piece(self, start: int, values: np.ndarray) -> None:
        block = start // BLOCK
        pieces = self.pending.setdefault(block, [])
        pieces.append((start, values.copy()))
        size = min((block + 1) * BLOCK, self.n) - block * BLOCK
        if sum(len(v) for _, v in pieces) == size:
            whole = np.concatenate([v for _, v in sorted(pieces, key=lambda p: p[0])])
            _piece_sum(whole, self.sums[block - self.first])
            del self.pending[block]

    def portable(self) -> tuple:
        """What :meth:`merge` takes: the first block, the blocks' sums (those still pending: 0) and the pieces of the
        blocks not whole here (a block split between parts)."""
        return self.first, self.sums, self.pending

    def merge(self, portable: tuple) -> None:
        """Add the sums of other trajectories (:meth:`portable` of a :class:`Means` ``within`` them): a whole
        block's sum is taken as it is, the pieces wait for their block's other pieces, so the bits are those of
        one :class:`Means` given every value."""
        first, sums, pending = portable
        whole = np.ones(len(sums), dtype=bool)
        whole[[block - first for block in pending]] = False
        self.sums[first - self.first : first - self.first + len(sums)][whole] = sums[whole]
        for pieces in pending.values():
            for start, values in pieces:
                self._piece(start, values)

    def mean(self) -> np.ndarray:
        """Per region: the sum of the blocks' sums in block order, over n."""
        if self.pending:
            raise RuntimeError(f"blocks {sorted(self.pending)} are incomplete")
        total = np.zeros(self.sums.shape[1])
        for row in self.sums:
            total += row
        return total / self.n


class Quantiles:
    """Exact percentiles of one value per region over ``n`` trajectories (see the module docstring)."""

    def __init__(self, n_regions: int):
        self.n = 0
        self.bins = np.zeros((n_regions, 1 << TOP_BITS, 3), np.uint64)  # count, lowest key, highest key
        self.bins[:, :, 1] = _ALL
        self.counts = self.bins[:, :, 0].view(np.int64)
        self.low, self.high = self.bins[:, :, 1], self.bins[:, :, 2]

    def add(self, values: np.ndarray) -> None:
        """Values (T, R) of T more trajectories (in any order)."""
        _count_top(np.ascontiguousarray(values, dtype=np.float64), self.bins)
        self.n += len(values)

    def portable(self) -> tuple:
        """What :meth:`merge` takes: the count and the histogram's non-empty bins (a few hundred per region)."""
        region, bin_ = np.nonzero(self.counts)
        return self.n, region, bin_, self.counts[region, bin_], self.low[region, bin_], self.high[region, bin_]

    def merge(self, portable: tuple) -> None:
        """Add other trajectories' values (:meth:`portable` of a :class:`Quantiles` given them)."""
        n, region, bin_, counts, low, high = portable
        self.counts[region, bin_] += counts
        self.low[region, bin_] = np.minimum(self.low[region, bin_], low)
        self.high[region, bin_] = np.maximum(self.high[region, bin_], high)
        self.n += n

    def percentiles(self, percentiles, passes: Callable[[PassPlan], PassResult], keep: int = KEEP) -> np.ndarray:
        """(R, P): each region's percentiles, as ``np.percentile`` computes them on all its values.

        ``passes(plan)`` runs one pass over all the values (:func:`local_passes`: loaders in threads; a sweep on
        Dask runs it in tasks) and returns its :class:`PassResult`, :func:`selected`. A pass keeps at most ``keep``
        values.
        """
        plan = percentile_plan(self.n, percentiles)
        ranks = sorted({k for a, b, _ in plan for k in (a, b)})
        n_regions = self.counts.shape[0]
        found: dict[tuple[int, int], float] = {}
        # A group: (region, shift, prefix) -> {rank within the group: rank overall}, with the group's count.
        groups: dict[tuple[int, int, int], dict[int, int]] = {}
        sizes: dict[tuple[int, int, int], int] = {}

        def place(group: tuple[int, int, int], bins: tuple, wanted: dict[int, int]) -> None:
            """Put each wanted rank (within keys of the group's prefix) into its bin of the next bits (``bins``:
            the counts, lowest and highest key of each bin)."""
            (r, shift, prefix), (counts, low, high) = group, bins
            below = np.concatenate([[0], np.cumsum(counts)])
            bits = TOP_BITS if shift == 64 else SUB_BITS
            for inner, rank in wanted.items():
                b = int(np.searchsorted(below, inner, side="right")) - 1
                if low[b] == high[b]:
                    found[r, rank] = _value(low[b])
                    continue
                key = (r, shift - bits, (prefix << bits) | b)
                groups.setdefault(key, {})[inner - int(below[b])] = rank
                sizes[key] = int(counts[b])

        for r in range(n_regions):
            place((r, 64, 0), (self.counts[r], self.low[r], self.high[r]), {k: k for k in ranks})
        while groups:
            todo = sorted(groups, key=lambda g: sizes[g])
            kept, refine, total = [], [], 0
            for g in todo:
                if total + sizes[g] <= keep:
                    kept.append(g)
                    total += sizes[g]
                elif len(refine) < 64:
                    refine.append(g)
            wanted = [np.array(sorted(groups[g]), dtype=np.int64) for g in kept]
            result = passes(pass_plan(kept + refine, [sizes[g] for g in kept], n_regions, wanted))
            for g, ranks_in, values in zip(kept, wanted, result.kept):
                ranks_of = groups.pop(g)
                for inner, value in zip(ranks_in, values):
                    found[g[0], ranks_of[int(inner)]] = float(value)
            for j, g in enumerate(refine):
                wanted = groups.pop(g)
                place(g, (result.counts[j], result.low[j], result.high[j]), wanted)
        out = np.empty((n_regions, len(plan)))
        for r in range(n_regions):
            for i, (a, b, gamma) in enumerate(plan):
                out[r, i] = interpolate(found[r, a], found[r, b], gamma)
        return out


class PassPlan(NamedTuple):
    """One pass of the selection: its groups of keys (``first[r]:first[r + 1]`` of ``order`` are region r's), each
    group's bit ``shift`` and ``prefix``; the first ``n_keep`` groups are kept (``keep_at``: where in the kept values,
    ``starts``: each one's room; ``wanted``: the ranks within each kept group whose values are asked for), the others
    counted by their next bits."""

    first: np.ndarray
    order: np.ndarray
    shift: np.ndarray
    prefix: np.ndarray
    keep_at: np.ndarray
    starts: np.ndarray
    n_keep: int
    wanted: list


class PassResult(NamedTuple):
    """What one pass found: each kept group's values (any order; :func:`selected`: only its wanted ranks' values, in
    the order of the ranks), and per counted group the counts, lowest and highest key of each bin of its next bits."""

    kept: list
    counts: np.ndarray
    low: np.ndarray
    high: np.ndarray


def selected(plan: PassPlan, result: PassResult) -> PassResult:
    """A whole pass's result with each kept group's values at its wanted ranks only (what the percentiles use)."""
    kept = [np.partition(values, ranks)[ranks] for values, ranks in zip(result.kept, plan.wanted)]
    return result._replace(kept=kept)


def pass_plan(active: list[tuple[int, int, int]], sizes: list[int], n_regions: int, wanted: list) -> PassPlan:
    """The plan of a pass over groups ``active`` (region, shift, prefix), the first ``len(sizes)`` kept (``sizes``
    values each, of which the ranks ``wanted`` are asked for)."""
    order = np.array(sorted(range(len(active)), key=lambda j: active[j][0]), dtype=np.int64)
    first = np.searchsorted([active[j][0] for j in order], np.arange(n_regions + 1)).astype(np.int64)
    shift = np.array([g[1] for g in active], dtype=np.int64)
    prefix = np.array([g[2] for g in active], dtype=np.uint64)
    n_keep = len(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    keep_at = np.array([starts[j] if j < n_keep else -(j - n_keep) - 1 for j in range(len(active))], np.int64)
    return PassPlan(first, order, shift, prefix, keep_at, starts, n_keep, wanted)


class PassState:
    """One pass's kept values and counts so far, over the values given to :meth:`add`."""

    def __init__(self, plan: PassPlan):
        n_refine = len(plan.shift) - plan.n_keep
        self.plan = plan
        self.fill = np.zeros(len(plan.shift), np.int64)
        self.kept = np.empty(int(plan.starts[-1]))
        self.counts = np.zeros((n_refine, 1 << SUB_BITS), np.int64)
        self.low = np.full((n_refine, 1 << SUB_BITS), _ALL, np.uint64)
        self.high = np.zeros((n_refine, 1 << SUB_BITS), np.uint64)

    def add(self, values: np.ndarray) -> None:
        """Values (T, R), trajectories in any order."""
        p = self.plan
        values = np.ascontiguousarray(values, dtype=np.float64)
        _select_pass(values, p.first, p.order, p.shift, p.prefix, p.keep_at, self.fill, self.kept, *self.arrays())

    def arrays(self) -> tuple:
        return self.counts, self.low, self.high

    def result(self) -> PassResult:
        starts = self.plan.starts
        kept = [self.kept[starts[j] : starts[j] + self.fill[j]].copy() for j in range(self.plan.n_keep)]
        return PassResult(kept, self.counts, self.low, self.high)


def merge_results(a: PassResult, b: PassResult) -> PassResult:
    """Two passes' results over different values as one."""
    kept = [np.concatenate([x, y]) for x, y in zip(a.kept, b.kept)]
    return PassResult(kept, a.counts + b.counts, np.minimum(a.low, b.low), np.maximum(a.high, b.high))


def local_passes(
    batches: Callable[[], Iterable[Callable[[], np.ndarray]]], threads: int = 1
) -> Callable[[PassPlan], PassResult]:
    """Passes over values in this process: ``batches()`` lists, once per pass, loaders of the values (each a (T, R)
    array; the trajectories in any order, together all of them), run in ``threads``."""

    def run(plan: PassPlan) -> PassResult:
        loaders = list(batches())
        states = [PassState(plan) for _ in range(max(1, min(threads, len(loaders))))]
        if len(states) > 1:
            lanes = [loaders[i :: len(states)] for i in range(len(states))]
            with ThreadPoolExecutor(len(states)) as pool:
                list(pool.map(lambda i: [states[i].add(load()) for load in lanes[i]], range(len(states))))
        else:
            for load in loaders:
                states[0].add(load())
        return selected(plan, functools.reduce(merge_results, [st.result() for st in states]))

    return run
