"""What every kind's explanation shares: the steps after the cascade, as text and as data."""

from __future__ import annotations

from collections.abc import Sequence

from ..money import format_kronor, format_number
from .steps import StepOutcome

SYNTHETIC_MARK = "  [SYNTHETIC data, not real regional figures]"


def sign(inclusive: bool) -> str:
    return ">=" if inclusive else ">"


def steps_as_dicts(steps: Sequence[StepOutcome], amounts: Sequence[float]) -> list[dict]:
    """Bars or levels after the cascade, with one region's amount from each, as plain data."""
    return [
        {
            "name": st.name,
            "base_pot_sek": st.base_pot,
            "received_sek": st.received,
            "pot_sek": st.pot,
            "passed_down_sek": st.passed_down,
            "lapsed_sek": st.lapsed,
            "members": list(st.members),
            "member_weight": st.member_weight,
            "region_amount_sek": amount,
        }
        for st, amount in zip(steps, amounts)
    ]


def step_lines(
    heads: Sequence[str], steps: Sequence[StepOutcome], amounts: Sequence[float], region: str, weight: float
) -> list[str]:
    """The steps from the top down: what each had, whom it paid or where its money went, and
    the region's share of it. ``heads`` describe each step's own money, lowest first."""
    lines = []
    for head, out, mine in reversed(list(zip(heads, steps, amounts))):
        if out.members:
            weighing = format_number(out.member_weight)
            fate = f"pays {format_kronor(out.pot, 2)} kr to {len(out.members)} region(s) weighing {weighing}"
        elif out.passed_down:
            fate = f"no member: {format_kronor(out.passed_down, 2)} kr passed down"
        else:
            fate = f"no member: {format_kronor(out.lapsed, 2)} kr lapse"
        own, received = format_kronor(out.base_pot, 2), format_kronor(out.received, 2)
        lines.append(f"  {out.name:<8} {head} = {own} + {received} received; {fate}")
        if mine:
            shares = f"{format_number(weight)} / {format_number(out.member_weight)}"
            lines.append(f"           {region}: {format_kronor(out.pot, 2)} x {shares} = {format_kronor(mine, 2)} kr")
        if out.members:
            lines.append(f"           members: {' '.join(out.members)}")
    return lines
