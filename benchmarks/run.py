"""Every fast function of the package against its references and contenders, in one run.

    .venv/bin/python benchmarks/run.py [--quick] [--json FILE]

The functions and their references come from one table, ``tests/comparisons.py``
(``COMPARISONS``), which the property tests also run: for each, one generated case (the
2019 rules, shares on the 0.1 grid with many on the bounds), the fast function on many
trajectories, each reference and contender on a prefix. Throughput is in region-cells per
second (one region in one month and group of one trajectory), wall and CPU time, the median
over interleaved rounds in which each job is called twice and the second call timed (so
compile time, reported on its own, and cold caches are not counted). Every result must agree
with the fast function's; otherwise the run fails (exit 1) after reporting.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from comparisons import COMPARISONS, assert_agree
from contenders import numpy_outcomes, pandas_outcomes

MODES = {
    "quick": {"fast": 20_000, "reference": 20, "numpy": 2_000, "pandas": 10, "rounds": 3},
    "full": {"fast": 200_000, "reference": 100, "numpy": 20_000, "pandas": 50, "rounds": 7},
}
CONTENDERS = {"staircase: staircase_outcomes (kommiljard sweep)": {"numpy": numpy_outcomes, "pandas": pandas_outcomes}}


def timed_rounds(jobs: dict, rounds: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds per job over interleaved rounds (the second of two calls)."""
    wall = {name: [] for name in jobs}
    cpu = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            fn()
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return {name: {"wall_s": statistics.median(wall[name]), "cpu_s": statistics.median(cpu[name])} for name in jobs}


def prefix(case, n: int):
    """The first ``n`` trajectories of a case (one-panel cases are taken whole)."""
    if not hasattr(case, "current"):
        return case
    return type(case)(case.block, case.current[:n], case.previous[:n], case.target[:n], case.weights, case.pots)


def measure(mode_name: str) -> dict:
    mode = MODES[mode_name]
    results = []
    for comparison in COMPARISONS:
        variant = comparison.variants[0]
        size = mode["fast"] if comparison.max_traj > 1 else 1
        t0 = time.perf_counter()
        case = comparison.make(np.random.default_rng(2019), variant, size)
        comparison.fast(prefix(case, 1))  # compile (or load from the cache) before timing
        compile_s = time.perf_counter() - t0
        fast = comparison.fast(case)
        jobs = {"fast": functools.partial(comparison.fast, case)}
        sizes = {"fast": size}
        for name, (reference, bitwise) in comparison.references.items():
            n = min(size, mode["reference"])
            assert_agree(
                {k: v[:n] if size > 1 else v for k, v in fast.items()},
                reference(prefix(case, n)),
                bitwise,
                f"{comparison.name} vs {name}",
            )
            jobs[name] = functools.partial(reference, prefix(case, n))
            sizes[name] = n
        for name, contender in CONTENDERS.get(comparison.name, {}).items():
            n = min(size, mode[name])
            assert_agree(
                {k: v[:n] for k, v in fast.items()}, contender(prefix(case, n)), False, f"{comparison.name} vs {name}"
            )
            jobs[name] = functools.partial(contender, prefix(case, n))
            sizes[name] = n
        times = timed_rounds(jobs, mode["rounds"])
        cells_per_traj = case.region_cells // (case.current.shape[0] if hasattr(case, "current") else 1)
        rows = {}
        for name, t in times.items():
            cells = sizes[name] * cells_per_traj
            rows[name] = {
                "trajectories": sizes[name],
                "cells_per_s_wall": cells / t["wall_s"],
                "cells_per_s_cpu": cells / max(t["cpu_s"], 1e-9),
                **t,
            }
        for name in rows:
            rows[name]["fast_speedup_cpu"] = rows["fast"]["cells_per_s_cpu"] / rows[name]["cells_per_s_cpu"]
        results.append({"name": comparison.name, "variant": variant, "first_call_s": compile_s, "jobs": rows})
    return {
        "mode": mode_name,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None,
        "results": results,
    }


def render(r: dict) -> str:
    lines = [f"benchmarks/run.py --{r['mode']}  (load average {' '.join(r['loadavg'] or ['?'])})"]
    for res in r["results"]:
        lines.append(f"\n{res['name']} [{res['variant']}], first call {res['first_call_s']:.2f} s")
        lines.append(
            f"  {'job':<10} {'trajectories':>12} {'cells/s wall':>14} {'cells/s CPU':>14} {'fast is x (CPU)':>16}"
        )
        for name, j in res["jobs"].items():
            lines.append(
                f"  {name:<10} {j['trajectories']:>12,} {j['cells_per_s_wall']:>14.3g} {j['cells_per_s_cpu']:>14.3g} "
                f"{j['fast_speedup_cpu']:>16.3g}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer rounds (under a minute)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        result = measure("quick" if args.quick else "full")
    except AssertionError as exc:
        print(f"contenders disagree: {exc}", file=sys.stderr)
        return 1
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
