"""What a sweep checks of a Dask cluster before it trusts it with a part.

- **The address answers as a Dask scheduler, in bounded time.** :func:`probe` opens a connection and reads
  the peer's Dask handshake within ``timeout`` seconds, the whole of it: a server that is not Dask (an HTTP
  server), a listener that accepts and never answers, and one that sends garbage (bytes that would be read as
  the length of a message of exabytes) are refused with a message, not waited for or allocated.
- **Every worker runs the same kommiljard, numba and numpy as this machine**, also one that joins after the
  sweep has started: :class:`SameVersions`, a worker plugin, compares them on each worker as it joins. A
  worker with other versions is refused: registering the plugin names it (the sweep does not start), and a
  worker that joins later is marked so that no part is computed on it (:func:`refusal`), the task failing
  with :class:`WorkerVersionError`, which names the worker and its versions.
"""

from __future__ import annotations

import asyncio
import logging

from ..errors import InputError, KommiljardError
from ..language import speaker, speaking, spoken
from ..money import format_number

VERSIONED = ("kommiljard", "numba", "numpy")  # what must be the same on every worker: the results depend on them
REFUSED = "kommiljard_refused"  # a worker's attribute: why it may compute no part (None: it may)
log = logging.getLogger(__name__)
say = speaker(__package__)


class WorkerVersionError(KommiljardError):
    """A Dask worker that runs other versions of kommiljard, numba or numpy than this machine."""


def versions() -> dict[str, str]:
    """The versions of kommiljard, numba and numpy here."""
    import numba
    import numpy

    from .. import __version__

    return {"kommiljard": __version__, "numba": numba.__version__, "numpy": numpy.__version__}


def difference(expected: dict[str, str], found: dict[str, str]) -> str | None:
    """``kommiljard 0.2.0 (this machine: 0.1.0), ...`` for every version that differs; None if none does."""
    differ = [
        say("refuse.version_differs", name=name, found=found.get(name), expected=expected[name])
        for name in expected
        if found.get(name) != expected[name]
    ]
    return ", ".join(differ) or None


def refusal(address: str, expected: dict[str, str], found: dict[str, str]) -> str:
    """The message for a worker whose versions differ."""
    differ = difference(expected, found)
    return say("refuse.worker_versions", address=address, differ=differ, version=expected["kommiljard"])


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - without the distributed extra no plugin is ever made
    WorkerPlugin = object


class SameVersions(WorkerPlugin):
    """A worker plugin: on every worker, as it joins, compare its versions with this machine's (``expected``);
    a worker that differs is marked refused (:data:`REFUSED`) and its setup fails with the reason."""

    name = "kommiljard-same-versions"

    def __init__(self, expected: dict[str, str], lang: str = "en"):
        self.expected, self.lang = dict(expected), lang  # lang: the command's, which the worker's process does not know

    def setup(self, worker) -> None:
        found = versions()
        with speaking(self.lang):
            message = refusal(worker.address, self.expected, found) if difference(self.expected, found) else None
        setattr(worker, REFUSED, message)
        if message:
            log.error(message)
            raise WorkerVersionError(message)


def refused_here() -> str | None:
    """On a worker, in a task: why this worker may compute no part (None if it may)."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # not on a worker (a task run in the driver's process)
        return None
    return getattr(worker, REFUSED, None)


def probe(address: str, timeout: float) -> None:
    """Refuse ``address`` unless a Dask scheduler's handshake is read from it within ``timeout`` seconds
    (connecting included): see the module docstring."""
    from distributed.comm import connect

    async def handshake() -> None:
        comm = await connect(address, timeout=timeout)
        try:
            if not isinstance(comm.remote_info, dict) or "compression" not in comm.remote_info:
                raise ValueError(say("refuse.handshake"))
        finally:
            comm.abort()

    try:
        asyncio.run(asyncio.wait_for(handshake(), timeout))
    except TimeoutError:
        within = format_number(timeout, None, lang=spoken())
        raise InputError(say("refuse.no_answer_within", text=address, timeout=within)) from None
    except Exception as exc:  # OSError: nothing listens, or it hung up; anything else: it does not speak Dask
        said = " ".join(str(exc).split())[:200]
        error = f"{type(exc).__name__}: {said}"
        what = say("refuse.nothing_listens" if isinstance(exc, OSError) else "refuse.not_dask", error=error)
        raise InputError(
            say("refuse.probe_failed", text=address, what=what, check=say("refuse.check_scheduler"))
        ) from None
