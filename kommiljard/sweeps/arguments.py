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
from pathlib import Path

from ..errors import InputError
from ..inputs.options import RANGES, whole
from ..language import speaker, spoken
from ..money import format_number

say = speaker(__package__)

MAX_TRAJECTORIES = int(RANGES["trajectories"].high)
BYTES_PER_TRAJECTORY = 60  # the parts' Parquet, measured about 45-50 (21 regions); a margin on top
MAX_PARTS = 10_000  # Parquet files in trajectories/: more would be slow to list, resume and read


def check_sweep_arguments(n: int, seed: int, chunk_size: int, threads: int | None) -> None:
    """Refuse a number of trajectories, seed, chunk size or thread count a sweep cannot honour (the ranges are
    :data:`kommiljard.inputs.options.RANGES`, as on the command line)."""
    n, seed = whole(n, "--n", "trajectories"), whole(seed, "--seed", "seed")
    chunk_size = whole(chunk_size, "--chunk-size", "chunk_size")
    parts = -(-n // chunk_size)
    if parts > MAX_PARTS:
        raise InputError(
            say("refuse.too_many_parts", chunk_size=chunk_size, parts=parts, most=MAX_PARTS, least=-(-n // MAX_PARTS))
        )
    if threads is not None:
        whole(threads, "--threads", "threads")


def check_disk(out_dir: str | Path, n: int, lever: bool) -> None:
    """Refuse a sweep whose parts would not fit on the disk of ``out_dir`` (or the folder it will be in)."""
    folder = Path(out_dir)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    needed = n * BYTES_PER_TRAJECTORY * (2 if lever else 1)
    free = shutil.disk_usage(folder).free
    if needed > free:
        lang = spoken()
        needed, free = (format_number(b / 1e9, 1, lang=lang) for b in (needed, free))
        raise InputError(say("refuse.disk", out=out_dir, n=format_number(n, lang=lang), needed=needed, free=free))
