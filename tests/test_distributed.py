"""Sweeps on a Dask cluster: the same parts and summary as the local run, resumable, a killed worker's task rerun."""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.cli import app
from kommiljard.errors import InputError, KommiljardError
from kommiljard.sweeps.run import Lever, run_sweep

pytestmark = pytest.mark.slow  # the slow tier (pytest -m 'not slow' leaves it out)

distributed = pytest.importorskip("distributed")

N, CHUNK, SEED = 3500, 500, 11  # seven parts, every other one starting inside a random stream of 1 000
LEVER = Lever("06", 3.0)


@pytest.fixture(autouse=True)
def no_hang():
    """A stuck cluster ends the test run with a traceback instead of hanging CI."""
    faulthandler.dump_traceback_later(300, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def two_workers():
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    )


@pytest.fixture(scope="module")
def cluster():
    with two_workers() as cluster, distributed.Client(cluster, timeout="60s") as client:
        yield client


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The local run: the answer every distributed run must give, to the bit."""
    return run_sweep(None, N, SEED, tmp_path_factory.mktemp("local") / "out", chunk_size=CHUNK, lever=LEVER)


def assert_same_sweep(result, reference):
    pd.testing.assert_frame_equal(result.summary, reference.summary, check_exact=True)
    names = sorted(p.name for p in (reference.out_dir / "trajectories").iterdir())
    assert sorted(p.name for p in (result.out_dir / "trajectories").iterdir()) == names  # nothing else left behind
    for name in names:  # byte for byte: the same rows, row groups, record and bar counts
        ours, theirs = (r.out_dir / "trajectories" / name for r in (result, reference))
        assert ours.read_bytes() == theirs.read_bytes(), name
    assert result.manifest["parts"] == reference.manifest["parts"]
    assert result.manifest["fingerprint"] == reference.manifest["fingerprint"]


def test_two_worker_processes_give_the_local_run(tmp_path, cluster, reference):
    result = run_sweep(None, N, SEED, tmp_path / "dask", chunk_size=CHUNK, lever=LEVER, scheduler=cluster)
    assert_same_sweep(result, reference)
    assert (result.computed_parts, result.reused_parts) == (7, 0)
    dask = result.manifest["dask"]
    assert dask["workers"] == 2 and dask["threads_per_task"] == 1 and dask["scheduler"] == cluster.scheduler.address
    assert json.loads((tmp_path / "dask" / "manifest.json").read_text())["status"] == "complete"


def kernel_loads(dask_worker=None) -> tuple[int, int, int]:
    """(pid, signatures, loads) of a plain sweep's kernel (it draws and allocates) in this process: loads counts
    compilations and cache loads."""
    from kommiljard.sweeps.model import _draw_outcomes

    stats = _draw_outcomes.stats
    loads = sum(stats.cache_hits.values()) + sum(stats.cache_misses.values())
    return os.getpid(), len(_draw_outcomes.signatures), loads


def test_each_worker_loads_the_kernels_once_not_per_task(tmp_path, cluster):
    before = cluster.run(os.getpid)
    result = run_sweep(None, 4000, SEED, tmp_path / "dask", chunk_size=CHUNK, scheduler=cluster)  # 8 tasks, 2 workers
    assert result.computed_parts == 8
    after = cluster.run(kernel_loads)
    assert {a: pid for a, (pid, _, _) in after.items()} == before  # the same processes ran every task
    for _, signatures, loads in after.values():
        assert signatures >= 1 and loads == signatures  # each compiled (or loaded from cache) once


def test_the_driver_never_reads_a_part(tmp_path, cluster, reference, monkeypatch):
    """Each task returns its part's counters; the percentiles' passes are tasks too: the driver opens no part (it
    reads their footers only), whether it computes them or a resumed sweep reuses them."""
    import pyarrow.parquet as pq

    def refused(*args, **kwargs):
        raise AssertionError("the driver read a part")

    first = run_sweep(None, N, SEED, tmp_path / "dask", chunk_size=CHUNK, lever=LEVER, scheduler=cluster)
    (tmp_path / "dask" / "manifest.json").unlink()  # the parts stay: a rerun reuses them
    monkeypatch.setattr(pq, "ParquetFile", refused)
    monkeypatch.setattr(pq, "read_table", refused)
    again = run_sweep(None, N, SEED, tmp_path / "dask", chunk_size=CHUNK, lever=LEVER, scheduler=cluster)
    assert (again.computed_parts, again.reused_parts) == (0, 7)
    fresh = run_sweep(None, N, SEED, tmp_path / "fresh", chunk_size=CHUNK, lever=LEVER, scheduler=cluster)
    for result in (first, again, fresh):
        assert_same_sweep(result, reference)


def test_interrupted_distributed_run_resumes(tmp_path, cluster, reference):
    out = tmp_path / "cut"
    calls = []

    def stop_after_two_parts(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(None, N, SEED, out, chunk_size=CHUNK, lever=LEVER, scheduler=cluster, progress=stop_after_two_parts)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and len(manifest["parts"]) == 2
    assert not (out / "summary.parquet").exists()
    (out / manifest["parts"][0]["file"]).unlink()  # and a part lost since
    resumed = run_sweep(None, N, SEED, out, chunk_size=CHUNK, lever=LEVER, scheduler=cluster)
    assert resumed.reused_parts >= 1 and resumed.computed_parts >= 1
    assert resumed.reused_parts + resumed.computed_parts == 7
    assert_same_sweep(resumed, reference)
    local = run_sweep(None, N, SEED, out, chunk_size=CHUNK, lever=LEVER)  # the local run takes it as finished
    assert (local.computed_parts, local.reused_parts) == (0, 7)


def executing(dask_worker) -> tuple[int, list[str]]:
    return os.getpid(), [str(ts.key) for ts in dask_worker.state.executing]


def test_a_task_whose_worker_is_killed_is_rerun_with_the_same_result(tmp_path):
    n, chunk = 32_000, 4_000  # tasks long enough to be caught running
    reference = run_sweep(None, n, SEED, tmp_path / "local", chunk_size=chunk, lever=LEVER)
    killed, finished = [], threading.Event()
    with two_workers() as own, distributed.Client(own, timeout="60s") as client:

        def kill_a_busy_worker():
            """Watch the workers all through the sweep and kill the first one seen inside a task."""
            while not finished.is_set():
                for address, (pid, keys) in client.run(executing).items():
                    if keys:
                        os.kill(pid, signal.SIGKILL)
                        killed.append((address, pid, keys))
                        return
                time.sleep(0.002)

        watcher = threading.Thread(target=kill_a_busy_worker, daemon=True)
        watcher.start()
        try:
            result = run_sweep(None, n, SEED, tmp_path / "dask", chunk_size=chunk, lever=LEVER, scheduler=client)
        finally:
            finished.set()
            watcher.join(timeout=60)
        assert killed, "no worker was seen inside a task"
        assert killed[0][1] not in client.run(os.getpid).values()  # that process is gone
    assert killed[0][2][0].startswith("kommiljard-part-")
    assert_same_sweep(result, reference)


def test_cli_runs_on_a_scheduler_with_the_same_summary(tmp_path, cluster, reference):
    run = CliRunner().invoke(
        app,
        [
            "sweep", "--n", str(N), "--seed", str(SEED), "--chunk-size", str(CHUNK), "--region", "06",
            "--improve", "3", "--out", str(tmp_path / "cli"), "--scheduler", cluster.scheduler.address, "--quiet",
        ],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    summary = pd.read_parquet(tmp_path / "cli" / "summary.parquet")
    pd.testing.assert_frame_equal(summary, reference.summary, check_exact=True)


def test_without_the_extra_the_option_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    run = CliRunner().invoke(app, ["sweep", "--n", "100", "--out", str(tmp_path / "out"), "--scheduler", "local:2"])
    assert run.exit_code == 2 and "pip install 'kommiljard[distributed]'" in run.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match=r"kommiljard\[distributed\]"):
        run_sweep(None, 100, 0, tmp_path / "out", scheduler="local:2")


@pytest.mark.parametrize(
    ("scheduler", "said"),
    [
        ("tcp://127.0.0.1:1", "no Dask scheduler answered there"),
        ("local:0", "local:N needs a number of worker processes N from 1"),
        ("local:two", "local:N needs a number of worker processes N from 1"),
        ("tcp://host 8786", "give a Dask scheduler's address"),
    ],
)
def test_a_bad_scheduler_is_refused_in_time(tmp_path, scheduler, said):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        run = CliRunner().invoke(app, ["sweep", "--n", "100", "--out", str(tmp_path / "out"), "--scheduler", scheduler])
    assert run.exit_code == 2 and said in " ".join(run.output.split()), run.output
    assert not (tmp_path / "out").exists()  # refused before anything is written


def test_results_do_not_depend_on_the_number_of_workers(tmp_path, reference):
    one = run_sweep(None, N, SEED, tmp_path / "one", chunk_size=CHUNK, lever=LEVER, scheduler="local:1")
    assert one.manifest["dask"]["workers"] == 1
    assert_same_sweep(one, reference)


def test_a_worker_with_another_version_is_refused(tmp_path, cluster, monkeypatch):
    import kommiljard.sweeps.distributed as on_dask

    monkeypatch.setattr(on_dask, "__version__", "0.0.0-other")  # this machine's, as the driver sees it
    with pytest.raises(KommiljardError, match=r"another kommiljard than this machine \(0\.0\.0-other\)"):
        run_sweep(None, 1000, SEED, tmp_path / "out", chunk_size=500, scheduler=cluster)
    assert not list((tmp_path / "out" / "trajectories").glob("part-*"))


def test_a_lost_scheduler_stops_the_sweep_with_its_parts_kept(tmp_path, reference):
    """A scheduler and a worker as separate processes, as on a cluster; the scheduler is killed mid-sweep."""
    import dask

    bin_dir = Path(sys.executable).parent
    address_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [bin_dir / "dask", "scheduler", "--port", "0", "--dashboard-address", ":0", "--scheduler-file", address_file],
        **quiet,
    )
    worker = subprocess.Popen(
        [bin_dir / "dask", "worker", "--scheduler-file", address_file, "--nthreads", "1"], **quiet
    )
    try:
        for _ in range(600):
            if address_file.is_file() and json.loads(address_file.read_text() or "{}").get("address"):
                break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]

        def kill_the_scheduler(done, total):
            if scheduler.poll() is None:
                scheduler.kill()

        with (
            dask.config.set({"distributed.comm.timeouts.connect": "5s"}),
            pytest.raises(KommiljardError, match="lost the scheduler at .* run the same command again to resume"),
        ):
            run_sweep(
                None, N, SEED, tmp_path / "dask", chunk_size=CHUNK, lever=LEVER, scheduler=address,
                progress=kill_the_scheduler,
            )  # fmt: skip
    finally:
        for process in (scheduler, worker):
            process.kill()
            process.wait(timeout=30)
    assert json.loads((tmp_path / "dask" / "manifest.json").read_text())["status"] == "running"
    resumed = run_sweep(None, N, SEED, tmp_path / "dask", chunk_size=CHUNK, lever=LEVER)
    assert resumed.reused_parts >= 1
    assert_same_sweep(resumed, reference)


def test_a_scheduler_without_workers_is_refused_in_time(tmp_path):
    import dask

    with (
        distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0", silence_logs=40) as empty,
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(KommiljardError, match="has no workers"),
    ):
        run_sweep(None, 1000, SEED, tmp_path / "out", chunk_size=500, scheduler=empty.scheduler_address)
    assert not (tmp_path / "out").exists()  # refused before anything is written: no manifest, no trajectories/


def test_a_variant_sweep_on_dask_gives_the_local_tables(tmp_path, cluster, rules, monkeypatch):
    """Its variant tables too are summed and their percentiles selected by tasks: the driver reads no part."""
    import pyarrow.parquet as pq

    variants = {"default": rules, "equal": rules.with_overrides({"block1.sharing": "equal"})}
    local = run_sweep(None, 1200, SEED, tmp_path / "local", chunk_size=500, variants=variants)
    monkeypatch.setattr(pq, "ParquetFile", lambda *a, **k: pytest.fail("the driver read a part"))
    on_dask = run_sweep(None, 1200, SEED, tmp_path / "dask", chunk_size=500, variants=variants, scheduler=cluster)
    monkeypatch.undo()
    assert on_dask.manifest["dask"]["workers"] == 2
    assert_same_sweep(on_dask, local)
    for table in ("variants.parquet", "variant_outcomes.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "dask" / table), pd.read_parquet(tmp_path / "local" / table), check_exact=True
        )


def test_a_task_of_one_thread_writes_in_that_thread_and_its_failures_reach_the_caller():
    import threading

    from kommiljard.sweeps.distributed import InThread

    ran_in = []
    with InThread() as writing:
        done = writing.submit(lambda x: ran_in.append(threading.current_thread()) or x + 1, 41)
    assert done.result() == 42 and ran_in == [threading.current_thread()]  # no thread beside the task's own
    failed = InThread().submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failed.result()
