"""What the commands cost against what they cannot cost less than, in one run.

    .venv/bin/python benchmarks/run.py [--quick] [--json FILE] [--memory N ...] [--no-compile] [--no-dask]

1. **Floors** (``floors.py``), measured in this run: importing numpy, pandas and pyarrow; numpy's
   SFC64 normals for one trajectory; numpy's vectorised exp; pyarrow writing a sweep's rows.
2. **Commands** (``commands.py``): each one-panel command and ``--help`` as a fresh process,
   CPU and wall time, as a ratio to the import floor.
3. **Price per operation** (``price.py``): its payouts beside the staircase's, and its sweep's CPU per
   trajectory against the staircase's (draws and allocation, and end to end).
4. **Sweep** (``sweeps.py``): ``run_sweep`` end to end on 1 and 2 threads and stage by stage,
   CPU per trajectory as a ratio to the normals floor (measured again before each round); peak
   memory and wall time in a fresh process at the sizes given with ``--memory`` (10⁷: the wall
   time goal); the allocation kernel against the tuned numpy contender on drawn trajectories.
5. **Kernels** against their references and contenders: every entry of ``tests/comparisons.py``
   (``COMPARISONS``, which the property tests also run): one generated case (the 2019 rules,
   shares on the 0.1 grid with many on the bounds), the fast function on many trajectories,
   each reference and contender on a prefix, in region-cells per second (one region in one
   month and group of one trajectory), the least over interleaved rounds in which each job is
   called twice and the second call timed.
6. **Compile times** (``compile_times.py``): every kernel's first call in a fresh process with an
   empty numba cache, then in a second process with the cache the first left.
7. **Dask** (``dask_scaling.py``, when ``distributed`` is installed): the sweep on a LocalCluster of
   1 and 2 worker processes: throughput, the parallel efficiency at 2, the driver's CPU as a share
   of the workers'.
8. **Forecasts** (``forecast_speed.py``): ``kommiljard fit`` on 21 regions x 2 groups x 60 months in a fresh
   process (goal: under 10 s CPU), and a fitted scenario's sweep with ``--observed`` against the default
   scenario's, one thread (goal: at most 1.5 times its CPU).

Every figure is the least over rounds (the machine is shared: the least disturbed round), but a
command's, which is the median over rounds against the import floor's median in the same rounds
(both kept in the JSON, with the least); each ratio is to a floor measured in the same run; the
targets (issue 25's goals) are printed beside each ratio and kept, with every figure, in the JSON.

Every contender must agree with the kernel (and every reference with its fast function):
otherwise the run fails (exit 1) after reporting. Nothing is asserted about time: the targets
are reported, met or not, with the machine and its load average. ``benchmarks/readme.py``
writes the README's Performance section from the JSON.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import commands
import compile_times
import floors
import forecast_speed
import price
import sweeps

from comparisons import COMPARISONS, assert_agree
from contenders import numpy_outcomes, pandas_outcomes

MODES = {
    "quick": {"fast": 20_000, "reference": 20, "numpy": 2_000, "pandas": 10, "rounds": 3},
    "full": {"fast": 200_000, "reference": 100, "numpy": 20_000, "pandas": 50, "rounds": 7},
}
CONTENDERS = {"staircase: staircase_outcomes (kommiljard sweep)": {"numpy": numpy_outcomes, "pandas": pandas_outcomes}}


def timed_rounds(jobs: dict, rounds: int) -> dict[str, dict[str, float]]:
    """The least wall and CPU seconds per job over interleaved rounds (the second of two calls)."""
    wall = {name: [] for name in jobs}
    cpu = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            fn()
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return {name: {"wall_s": min(wall[name]), "cpu_s": min(cpu[name])} for name in jobs}


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
        cells_per_traj = case.region_cells // getattr(
            case, "n_traj", case.current.shape[0] if hasattr(case, "current") else 1
        )
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


# The goals of issue 25 (benchmarks report them, met or not; nothing asserts a time).
TARGETS = {
    "one-panel command": 1.6,  # payout, whatif, explain: median CPU / the import floor's, in the same rounds
    "--help": 1.3,
    "price payout": 2.0,  # issue 21: a price-per-operation payout within about twice the import floor
    "sweep": 1.3,  # one thread: CPU per trajectory / the normals floor
    # the kernel must beat the best numpy version we can write by enough to pay for a compiler; one numpy pass
    # over the shares the allocation reads costs a fifth of the tuned contender, so no honest contender is 10x
    "numpy contender": 1.5,
    "peak RSS MiB": 600.0,
    "wall s per 10^7": 60.0,  # 10^7 trajectories on this machine's cores
    "dask efficiency": 0.8,
    "dask driver share": 0.10,
}
# validate, compare and the other schemes' commands are reported without a goal
GOAL_COMMANDS = {"--help": "--help", "explain": "one-panel command", "payout": "one-panel command",
                 "whatif": "one-panel command", "payout 2026": "price payout"}  # fmt: skip


def target(what: str, figure: float, ratio: float | None, goal: str, met: bool | None) -> dict:
    """One row of the targets: ``met`` None for a figure reported without a goal."""
    return {"what": what, "figure": figure, "ratio": ratio, "target": goal, "met": met}


def targets(r: dict) -> list[dict]:
    """Each target of the run: the figure, what it is measured against, the ratio and whether it is met."""
    out = []
    floor = r["commands_floor"]["median_cpu"]
    for name, c in r["commands"].items():
        ratio = c["median_cpu"] / floor
        limit = TARGETS[GOAL_COMMANDS[name]] if name in GOAL_COMMANDS else None
        goal = f"<= {limit}" if limit else "-"
        out.append(target(f"{name}: median CPU / import floor's", c["median_cpu"], ratio, goal,
                          ratio <= limit if limit else None))  # fmt: skip
    s = r["sweep"]
    normals = s["normals_floor_us"]["cpu"]
    for threads, t in s["end_to_end_us"].items():
        ratio, limit = t["cpu"] / normals, TARGETS["sweep"] if threads == "1 thread" else None
        goal, met = (f"<= {limit}", ratio <= limit) if limit else ("-", None)
        out.append(target(f"sweep ({threads}): CPU per trajectory / normals floor", t["cpu"], ratio, goal, met))
    if "price" in r:  # a price sweep's trajectory costs no more than a staircase's (draws + allocation, 1 thread)
        staircase = r["price"]["sweep_us"]["staircase 2019"]["cpu"]
        for name, t in r["price"]["sweep_us"].items():
            if name.startswith("price"):
                ratio = t["cpu"] / staircase
                out.append(target(f"sweep {name}: CPU per trajectory / staircase's", t["cpu"], ratio, "<= 1.0",
                                  ratio <= 1.0))  # fmt: skip
    if "forecast" in r:  # issue 22: `kommiljard fit` on 21 x 2 x 60 months, a fitted --observed sweep / default's
        fc, goals = r["forecast"], r["forecast"]["goals"]
        cpu = fc["fit"]["command"]["cpu"]
        out.append(target("kommiljard fit, 21 x 2 x 60 months: CPU (s)", cpu, None, f"< {goals['fit_cpu_s']:g}",
                          cpu < goals["fit_cpu_s"]))  # fmt: skip
        ratio = fc["sweep"]["ratio_cpu"]
        out.append(target("sweep of a fitted scenario --observed: CPU / default scenario's", ratio, ratio,
                          f"<= {goals['sweep_ratio']:g}", ratio <= goals["sweep_ratio"]))  # fmt: skip
    race = s["race"]
    ratio = race["numpy_us"]["cpu"] / race["kernel_us"]["cpu"]
    out.append(target("tuned numpy contender / allocation kernel (CPU, 1 thread)", race["kernel_us"]["cpu"], ratio,
                      f">= {TARGETS['numpy contender']}", ratio >= TARGETS["numpy contender"]))  # fmt: skip
    for m in s["memory"]:
        limit = TARGETS["peak RSS MiB"]
        out.append(target(f"sweep of {m['trajectories']:,}: peak RSS (MiB)", m["peak_rss_mib"], None, f"<= {limit:.0f}",
                          m["peak_rss_mib"] <= limit))  # fmt: skip
        if m["trajectories"] >= 10_000_000:
            limit = TARGETS["wall s per 10^7"] * m["trajectories"] / 1e7
            out.append(target(f"sweep of {m['trajectories']:,}: wall seconds ({m['threads']} threads)", m["wall_s"],
                              None, f"<= {limit:.0f}", m["wall_s"] <= limit))  # fmt: skip
    if d := r.get("dask"):
        largest, efficiency = d["largest_workers"], d["efficiency"]
        limit = TARGETS["dask efficiency"]
        out.append(target(f"Dask, {largest} worker processes: parallel efficiency", efficiency, efficiency,
                          f">= {limit}", efficiency >= limit))  # fmt: skip
        share = d["driver_share"]
        out.append(target(f"Dask, {largest} worker processes: driver CPU / workers' CPU", share, share,
                          f"<= {TARGETS['dask driver share']}", share <= TARGETS["dask driver share"]))  # fmt: skip
    return out


def measure(mode_name: str, memory_sizes: tuple[int, ...], compile_: bool, dask: bool = True) -> dict:
    quick = mode_name == "quick"
    result = {"mode": mode_name, "machine": floors.machine()}
    result["floors"] = floors.measure(quick)
    result["commands"], result["commands_floor"] = commands.measure(3 if quick else 7)
    result["sweep"] = sweeps.measure(quick, memory_sizes)
    result["price"] = price.measure(quick)
    result["forecast"] = forecast_speed.measure(100_000, 1 if quick else 3)  # the goal's size: setup is fixed
    result["results"] = kernels(mode_name)
    if compile_:
        result["compile"] = compile_times.measure()
    if dask and importlib.util.find_spec("distributed") is not None:
        import dask_scaling

        result["dask"] = dask_scaling.measure(mode_name)
    result["targets"] = targets(result)
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def _median(c: dict) -> dict:
    return {"cpu": c["median_cpu"], "wall": c["median_wall"]}


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
    floor = r["commands_floor"]
    lines += ["", "commands on the sample panel (fresh process, median of the rounds; ratio: CPU / the import floor's "
              "median in the same rounds; the least of the rounds in brackets)"]  # fmt: skip
    lines += [_row("import numpy, pandas, pyarrow (interleaved)", _median(floor), "s", 1.0)]
    lines += [
        _row(name, _median(c), "s", c["median_cpu"] / floor["median_cpu"]) + f"  ({c['cpu'] / floor['cpu']:.2f}x)"
        for name, c in r["commands"].items()
    ]
    s = r["sweep"]
    normals = s["normals_floor_us"]["cpu"]
    lines += ["", f"sweep end to end, {s['end_to_end_trajectories']:,} trajectories, the least of "
              f"{s['end_to_end_rounds']} rounds (ratio: CPU / the normals floor measured before each)"]  # fmt: skip
    lines += [_row("normals floor, least of the rounds", s["normals_floor_us"], "us/trajectory")]
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
    if "forecast" in r:
        lines += ["", "forecasts (benchmarks/forecast_speed.py)", forecast_speed.render(r["forecast"])]
    if "price" in r:
        lines += ["", "price per operation against the staircase (benchmarks/price.py)", price.render(r["price"])]
    if "dask" in r:
        lines += ["", dask_text(r["dask"])]
    lines += ["", "targets (each ratio beside its goal)"]
    for t in r["targets"]:
        ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else f"{t['figure']:.1f}"
        said = {True: "met", False: "NOT met", None: "no goal"}[t["met"]]
        lines.append(f"  {t['what']:68}{ratio:>8} ({t['target']}): {said}")
    return "\n".join(lines)


def dask_text(d: dict) -> str:
    import dask_scaling

    return dask_scaling.render(d)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round, no compile times")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--memory", type=int, nargs="*", default=None, help="sweep sizes whose peak RSS to measure (full: 10^5 10^6)"
    )
    parser.add_argument("--no-compile", action="store_true", help="skip the compile times (two fresh processes)")
    parser.add_argument("--no-dask", action="store_true", help="skip the sweep on a Dask LocalCluster")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    memory = tuple(args.memory) if args.memory is not None else (() if args.quick else (100_000, 1_000_000))
    try:
        result = measure(mode, memory, not (args.quick or args.no_compile), not args.no_dask)
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
