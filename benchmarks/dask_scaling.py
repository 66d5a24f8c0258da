"""A sweep on Dask against the same sweep run locally, on this machine: scaling over worker processes, cost per task.

    .venv/bin/python benchmarks/dask_scaling.py [--quick] [--json FILE]

1. **Scaling.** One sweep (default scenario, 2019 rules, no lever) of ``n`` trajectories in chunks
   of ``chunk``: run locally on one thread and on numba's threads, then as Dask tasks on a
   ``LocalCluster`` of 1 and of 2 worker processes (one thread each). A cluster is started, and
   its workers warmed up by a small sweep, before its clock starts; its start-up time is reported
   on its own. Figures: wall time; CPU of the driver (this process) and of the workers; the wall
   time as a ratio to the local one-thread run.
2. **Overhead per task.** ``tiny_n`` trajectories in chunks of ``tiny_chunk`` on one worker, and
   locally on one thread with the same chunks: (wall on Dask - wall locally) / tasks is what Dask
   adds to each part (scheduling, sending the setup, the driver reading the part back).

Each figure is the median of three rounds (one with ``--quick``).

Every distributed summary is checked against the local one, to the bit. The figures are printed
and written as JSON (default: benchmarks/dask_scaling.json) with the machine and its load average.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from floors import Timing, machine, median, timed

from kommiljard.sweeps.run import run_sweep

SEED = 2019
MODES = {
    "full": {"n": 1_000_000, "chunk": 100_000, "tiny_n": 20_000, "tiny_chunk": 200, "rounds": 3},
    "quick": {"n": 40_000, "chunk": 5_000, "tiny_n": 2_000, "tiny_chunk": 100, "rounds": 1},
}


def cluster(workers: int):
    """A started LocalCluster of ``workers`` processes (one thread each), its client, and how long starting took."""
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    local = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    client = Client(local)
    return local, client, time.perf_counter() - started


def sweep(out: Path, n: int, chunk: int, rounds: int = 1, **kwargs) -> tuple[pd.DataFrame, Timing]:
    """A fresh sweep into ``out``, ``rounds`` times: its summary and the driver's median CPU and wall time."""
    timings = []
    for _ in range(rounds):
        shutil.rmtree(out, ignore_errors=True)
        result, t = timed(lambda: run_sweep(None, n, SEED, out, chunk_size=chunk, **kwargs))
        timings.append(t)
    return result.summary, median(timings)


def on_dask(client, out: Path, n: int, chunk: int, rounds: int, reference: pd.DataFrame) -> dict:
    """A sweep on the cluster (median of ``rounds``): wall, driver CPU and the workers' CPU; refused if its
    summary differs."""
    before = client.run(time.process_time)
    summary, t = sweep(out, n, chunk, rounds, scheduler=client)
    after = client.run(time.process_time)
    pd.testing.assert_frame_equal(summary, reference, check_exact=True)
    workers = sum(after[w] - before[w] for w in after if w in before) / rounds
    return {"wall_s": t.wall_s, "driver_cpu_s": t.cpu_s, "workers_cpu_s": workers, "tasks": -(-n // chunk)}


def measure(mode: str) -> dict:
    size = MODES[mode]
    n, chunk, tiny_n, tiny_chunk, rounds = (size[k] for k in ("n", "chunk", "tiny_n", "tiny_chunk", "rounds"))
    result = {"mode": mode, "machine": machine(), "sizes": size}
    with tempfile.TemporaryDirectory(prefix="kommiljard-dask-bench-") as tmp:
        tmp = Path(tmp)
        sweep(tmp / "warm", 2_000, 1_000, threads=1)  # kernels loaded in this process
        reference, one = sweep(tmp / "local1", n, chunk, rounds, threads=1)
        _, threads = sweep(tmp / "local", n, chunk, rounds)
        tiny_reference, tiny_local = sweep(tmp / "tiny-local", tiny_n, tiny_chunk, rounds, threads=1)
        result["local"] = {
            "one thread": {"wall_s": one.wall_s, "driver_cpu_s": one.cpu_s, "tasks": 0},
            f"{threads_of()} threads": {"wall_s": threads.wall_s, "driver_cpu_s": threads.cpu_s, "tasks": 0},
        }
        result["dask"], result["startup_s"] = {}, {}
        for workers in (1, 2):
            local, client, startup = cluster(workers)
            try:
                sweep(tmp / "warm-dask", 2_000, 1_000, scheduler=client)  # each worker loads the kernels
                result["startup_s"][workers] = startup
                result["dask"][f"{workers} worker process{'es' if workers > 1 else ''}"] = on_dask(
                    client, tmp / f"dask{workers}", n, chunk, rounds, reference
                )
                if workers == 1:
                    tiny = on_dask(client, tmp / "tiny-dask", tiny_n, tiny_chunk, rounds, tiny_reference)
                    tasks = tiny["tasks"]
                    result["overhead"] = {
                        "tasks": tasks,
                        "chunk": tiny_chunk,
                        "local_wall_s": tiny_local.wall_s,
                        "dask_wall_s": tiny["wall_s"],
                        "per_task_ms": 1e3 * (tiny["wall_s"] - tiny_local.wall_s) / tasks,
                    }
            finally:
                client.close()
                local.close()
    for row in (*result["local"].values(), *result["dask"].values()):
        row["ratio_to_one_thread"] = row["wall_s"] / one.wall_s
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def threads_of() -> int:
    import numba

    return numba.get_num_threads()


def render(r: dict) -> str:
    m, size = r["machine"], r["sizes"]
    lines = [
        f"kommiljard sweep on Dask ({r['mode']}): {size['n']:,} trajectories in chunks of {size['chunk']:,}".replace(
            ",", " "
        ),
        f"machine: {m.get('cpu', '?')}, {m.get('cpus', '?')} CPUs; load average before "
        f"{m.get('load_average')}, after {m['load_average_after']}",
        "",
        f"{'run':<28}{'tasks':>6}{'wall s':>9}{'driver CPU s':>14}{'workers CPU s':>15}{'wall / local 1':>16}",
    ]
    rows = {**{f"local, {k}": v for k, v in r["local"].items()}, **{f"Dask, {k}": v for k, v in r["dask"].items()}}
    for name, row in rows.items():
        workers = f"{row['workers_cpu_s']:.2f}" if "workers_cpu_s" in row else "-"
        lines.append(
            f"{name:<28}{row['tasks'] or '-':>6}{row['wall_s']:>9.2f}{row['driver_cpu_s']:>14.2f}{workers:>15}"
            f"{row['ratio_to_one_thread']:>16.2f}"
        )
    o = r["overhead"]
    lines += [
        "",
        "cluster start-up (not in the times above): "
        + ", ".join(f"{w} worker(s) {s:.1f} s" for w, s in r["startup_s"].items()),
        f"overhead per task: {o['per_task_ms']:.1f} ms ({o['tasks']} tasks of {o['chunk']} trajectories on one worker: "
        f"{o['dask_wall_s']:.2f} s, locally {o['local_wall_s']:.2f} s)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test, not figures to quote)")
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("dask_scaling.json"))
    args = parser.parse_args(argv)
    result = measure("quick" if args.quick else "full")
    print(render(result))
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
