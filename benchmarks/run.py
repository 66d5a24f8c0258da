"""What the commands cost against what they cannot cost less than, in one run.

    .venv/bin/python benchmarks/run.py [--quick] [--json FILE] [--memory N ...] [--no-compile]

1. **Floors** (``floors.py``), measured in this run: importing numpy, pandas and pyarrow; numpy's
   SFC64 normals for one trajectory; numpy's vectorised exp; pyarrow writing a sweep's rows.
2. **Commands** (``commands.py``): each one-panel command and ``--help`` as a fresh process,
   CPU and wall time, as a ratio to the import floor.
3. **Sweep** (``sweeps.py``): ``run_sweep`` end to end on 1 and 2 threads and stage by stage,
   CPU per trajectory as a ratio to the normals floor; peak memory at the sizes given with
   ``--memory``; the allocation kernel against the tuned numpy contender on drawn trajectories.
4. **Kernels** against their references and contenders: every entry of ``tests/comparisons.py``
   (``COMPARISONS``, which the property tests also run): one generated case (the 2019 rules,
   shares on the 0.1 grid with many on the bounds), the fast function on many trajectories,
   each reference and contender on a prefix, in region-cells per second (one region in one
   month and group of one trajectory), the median over interleaved rounds in which each job is
   called twice and the second call timed.
5. **Compile times** (``compile_times.py``): every kernel's first call in a fresh process with an
   empty numba cache, then in a second process with the cache the first left.

Every contender must agree with the kernel (and every reference with its fast function):
otherwise the run fails (exit 1) after reporting. Nothing is asserted about time: the targets
are reported, met or not, with the machine and its load average. ``benchmarks/readme.py``
writes the README's Performance section from the JSON.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import commands
import compile_times
import floors
import sweeps

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
    if hasattr(case, "head"):
        return case.head(n)
    if not hasattr(case, "current"):
        return case
    return type(case)(case.block, case.current[:n], case.previous[:n], case.target[:n], case.weights, case.pots)


def kernels(mode_name: str) -> list[dict]:
    """Every COMPARISONS entry: the fast function against its references and contenders."""
    mode = MODES[mode_name]
    results = []
    for comparison in COMPARISONS:
        variant = comparison.variants[0]
        size = min(mode["fast"], comparison.bench_traj or mode["fast"]) if comparison.max_traj > 1 else 1
        case = comparison.make(np.random.default_rng(2019), variant, size)
        t0 = time.perf_counter()
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
    return results


TARGETS = {"one-panel command": 2.0, "--help": 1.5, "sweep": 1.3, "numpy contender": 10.0, "peak RSS MiB": 600.0}


def targets(r: dict) -> list[dict]:
    """Each target of the run: the figure, what it is measured against, the ratio and whether it is met."""
    out = []
    floor = r["floors"]["import_s"]["cpu"]
    for name, c in r["commands"].items():
        limit = TARGETS["--help" if name == "--help" else "one-panel command"]
        ratio = c["cpu"] / floor
        out.append({"what": f"{name}: CPU / import floor", "figure": c["cpu"], "ratio": ratio, "target": f"<= {limit}",
                    "met": ratio <= limit})  # fmt: skip
    normals = r["floors"]["normals_us"]["cpu"]
    for threads, t in r["sweep"]["end_to_end_us"].items():
        ratio = t["cpu"] / normals
        out.append({"what": f"sweep ({threads}): CPU per trajectory / normals floor", "figure": t["cpu"],
                    "ratio": ratio, "target": f"<= {TARGETS['sweep']}", "met": ratio <= TARGETS["sweep"]})  # fmt: skip
    race = r["sweep"]["race"]
    ratio = race["numpy_us"]["cpu"] / race["kernel_us"]["cpu"]
    out.append({"what": "tuned numpy contender / allocation kernel (CPU, 1 thread)", "figure": race["kernel_us"]["cpu"],
                "ratio": ratio, "target": f">= {TARGETS['numpy contender']}",
                "met": ratio >= TARGETS["numpy contender"]})  # fmt: skip
    for m in r["sweep"]["memory"]:
        out.append({"what": f"sweep of {m['trajectories']:,}: peak RSS (MiB)", "figure": m["peak_rss_mib"],
                    "ratio": None, "target": f"<= {TARGETS['peak RSS MiB']:.0f}",
                    "met": m["peak_rss_mib"] <= TARGETS["peak RSS MiB"]})  # fmt: skip
        if m["trajectories"] >= 10_000_000:
            out.append({"what": f"sweep of {m['trajectories']:,}: wall seconds (idle 2-core target 30 per 10^7)",
                        "figure": m["wall_s"], "ratio": None, "target": "<= 30 per 10^7",
                        "met": m["wall_s"] <= 30 * m["trajectories"] / 1e7})  # fmt: skip
    return out


def measure(mode_name: str, memory_sizes: tuple[int, ...], compile_: bool) -> dict:
    quick = mode_name == "quick"
    result = {"mode": mode_name, "machine": floors.machine()}
    result["floors"] = floors.measure(quick)
    result["commands"] = commands.measure(1 if quick else 3)
    result["sweep"] = sweeps.measure(quick, memory_sizes)
    result["results"] = kernels(mode_name)
    if compile_:
        result["compile"] = compile_times.measure()
    result["targets"] = targets(result)
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def _row(label: str, t: dict, unit: str, ratio: float | None = None, width: int = 44) -> str:
    tail = f"  {ratio:6.2f}x" if ratio is not None else ""
    return f"  {label:{width}}{t['cpu']:10.3f} {t['wall']:10.3f} {unit}{tail}"


def render(r: dict) -> str:
    m = r["machine"]
    lines = [
        f"benchmarks/run.py --{r['mode']}: {m['cpu']}, {m['cpus']} CPUs, Python {m['python']}, numpy {m['numpy']}, "
        f"numba {m['numba']}, pyarrow {m['pyarrow']}",
        f"load average {m['load_average']} before, {m['load_average_after']} after (CPU and wall per figure)",
    ]
    f = r["floors"]
    lines += ["", "floors (this run)"]
    lines += [_row("import numpy, pandas, pyarrow (fresh process)", f["import_s"], "s")]
    lines += [_row(f"SFC64 normals, {f['sizes']['normals']} a trajectory", f["normals_us"], "us/trajectory")]
    lines += [_row(f"numpy exp, {f['sizes']['logits']} a trajectory", f["exp_us"], "us/trajectory")]
    lines += [_row(f"Parquet write, {f['sizes']['rows']} rows a trajectory", f["write_us"], "us/trajectory")]
    lines += ["", "commands on the sample panel (fresh process; ratio: CPU / import floor)"]
    lines += [_row(name, c, "s", c["cpu"] / f["import_s"]["cpu"]) for name, c in r["commands"].items()]
    s = r["sweep"]
    normals = f["normals_us"]["cpu"]
    lines += ["", f"sweep end to end, {s['end_to_end_trajectories']:,} trajectories (ratio: CPU / normals floor)"]
    lines += [_row(k, t, "us/trajectory", t["cpu"] / normals) for k, t in s["end_to_end_us"].items()]
    lines += [f"sweep by stage, {s['stages_trajectories']:,} trajectories, 1 thread (ratio: CPU / normals floor)"]
    lines += [_row(k, t, "us/trajectory", t["cpu"] / normals) for k, t in s["stages_us"].items()]
    lines += [_row("(write: ratio to the write floor)", s["stages_us"]["write"], "us/trajectory",
                   s["stages_us"]["write"]["cpu"] / f["write_us"]["cpu"])]  # fmt: skip
    for mem in s["memory"]:
        lines.append(
            f"  peak RSS, {mem['trajectories']:,} trajectories ({mem['threads']} threads): "
            f"{mem['peak_rss_mib']:.0f} MiB, {mem['cpu_s']:.1f} s CPU, {mem['wall_s']:.1f} s wall"
        )
    race = s["race"]
    lines += [f"allocation on {race['trajectories']:,} drawn trajectories, 1 thread (ratio: to the kernel)"]
    lines += [_row("kernel (staircase_outcomes)", race["kernel_us"], "us/trajectory", 1.0)]
    lines += [_row("tuned numpy contender", race["numpy_us"], "us/trajectory",
                   race["numpy_us"]["cpu"] / race["kernel_us"]["cpu"])]  # fmt: skip
    lines += [_row("read floor (one numpy pass over the shares)", race["read_floor_us"], "us/trajectory",
                   race["read_floor_us"]["cpu"] / race["kernel_us"]["cpu"])]  # fmt: skip
    lines.append(
        f"  agree: tiers {'yes' if race['tiers_equal'] else 'NO'}, amounts within {race['max_abs_diff_sek']:.2g} kr"
    )
    lines.append("\nkernels against their references and contenders (region-cells per second)")
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
    if "compile" in r:
        lines += [
            "",
            "compile time: first call minus second, fresh processes (cold: empty cache; warm: the next process)",
        ]
        lines += [
            f"  {name:66}{t['cold_s']['cpu']:8.2f} {t['warm_s']['cpu']:8.3f} s CPU" for name, t in r["compile"].items()
        ]
    lines += ["", "targets"]
    for t in r["targets"]:
        ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else f"{t['figure']:.1f}"
        lines.append(f"  {t['what']:68}{ratio:>8} ({t['target']}): {'met' if t['met'] else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round, no compile times")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--memory", type=int, nargs="*", default=None, help="sweep sizes whose peak RSS to measure (full: 10^5 10^6)"
    )
    parser.add_argument("--no-compile", action="store_true", help="skip the compile times (two fresh processes)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    memory = tuple(args.memory) if args.memory is not None else (() if args.quick else (100_000, 1_000_000))
    try:
        result = measure(mode, memory, not (args.quick or args.no_compile))
    except AssertionError as exc:
        print(f"contenders disagree: {exc}", file=sys.stderr)
        return 1
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    race = result["sweep"]["race"]
    if not race["tiers_equal"] or race["max_abs_diff_sek"] > 1e-6:
        print("the numpy contender disagrees with the kernel", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
