"""Sweeps on a Dask cluster: every chunk of trajectories is a task that computes and writes its own part.

``--scheduler ADDRESS`` connects to a running ``dask.distributed`` scheduler; ``--scheduler local:N``
starts a cluster of N worker processes on this machine for the length of the sweep. A task draws
its chunk's trajectories (every stream seeded from its own ``SeedSequence`` child, as in a local
run) and writes its Parquet part, with the part's record and month-by-month bar counts, exactly as
the local run does; the driver then gathers the part from the file, as it gathers a part that a
resumed sweep reuses, and keeps the manifest. So the parts and the summary are the same bits
whatever the number of workers, and an interrupted distributed sweep resumes like any other.
Every worker writes to the same output folder, which must therefore be the same path on every
machine (a shared filesystem).

A task whose worker dies is run again on another worker (Dask does this by itself; a task that
fails with an error is retried :data:`RETRIES` times); the rerun writes the same bytes. Each worker
loads the numba kernels (from their disk cache, or compiles them once) in a warm-up before the
tasks start, so no task pays for it; a worker that joins or restarts later pays it once, on its
first task. A task computes with ``threads`` threads (default 1: one worker process per core).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from .. import __version__
from ..errors import InputError, KommiljardError
from .outcomes import Batches, Setup
from .summary import Gathered

LOCAL = "local:"
INSTALL = "pip install 'kommiljard[distributed]'"
RETRIES = 2  # reruns of a task that raised (a worker's death is handled by Dask's own rescheduling)
MAX_LOCAL_WORKERS = 256


def check_scheduler(scheduler: str) -> str:
    """``local:N`` or a scheduler's address, refused (naming --scheduler) before anything is written;
    also refused when Dask's distributed scheduler is not installed."""
    text = str(scheduler).strip()
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(
            f"--scheduler {text!r}: running a sweep on Dask needs the optional distributed extra. Install it with "
            f"{INSTALL}, or leave out --scheduler to run on this machine."
        ) from None
    if text.startswith(LOCAL):
        count = text.removeprefix(LOCAL)
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise InputError(
                f"--scheduler {text!r}: local:N needs a number of worker processes N from 1 to {MAX_LOCAL_WORKERS}, "
                "e.g. local:2"
            )
    elif not text or any(c.isspace() for c in text):
        raise InputError(
            f"--scheduler {text!r}: give a Dask scheduler's address (e.g. tcp://10.0.0.5:8786, as `dask scheduler` "
            "prints it) or local:N for N worker processes on this machine"
        )
    return text


@contextmanager
def connected(scheduler) -> Iterator:
    """A ``distributed.Client`` for ``scheduler`` (``local:N``, an address, or a client, used as it is),
    closed (with its local cluster) on leaving. An address where no scheduler answers within Dask's
    connect timeout (``distributed.comm.timeouts.connect``, 30 s unless configured) is refused."""
    if not isinstance(scheduler, str):  # a client
        yield scheduler
        return
    text = check_scheduler(scheduler)
    from distributed import Client, LocalCluster

    if text.startswith(LOCAL):
        workers = int(text.removeprefix(LOCAL))
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never fails for a busy 8787
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    import dask

    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client = Client(text, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(
            f"--scheduler {text!r}: no Dask scheduler answered there ({exc}; Dask's distributed.comm.timeouts.connect "
            "sets the wait). Check the address (`dask scheduler` prints it, e.g. tcp://10.0.0.5:8786) and that the "
            "scheduler runs and is reachable; or use --scheduler local:N for N worker processes on this machine."
        ) from None
    with client:
        yield client


def warm_up(setup: Setup, seed: int) -> tuple[str, float]:
    """On a worker: compute one trajectory, so that the numba kernels are loaded (or compiled) before
    the tasks; the worker's kommiljard version and the seconds it took."""
    started = time.perf_counter()
    Batches(setup, seed, 1)(0, 1)
    return __version__, time.perf_counter() - started


def compute_part(write_part: Callable, setup: Setup, seed: int, threads: int, path: Path, meta: dict) -> dict:
    """A task: compute the chunk ``meta`` describes and write its part to ``path`` with ``write_part``
    (the local run's writer, with its record and bar counts); returns ``meta``."""
    counts = Gathered.of(setup, meta["stop"])  # for the writer's bar counts; the driver gathers the rest from the file
    with ThreadPoolExecutor(1, thread_name_prefix="parquet") as writing:
        write_part(path, Batches(setup, seed, threads), meta, setup.regions, counts, writing)
    return meta


def run_parts(
    client,
    write_part: Callable,
    setup: Setup,
    *,
    seed: int,
    threads: int,
    chunks: list[tuple[Path, dict]],
    written: Callable[[dict], None],
) -> dict:
    """Write every chunk's part (``(path, meta)``, the path the same on every worker) in Dask tasks;
    ``written(meta)`` is called in the driver as each part is in place, in the order they
    finish. Tasks not yet done when this returns or raises are cancelled. Returns a record of the
    cluster for the manifest."""
    from distributed import KilledWorker, as_completed

    def lost(exc: BaseException) -> KommiljardError:
        said = " ".join(str(exc).split())
        return KommiljardError(
            f"Dask: lost the scheduler at {client.scheduler.address} ({type(exc).__name__}: {said}); the parts"
            " written so far are kept. Check that the scheduler and its workers run, then run the same command again "
            "to resume."
        )

    import dask

    wait = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise KommiljardError(
            f"Dask: the scheduler at {client.scheduler.address} has no workers (waited {wait}, Dask's "
            "distributed.comm.timeouts.connect). Start some with `dask worker ADDRESS --nthreads 1`, then run the same "
            "command again."
        ) from None
    try:
        warm = client.run(warm_up, setup, seed)
    except (OSError, TimeoutError, CancelledError) as exc:
        raise lost(exc) from None
    if others := sorted(f"{worker} ({version})" for worker, (version, _) in warm.items() if version != __version__):
        raise KommiljardError(
            f"Dask: worker(s) {', '.join(others)} run another kommiljard than this machine ({__version__}); the "
            "results could differ. Install the same version on every machine, then run the same command again."
        )
    run = uuid.uuid4().hex[:8]  # a rerun's tasks never share a key with a cancelled one still on the cluster
    futures = [
        client.submit(
            compute_part, write_part, setup, seed, threads, path, meta,
            key=f"kommiljard-part-{meta['part']:05d}-{run}", retries=RETRIES, pure=False,
        )
        for path, meta in chunks
    ]  # fmt: skip
    try:
        for future in as_completed(futures):
            try:
                meta = future.result()
            except KilledWorker as exc:
                raise KommiljardError(
                    f"Dask: {exc.task!r} was running on workers that died each time ({exc}); the parts written so "
                    "far are kept. Check the workers' memory and logs, then run the same command again to resume."
                ) from None
            except (OSError, TimeoutError, CancelledError) as exc:
                if future.status == "error":  # the task's own error
                    raise
                raise lost(exc) from None
            future.release()
            written(meta)
    finally:
        client.cancel([f for f in futures if not f.done()])
    for path, _ in chunks:  # what a worker that died while writing left behind
        for stray in path.parent.glob(f".{path.name}.*.part"):
            stray.unlink(missing_ok=True)
    return {
        "scheduler": client.scheduler.address,
        "workers": len(warm),
        "threads_per_task": threads,
        "warm_up_s": round(max((s for _, s in warm.values()), default=0.0), 3),
        "retries": RETRIES,
    }
