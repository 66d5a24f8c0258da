"""A sweep's numbers, checked before anything is written: each refusal names the option.

The largest sweep is ``MAX_TRAJECTORIES`` = 10**7 trajectories. Exact percentiles keep every
trajectory's amount per region in memory (21 regions x 8 bytes: 1.7 GB at the limit, 3.4 GB
with a lever, which also keeps the amount without it), and the parts on disk take about as
much again. 10**7 trajectories also pin a chance down to within 0.0003 (two standard errors of
a proportion at most 1 / sqrt(n)), far finer than any scenario is known; a larger question is
better asked as several sweeps with other seeds.
"""

from __future__ import annotations

from numbers import Integral

import numba

from ..errors import InputError

MAX_TRAJECTORIES = 10_000_000
MAX_PARTS = 10_000  # Parquet files in trajectories/: more would be slow to list, resume and read
MAX_SEED = 2**63 - 1  # a seed is written to manifest.json and part metadata: it must fit a 64-bit integer


def _whole(value: object, option: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(f"sweep: {option} = {value!r} must be a whole number")
    return int(value)


def check_sweep_arguments(n: int, seed: int, chunk_size: int, threads: int | None) -> None:
    """Refuse a number of trajectories, seed, chunk size or thread count a sweep cannot honour."""
    n, seed, chunk_size = _whole(n, "--n"), _whole(seed, "--seed"), _whole(chunk_size, "--chunk-size")
    if not 1 <= n <= MAX_TRAJECTORIES:
        raise InputError(
            f"sweep: --n {n} is outside 1 to {MAX_TRAJECTORIES:,}".replace(",", " ")
            + " trajectories. A larger question is better asked as several sweeps with other seeds."
        )
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"sweep: --seed {seed} must be a whole number from 0 to {MAX_SEED} (2**63 - 1)")
    if chunk_size < 1:
        raise InputError(f"sweep: --chunk-size {chunk_size} must be at least 1")
    parts = -(-n // chunk_size)
    if parts > MAX_PARTS:
        raise InputError(
            f"sweep: --chunk-size {chunk_size} would write {parts} parts of trajectories; at most {MAX_PARTS}. "
            f"Give --chunk-size {-(-n // MAX_PARTS)} or more."
        )
    if threads is not None:
        threads = _whole(threads, "--threads")
        if not 1 <= threads <= numba.config.NUMBA_NUM_THREADS:
            raise InputError(
                f"sweep: --threads {threads} must be from 1 to {numba.config.NUMBA_NUM_THREADS} (NUMBA_NUM_THREADS)"
            )
