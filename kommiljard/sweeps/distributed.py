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
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

from .. import __version__
from ..errors import InputError, KommiljardError
from ..language import speaker, spoken
from .dask_checks import SameVersions, WorkerVersionError, probe, refused_here, versions
from .outcomes import Batches, Setup
from .quantiles import PassState, merge_results, selected
from .scheme_outcomes import part_sums
from .summary import Gathered, part_values

LOCAL = "local:"
INSTALL = "pip install 'kommiljard[distributed]'"
RETRIES = 2  # reruns of a task that raised (a worker's death is handled by Dask's own rescheduling)
MAX_LOCAL_WORKERS = 256
say = speaker(__package__)


def check_scheduler(scheduler: str) -> str:
    """``local:N`` or a scheduler's address, refused (naming --scheduler) before anything is written;
    also refused when Dask's distributed scheduler is not installed."""
    text = str(scheduler).strip()
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(say("refuse.no_dask", text=text, install=INSTALL)) from None
    if text.startswith(LOCAL):
        count = text.removeprefix(LOCAL)
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise InputError(say("refuse.local_workers", text=text, most=MAX_LOCAL_WORKERS))
    elif not text or any(c.isspace() for c in text):
        raise InputError(say("refuse.scheduler_address", text=text))
    return text


@contextmanager
def connected(scheduler) -> Iterator:
    """A ``distributed.Client`` for ``scheduler`` (``local:N``, an address, or a client, used as it is),
    closed (with its local cluster) on leaving. An address where no scheduler answers within Dask's
    connect timeout (``distributed.comm.timeouts.connect``, 30 s unless configured) is refused."""
    if not isinstance(scheduler, str):  # a client
        with admitted(scheduler):
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
            admitted(client),
        ):
            yield client
        return
    import dask
    from dask.utils import parse_timedelta

    timeout = dask.config.get("distributed.comm.timeouts.connect")
    probe(text, parse_timedelta(timeout, default="seconds"))  # the handshake in bounded time, before the client's
    try:
        client = Client(text, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(say("refuse.no_answer", text=text, error=exc, check=say("refuse.check_scheduler"))) from None
    with client, admitted(client):
        yield client


@contextmanager
def admitted(client) -> Iterator[None]:
    """While the block runs, ``client``'s cluster has a worker, and every worker, one that joins later too, runs
    this machine's kommiljard, numba and numpy (:class:`~kommiljard.sweeps.dask_checks.SameVersions`); refused
    otherwise, before anything is written."""
    import dask

    wait = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise KommiljardError(say("refuse.no_workers", address=client.scheduler.address, wait=wait)) from None
    expected = {**versions(), "kommiljard": __version__}
    try:
        client.register_plugin(SameVersions(expected, spoken()))
    except WorkerVersionError as exc:
        raise WorkerVersionError(str(exc)) from None
    try:
        yield
    finally:
        with suppress(Exception):  # a lost scheduler: nothing to unregister
            client.unregister_worker_plugin(SameVersions.name)


def warm_up(setup: Setup, seed: int) -> float:
    """On a worker: compute one trajectory, so that the numba kernels are loaded (or compiled) before
    the tasks; the seconds it took (none on a worker refused for its versions)."""
    started = time.perf_counter()
    if refused_here() is None:
        Batches(setup, seed, 1)(0, 1)
    return time.perf_counter() - started


def compute_part(write_part: Callable, setup: Setup, seed: int, threads: int, path: Path, meta: dict) -> tuple:
    """A task: compute the chunk ``meta`` describes (of a sweep of ``meta["n"]`` trajectories) and write its part to
    ``path`` with ``write_part`` (the local run's writer, with its record and bar counts); returns the part's record
    and its counters (:meth:`~kommiljard.sweeps.summary.Gathered.portable`: small, whatever the part's size)."""
    if refused := refused_here():  # a worker that joined with other versions (SameVersions)
        raise WorkerVersionError(refused)
    meta, n = {k: v for k, v in meta.items() if k != "n"}, meta["n"]
    counts = Gathered.of(setup, n, within=(meta["start"], meta["stop"]))
    # a task of one thread writes its part in that thread: a worker process then uses the one core Dask gives it
    # (a thread writing beside the computing one made a lone worker use 1.13 cores, and two of them contend for two)
    with ThreadPoolExecutor(1, thread_name_prefix="parquet") if threads > 1 else InThread() as writing:
        write_part(path, Batches(setup, seed, threads), meta, setup.regions, counts, writing)
    return meta, counts.portable()


class InThread:
    """An executor that runs what it is given at once, in the calling thread (``submit`` returns a done future)."""

    def submit(self, fn: Callable, *args) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as exc:  # the caller's result() raises it, as a pool's future would
            done.set_exception(exc)
        return done

    def __enter__(self) -> InThread:
        return self

    def __exit__(self, *_) -> None:
        return None


def gather_part(setup: Setup, n: int, path: Path, meta: dict, month_counts: dict) -> tuple:
    """A task: the counters of a part written earlier (a resumed sweep), read where it is, as :func:`compute_part`
    returns them."""
    if refused := refused_here():  # a worker that joined with other versions (SameVersions)
        raise WorkerVersionError(refused)
    counts = Gathered.of(setup, n, within=(meta["start"], meta["stop"]))
    counts.add_part(path, meta["start"], setup.block.group_names, month_counts)
    return meta, counts.portable()


def part_pass(path: Path, column: str, n_regions: int, plan, transform: Callable | None = None):
    """A task: one pass of the exact percentiles' selection over one column of one part (``transform`` of it)."""
    state = PassState(plan)
    for load in part_values([path], column, n_regions, transform)():
        state.add(load())
    return state.result()


def dask_passes(client, paths: list[Path], n_regions: int) -> Callable[..., Callable]:
    """The percentiles' passes of a sweep on Dask (:func:`~kommiljard.sweeps.summary.summarise`'s ``passes``): a
    task per part reads its column (or ``transform`` of it) where the part is, and the results are merged in a tree
    of tasks, so the driver receives one small result a pass (the values at the ranks it asks for, counts of the
    bins it refines), never a part."""

    def passes(column: str, transform: Callable | None = None) -> Callable:
        def run(plan):
            futures = [client.submit(part_pass, path, column, n_regions, plan, transform, pure=False) for path in paths]
            while len(futures) > 1:
                pairs = [client.submit(merge_results, a, b, pure=False) for a, b in zip(futures[::2], futures[1::2])]
                futures = pairs + futures[len(pairs) * 2 :]
            return client.submit(selected, plan, futures[0], pure=False).result()  # a few values back

        return run

    return passes


class DaskSums:
    """How :func:`~kommiljard.sweeps.scheme_outcomes.summarise_variants` reads the parts on Dask: a task per part
    (``parts``: the workers' (path, start, stop)) returns its sums, which the driver merges (the same bits), and
    the percentiles' passes are tasks (:func:`dask_passes`)."""

    def __init__(self, client, parts: list[tuple[Path, int, int]], n: int):
        self.client, self.parts, self.n = client, parts, n

    def sums(self, acc: dict, axis: str, variant: tuple[str, float] | None, population) -> None:
        from distributed import as_completed

        futures = [
            self.client.submit(part_sums, part, self.n, axis, variant, population, pure=False) for part in self.parts
        ]
        for future in as_completed(futures):
            for key, portable in future.result().items():
                acc[key].merge(portable)
            future.release()

    def passes(self, column: str, n_regions: int, transform: Callable | None = None) -> Callable:
        return dask_passes(self.client, [path for path, _, _ in self.parts], n_regions)(column, transform)


def _submitted(client, task: tuple, chunks: list, reused: list, n: int) -> list:
    """The futures of the tasks that compute the ``chunks`` (``task``: compute_part's first arguments) and of those
    that gather the ``reused`` parts."""
    run = uuid.uuid4().hex[:8]  # a rerun's tasks never share a key with a cancelled one still on the cluster
    futures = [
        client.submit(compute_part, *task, path, meta | {"n": n}, key=f"kommiljard-part-{meta['part']:05d}-{run}",
                      retries=RETRIES, pure=False)
        for path, meta in chunks
    ]  # fmt: skip
    setup = task[1]
    return futures + [
        client.submit(gather_part, setup, n, path, meta, counts, key=f"kommiljard-reused-{meta['part']:05d}-{run}",
                      retries=RETRIES, pure=False)
        for path, meta, counts in reused
    ]  # fmt: skip


def run_parts(
    client,
    write_part: Callable,
    setup: Setup,
    *,
    seed: int,
    threads: int,
    chunks: list[tuple[Path, dict]],
    written: Callable[[dict, dict], None],
    reused: list[tuple[Path, dict, dict]] = (),
    n: int,
) -> dict:
    """Write every chunk's part (``(path, meta)``, the path the same on every worker) in Dask tasks of a sweep of
    ``n`` trajectories, and gather the ``reused`` parts ``(path, meta, month counts)`` where they are;
    ``written(meta, counters)`` is called in the driver as each part is in place (or read), in the order they
    finish, with the part's counters (:meth:`~kommiljard.sweeps.summary.Gathered.portable`). Tasks not yet done
    when this returns or raises are cancelled. Returns a record of the cluster for the manifest."""
    from distributed import KilledWorker, as_completed

    def lost(exc: BaseException) -> KommiljardError:
        said = " ".join(str(exc).split())
        return KommiljardError(
            say("refuse.lost", address=client.scheduler.address, error=f"{type(exc).__name__}: {said}")
        )

    try:
        warm = client.run(warm_up, setup, seed)
    except (OSError, TimeoutError, CancelledError) as exc:
        raise lost(exc) from None
    futures = _submitted(client, (write_part, setup, seed, threads), chunks, reused, n)
    try:
        for future in as_completed(futures):
            try:
                meta, counters = future.result()
            except KilledWorker as exc:
                raise KommiljardError(say("refuse.workers_died", task=exc.task, error=exc)) from None
            except (OSError, TimeoutError, CancelledError) as exc:
                if future.status == "error":  # the task's own error
                    raise
                raise lost(exc) from None
            future.release()
            written(meta, counters)
    finally:
        client.cancel([f for f in futures if not f.done()])
    for path, _ in chunks:  # what a worker that died while writing left behind
        for stray in path.parent.glob(f".{path.name}.*.part"):
            stray.unlink(missing_ok=True)
    return {
        "scheduler": client.scheduler.address,
        "workers": len(warm),
        "threads_per_task": threads,
        "warm_up_s": round(max(warm.values(), default=0.0), 3),
        "retries": RETRIES,
    }
