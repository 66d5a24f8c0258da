"""The arithmetic of a price per operation, one number at a time: the only copy of these rules.

Each function is plain Python in the subset of the language that numba compiles: the readable
reference calls it as it is, the kernel calls its compiled twin (:func:`compiled`), so both do
the same floating-point operations in the same order and agree to the bit. A missing count is NaN:
it counts no operation, earns nothing and ranks nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

SHARINGS = ("population", "operations", "equal")  # how the top regions share an unearned pot, as kernel codes


def baseline(history, use_max):
    """A region's baseline in one procedure from each earlier year's total over the same months:
    their mean (sum in year order, then divided), or with ``use_max`` the highest."""
    value = history[0]
    for y in range(1, len(history)):
        if use_max:
            if history[y] > value:
                value = history[y]
        else:
            value += history[y]
    return value if use_max else value / len(history)


def counted(operations, base, above, whole):
    """The operations paid for: those above ``base`` (with ``whole``, a baseline that is not a whole
    number rounded up first: 100.3 means the 101st operation is the first paid), never below 0; or,
    unless ``above``, every operation."""
    if not above:
        return operations if operations > 0.0 else 0.0
    if whole:
        base = np.ceil(base)
    extra = operations - base
    return extra if extra > 0.0 else 0.0


def capped(earned, cap, has_cap):
    """What a region keeps of the money it earned: all of it, or at most its cap."""
    if has_cap and earned > cap:
        return cap
    return earned


def top_threshold(rates, n, buffer):
    """The ``n``-th highest positive rate (counted with repeats), or the lowest positive one if fewer are
    positive; +inf if none is. A region is among the top ``n`` when its rate is positive and at least this:
    every region tied at the last place is included. ``buffer`` holds ``n`` floats (scratch)."""
    count = 0
    for r in range(len(rates)):
        rate = rates[r]
        if not rate > 0.0:
            continue
        # insert into the descending buffer of the highest rates seen so far
        k = count if count < n else n
        if k == n and rate <= buffer[n - 1]:
            continue
        if k == n:
            k = n - 1
        while k > 0 and buffer[k - 1] < rate:
            buffer[k] = buffer[k - 1]
            k -= 1
        buffer[k] = rate
        if count < n:
            count += 1
    return buffer[count - 1] if count > 0 else np.inf


def is_top(rate, threshold):
    """Whether a region with ``rate`` is among the top regions (see :func:`top_threshold`)."""
    return rate > 0.0 and rate >= threshold


def share_weight(sharing, population, operations):
    """A top region's weight in sharing an unearned pot: its population, its operations, or 1."""
    if sharing == 0:
        return population
    if sharing == 1:
        return operations
    return 1.0


@dataclass(frozen=True)
class Compiled:
    baseline: object
    counted: object
    capped: object
    top_threshold: object
    is_top: object
    share_weight: object


@cache
def compiled() -> Compiled:
    """The numba twins of the functions above, inlined into the kernel that calls them."""
    from numba import njit

    jit = njit(inline="always")
    return Compiled(*(jit(f) for f in (baseline, counted, capped, top_threshold, is_top, share_weight)))
