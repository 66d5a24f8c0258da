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

from ..compiling import kernel

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


@njit(inline="always")
def standard_normal(a, b, c, w):
    """One standard normal from the SFC64 state words ``a, b, c, w``: (the normal, the new words)."""
    while True:
        r, a, b, c, w = _sfc64_next(a, b, c, w)
        idx = np.intp(r & _MASK8)
        r = r >> _U8
        rabs = (r >> _U1) & _MASK52
        x = rabs * _ZIG_WI[idx]
        if r & _U1:
            x = -x
        if rabs < _ZIG_KI[idx]:
            return x, a, b, c, w
        if idx == 0:
            while True:
                u, a, b, c, w = _sfc64_next(a, b, c, w)
                xx = -_ZIG_NOR_INV_R * np.log1p(-((u >> _U11) * _TO_DOUBLE))
                u, a, b, c, w = _sfc64_next(a, b, c, w)
                yy = -np.log1p(-((u >> _U11) * _TO_DOUBLE))
                if yy + yy > xx * xx:
                    break
            x = -(_ZIG_NOR_R + xx) if (rabs >> _U8) & _U1 else _ZIG_NOR_R + xx
            return x, a, b, c, w
        u, a, b, c, w = _sfc64_next(a, b, c, w)
        if (_ZIG_FI[idx - 1] - _ZIG_FI[idx]) * ((u >> _U11) * _TO_DOUBLE) + _ZIG_FI[idx] < np.exp(-0.5 * x * x):
            return x, a, b, c, w


@njit(inline="always")
def uniform(a, b, c, w):
    """One uniform double in [0, 1), as NumPy's ``random()`` draws it: (the double, the new words)."""
    r, a, b, c, w = _sfc64_next(a, b, c, w)
    return (r >> _U11) * _TO_DOUBLE, a, b, c, w


@kernel(nogil=True)
def fill_normals(state, out):
    """Fill ``out`` with the next standard normals of the SFC64 ``state`` (uint64 (4,), updated)."""
    a, b, c, w = state[0], state[1], state[2], state[3]
    for i in range(out.shape[0]):
        out[i], a, b, c, w = standard_normal(a, b, c, w)
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


# NumPy's SeedSequence (numpy/random/bit_generator.pyx: hashmix, mix, mix_entropy, generate_state) and SFC64's
# seeding (numpy/random/src/sfc64/sfc64.h: sfc64_set_seed), for the seeds of sweeps: a stream's first state
# without building a Generator (tens of microseconds a stream). Words are uint32 values held in uint64 and masked.
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
_MIX_MULT_L, _MIX_MULT_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
_MASK32, _U16, _U32 = np.uint64(0xFFFFFFFF), np.uint64(16), np.uint64(32)
_POOL_SIZE = 4


@njit(inline="always")
def _hashmix(value, hash_const):
    """SeedSequence's hashmix: the mixed value and the next hash constant."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _MASK32
    value = (value * hash_const) & _MASK32
    return value ^ (value >> _U16), hash_const


@njit(inline="always")
def _mix(x, y):
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _U16)


@kernel(nogil=True)
def stream_state(seed_words, stream):
    """The SFC64 state (uint64 (4,)) of random stream ``stream`` (0 to 2**63 - 1) of a seed given as its uint32
    words, lowest first (:func:`seed_words`): that of ``stream_generator(seed, stream)``."""
    high = np.uint64(stream) >> _U32
    entropy = np.zeros(_POOL_SIZE + 1 + (high > 0), np.uint64)  # the seed's words padded to the pool, the stream's
    for i in range(seed_words.shape[0]):  # not a slice assignment: that takes seconds to compile
        entropy[i] = seed_words[i]
    entropy[_POOL_SIZE] = np.uint64(stream) & _MASK32
    entropy[-1] = entropy[-1] if high == 0 else high
    pool = np.empty(_POOL_SIZE, np.uint64)
    hash_const = _INIT_A
    for i in range(_POOL_SIZE):
        pool[i], hash_const = _hashmix(entropy[i], hash_const)
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                mixed, hash_const = _hashmix(pool[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], mixed)
    for i_src in range(_POOL_SIZE, entropy.shape[0]):
        for i_dst in range(_POOL_SIZE):
            mixed, hash_const = _hashmix(entropy[i_src], hash_const)
            pool[i_dst] = _mix(pool[i_dst], mixed)
    words = np.empty(6, np.uint64)  # generate_state(3, np.uint64): six uint32 words, paired little-endian
    hash_const = _INIT_B
    for i in range(6):
        value = pool[i % _POOL_SIZE] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = (value * hash_const) & _MASK32
        words[i] = value ^ (value >> _U16)
    a, b, c, w = words[0] | (words[1] << _U32), words[2] | (words[3] << _U32), words[4] | (words[5] << _U32), _U1
    for _ in range(12):
        _, a, b, c, w = _sfc64_next(a, b, c, w)
    state = np.empty(4, np.uint64)
    state[0], state[1], state[2], state[3] = a, b, c, w
    return state


def seed_words(seed: int) -> np.ndarray:
    """A sweep's seed (0 to 2**64 - 1) as SeedSequence reads an int: its uint32 words, lowest first (0: one word)."""
    seed = int(seed)
    if not 0 <= seed < 1 << 64:
        raise ValueError(f"a sweep's seed is 0 to 2**64 - 1, not {seed}")
    return np.array([seed & 0xFFFFFFFF] + ([seed >> 32] if seed >> 32 else []), dtype=np.uint64)
