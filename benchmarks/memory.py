"""Peak memory of a long sweep run in chunks: it must not grow with the number of trajectories.

    .venv/bin/python benchmarks/memory.py [--trajectories 10000000] [--chunk 65536] [--json FILE]

Draws synthetic trajectories chunk by chunk (one seed per chunk from a SeedSequence), runs
them through :func:`kommiljard.allocate.batch.sweep_totals` and reports the peak resident
memory of the process (``getrusage`` ru_maxrss), the time spent drawing and in the kernel,
and a check that every pot is paid or lapsed. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from contenders import setup, synthetic_tenths
from kommiljard.allocate.batch import LANES, sweep_totals

MIB = 2**20


def rss_mib() -> float:
    """Current resident memory (VmRSS) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MIB
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trajectories", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=65_536, help=f"trajectories per chunk (rounded down to a multiple of {LANES})")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    s = setup()
    n_cells, n_regions = len(s.pots), len(s.regions)
    blocks = args.chunk // LANES
    full, rest = divmod(args.trajectories, blocks * LANES)
    # (blocks, lanes) of each chunk: full chunks, then the rest in whole blocks and one short block
    shapes = [(blocks, LANES)] * full + [(k, n) for k, n in ((rest // LANES, LANES), (1, rest % LANES)) if k and n]
    n_chunks = len(shapes)
    sweep_totals(s.params, [synthetic_tenths(1, n_cells, n_regions, seed=0)], s.weights, s.pots)  # compile
    baseline = rss_mib()

    drawing = 0.0
    after_first = []

    def chunks():
        nonlocal drawing
        for (k, lanes), seed in zip(shapes, np.random.SeedSequence(2019).spawn(n_chunks)):
            t0 = time.perf_counter()
            chunk = synthetic_tenths(k, n_cells, n_regions, seed=seed, lanes=lanes)
            drawing += time.perf_counter() - t0
            yield chunk
            if not after_first:
                after_first.append(rss_mib())

    t0 = time.perf_counter()
    agg = sweep_totals(s.params, chunks(), s.weights, s.pots)
    wall = time.perf_counter() - t0
    paid_per_trajectory = float(agg.mean.sum() + agg.lapsed_sum / agg.n)
    result = {
        "trajectories": agg.n,
        "chunk_trajectories": blocks * LANES,
        "chunks": n_chunks,
        "region_cells": agg.n * n_cells * n_regions,
        "wall_s": wall,
        "drawing_s": drawing,
        "kernel_and_aggregates_s": wall - drawing,
        "peak_rss_mib": peak_mib(),
        "rss_after_compile_mib": baseline,
        "rss_after_first_chunk_mib": after_first[0],
        "rss_at_end_mib": rss_mib(),
        "pots_per_trajectory_sek": float(s.pots.sum()),
        "paid_plus_lapsed_per_trajectory_sek": paid_per_trajectory,
        "mean_payout_sek": dict(zip(s.regions, agg.mean.tolist())),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    print(
        f"{agg.n:,} trajectories ({result['region_cells']:,} region-cells) in {n_chunks:,} chunks of up to {blocks * LANES:,}: "
        f"{wall:.1f} s ({drawing:.1f} s drawing inputs, {wall - drawing:.1f} s kernel and aggregates, "
        f"{result['region_cells'] / (wall - drawing) / 1e6:,.0f} Mcells/s)\n"
        f"peak RSS {result['peak_rss_mib']:,.0f} MiB (after compiling {baseline:,.0f} MiB, after the first chunk "
        f"{after_first[0]:,.0f} MiB, at the end {result['rss_at_end_mib']:,.0f} MiB)\n"
        f"paid + lapsed per trajectory {paid_per_trajectory:,.2f} kr = the pots {s.pots.sum():,.2f} kr"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if abs(paid_per_trajectory - s.pots.sum()) <= 0.01 * n_cells else 1


if __name__ == "__main__":
    sys.exit(main())
