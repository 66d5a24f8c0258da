"""Where a sweep's time and memory go: ``kommiljard sweep`` end to end and stage by stage, and the
allocation kernel against the tuned numpy contender on drawn trajectories.

The stages are the sweep's own functions, called as :func:`kommiljard.sweeps.run.run_sweep`
calls them (default scenario, 2019 rules, no lever; batches of ``BATCH_SIZE``), each timed on
its own: ``draw`` (:func:`~kommiljard.sweeps.model.draw`: the shares of a batch, written to
memory), ``outcomes`` (:func:`~kommiljard.kinds.staircase.kernel.staircase_outcomes` on those
shares), ``draw + outcomes`` (what the sweep runs: :class:`Batches`, each trajectory allocated
in the drawing kernel as it is drawn, no share written), ``gather`` (the summary's means,
histograms and bar counts), ``table`` (the Arrow table of a batch), ``write`` (pyarrow) and
``summary`` (the exact percentiles, reading the parts again). The end-to-end figure is
``run_sweep`` in this process after a warm-up (CPU of all its threads), the least of a few
rounds, each after a measurement of the normals floor; the peak memory is ``run_sweep`` in a
fresh process per size (its wall time is the figure for 10⁷ trajectories).
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from floors import Timing, least, normals_floor, run_child, sweep_setup, timed

from kommiljard.kinds.staircase.kernel import staircase_outcomes
from kommiljard.sweeps.model import Draws, draw
from kommiljard.sweeps.outcomes import Batches, Setup, part_table
from kommiljard.sweeps.run import BATCH_SIZE, PARQUET, run_sweep
from kommiljard.sweeps.summary import Gathered, summarise

from contenders import numpy_sweep_outcomes

SEED = 2019
STAGES = ("draw", "outcomes", "draw + outcomes", "gather", "table", "write", "summary")


def kernel_args(setup: Setup, drawn: Draws) -> tuple:
    """The arguments the sweep gives ``staircase_outcomes`` for drawn trajectories."""
    return (
        setup.plan.params,
        (drawn.share_90, np.array(setup.plan.current)),
        (drawn.share_90, np.array(setup.plan.previous)),
        (drawn.share_60, np.array(setup.plan.target)),
        setup.plan.weights,
        setup.plan.pots,
        len(setup.plan.groups),
    )


def stages(setup: Setup, n: int, out_dir: Path) -> dict[str, Timing]:
    """Total CPU and wall time of each stage of a sweep of ``n`` trajectories on one thread."""
    regions, plan = setup.regions, setup.plan
    spent = dict.fromkeys(STAGES, Timing(0.0, 0.0))

    def clock(stage: str, fn, *args):
        result, t = timed(lambda: fn(*args))
        spent[stage] += t
        return result

    compute = Batches(setup, SEED, 1)
    gathered = Gathered.of(setup, n)
    buffers = None
    path = out_dir / "part-00000.parquet"
    writer = None
    meta = {"fingerprint": "bench", "part": 0, "start": 0, "stop": n, "seed": SEED}
    for a in range(0, n, BATCH_SIZE):
        b = min(a + BATCH_SIZE, n)
        drawn = clock("draw", lambda a=a, b=b, into=buffers: draw(setup.model, SEED, a, b, threads=1, out=into))
        buffers = drawn
        clock("outcomes", lambda *args: staircase_outcomes(*args, months=True), *kernel_args(setup, drawn))
        out = clock("draw + outcomes", compute, a, b)
        clock("gather", gathered.add, a, out)
        table = clock("table", part_table, setup, a, out, regions, meta)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, **PARQUET)
        clock("write", writer.write_table, table)
    clock("write", writer.close)
    clock("summary", summarise, gathered, regions, plan, [path], 1)
    return spent


def end_to_end(n: int, threads: int, out_dir: Path) -> Timing:
    """``run_sweep`` of ``n`` trajectories in this process (CPU of all its threads, from getrusage)."""

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    c0 = cpu()
    _, t = timed(lambda: run_sweep(None, n, SEED, out_dir / f"sweep-{n}-{threads}", threads=threads))
    return Timing(cpu() - c0, t.wall_s)


def peak_memory(n: int, threads: int, out_dir: Path) -> dict:
    """``run_sweep`` of ``n`` trajectories in a fresh process: its peak RSS (MiB), CPU and wall time."""
    code = (
        "import sys\nfrom kommiljard.sweeps.run import run_sweep\n"
        f"run_sweep(None, {n}, {SEED}, sys.argv[1], threads={threads})"
    )
    t, rss_kib = run_child([sys.executable, "-c", code, str(out_dir / f"memory-{n}")])
    for path in sorted((out_dir / f"memory-{n}").rglob("*"), reverse=True):  # the parts of 10⁸ trajectories are big
        path.unlink() if path.is_file() else path.rmdir()
    return {
        "trajectories": n,
        "threads": threads,
        "peak_rss_mib": rss_kib / 1024,
        **{f"{k}_s": v for k, v in t.s().items()},
    }


def race(setup: Setup, n: int, rounds: int) -> dict:
    """The allocation kernel against the tuned numpy contender, one thread each, on ``n`` drawn
    trajectories; the read floor is one numpy pass over the shares both read. Per trajectory."""
    drawn = draw(setup.model, SEED, 0, n, threads=1)
    args = kernel_args(setup, drawn)
    jobs = {
        "kernel": lambda: staircase_outcomes(*args),
        "numpy": lambda: numpy_sweep_outcomes(*args),
        "read": lambda: (drawn.share_90.max(), drawn.share_60.max()),
    }
    results = {name: fn() for name, fn in jobs.items()}
    times: dict[str, list[Timing]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            times[name].append(timed(fn)[1])
    per = {name: least(ts).per(n) for name, ts in times.items()}
    kernel, contender = results["kernel"], results["numpy"]
    return {
        "trajectories": n,
        "kernel_us": per["kernel"].us(),
        "numpy_us": per["numpy"].us(),
        "read_floor_us": per["read"].us(),
        "tiers_equal": bool((kernel.tier == contender.tier).all()),
        "max_abs_diff_sek": float(np.abs(kernel.amount - contender.amount).max()),
    }


def measure(quick: bool, memory_sizes: tuple[int, ...] = ()) -> dict:
    """Stages, the end-to-end sweep on 1 and 2 threads (the least of ``rounds``, each round after its own
    measurement of the normals floor, so that the ratio compares rounds that shared the machine's load), peak
    memory in fresh processes, the race against the numpy contender."""
    setup = sweep_setup()
    warm = draw(setup.model, SEED, 0, 10)  # load every kernel of a sweep outside the clocks
    staircase_outcomes(*kernel_args(setup, warm))
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        run_sweep(None, 2_000, SEED, tmp)
    n_stages = 20_000 if quick else 200_000
    n_e2e, rounds = (400_000, 2) if quick else (1_000_000, 3)
    floor, e2e = [], {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        tmp = Path(tmp)
        by_stage = stages(setup, n_stages, tmp)
        for _ in range(rounds):
            floor.append(normals_floor(setup.model.n_latent, 100_000, rounds=1))
            for threads, timings in e2e.items():
                timings.append(end_to_end(n_e2e, threads, tmp))
                shutil.rmtree(tmp / f"sweep-{n_e2e}-{threads}")
        memory = [peak_memory(n, 2, tmp) for n in memory_sizes]
    e2e = {f"{threads} thread{'s' * (threads > 1)}": least(t) for threads, t in e2e.items()}
    return {
        "stages_trajectories": n_stages,
        "stages_us": {k: v.per(n_stages).us() for k, v in by_stage.items()},
        "end_to_end_trajectories": n_e2e,
        "end_to_end_rounds": rounds,
        "normals_floor_us": least(floor).us(),
        "end_to_end_us": {k: v.per(n_e2e).us() for k, v in e2e.items()},
        "end_to_end_s": {k: v.s() for k, v in e2e.items()},
        "memory": memory,
        "race": race(setup, 20_000 if quick else 100_000, 3 if quick else 5),
    }
