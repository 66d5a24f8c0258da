"""What every kind's explanation shares: the steps after the cascade, as text and as data."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import InputError
from ..inputs.regions import region_label
from ..money import format_kronor, format_number
from .steps import StepOutcome

SYNTHETIC_MARK = "  [SYNTHETIC data, not real regional figures]"


class RegionTrace:
    """What an explanation of one region in one cell has: ``cell`` (with ``region(code)``) and ``region``."""

    @property
    def outcome(self):
        return self.cell.region(self.region)


def no_data(inp, c: int, region: str, where: str) -> tuple[str, ...]:
    """The regions without data in cell ``c`` of a kind's arrays (computed with ``allow_missing``); an
    :class:`InputError` if ``region``, the one to explain, is among them (``where``: the cell, in words)."""
    if inp.missing is None:
        return ()
    gone = tuple(r for r, m in zip(inp.regions, inp.missing[c]) if m)
    if region in gone:
        raise InputError(
            f"region {region_label(region)} has no data for {where}: it gets nothing from this cell (marked "
            "'no data'), so there is nothing to trace. Add its rows to the panel to explain it."
        )
    return gone


def no_data_lines(gone: Sequence[str]) -> list[str]:
    """Say which regions took no part in the cell for lack of data."""
    if not gone:
        return []
    return [
        f"No data (computed with --allow-missing-regions; not qualifying here): {', '.join(map(region_label, gone))}"
    ]


def panel_line(panel) -> str:
    """The panel's source, marked when its figures are synthetic."""
    return f"Panel: {panel.source}" + (SYNTHETIC_MARK if panel.synthetic else "")


def closing_lines(amount: float, lapsed: float, where: str) -> list[str]:
    """The region's amount and what lapsed in its cell (``where``: e.g. "month and group")."""
    return ["", f"Amount: {format_kronor(amount, 2)} kr", f"Lapsed in this {where}: {format_kronor(lapsed, 2)} kr"]


def sign(inclusive: bool) -> str:
    return ">=" if inclusive else ">"


def unpaid_fate(passed_down: float, passed_up: float, lapsed: float, money: Callable[[float], str]) -> str:
    """Where the money of a step without members went, amounts written by ``money``."""
    if passed_down:
        return f"passed down {money(passed_down)}"
    if passed_up:
        return f"passed up {money(passed_up)} to the lowest step with members"
    return f"{money(lapsed)} lapse"


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


def _kronor(amount: float) -> str:
    return f"{format_kronor(amount, 2)} kr"


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
        else:
            fate = "no member: " + unpaid_fate(out.passed_down, out.passed_up, out.lapsed, _kronor)
        own, received = format_kronor(out.base_pot, 2), format_kronor(out.received, 2)
        lines.append(f"  {out.name:<8} {head} = {own} + {received} received; {fate}")
        if mine:
            shares = f"{format_number(weight)} / {format_number(out.member_weight)}"
            lines.append(f"           {region}: {format_kronor(out.pot, 2)} x {shares} = {format_kronor(mine, 2)} kr")
        if out.members:
            lines.append(f"           members: {' '.join(out.members)}")
    return lines
