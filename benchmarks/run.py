"""Throughput of the sweep path against numpy, pandas and a plain read of its inputs.

    .venv/bin/python benchmarks/run.py [--quick] [--json FILE]

One process, one generated input (int16 tenths, (K, C, R, 256) blocks, block 1 of the 2019
rules): each contender runs on a prefix of it. Throughput is in region-cells per second (one
region in one month and group of one trajectory), the median over interleaved rounds; in
each round a contender is called twice and the second call is timed, so neither compile time
(reported on its own) nor cold caches are counted. The kernel writes into output arrays
allocated once per size, as a sweep does. ``kernel_cells_per_s`` is numba's default thread
count on 10^6 trajectories. The kernel, numpy, pandas and the readable reference must agree
to the öre on every payout they computed; otherwise the run fails (exit 1) after reporting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

from contenders import (
    Setup,
    by_trajectory,
    kernel_totals,
    long_table,
    numpy_totals,
    pandas_totals,
    read_floor,
    read_sum,
    setup,
    synthetic_tenths,
)
from kommiljard.allocate.batch import LANES, Totals
from kommiljard.kinds.staircase.reference import allocate_cell
from kommiljard.money import TOLERANCE_SEK

N_CELLS, N_REGIONS = 6, 21
KERNEL_SIZES = (10_240, 102_400, 1_024_000)  # trajectories per call: about 10^4, 10^5, 10^6
MODES = {
    "quick": {"numpy": 10_240, "pandas": 128, "rounds": 5, "pandas_rounds": 2},
    "full": {"numpy": 102_400, "pandas": 1_024, "rounds": 11, "pandas_rounds": 3},
}
GOALS = {"kernel_vs_numpy": 10.0, "kernel_vs_pandas": 1000.0, "kernel_time_vs_read_floor": 2.0, "flatness": 1.2}


def cells(n_traj: int) -> int:
    return n_traj * N_CELLS * N_REGIONS


def rounds_of(jobs: dict, rounds: int) -> dict[str, float]:
    """Median seconds per job over ``rounds`` interleaved rounds; in each round a job is
    called twice in a row and the second call is timed (the first one warms the caches)."""
    times = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            fn()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def with_threads(n: int, fn):
    def run():
        numba.set_num_threads(n)
        fn()

    return run


def reference_totals(s: Setup, current, previous, level) -> np.ndarray:
    """The readable reference, cell by cell: (T, R)."""
    out = np.zeros((current.shape[0], len(s.regions)))
    for t in range(current.shape[0]):
        for c in range(current.shape[1]):
            cell = allocate_cell(s.block, list(s.regions), current[t, c].tolist(), previous[t, c].tolist(),
                                 level[t, c].tolist(), s.weights.tolist(), float(s.pots[c]))  # fmt: skip
            out[t] += [r.amount for r in cell.regions]
    return out


def agreement(s: Setup, inputs, mode: dict) -> dict[str, float]:
    """Largest difference (kronor) of each contender's payouts from the kernel's, on its prefix."""
    n = mode["numpy"] // LANES
    kernel = kernel_totals(s, *(a[:n] for a in inputs))
    floats = [by_trajectory(a[:n]) for a in inputs]
    small, k = [f[: mode["pandas"]] for f in floats], kernel[: mode["pandas"]]
    return {
        "numpy": float(np.abs(numpy_totals(s, *floats) - kernel).max()),
        "pandas": float(np.abs(pandas_totals(s, long_table(s, *small)) - k).max()),
        "reference": float(np.abs(reference_totals(s, *small) - k).max()),
    }


def measure(mode_name: str) -> dict:
    mode = MODES[mode_name]
    started = time.perf_counter()
    load_before = os.getloadavg()
    s = setup()
    t0 = time.perf_counter()
    kernel_totals(s, *synthetic_tenths(1, N_CELLS, N_REGIONS, seed=0))
    compile_s = time.perf_counter() - t0

    inputs = synthetic_tenths(max(KERNEL_SIZES) // LANES, N_CELLS, N_REGIONS, seed=2019)
    diffs = agreement(s, inputs, mode)
    prefix = {n: tuple(a[: n // LANES] for a in inputs) for n in KERNEL_SIZES}
    floats = [by_trajectory(a[: mode["numpy"] // LANES]) for a in inputs]
    table = long_table(s, *(f[: mode["pandas"]] for f in floats))

    threads = sorted({1, 2, numba.config.NUMBA_NUM_THREADS} & set(range(1, numba.config.NUMBA_NUM_THREADS + 1)))
    default = numba.config.NUMBA_NUM_THREADS
    outs = {n: Totals(np.empty((N_REGIONS, n)), np.empty(n)) for n in KERNEL_SIZES}
    jobs = {
        f"kernel:{n}:{k}": with_threads(k, lambda n=n: kernel_totals(s, *prefix[n], out=outs[n]))
        for n in KERNEL_SIZES
        for k in threads
    }
    main = max(KERNEL_SIZES)
    jobs["numpy"] = lambda: numpy_totals(s, *floats)
    jobs["read_floor"] = lambda: read_floor(*prefix[main])
    jobs["read_sum"] = lambda: read_sum(*prefix[main])
    t = rounds_of(jobs, mode["rounds"])
    t["pandas"] = rounds_of({"pandas": lambda: pandas_totals(s, table)}, mode["pandas_rounds"])["pandas"]
    numba.set_num_threads(default)

    rate = {n: {k: cells(n) / t[f"kernel:{n}:{k}"] for k in threads} for n in KERNEL_SIZES}
    kernel = rate[main][default]
    numpy_rate, pandas_rate = cells(mode["numpy"]) / t["numpy"], cells(mode["pandas"]) / t["pandas"]
    floor = cells(main) / t["read_floor"]
    by_size = [rate[n][default] for n in KERNEL_SIZES]
    ratios = {
        "kernel_vs_numpy": rate[mode["numpy"]][default] / numpy_rate,
        "kernel_vs_pandas": rate[min(KERNEL_SIZES)][default] / pandas_rate,
        "kernel_time_vs_read_floor": floor / kernel,
        "flatness": max(by_size) / min(by_size),
    }
    return {
        "mode": mode_name,
        "kernel_cells_per_s": kernel,
        "numpy_cells_per_s": numpy_rate,
        "pandas_cells_per_s": pandas_rate,
        "read_floor_cells_per_s": floor,
        "read_sum_cells_per_s": cells(main) / t["read_sum"],
        "compile_s": compile_s,
        "threads": {str(k): rate[main][k] for k in threads},
        "kernel_by_size": {str(n): {str(k): v for k, v in rate[n].items()} for n in KERNEL_SIZES},
        "sizes": {
            "kernel_trajectories": list(KERNEL_SIZES), "numpy_trajectories": mode["numpy"],
            "pandas_trajectories": mode["pandas"], "read_floor_trajectories": main,
            "cells_per_trajectory": N_CELLS * N_REGIONS, "lanes": LANES, "rounds": mode["rounds"],
        },  # fmt: skip
        "ratios": ratios,
        "goals": {name: (ratios[name] <= goal if name in ("kernel_time_vs_read_floor", "flatness") else ratios[name] >= goal)
                  for name, goal in GOALS.items()},  # fmt: skip
        "max_abs_diff_sek": diffs,
        "agree": all(v <= TOLERANCE_SEK for v in diffs.values()),
        "machine": {
            "cpus": os.cpu_count(), "numba_threads": default, "threading_layer": numba.threading_layer(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "load_average_before": load_before, "load_average_after": os.getloadavg(),
            "python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
        },  # fmt: skip
        "wall_s": time.perf_counter() - started,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }


def render(r: dict) -> str:
    def m(x):
        return f"{x / 1e6:12,.1f}" if x >= 1e6 else f"{x / 1e6:12.4f}"

    k = r["sizes"]
    lines = [
        f"kommiljard sweep benchmark ({r['mode']}), region-cells per second, median of {k['rounds']} rounds",
        f"{'':34}{'Mcells/s':>12}  size (trajectories)",
        f"{'kernel (numba, ' + str(r['machine']['numba_threads']) + ' threads)':34}{m(r['kernel_cells_per_s'])}  {k['read_floor_trajectories']:,}",
    ]
    lines += [f"{'  ' + t + ' thread(s)':34}{m(v)}  {k['read_floor_trajectories']:,}" for t, v in r["threads"].items()]
    for n, by in r["kernel_by_size"].items():
        lines.append(f"{'  by size, ' + ', '.join(by) + ' thread(s)':34}" + "".join(m(v) for v in by.values()) + f"  {int(n):,}")
    lines += [
        f"{'numpy (vectorised)':34}{m(r['numpy_cells_per_s'])}  {k['numpy_trajectories']:,}",
        f"{'pandas (groupby/apply)':34}{m(r['pandas_cells_per_s'])}  {k['pandas_trajectories']:,}",
        f"{'read floor (numpy max of inputs)':34}{m(r['read_floor_cells_per_s'])}  {k['read_floor_trajectories']:,}",
        f"{'read with numpy sum instead':34}{m(r['read_sum_cells_per_s'])}  {k['read_floor_trajectories']:,}",
        f"compile time of the kernel: {r['compile_s']:.2f} s",
        "",
        "goal                          measured   target   met",
    ]
    for name, goal in GOALS.items():
        op = "<=" if name in ("kernel_time_vs_read_floor", "flatness") else ">="
        lines.append(f"{name:28}{r['ratios'][name]:10.2f}   {op}{goal:<6g}  {'yes' if r['goals'][name] else 'NO'}")
    d = r["max_abs_diff_sek"]
    lines += [
        "",
        f"payouts agree to the öre: {'yes' if r['agree'] else 'NO'} (largest difference from the kernel: "
        f"numpy {d['numpy']:.2g} kr, pandas {d['pandas']:.2g} kr, reference {d['reference']:.2g} kr)",
        f"load average before/after: {r['machine']['load_average_before'][0]:.2f} / {r['machine']['load_average_after'][0]:.2f} "
        f"on {r['machine']['cpus']} CPUs; wall time {r['wall_s']:.1f} s",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller numpy/pandas inputs (under a minute)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = measure("quick" if args.quick else "full")
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
