"""The steps of a block (the bars of a staircase, the levels of a threshold): who shares a step,
how an empty step's money cascades, and what a member is paid. The only copy of these rules.

Each function is plain Python in the subset of the language that numba compiles: the readable
references call it as it is (on lists or arrays), the kernels call the same function compiled
(:func:`compiled`), so both follow the same rule with the same
floating-point operations in the same order. Steps are indexed from the lowest (k = 0); a
region's *tier* is the number of steps it reached, 0 for none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..compiling import callable_from_kernels

# The rows of a (FLOWS, K) array of step flows, as the kernels fill them.
FLOWS = ("base", "received", "pot", "passed_down", "lapsed", "weight", "count", "passed_up")
BASE, RECEIVED, POT, PASSED_DOWN, LAPSED, WEIGHT, COUNT, PASSED_UP = range(len(FLOWS))

# What happens to the money of a step nobody shares (a rule file's ``cascade``), as the code the
# kernels take: a bool works too (False: lapse, True: down).
CASCADES = ("lapse", "down", "down_then_up")
LAPSE, DOWN, DOWN_THEN_UP = range(len(CASCADES))

# A scaled value this close to a half (relative to its size) is a tie: the decimal a float stands
# for is within a few ulps of it (32.035 is 32.034999999999997 in binary, 3203.4999999999995 hundredths).
TIE_TOLERANCE = 4.0 * 2.220446049250313e-16


def in_units(value, scale):
    """``value`` in whole units of ``1 / scale``, rounded as a published figure is rounded: half away
    from zero, a tie judged on the decimal the float stands for (32.035 to 2 decimals is 32.04, -2.45
    to 1 decimal is -2.5). Infinities and NaN stay. With 6 decimals, 74.3 and 71.3 become 74 300 000
    and 71 300 000 units, exactly 3 000 000 apart: the bound of 3.0 pp."""
    scaled = value * scale
    magnitude = np.abs(scaled)
    return np.copysign(np.floor(magnitude + (0.5 + TIE_TOLERANCE * magnitude)), scaled)


def passes(units, bound, inclusive):
    """Whether ``units`` reach a bound (``>=`` if inclusive, else ``>``)."""
    if inclusive:
        return units >= bound
    return units > bound


def shares_step(tier, k, cumulative):
    """Whether a region of ``tier`` shares step ``k``: every step it reached (cumulative), or only its highest."""
    if cumulative:
        return tier >= k + 1
    return tier == k + 1


def cascade(flows, mode):
    """Fill the received, pot, passed-down, passed-up and lapsed rows of ``flows`` from its base,
    weight and count rows; return the money that lapses. ``mode`` is a code of :data:`CASCADES`.

    From the top step down: a step with members pays what it has (its base and what it
    received); a step nobody shares hands that to the step below (``down``, ``down_then_up``)
    or lets it lapse (``lapse``). An empty lowest step lets what it holds lapse, except under
    ``down_then_up``, where it passes it up to the lowest step that has members (when bars are
    exclusive, a lone region above an empty blue bar is then paid the whole pot).
    """
    carry = 0.0
    lapsed = 0.0
    for k in range(flows.shape[1] - 1, -1, -1):
        available = flows[BASE, k] + carry
        flows[RECEIVED, k] = carry
        flows[POT, k] = 0.0
        flows[PASSED_DOWN, k] = 0.0
        flows[PASSED_UP, k] = 0.0
        flows[LAPSED, k] = 0.0
        if flows[COUNT, k] > 0:
            flows[POT, k] = available
            carry = 0.0
        elif mode >= DOWN and k > 0:
            flows[PASSED_DOWN, k] = available
            carry = available
        else:
            flows[LAPSED, k] = available
            lapsed += available
            carry = 0.0
    if mode == DOWN_THEN_UP and flows[LAPSED, 0] > 0.0:
        for k in range(1, flows.shape[1]):
            if flows[COUNT, k] > 0:
                up = flows[LAPSED, 0]
                flows[PASSED_UP, 0] = up
                flows[LAPSED, 0] = 0.0
                flows[RECEIVED, k] += up
                flows[POT, k] += up
                lapsed = 0.0  # under a downward cascade only the lowest step lapses
                break
    return lapsed


def add_member(flows, tier, weight, cumulative):
    """Count a region of ``tier`` and sharing ``weight`` in the weight and count of every step it shares."""
    for k in range(flows.shape[1]):
        member = 1.0 if shares_step(tier, k, cumulative) else 0.0
        flows[WEIGHT, k] += weight * member  # + 0.0 for a step it does not share: the sum is unchanged
        flows[COUNT, k] += member


def paid(flows, tier, weight, cumulative, by_step):
    """What a region of ``tier`` and ``weight`` is paid: its weight's share of the pot of every step
    it shares, lowest step first (kept in ``by_step[k]`` unless ``by_step`` is None); returns the total."""
    total = 0.0
    for k in range(flows.shape[1]):
        member = 1.0 if shares_step(tier, k, cumulative) else 0.0
        weight_sum = flows[WEIGHT, k] if flows[WEIGHT, k] > 0.0 else 1.0  # a step nobody shares pays 0
        amount = flows[POT, k] * weight / weight_sum * member
        if by_step is not None:
            by_step[k] = amount
        total += amount
    return total


@dataclass(frozen=True)
class StepOutcome:
    """One step of one cell after the cascade, as an explanation shows it."""

    name: str
    base_pot: float  # the step's own money: its share of the cell's pot
    received: float  # cascaded into it from the steps above (or, "down_then_up", from the lowest step)
    pot: float  # what it pays out (0 if nobody shares it)
    passed_down: float  # handed to the step below (empty step, cascade "down")
    lapsed: float  # lapsed here (empty lowest step, or cascade "lapse")
    members: tuple[str, ...]
    member_weight: float  # the sum of the members' sharing weights
    passed_up: float = 0.0  # handed up to the lowest step with members (empty lowest step, "down_then_up")


def step_outcomes(
    names: Sequence[str], flows, regions: Sequence[str], tiers: Sequence[int], cumulative: bool
) -> tuple[StepOutcome, ...]:
    """The steps of a cell, lowest first, with their members, from flows filled by :func:`cascade`."""
    return tuple(
        StepOutcome(
            name,
            float(flows[BASE, k]),
            float(flows[RECEIVED, k]),
            float(flows[POT, k]),
            float(flows[PASSED_DOWN, k]),
            float(flows[LAPSED, k]),
            tuple(r for r, t in zip(regions, tiers) if shares_step(t, k, cumulative)),
            float(flows[WEIGHT, k]),
            float(flows[PASSED_UP, k]),
        )
        for k, name in enumerate(names)
    )


def local_flows(steps):
    """An uninitialised (FLOWS, len(steps)) array of step flows for a tuple ``steps`` (one item per step). In
    a compiled kernel it lives on the kernel's stack (:func:`compiled` registers that version)."""
    return np.empty((len(FLOWS), len(steps)))


@dataclass(frozen=True)
class Compiled:
    in_units: object
    passes: object
    shares_step: object
    cascade: object
    add_member: object
    paid: object
    local_flows: object  # local_flows(steps): an uninitialised (FLOWS, len(steps)) array on the kernel's stack


@cache
def compiled() -> Compiled:
    """The numba twins of the functions above, inlined into the kernels that call them (a kernel is cached keyed
    by this file too: :mod:`kommiljard.compiling`), and step arrays that live on the calling kernel's stack.

    The functions other rule functions call by name (``in_units``, ``passes``, ``shares_step``) are made
    callable from compiled code as they are, so every twin is the function itself, compiled."""
    from numba import carray, njit
    from numba.extending import overload

    for fn in (in_units, passes, shares_step):
        callable_from_kernels(fn)
    jit = njit(inline="always")
    flows_pointer = _stack_pointer(len(FLOWS))

    @overload(local_flows, inline="always")
    def _on_the_stack(steps):
        def on_the_stack(steps):
            return carray(flows_pointer(steps), (len(FLOWS), len(steps)))

        return on_the_stack

    twins = (jit(fn) for fn in (in_units, passes, shares_step, cascade, add_member, paid))
    return Compiled(*twins, local_flows)


def _stack_pointer(rows: int):
    """A numba intrinsic: a pointer to ``rows * len(steps)`` float64 on the stack of the kernel it
    is inlined into, for a tuple ``steps`` (one item per step, so the number of steps is known
    when compiling).

    Step arrays on the stack, with a number of steps fixed when compiling, are what lets the
    compiler keep a cell's flows in registers and unroll the loops over the steps (the sweep's
    kernel runs about a third faster than with the same arrays on the heap).
    """
    from numba import types as nb
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def pointer(typingctx, steps):
        if not isinstance(steps, nb.UniTuple):
            raise TypeError(f"the steps must be a tuple (their number fixed when compiling), not {steps}")
        size = rows * steps.count

        def codegen(context, builder, signature, args):
            return cgutils.alloca_once(builder, context.get_value_type(nb.float64), size=size)

        return nb.CPointer(nb.float64)(steps), codegen

    return pointer
