"""The lock of a sweep folder: one writer at a time.

A sweep holds ``OUT/.kommiljard-sweep.lock`` while it writes the folder ``OUT``. The lock is
taken atomically: the file is created with ``O_CREAT | O_EXCL``, so of two processes exactly
one creates it. It records the owner (process id, host, when it started and the command) and
is removed when the sweep returns or fails, Ctrl-C included. A second sweep into the same
folder, with or without ``--force``, is refused with a message naming the running process:
it can neither delete the first one's part in progress nor its manifest.

A lock whose process is gone (killed, or the machine restarted) is stale: the next sweep
removes it and goes on. Whether the process is gone is known on the same host only (a process
id, and on Linux the process's start time, so that a reused id is not taken for the owner); a
lock written on another host is respected, and its message says which file to delete once
that sweep is known to be gone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import KommiljardError, OutputError
from ..language import speaker
from ..outputs.files import output_error

LOCK_NAME = ".kommiljard-sweep.lock"
BEING_WRITTEN_S = 60.0  # an unreadable lock this fresh is being written by its owner right now
say = speaker(__package__)


class SweepLockedError(KommiljardError):
    """Another sweep is writing the folder."""


def _process_start(pid: int) -> str | None:
    """When a process started (clock ticks since boot, Linux), to tell it from a later one with its id."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()[19]  # field 22 of proc(5), counted after the command name


def _alive(owner: dict) -> bool:
    """Whether the lock's owner may still be running (always True for another host's lock)."""
    if owner.get("host") != socket.gethostname():
        return True
    try:
        pid = int(owner["pid"])
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        pass
    except (KeyError, TypeError, ValueError, OverflowError):
        return False  # no usable process id: nobody can be holding it
    started = owner.get("process_start")
    return started is None or _process_start(pid) in (None, started)


def _read(path: Path) -> dict | None:
    """The lock's owner, or None if the file cannot be read as one."""
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def _describe(owner: dict | None) -> str:
    if owner is None:
        return say("refuse.starting")
    command = str(owner.get("command", ""))[:160]
    command = say("refuse.command", command=command) if command else ""
    pid, host, started = owner.get("pid"), owner.get("host"), owner.get("started")
    return say("refuse.writing", pid=pid, host=host, started=started, command=command)


def _create(path: Path, owner: dict) -> bool:
    """Create the lock with ``owner`` in it; False if it exists."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        os.write(fd, json.dumps(owner).encode())
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    os.close(fd)
    return True


def _take(path: Path) -> dict:
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "process_start": _process_start(os.getpid()),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv)[:500],
        "token": secrets.token_hex(8),
    }
    for _ in range(2):
        if _create(path, owner):
            return owner
        holder = _read(path)
        fresh = holder is None and _age_s(path) < BEING_WRITTEN_S
        if fresh or (holder is not None and _alive(holder)):
            raise SweepLockedError(say("refuse.locked", folder=path.parent, who=_describe(holder), path=path))
        if _read(path) == holder:  # stale: still the same file, so nobody took it meanwhile
            path.unlink(missing_ok=True)
    raise SweepLockedError(say("refuse.taken", folder=path.parent))


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _release(path: Path, owner: dict) -> None:
    if (_read(path) or {}).get("token") == owner["token"]:
        path.unlink(missing_ok=True)


@contextmanager
def sweep_lock(out_dir: str | Path):
    """Hold the lock of ``out_dir`` (created if missing) while the block runs.

    A folder this call created is removed again if the block leaves it empty (a sweep refused
    before it wrote anything leaves nothing behind).
    """
    out_dir = Path(out_dir)
    created = [p for p in (out_dir, *out_dir.parents) if not p.exists()]  # deepest first
    existing = next(p for p in (out_dir, *out_dir.parents) if p.exists())
    if not existing.is_dir():
        raise OutputError(say("refuse.out_is_file", out=out_dir, existing=existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(say("refuse.no_permission", out=out_dir, existing=existing))
    path, owner = out_dir / LOCK_NAME, None
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(out_dir, exc) from None
        owner = _take(path)
        yield
    finally:
        if owner is not None:
            _release(path, owner)
        for folder in created:
            try:
                folder.rmdir()  # only if empty
            except OSError:
                break
