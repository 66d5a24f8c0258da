"""Physical floors of what the commands do, measured in the same run as the figures they bound.

Each is a CPU time and a wall time (:class:`Timing`), the least over rounds (the machine is shared: the least
disturbed round says what the work costs; every figure measured against a floor is taken the same way):

- **import**: a fresh ``python -c "import numpy, pandas, pyarrow"`` (CPU of the child from
  ``getrusage(RUSAGE_CHILDREN)``): a one-panel command cannot cost less than its imports.
- **normals**: numpy's ``Generator(SFC64(seed)).standard_normal`` for the normals one trajectory
  of the default scenario needs under the 2019 rules (as ``kommiljard sweep`` builds its model),
  one thread, in blocks of 1 000 trajectories, per trajectory.
- **exp**: numpy's vectorised ``exp`` over the logits one trajectory turns into shares.
- **write**: pyarrow writing one Parquet file of a sweep's rows (21 a trajectory, the columns and
  types of a sweep part, snappy, dictionary-encoded region, one row group per batch as the sweep
  writes them), per trajectory; the rows are real outcomes (building them is not timed).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kommiljard.inputs.population import read_population
from kommiljard.rules import DEFAULT_RULES, load_rules
from kommiljard.sweeps.outcomes import Batches, Setup, part_table, setup_sweep
from kommiljard.sweeps.run import BATCH_SIZE, PARQUET
from kommiljard.sweeps.scenario import load_scenario

IMPORT_CODE = "import numpy, pandas, pyarrow"
ROWS_PER_TRAJECTORY = 21  # one per region


@dataclass(frozen=True)
class Timing:
    """CPU seconds (all threads of the process, or of a child) and wall seconds."""

    cpu_s: float
    wall_s: float

    def per(self, n: int) -> Timing:
        return Timing(self.cpu_s / n, self.wall_s / n)

    def us(self) -> dict[str, float]:
        """In microseconds (per-trajectory figures)."""
        return {"cpu": self.cpu_s * 1e6, "wall": self.wall_s * 1e6}

    def s(self) -> dict[str, float]:
        return {"cpu": self.cpu_s, "wall": self.wall_s}

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.cpu_s + other.cpu_s, self.wall_s + other.wall_s)


def timed(fn: Callable[[], Any]) -> tuple[Any, Timing]:
    """``fn()`` and the CPU (this process, all threads) and wall time it took."""
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, Timing(time.process_time() - c0, time.perf_counter() - w0)


def least(timings: list[Timing]) -> Timing:
    """The least CPU and the least wall time over rounds."""
    return Timing(min(t.cpu_s for t in timings), min(t.wall_s for t in timings))


def machine() -> dict:
    """What the figures were measured on; the load average says how busy it was."""
    import numba

    cpuinfo = Path("/proc/cpuinfo")
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if cpuinfo.exists()
        else platform.processor()
    )
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
        "numba": numba.__version__,
        "platform": platform.platform(),
    }


def sweep_setup() -> Setup:
    """The sweep's setup for the default scenario and the 2019 rules, as ``kommiljard sweep`` builds it."""
    setup, _ = setup_sweep(load_scenario(None), load_rules(DEFAULT_RULES), read_population(), None, None)
    return setup


def run_child(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[Timing, int]:
    """CPU (user + system of the child), wall time and peak RSS (KiB) of one command; it must succeed."""
    with tempfile.TemporaryFile() as err:
        w0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - w0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}): {err.read().decode(errors='replace')[-2000:]}"
            )
    return Timing(usage.ru_utime + usage.ru_stime, wall), usage.ru_maxrss


def import_floor(runs: int) -> Timing:
    """The least CPU and wall time of a fresh ``python -c "import numpy, pandas, pyarrow"``."""
    return least([run_child([sys.executable, "-c", IMPORT_CODE])[0] for _ in range(runs)])


def normals_floor(n_latent: int, n: int, block: int = 1_000, rounds: int = 5, seed: int = 2019) -> Timing:
    """Per trajectory: numpy SFC64 standard normals, ``n_latent`` a trajectory, ``block`` trajectories a call."""
    rng = np.random.Generator(np.random.SFC64(seed))
    out = np.empty((block, n_latent))

    def run() -> None:
        for _ in range(n // block):
            rng.standard_normal(out=out)

    run()
    return least([timed(run)[1] for _ in range(rounds)]).per(n // block * block)


def exp_floor(n_values: int, n: int, block: int = 128, rounds: int = 5) -> Timing:
    """Per trajectory: numpy's ``exp`` over ``n_values`` values a trajectory, ``block`` trajectories a call."""
    values = np.random.default_rng(0).normal(1.0, 0.5, (block, n_values))
    out = np.empty_like(values)

    def run() -> None:
        for _ in range(n // block):
            np.exp(values, out=out)

    run()
    return least([timed(run)[1] for _ in range(rounds)]).per(n // block * block)


def sweep_rows(setup: Setup, n: int, seed: int = 2019) -> list[pa.Table]:
    """The tables a sweep writes for trajectories 0..n-1, one per batch (real outcomes)."""
    compute = Batches(setup, seed, 1)
    meta = {"fingerprint": "floor", "part": 0, "start": 0, "stop": n, "seed": seed}
    return [
        part_table(setup, a, compute(a, min(a + BATCH_SIZE, n)), setup.regions, meta) for a in range(0, n, BATCH_SIZE)
    ]


def write_floor(tables: list[pa.Table], rounds: int = 3) -> Timing:
    """Per trajectory: pyarrow writing ``tables`` (one row group each) to one Parquet file as a sweep writes a part."""
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        path = Path(tmp) / "floor.parquet"

        def run() -> None:
            with pq.ParquetWriter(path, tables[0].schema, **PARQUET) as writer:
                for table in tables:
                    writer.write_table(table)

        run()
        timing = least([timed(run)[1] for _ in range(rounds)])
    return timing.per(sum(t.num_rows for t in tables) // ROWS_PER_TRAJECTORY)


def measure(quick: bool) -> dict:
    """Every floor, in this process (the import floor in children)."""
    setup = sweep_setup()
    model = setup.model
    n = 20_000 if quick else 100_000
    return {
        "import_s": import_floor(3 if quick else 7).s(),
        "normals_us": normals_floor(model.n_latent, n).us(),
        "exp_us": exp_floor(model.n_vars, n).us(),
        "write_us": write_floor(sweep_rows(setup, n), 2 if quick else 3).us(),
        "sizes": {"normals": model.n_latent, "logits": model.n_vars, "rows": ROWS_PER_TRAJECTORY, "trajectories": n},
    }
