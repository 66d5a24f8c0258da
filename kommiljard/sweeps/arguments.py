"""A sweep's numbers, checked before anything is written: each refusal names the option.

The largest sweep is ``MAX_TRAJECTORIES`` = 10**9 trajectories. Memory does not grow with the
number (the summary keeps histograms and block sums, :mod:`kommiljard.sweeps.quantiles`), but
the parts on disk do: about ``BYTES_PER_TRAJECTORY`` each (with a lever, twice that), 50 GB at
the limit, and about an hour per 10**8 trajectories on two cores. A sweep that the folder's
disk could not hold is refused before it starts (:func:`check_disk`). 10**9 trajectories pin a
chance down to within 0.00003 (two standard errors of a proportion at most 1 / sqrt(n)), far
finer than any scenario is known; a larger question is better asked as several sweeps.
"""

from __future__ import annotations

import shutil
from numbers import Integral
from pathlib import Path

import numba

from ..errors import InputError

MAX_TRAJECTORIES = 1_000_000_000
BYTES_PER_TRAJECTORY = 60  # the parts' Parquet, measured about 45-50 (21 regions); a margin on top
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


def check_disk(out_dir: str | Path, n: int, lever: bool) -> None:
    """Refuse a sweep whose parts would not fit on the disk of ``out_dir`` (or the folder it will be in)."""
    folder = Path(out_dir)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    needed = n * BYTES_PER_TRAJECTORY * (2 if lever else 1)
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise InputError(
            f"{out_dir}: a sweep of {n:,} trajectories needs about {needed / 1e9:,.1f} GB for its parts, but the disk "
            f"has {free / 1e9:,.1f} GB free. Choose a smaller --n or another --out.".replace(",", " ")
        )
