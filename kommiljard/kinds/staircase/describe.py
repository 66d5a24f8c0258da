"""A staircase's rule parameters in words for the report: its bars and its target."""

from __future__ import annotations

from .rules import ImprovementStaircase


def parameter_text(key: str, value, block: ImprovementStaircase, say) -> str | None:
    """The bars (pot share and bound) and the target in words; None for every other parameter."""
    if key == "bars":
        unit = (" pp" if say.lang == "en" else " procentenheter") if block.improvement_unit == "pp" else " %"
        return (
            f"{say.percent(100 * value['pot_share'], 0)} {say.word('of_the_pot')}; "
            f"{say.word('improvement_of')} {say.bound(value['inclusive'], value['min_improvement'], unit)}"
        )
    if key == "target":
        return (
            f"{value['measure']} {say.bound(value['inclusive'], value['threshold'], ' %')} "
            f"{say.word('opens_bar', bar=value['bar'])} ({say.word('route')} {value['route']})"
        )
    return None
