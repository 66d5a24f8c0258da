"""What every kind's explanation shares: the steps after the cascade, as text and as data."""

from __future__ import annotations

from collections.abc import Sequence

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
            "passed_up_sek": st.passed_up,
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
            fate = f"pays {out.pot:,.2f} kr to {len(out.members)} region(s) weighing {out.member_weight:,.0f}"
        elif out.passed_down:
            fate = f"no member: {out.passed_down:,.2f} kr passed down"
        elif out.passed_up:
            fate = f"no member: {out.passed_up:,.2f} kr passed up to the lowest step with members"
        else:
            fate = f"no member: {out.lapsed:,.2f} kr lapse"
        lines.append(f"  {out.name:<8} {head} = {out.base_pot:,.2f} + {out.received:,.2f} received; {fate}")
        if mine:
            lines.append(
                f"           {region}: {out.pot:,.2f} x {weight:,.0f} / {out.member_weight:,.0f} = {mine:,.2f} kr"
            )
        if out.members:
            lines.append(f"           members: {' '.join(out.members)}")
    return lines
