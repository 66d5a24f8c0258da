"""A sweep on Dask against the same sweep run locally: throughput on 1 and 2 worker processes, the parallel
efficiency, the driver's CPU as a share of the workers', the cost per task.

    .venv/bin/python benchmarks/dask_scaling.py [--quick] [--json FILE]

1. **Scaling.** One sweep (default scenario, 2019 rules, no lever) of ``n`` trajectories in chunks of ``chunk``:
   locally on one thread, then as Dask tasks on a ``LocalCluster`` of 1 and of 2 worker processes (one thread
   each). The cluster runs in a process of its own (its scheduler and the workers' nannies too), started and its
   workers warmed up by a small sweep before the clock starts, so the driver's CPU is the sweep's client alone:
   the command that submits the tasks, merges what they return and writes the summary. Figures: wall time and
   throughput (trajectories per second of wall time), the driver's CPU (this process, all threads) and the
   workers' (``client.run(time.process_time)`` before and after); the **parallel efficiency** at 2 workers,
   throughput(2) / (2 x throughput(1)), the **driver's share**, its CPU over the workers', and the workers'
   CPU on 1 worker over that on 2 for the same work (how well the work divides, whatever else runs).
2. **Overhead per task** (not with ``--quick``): ``tiny_n`` trajectories in chunks of ``tiny_chunk`` on one worker,
   and locally on one thread with the same chunks: (wall on Dask - wall locally) / tasks.

Each figure is the minimum over rounds (the machine is shared: the least disturbed round). Every distributed
summary is checked against the local one, to the bit. ``benchmarks/run.py`` runs the same and keeps the figures in
its JSON; this script prints them and writes benchmarks/dask_scaling.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from floors import machine

from kommiljard.sweeps.run import run_sweep

SEED = 2019
MODES = {
    "full": {"n": 1_000_000, "chunk": 100_000, "tiny_n": 20_000, "tiny_chunk": 200, "rounds": 3},
    # the full run's scaling without the cost per task: about 40 s of CI's time. Its chunks (smaller ones measure the
    # fixed costs per task: at 25,000 the workers took 12 % more CPU per trajectory and the driver 9 % of their CPU)
    # and its rounds (with 8 chunks and 2 rounds the efficiency read 0.75-0.81 in four runs on the same quiet machine)
    "quick": {"n": 1_000_000, "chunk": 100_000, "tiny_n": 0, "tiny_chunk": 0, "rounds": 3},
}
WORKERS = (1, 2)
CLUSTER = """
import logging, sys
from distributed import LocalCluster
if __name__ == "__main__":
    with LocalCluster(n_workers=int(sys.argv[1]), threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()  # until the benchmark closes it
"""


@contextmanager
def cluster(workers: int):
    """A client of a LocalCluster of ``workers`` processes (one thread each) running in a process of its own, and
    the seconds it took to start."""
    from distributed import Client

    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CLUSTER, str(workers)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        address = proc.stdout.readline().strip()
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
            yield client, time.perf_counter() - started
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)


def cpu() -> float:
    """This process's CPU seconds, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sweep(out: Path, n: int, chunk: int, **kwargs) -> tuple[pd.DataFrame, dict]:
    """A fresh sweep into ``out``: its summary, wall and driver CPU seconds."""
    shutil.rmtree(out, ignore_errors=True)
    c0, w0 = cpu(), time.perf_counter()
    result = run_sweep(None, n, SEED, out, chunk_size=chunk, **kwargs)
    return result.summary, {"wall_s": time.perf_counter() - w0, "driver_cpu_s": cpu() - c0}


def on_dask(client, out: Path, size: dict, reference: pd.DataFrame, n: int | None = None, chunk: int | None = None):
    """The least disturbed of ``rounds`` sweeps on the cluster: wall, driver CPU and the workers' CPU; refused if a
    summary differs from the local one."""
    n, chunk = n or size["n"], chunk or size["chunk"]
    rounds = []
    for _ in range(size["rounds"]):
        before = client.run(time.process_time)
        summary, row = sweep(out, n, chunk, scheduler=client)
        after = client.run(time.process_time)
        pd.testing.assert_frame_equal(summary, reference, check_exact=True)
        rounds.append(row | {"workers_cpu_s": sum(after[w] - before[w] for w in after if w in before)})
    best = min(rounds, key=lambda r: r["wall_s"])
    return best | {"tasks": -(-n // chunk), "trajectories_per_s": n / best["wall_s"]}


def measure(mode: str) -> dict:
    size = MODES[mode]
    n, chunk = size["n"], size["chunk"]
    result = {"mode": mode, "machine": machine(), "sizes": size, "dask": {}, "startup_s": {}}
    with tempfile.TemporaryDirectory(prefix="kommiljard-dask-bench-") as tmp:
        tmp = Path(tmp)
        sweep(tmp / "warm", 2_000, 1_000, threads=1)  # kernels loaded in this process
        local = [sweep(tmp / "local1", n, chunk, threads=1) for _ in range(size["rounds"])]
        reference = local[0][0]
        one = min((row for _, row in local), key=lambda r: r["wall_s"])
        result["local"] = {"one thread": one | {"trajectories_per_s": n / one["wall_s"]}}
        for workers in WORKERS:
            with cluster(workers) as (client, startup):
                sweep(tmp / "warm-dask", 4_000, 1_000, scheduler=client)  # each worker loads the kernels
                result["startup_s"][workers] = startup
                result["dask"][workers] = on_dask(client, tmp / f"dask{workers}", size, reference)
                if workers == 1 and size["tiny_n"]:
                    result["overhead"] = overhead(client, tmp, size)
    largest = max(WORKERS)
    rows = result["dask"]
    result["efficiency"] = rows[largest]["trajectories_per_s"] / (largest * rows[1]["trajectories_per_s"])
    result["driver_share"] = rows[largest]["driver_cpu_s"] / rows[largest]["workers_cpu_s"]
    # the same work's CPU on 1 worker over that on the largest count: how well the work divides, whatever the
    # machine's other load (the wall-time efficiency also needs the cores to be free)
    result["cpu_efficiency"] = rows[1]["workers_cpu_s"] / rows[largest]["workers_cpu_s"]
    result["largest_workers"] = largest
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def overhead(client, tmp: Path, size: dict) -> dict:
    """What Dask adds to each task: many tiny chunks on one worker against the same chunks locally."""
    tiny_n, tiny_chunk = size["tiny_n"], size["tiny_chunk"]
    tiny_reference, local = sweep(tmp / "tiny-local", tiny_n, tiny_chunk, threads=1)
    tiny = on_dask(client, tmp / "tiny-dask", size, tiny_reference, tiny_n, tiny_chunk)
    tasks = tiny["tasks"]
    return {
        "tasks": tasks,
        "chunk": tiny_chunk,
        "local_wall_s": local["wall_s"],
        "dask_wall_s": tiny["wall_s"],
        "per_task_ms": 1e3 * (tiny["wall_s"] - local["wall_s"]) / tasks,
    }


def render(r: dict) -> str:
    m, size = r["machine"], r["sizes"]
    lines = [
        f"kommiljard sweep on Dask ({r['mode']}): {size['n']:,} trajectories in chunks of {size['chunk']:,}, the least"
        f" disturbed of {size['rounds']} round(s)",
        f"machine: {m.get('cpu', '?')}, {m.get('cpus', '?')} CPUs; load average before {m.get('load_average')}, "
        f"after {m['load_average_after']}",
        "",
        f"{'run':<26}{'tasks':>6}{'wall s':>9}{'traj/s':>11}{'driver CPU s':>14}{'workers CPU s':>15}",
    ]
    rows = {"local, one thread": r["local"]["one thread"]}
    rows |= {f"Dask, {w} worker process{'es' * (int(w) > 1)}": row for w, row in r["dask"].items()}
    for name, row in rows.items():
        workers = f"{row['workers_cpu_s']:.2f}" if "workers_cpu_s" in row else "-"
        lines.append(
            f"{name:<26}{row.get('tasks', '-'):>6}{row['wall_s']:>9.2f}{row['trajectories_per_s']:>11,.0f}"
            f"{row['driver_cpu_s']:>14.2f}{workers:>15}"
        )
    largest = r["largest_workers"]
    lines += [
        "",
        f"parallel efficiency at {largest} worker processes: {r['efficiency']:.2f} (throughput / {largest} x one "
        f"worker's; goal >= 0.8)",
        f"driver's CPU / workers' CPU at {largest}: {100 * r['driver_share']:.1f} % (goal <= 10 %)",
        f"workers' CPU on 1 / on {largest} worker processes (the same work): {r['cpu_efficiency']:.2f}",
        "cluster start-up (not in the times above): "
        + ", ".join(f"{w} worker(s) {s:.1f} s" for w, s in r["startup_s"].items()),
    ]
    if o := r.get("overhead"):
        lines.append(
            f"overhead per task: {o['per_task_ms']:.1f} ms ({o['tasks']} tasks of {o['chunk']} trajectories on one "
            f"worker: {o['dask_wall_s']:.2f} s, locally {o['local_wall_s']:.2f} s)"
        )
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
