"""numba kernel for sweeps: each trajectory's payout per region, from int16 tenths.

Inputs are (K, C, R, L): K blocks of L trajectories, trajectories last, so that one SIMD
lane works on one trajectory and every inner loop runs over lanes with unit stride (int8 and
int16 lanes for the tiers, int32 or float64 for the weights, float64 for the money). A
block's three inputs are contiguous, so memory is read in long sequential streams, and the
kernel prefetches the next step's inputs while it works on this one. Blocks longer than
``BLOCK`` lanes are taken ``BLOCK`` at a time. Per thread the kernel keeps the tiers of
every region, the weight of each tier and the rate each tier is paid; it allocates nothing
inside the loops.

A region of tier ``n`` in a cell is paid ``w_r * q_n`` with ``q_n`` the sum, over the bars
that tier shares, of the bar's pot over its members' weight: the reference's amounts up to
rounding in the last bits (well below an öre). Bars are padded to
:data:`~kommiljard.allocate.tenths.MAX_BARS` = 3 (the 2019 staircase) and unrolled; a
fourth bar would cost every scheme a fifth to a third of the speed (measured).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

BLOCK = 256  # lanes per step: the per-thread scratch stays in L1
LINE = 32  # int16 per 64-byte cache line (LINE // 4 float64)


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to bring ``array.flat[index]`` into cache (``llvm.prefetch``), no wait."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(  # the typed-pointer name: LLVM 15+ upgrades it to .p0
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8"
        )
        # read, high temporal locality, data cache
        builder.call(fn, [builder.bitcast(builder.gep(data, [args[1]]), i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, types.intp), codegen


@njit(inline="always")
def _bar(available, weight, cascade_down):
    """Rate per unit of weight, money handed down, money lapsed, for one bar."""
    has = weight > 0.0
    rate = available / weight if has else 0.0
    down = available if (not has) and cascade_down else 0.0
    lapse = available if (not has) and (not cascade_down) else 0.0
    return rate, down, lapse


@njit(parallel=True, cache=False)
def totals_kernel(current, previous, level, weights, bar_weights, pots, shares, bounds, members,
                  target_bound, target_tier, cascade_down, amount, lapsed, tiers, wsum, rates):  # fmt: skip
    """Fill ``amount`` (R, K*L) and ``lapsed`` (K*L,) from (K, C, R, L) int16 tenths.

    ``bar_weights`` is ``weights`` as int32 (exact sums) or float64. Scratch, one row per
    thread of the pool: ``tiers`` (threads, R, BLOCK) int8, ``wsum`` (threads, 3, BLOCK) of
    ``bar_weights``' type, ``rates`` (threads, 3, BLOCK) float64.
    """
    n_blocks, n_cells, n_regions, n_lanes = current.shape
    steps = (n_lanes + BLOCK - 1) // BLOCK
    b0, b1, b2 = bounds[0], bounds[1], bounds[2]
    lt, tt = np.int16(target_bound), np.int8(target_tier)
    one, two, three = np.int8(1), np.int8(2), np.int8(3)
    m = members  # m[n, k] = 1.0 where tier n shares bar k
    m10, m11, m12 = m[1, 0], m[1, 1], m[1, 2]
    m20, m21, m22 = m[2, 0], m[2, 1], m[2, 2]
    m30, m31, m32 = m[3, 0], m[3, 1], m[3, 2]
    zero = bar_weights[0] - bar_weights[0]
    for job in prange(n_blocks * steps):
        me = numba.get_thread_id()
        tier = tiers[me]
        w1, w2, w3 = wsum[me, 0], wsum[me, 1], wsum[me, 2]
        q1, q2, q3 = rates[me, 0], rates[me, 1], rates[me, 2]
        blk = job // steps
        lo = (job % steps) * BLOCK
        hi = min(n_lanes, lo + BLOCK)
        n = hi - lo
        t0 = blk * n_lanes + lo  # first trajectory of this step in the outputs
        ahead = job + 1 < n_blocks * steps
        next_blk, next_lo = (job + 1) // steps, ((job + 1) % steps) * BLOCK
        next_n = min(n_lanes - next_lo, BLOCK)
        lap = lapsed[t0 : t0 + n]
        for i in range(n):
            lap[i] = 0.0
        for r in range(n_regions):
            ar = amount[r, t0 : t0 + n]
            for i in range(n):
                ar[i] = 0.0
            if ahead:
                nxt = r * amount.shape[1] + next_blk * n_lanes + next_lo
                for j in range(nxt, nxt + next_n, LINE // 4):
                    _prefetch(amount, j)
        for c in range(n_cells):
            # Each region's tier, and the weight of each tier.
            for i in range(n):
                w1[i] = zero
                w2[i] = zero
                w3[i] = zero
            for r in range(n_regions):
                if ahead:
                    flat = ((next_blk * n_cells + c) * n_regions + r) * n_lanes + next_lo
                    for j in range(flat, flat + next_n, LINE):
                        _prefetch(current, j)
                        _prefetch(previous, j)
                        _prefetch(level, j)
                wr, tr = bar_weights[r], tier[r]
                x, y, z = current[blk, c, r, lo:hi], previous[blk, c, r, lo:hi], level[blk, c, r, lo:hi]
                for i in range(n):
                    d = np.int16(x[i] - y[i])
                    k = np.int8(np.int8(d >= b0) + np.int8(d >= b1) + np.int8(d >= b2))
                    ti = tt if (k == 0) & (z[i] >= lt) else k
                    tr[i] = ti
                    w1[i] += wr if ti == one else zero
                    w2[i] += wr if ti == two else zero
                    w3[i] += wr if ti == three else zero
            # Bars from the top down (the cascade), then the rate each tier is paid.
            pot = pots[c]
            p0, p1, p2 = pot * shares[0], pot * shares[1], pot * shares[2]
            for i in range(n):
                v1, v2, v3 = np.float64(w1[i]), np.float64(w2[i]), np.float64(w3[i])
                r2, down, l2 = _bar(p2, m12 * v1 + m22 * v2 + m32 * v3, cascade_down)
                r1, down, l1 = _bar(p1 + down, m11 * v1 + m21 * v2 + m31 * v3, cascade_down)
                r0, down, l0 = _bar(p0 + down, m10 * v1 + m20 * v2 + m30 * v3, False)
                lap[i] += l2 + l1 + l0
                q1[i] = m10 * r0 + m11 * r1 + m12 * r2
                q2[i] = m20 * r0 + m21 * r1 + m22 * r2
                q3[i] = m30 * r0 + m31 * r1 + m32 * r2
            # Each region's rate per unit of weight, summed over the cells.
            for r in range(n_regions):
                tr, ar = tier[r], amount[r, t0 : t0 + n]
                for i in range(n):
                    ti = tr[i]
                    x1, x2, x3 = q1[i], q2[i], q3[i]
                    ar[i] += x1 if ti == one else (x2 if ti == two else (x3 if ti == three else 0.0))
        for r in range(n_regions):
            ar, wr = amount[r, t0 : t0 + n], weights[r]
            for i in range(n):
                ar[i] *= wr
