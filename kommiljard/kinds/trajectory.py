"""One drawn trajectory allocated inside the sweep's drawing kernel: what a kind registers to be fused.

A sweep draws a trajectory's measures into small arrays that stay in the cache and, for a plain
sweep (no lever, no rule variants), asks the swept block's kind to allocate them at once, so that
no batch of drawn measures is written to memory and read back. A kind that can do this gives a
NamedTuple of its own class (the block's rules and indexes, as arrays and tuples) and registers
numba overloads of the two functions below for that class (the staircase:
:mod:`kommiljard.kinds.staircase.kernel`); the drawing kernel calls them by these names only, so
it compiles one specialisation per kind (cached on disk like every kernel). Without them a kind
allocates batches of drawn measures from Python, as a sweep with a lever does.

:func:`fused` registers both at once: the same two functions are the overloads in compiled code and
what the two names call in plain Python (``NUMBA_DISABLE_JIT=1``, as the coverage run uses).
"""

from __future__ import annotations

from collections.abc import Callable

_PLAIN: dict[type, tuple[Callable, Callable]] = {}  # a kind's (work, allocate) by its arguments' class


def trajectory_work(args):
    """The work arrays :func:`allocate_trajectories` needs, made once per kernel call (the kind's own)."""
    return _PLAIN[type(args)][0](args)


def allocate_trajectories(args, work, drawn, out, first):
    """Fill rows ``first`` on of the outcome arrays ``out`` (amount (T, G, R), highest tier (T, G, R), each month's
    tier (T, M, G, R)) from a few trajectories' drawn measures ``drawn`` (a tuple of (k, months, G, R) arrays, in the
    draw model's order of measures) (the kind's own)."""
    _PLAIN[type(args)][1](args, work, drawn, out, first)


def fused(cls: type, work: Callable, allocate: Callable, *, jit_options: dict | None = None) -> None:
    """Register a kind's ``work(args)`` and ``allocate(args, work, drawn, out, first)`` for its arguments' class
    ``cls``: numba overloads of :func:`trajectory_work` and :func:`allocate_trajectories` in compiled code, the
    functions themselves in plain Python."""
    from numba.extending import overload

    _PLAIN[cls] = (work, allocate)

    def work_of(args):
        if getattr(args, "instance_class", None) is cls:
            return work

    def allocate_of(args, work, drawn, out, first):
        if getattr(args, "instance_class", None) is cls:
            return allocate

    overload(trajectory_work)(work_of)
    overload(allocate_trajectories, jit_options=jit_options or {})(allocate_of)
