"""The numba kernel of a price per operation: the block's period for one or many trajectories.

:func:`price_kernel` does what :func:`~kommiljard.kinds.price_per_operation.reference.allocate_price_cell`
does, with the same floating-point operations in the same order (the compiled twins of
:mod:`~kommiljard.kinds.price_per_operation.pay`), so the two agree to the bit; tests compare them on
random panels. One call runs (T, R, P) counts: a payout (T = 1), a what-if curve (one trajectory per
point) or a sweep's drawn counts, on slices of trajectories in threads (it releases the GIL). The
baselines come in computed (:func:`baselines`), once for counts that share their history. Serial and
cached on disk; fastmath stays off: this is money.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from ...compiling import kernel
from .pay import SHARINGS, compiled
from .rules import PricePerOperation

_pay = compiled()
_baseline, _counted, _capped, _top_threshold, _is_top, _share_weight = (
    _pay.baseline,
    _pay.counted,
    _pay.capped,
    _pay.top_threshold,
    _pay.is_top,
    _pay.share_weight,
)


@dataclass(frozen=True)
class PriceParams:
    """A price block's rules as the arrays and scalars the kernel takes (money in kronor)."""

    prices: np.ndarray  # (P,) per operation, the block's procedures in file order
    pots: np.ndarray  # (S,) one per pot: the block's, or one per procedure
    above: bool  # count only operations above the baseline
    use_max: bool  # the baseline is the highest earlier year, not the mean
    whole: bool  # a baseline that is not whole is rounded up
    has_cap: bool
    by_procedure: bool  # one pot per procedure
    to_top: bool  # unearned money goes to the top regions (else it lapses)
    n_top: int
    sharing: int  # a code of pay.SHARINGS
    within_cap: bool

    @classmethod
    def from_block(cls, block: PricePerOperation) -> PriceParams:
        u = block.unearned
        return cls(
            prices=np.array([p.price_sek for p in block.procedures], dtype=np.float64),
            pots=np.array(block.pot_sek(), dtype=np.float64),
            above=block.counting == "above_baseline",
            use_max=block.baseline_statistic == "max",
            whole=block.whole_operations,
            has_cap=block.cap.key != "none",
            by_procedure=block.pot_by == "procedure",
            to_top=u.to == "top_regions",
            n_top=u.regions,
            sharing=SHARINGS.index(u.sharing),
            within_cap=u.within_cap,
        )

    def args(self) -> tuple:
        """The rules after the arrays, as one tuple."""
        return (
            self.above,
            self.whole,
            self.has_cap,
            self.by_procedure,
            self.to_top,
            self.n_top,
            self.sharing,
            self.within_cap,
        )


@kernel(nogil=True)
def baselines(history, use_max, out):
    """Fill ``out`` (H, R, P) with each region's baseline per procedure from ``history`` (H, Y, R, P)."""
    n_hist, n_years, n_regions, n_procs = history.shape
    values = np.empty(n_years)
    for h in range(n_hist):
        for r in range(n_regions):
            for p in range(n_procs):
                for y in range(n_years):
                    values[y] = history[h, y, r, p]
                out[h, r, p] = _baseline(values, use_max)


@njit(inline="always")
def _pot(s, t, operations, population, caps, pot, rules, earned, own, kept, paid, top, rates, buffer):
    """One pot of one trajectory: fill ``paid`` and ``top`` (R,); return (lapsed, to the top regions)."""
    above, whole, has_cap, by_procedure, to_top, n_top, sharing, within_cap = rules
    n_regions, n_procs = earned.shape
    kept_sum = 0.0
    for r in range(n_regions):
        total = 0.0
        for p in range(n_procs):
            if p == s or not by_procedure:
                total += earned[r, p]
        own[r] = total
        kept[r] = _capped(total, caps[s, r], has_cap)
        kept_sum += kept[r]
    scale = pot / kept_sum if not has_cap and kept_sum > pot else 1.0
    paid_sum = 0.0
    for r in range(n_regions):
        paid[r] = kept[r] * scale
        paid_sum += paid[r]
        top[r] = 0.0
    unearned = 0.0 if scale < 1.0 else max(0.0, pot - paid_sum)
    lapsed = unearned
    if to_top and unearned > 0.0:
        for r in range(n_regions):
            rates[r] = operations[t, r, s] / population[r]
        threshold = _top_threshold(rates, n_top, buffer)
        weight_sum = 0.0
        for r in range(n_regions):
            member = _is_top(rates[r], threshold)
            weight_sum += _share_weight(sharing, population[r], operations[t, r, s]) if member else 0.0
        if weight_sum != 0.0:
            lapsed = 0.0
            for r in range(n_regions):
                member = _is_top(rates[r], threshold)
                got = unearned * (_share_weight(sharing, population[r], operations[t, r, s]) if member else 0.0)
                got = got / weight_sum
                room = caps[s, r] - paid[r]
                if within_cap and has_cap and got > room:
                    lapsed += got - room
                    got = room
                top[r] = got
    to_top_sum = 0.0
    for r in range(n_regions):
        to_top_sum += top[r]
    return lapsed, to_top_sum


@njit
def _store2(out, i, j, value):
    """``out[i, j] = value`` unless ``out`` is None (not kept: a specialisation of its own, without the store;
    compiled apart, not inlined, so that numba prunes the branch on the argument's type)."""
    if out is not None:
        out[i, j] = value


@njit
def _store3(out, i, j, k, value):
    """``out[i, j, k] = value`` unless ``out`` is None."""
    if out is not None:
        out[i, j, k] = value


@kernel(nogil=True)
def price_kernel(operations, bases, population, prices, pots, caps, rules, *outputs):
    """Every trajectory of (T, R, P) counts; ``bases`` (H, R, P) with H 1 (shared) or T. ``outputs``:
    ``amount``, ``paid``, ``top`` (T, R), ``lapsed``, ``to_top`` (T,), and, or None (not kept),
    ``by_procedure``, ``counted`` (T, R, P), ``pot_paid``, ``pot_top`` (T, S, R) and ``pot_lapsed`` (T, S)."""
    amount, paid_out, top_out, lapsed_out, to_top_out, by_procedure, counted, pot_paid, pot_top, pot_lapsed = outputs
    above, whole, has_cap, by_procedure_pots, to_top, n_top, sharing, within_cap = rules
    n_traj, n_regions, n_procs = operations.shape
    earned = np.empty((n_regions, n_procs))
    own = np.empty(n_regions)
    kept = np.empty(n_regions)
    paid = np.empty(n_regions)
    top = np.empty(n_regions)
    rates = np.empty(n_regions)
    buffer = np.empty(max(n_top, 1))
    for t in range(n_traj):
        h = t if bases.shape[0] > 1 else 0
        for r in range(n_regions):
            amount[t, r] = 0.0
            paid_out[t, r] = 0.0
            top_out[t, r] = 0.0
            for p in range(n_procs):
                c = _counted(operations[t, r, p], bases[h, r, p], above, whole)
                earned[r, p] = c * prices[p]
                _store3(counted, t, r, p, c)
        lapsed_out[t] = 0.0
        to_top_out[t] = 0.0
        for s in range(pots.shape[0]):
            lapsed, sent = _pot(
                s, t, operations, population, caps, pots[s], rules, earned, own, kept, paid, top, rates, buffer
            )
            lapsed_out[t] += lapsed
            to_top_out[t] += sent
            _store2(pot_lapsed, t, s, lapsed)
            for r in range(n_regions):
                _store3(pot_paid, t, s, r, paid[r])
                _store3(pot_top, t, s, r, top[r])
                amount[t, r] += paid[r]
                amount[t, r] += top[r]
                paid_out[t, r] += paid[r]
                top_out[t, r] += top[r]
                for p in range(n_procs):
                    if by_procedure_pots and p == s:
                        _store3(by_procedure, t, r, p, paid[r] + top[r])
                    elif not by_procedure_pots:
                        part = earned[r, p] * (paid[r] / own[r]) if own[r] > 0.0 else 0.0
                        _store3(by_procedure, t, r, p, part + 0.0)


@dataclass(frozen=True)
class PriceResult:
    amount: np.ndarray  # (T, R) float64: paid + top
    paid: np.ndarray  # (T, R): for the region's own operations
    top: np.ndarray  # (T, R): as one of the top regions
    lapsed: np.ndarray  # (T,)
    to_top: np.ndarray  # (T,)
    by_procedure: np.ndarray | None  # (T, R, P)
    counted: np.ndarray | None  # (T, R, P): operations paid for
    pot_paid: np.ndarray | None  # (T, S, R): paid for the region's own operations in each pot
    pot_top: np.ndarray | None  # (T, S, R): paid to it as a top region from each pot
    pot_lapsed: np.ndarray | None  # (T, S)


def region_caps(params: PriceParams, cap_key) -> np.ndarray:
    """(S, R) each region's cap in each pot: the pot x its part of the key (inf without caps); the key's
    sum taken left to right, as the reference takes it."""
    key = np.require(cap_key, np.float64, ["C"])
    if not params.has_cap:
        return np.full((len(params.pots), len(key)), np.inf)
    key_sum = 0.0
    for k in key:
        key_sum += float(k)
    return params.pots[:, None] * key[None, :] / key_sum


def run_price(params: PriceParams, operations, history, population, cap_key, *, threads: int = 1, detail: bool = True):
    """The kernel on (T, R, P) counts (or (R, P) for one panel) with ``history`` (Y, R, P) shared by all
    or (T, Y, R, P); ``detail`` keeps each procedure's amount and the counted operations."""
    single = np.ndim(operations) == 2
    ops = np.require(operations, np.float64, ["C", "W"])
    hist = np.require(history, np.float64, ["C", "W"])
    if single:
        ops = ops[None]
    if hist.ndim == 3:
        hist = hist[None]
    n_traj, n_regions, n_procs = ops.shape
    bases = np.empty((hist.shape[0], n_regions, n_procs))
    if hist.shape[1] > 0:
        baselines(hist, params.use_max, bases)
    else:
        bases[:] = np.nan
    caps = region_caps(params, cap_key)
    pop = np.require(population, np.float64, ["C"])
    out = PriceResult(
        *(np.empty((n_traj, n_regions)) for _ in range(3)),
        np.empty(n_traj),
        np.empty(n_traj),
        np.empty((n_traj, n_regions, n_procs)) if detail else None,
        np.empty((n_traj, n_regions, n_procs)) if detail else None,
        *(np.empty((n_traj, len(params.pots), n_regions)) if detail else None for _ in range(2)),
        np.empty((n_traj, len(params.pots))) if detail else None,
    )

    def run(rows: slice) -> None:
        b = bases[rows] if bases.shape[0] > 1 else bases
        price_kernel(
            ops[rows],
            b,
            pop,
            params.prices,
            params.pots,
            caps,
            params.args(),
            *(a[rows] if a is not None else None for a in vars(out).values()),
        )

    _in_threads(run, n_traj, threads)
    if single:
        return PriceResult(*(a[0] if a is not None else None for a in vars(out).values()))
    return out


def _in_threads(run, n_traj: int, threads: int) -> None:
    """``run`` on slices of the trajectories: a few per thread, so that a slow thread holds up little."""
    pieces = min(max(int(threads), 1) * 4, n_traj) if threads > 1 else 1
    edges = np.linspace(0, n_traj, pieces + 1).astype(np.int64)
    slices = [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]
    if len(slices) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, slices))
    else:
        run(slice(0, n_traj))
