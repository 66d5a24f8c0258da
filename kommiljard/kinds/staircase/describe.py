"""A staircase's rule parameters in words for the report: its bars and its target."""

from __future__ import annotations

from ..naming import measure_name, step_name
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
        bar = next((step_name(b, say.lang) for b in block.bars if b.name == value["bar"]), value["bar"])
        rounded = f"; {say.word('decimals_value', n=value['decimals'])}" if value.get("decimals") is not None else ""
        return (
            f"{measure_name(value['measure'], say.lang)} {say.bound(value['inclusive'], value['threshold'], ' %')} "
            f"{say.word('opens_bar', bar=bar)}{rounded}"
        )
    return None
