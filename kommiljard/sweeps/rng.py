"""The random numbers of sweeps: seeded SFC64 streams and NumPy's standard normals in numba.

Trajectory i of a sweep takes its standard normals from random stream ``i // STREAM_SIZE``
(row ``i % STREAM_SIZE``), stream s seeded by ``SeedSequence(seed, spawn_key=(s,))`` (the
s-th child of ``SeedSequence(seed).spawn``): results do not depend on chunk sizes, batch sizes
or threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.np.random._constants import fi_double as _ZIG_FI
from numba.np.random._constants import ki_double as _ZIG_KI
from numba.np.random._constants import wi_double as _ZIG_WI
from numba.np.random._constants import ziggurat_nor_inv_r as _ZIG_NOR_INV_R
from numba.np.random._constants import ziggurat_nor_r as _ZIG_NOR_R

STREAM_SIZE = 1_000  # trajectories per random stream


def each_stream(start: int, stop: int, threads: int, one_stream) -> None:
    """Call ``one_stream(s)`` for every random stream s that trajectories ``start`` to ``stop - 1`` take normals
    from, on ``threads`` threads when there are several streams (each stream is drawn whole by one thread)."""
    from concurrent.futures import ThreadPoolExecutor

    streams = range(start // STREAM_SIZE, (stop - 1) // STREAM_SIZE + 1)
    if threads > 1 and len(streams) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one_stream, streams))
    else:
        for s in streams:
            one_stream(s)


def stream_generator(seed: int, stream: int) -> np.random.Generator:
    """The generator of random stream ``stream``: its trajectories take, row after row, the
    standard normals of ``stream_generator(seed, stream).standard_normal((STREAM_SIZE, n_latent))``."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(seed, spawn_key=(stream,))))


# NumPy's standard normals (its ziggurat, ``random_standard_normal`` in
# numpy/random/src/distributions/distributions.c, as numba re-implements it in
# numba/np/random/distributions.py) from SFC64 (numpy/random/src/sfc64/sfc64.h), with the
# generator's four words of state in local variables: numba's Generator support calls the
# bit generator through a function pointer for every word, which took most of a sweep's
# drawing time. tests/test_trajectories.py checks the values and the state after against
# NumPy's on millions of draws.
_U1, _U3, _U8, _U11, _U24, _U40 = (np.uint64(k) for k in (1, 3, 8, 11, 24, 40))
_MASK8, _MASK52 = np.uint64(0xFF), np.uint64(0x000FFFFFFFFFFFFF)
_TO_DOUBLE = 1.0 / 9007199254740992.0


@njit(inline="always")
def _sfc64_next(a, b, c, w):
    """SFC64's next word and its new state."""
    tmp = a + b + w
    return tmp, b ^ (b >> _U11), c + (c << _U3), ((c << _U24) | (c >> _U40)) + tmp, w + _U1


@njit(nogil=True, cache=True)
def fill_normals(state, out):
    """Fill ``out`` with the next standard normals of the SFC64 ``state`` (uint64 (4,), updated)."""
    a, b, c, w = state[0], state[1], state[2], state[3]
    for i in range(out.shape[0]):
        while True:
            r, a, b, c, w = _sfc64_next(a, b, c, w)
            idx = np.intp(r & _MASK8)
            r = r >> _U8
            rabs = (r >> _U1) & _MASK52
            x = rabs * _ZIG_WI[idx]
            if r & _U1:
                x = -x
            if rabs < _ZIG_KI[idx]:
                break
            if idx == 0:
                while True:
                    u, a, b, c, w = _sfc64_next(a, b, c, w)
                    xx = -_ZIG_NOR_INV_R * np.log1p(-((u >> _U11) * _TO_DOUBLE))
                    u, a, b, c, w = _sfc64_next(a, b, c, w)
                    yy = -np.log1p(-((u >> _U11) * _TO_DOUBLE))
                    if yy + yy > xx * xx:
                        break
                x = -(_ZIG_NOR_R + xx) if (rabs >> _U8) & _U1 else _ZIG_NOR_R + xx
                break
            u, a, b, c, w = _sfc64_next(a, b, c, w)
            if (_ZIG_FI[idx - 1] - _ZIG_FI[idx]) * ((u >> _U11) * _TO_DOUBLE) + _ZIG_FI[idx] < np.exp(-0.5 * x * x):
                break
        out[i] = x
    state[0], state[1], state[2], state[3] = a, b, c, w


def sfc64_state(rng: np.random.Generator) -> np.ndarray:
    """The four words of an SFC64 generator's state, as a new uint64 array."""
    if not isinstance(rng.bit_generator, np.random.SFC64):
        raise TypeError(f"trajectories are drawn from SFC64 generators, not {type(rng.bit_generator).__name__}")
    return np.array(rng.bit_generator.state["state"]["state"], dtype=np.uint64)


def set_sfc64_state(rng: np.random.Generator, state: np.ndarray) -> None:
    """Put ``state`` (from :func:`sfc64_state`, advanced) back into ``rng``."""
    full = rng.bit_generator.state
    full["state"]["state"] = np.array(state, dtype=np.uint64)
    rng.bit_generator.state = full
