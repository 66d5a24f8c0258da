"""From a trajectory's logits to its published shares, inside the drawing kernel.

A share is ``rint(1000 / (1 + exp(-logit))) / 10`` (percent, one decimal, as published) with the
C library's scalar ``exp``. That exp is too slow for a sweep's millions of logits, so
:func:`shares_row` takes a vectorised one (:func:`fast_exp`: a few units in the last place from the
true value) and computes again with the scalar exp only a value whose share it could change: one
within :data:`NEAR_TIE` of a rounding tie (about two in 10⁹), or whose argument is outside the range
where :func:`fast_exp` is used. So the shares are the bits of the scalar exp alone.

Why a margin of 1e-9 is safe: ``y = 1000 / (1 + e)`` moves by at most ``250 * d`` for a relative
error ``d`` of ``e``; :func:`fast_exp` is within 1e-15 of the true exp (``tests/test_trajectories.py``
checks it on every range of arguments), so ``y`` is within about 3e-13 of the scalar exp's, far
inside the margin: a ``y`` farther than 1e-9 from a tie rounds as the scalar exp's does.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from llvmlite import ir
from numba import njit
from numba import types as nb
from numba.extending import intrinsic, overload

NEAR_TIE = 1e-9  # a share this close to a rounding tie is computed again with the scalar exp
FAST_RANGE = 700.0  # fast_exp's arguments: |x| <= FAST_RANGE (2**k stays a normal float)

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts (the first's low bits are zero: k * _LN2_HI is exact)
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: x + _SHIFTER - _SHIFTER rounds x to an integer
_U = np.uint64
_EXPONENT = np.uint64(1023)
_U52 = np.uint64(52)
# 1/k! for k = 12 down to 2: e**r's Taylor polynomial to degree 12, for |r| <= ln(2) / 2 (remainder below 2e-16)
_INVERSE_FACTORIALS = tuple(1.0 / float(np.prod(np.arange(1, k + 1, dtype=np.float64))) for k in range(12, 1, -1))


@njit(inline="always")
def fast_exp(x):
    """``exp(x)`` for ``|x| <= FAST_RANGE`` without a branch or a call (so that a loop of it vectorises):
    ``x = k ln 2 + r``, ``e**r`` by its Taylor polynomial, ``2**k`` by the float's exponent bits."""
    shifted = x * _LOG2E + _SHIFTER
    k = shifted - _SHIFTER  # the integer nearest x / ln 2
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _INVERSE_FACTORIALS[0]
    for c in _INVERSE_FACTORIALS[1:]:
        p = fma(p, r, c)
    p = fma(p, r, 1.0)
    p = fma(p, r, 1.0)
    # the low bits of ``shifted`` hold k (two's complement); shifted into the exponent field they give 2**k
    scale = np.uint64((np.float64(shifted).view(np.uint64) + _EXPONENT) << _U52).view(np.float64)
    return p * scale


def fma(a, b, c):
    """``a * b + c`` rounded once: in compiled code LLVM's fma (one instruction where the processor has it,
    vectorised in loops); in plain Python (``NUMBA_DISABLE_JIT=1``) exactly, in fractions, then rounded."""
    a, b, c = float(a), float(b), float(c)
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    return float(Fraction(a) * Fraction(b) + Fraction(c))


@intrinsic
def _llvm_fma(typingctx, a, b, c):
    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        function = builder.module.declare_intrinsic("llvm.fma", [double], ir.FunctionType(double, [double] * 3))
        return builder.call(function, args)

    return nb.float64(nb.float64, nb.float64, nb.float64), codegen


@overload(fma, inline="always")
def _fma_compiled(a, b, c):
    return lambda a, b, c: _llvm_fma(a, b, c)


@njit(inline="always")
def tenths(k):
    """``k / 10`` for a whole number ``k`` from 0 to 1000 (a share's tenths of a percent), to the bit, without a
    division: ``k * 0.1`` corrected by its exact remainder (tests/test_trajectories.py checks every k)."""
    q = k * 0.1
    return fma(fma(-q, 10.0, k), 0.1, q)


@njit(inline="always")
def _near_tie(y):
    return abs(y - np.floor(y) - 0.5) < NEAR_TIE


@njit(inline="always")
def shares_row(logits, shares, scratch, s90, s60, t):
    """Trajectory ``t``'s shares: ``s90[t]`` of its share_90 logits, ``s60[t]`` of share_60 (share_90's logit less
    the gap, a gap below 0 read as 0; never above share_90), in percent with one decimal; an observed variable
    keeps its value. ``shares`` (:class:`~kommiljard.sweeps.model.SharesOf`): the number of share_90 variables,
    each gap's share_90 variable, the observed shares (NaN where drawn); ``scratch``: (2, V) float64. (Rows are
    indexed, not sliced: a slice costs two atomic reference counts.)"""
    n90, pair_90, observed_share = shares.n90, shares.pair_90, shares.observed_share
    n_vars = logits.shape[0]
    for i in range(n90):
        scratch[0, i] = -logits[i]
    first = _U(n90)  # unsigned indexes where an offset is added: numba checks no negative one
    for j in range(n_vars - n90):
        gap = first + _U(j)
        scratch[0, gap] = -(logits[_U(pair_90[j])] - max(logits[gap], 0.0))
    again = False
    for i in range(n_vars):  # no branch: the compiler vectorises it
        x = scratch[0, i]
        inside = abs(x) <= FAST_RANGE  # False for NaN too
        value = 1000.0 / (1.0 + fast_exp(min(max(x, -FAST_RANGE), FAST_RANGE)))
        again |= (not inside) | _near_tie(value)
        scratch[1, i] = value
    if again:
        for i in range(n_vars):
            x = scratch[0, i]
            if not abs(x) <= FAST_RANGE or _near_tie(scratch[1, i]):
                scratch[1, i] = 1000.0 / (1.0 + np.exp(x))
    for i in range(n90):
        share = tenths(np.rint(scratch[1, i]))
        s90[t, i] = share if np.isnan(observed_share[i]) else observed_share[i]
    for j in range(n_vars - n90):
        gap = first + _U(j)
        share = min(tenths(np.rint(scratch[1, gap])), s90[t, _U(pair_90[j])])
        s60[t, j] = share if np.isnan(observed_share[gap]) else observed_share[gap]
