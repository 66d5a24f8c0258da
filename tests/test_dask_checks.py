"""A Dask address is trusted only after its whole handshake, read within a bounded time; every worker, one
that joins late too, runs this machine's kommiljard, numba and numpy (a worker plugin). The clock is in the
test: each refusal must come within the bound given, measured, not slept for."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from kommiljard.errors import InputError
from kommiljard.sweeps.dask_checks import REFUSED, SameVersions, WorkerVersionError, probe, versions

distributed = pytest.importorskip("distributed")
BOUND = 1.0  # seconds the probe may wait
SLACK = 4.0  # what a busy machine may add to it


@contextmanager
def listening(serve=None):
    """A TCP listener on localhost; ``serve(connection)`` runs for each connection (None: accept nothing)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    if serve is not None:
        thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        server.close()


def silent(conn, stop):
    stop.wait(30)
    conn.close()


def garbage(conn, stop):
    conn.sendall(b"\xff" * 64)  # read as a message of exabytes
    stop.wait(30)
    conn.close()


def refused_within(address: str, bound: float = BOUND) -> str:
    started = time.monotonic()
    with pytest.raises(InputError) as refusal:
        probe(address, bound)
    assert time.monotonic() - started < bound + SLACK
    assert "--scheduler" in str(refusal.value)
    return str(refusal.value)


@pytest.mark.slow
def test_a_listener_that_never_answers_is_refused_in_time():
    with listening() as address:  # connections queue in the backlog: accepted by the kernel, never answered
        assert f"within {BOUND:g} s" in refused_within(address)
    with listening(silent) as address:
        assert f"within {BOUND:g} s" in refused_within(address)


def test_garbage_read_as_a_message_length_is_refused_not_allocated():
    with listening(garbage) as address:
        said = refused_within(address)
    assert "not Dask's handshake" in said or "no Dask scheduler answered" in said


@pytest.mark.slow
def test_an_http_server_is_refused_in_time():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        refused_within(f"tcp://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_nothing_listening_is_refused_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert "no Dask scheduler answered" in refused_within(f"tcp://127.0.0.1:{port}")


def test_the_version_plugin_refuses_a_worker_with_other_versions():
    mine = versions()
    worker = SimpleNamespace(address="tcp://10.0.0.9:4000")
    SameVersions(mine).setup(worker)
    assert getattr(worker, REFUSED) is None
    other = {**mine, "numba": "0.0.1"}
    with pytest.raises(WorkerVersionError, match=r"tcp://10.0.0.9:4000 runs numba .* \(this machine: 0.0.1\)"):
        SameVersions(other).setup(worker)
    assert "this machine: 0.0.1" in getattr(worker, REFUSED)


@pytest.mark.slow
def test_a_worker_that_joins_late_is_checked_and_computes_no_part():
    from kommiljard.sweeps.dask_checks import refused_here

    other = {**versions(), "kommiljard": "0.0.0-other"}
    with (
        distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0", silence_logs=40) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        client.register_plugin(SameVersions(other))  # no worker yet: nothing to refuse
        cluster.scale(1)
        client.wait_for_workers(1, timeout=60)
        said = client.submit(refused_here, pure=False).result(timeout=60)
        assert said and "another kommiljard than this machine (0.0.0-other)" in said
