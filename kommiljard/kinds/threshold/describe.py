"""A threshold block's rule parameters in words for the report: its periods, levels and gate."""

from __future__ import annotations

from ..naming import measure_name
from .rules import AbsoluteThreshold


def parameter_text(key: str, value, block: AbsoluteThreshold, say) -> str | None:
    """Periods (months and share of the year), levels (bound and pots) and the gate in words; None otherwise."""
    if key == "periods":
        share = f"; {say.word('share_of_year')} {say.percent(100 * value['share'], 0)}"
        return f"{say.months(value['months'])}{share if value.get('share', 1) != 1 else ''}"
    if key == "levels":
        pots = ", ".join(f"{say.group(g)} {say.kronor(v)}" for g, v in value["pot_sek"].items())
        bound = say.bound(value["inclusive"], value["threshold"], " %")
        return f"{measure_name(block.measure, say.lang)} {bound}: {pots}"
    if key == "gate":
        scope = say.word("per_group" if value["scope"] == "group" else "all_groups")
        return (
            f"{measure_name(value['measure'], say.lang)} {say.bound(value['inclusive'], value['threshold'], ' %')} "
            f"({say.value(value['aggregate'])}, {scope})"
        )
    return None
