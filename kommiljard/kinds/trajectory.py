"""One drawn trajectory allocated inside the sweep's drawing kernel: what a kind registers to be fused.

A sweep draws a trajectory's measures into small arrays that stay in the cache and, for a plain
sweep (no lever, no rule variants), asks the swept block's kind to allocate them at once, so that
no batch of drawn measures is written to memory and read back. A kind that can do this gives a
NamedTuple of its own class (the block's rules and indexes, as arrays and tuples) and registers
numba overloads of the two functions below for that class (the staircase:
:mod:`kommiljard.kinds.staircase.kernel`); the drawing kernel calls them by these names only, so
it compiles one specialisation per kind (cached on disk like every kernel). Without them a kind
allocates batches of drawn measures from Python, as a sweep with a lever does.
"""

from __future__ import annotations


def trajectory_work(args):
    """The work arrays :func:`allocate_trajectory` needs, made once per kernel call (numba overload per kind)."""
    raise NotImplementedError("a kind overloads trajectory_work for its own arguments (numba)")


def allocate_trajectories(args, work, drawn, out, first):
    """Fill rows ``first`` on of the outcome arrays ``out`` (amount (T, G, R), highest tier (T, G, R), each month's
    tier (T, M, G, R)) from a few trajectories' drawn measures ``drawn`` (a tuple of (k, months, G, R) arrays, in the
    draw model's order of measures) (numba overload per kind)."""
    raise NotImplementedError("a kind overloads allocate_trajectories for its own arguments (numba)")
