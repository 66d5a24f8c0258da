"""Why did a region get what it got in one month and group of a staircase? Traced through the reference."""

from __future__ import annotations

from dataclasses import dataclass

from ...inputs.panel import Panel, shift_month
from ...inputs.regions import region_names
from ...money import format_kronor, format_number
from ...rules import ImprovementStaircase, Rules
from ..explaining import (
    RegionTrace,
    closing_lines,
    no_data,
    no_data_lines,
    panel_line,
    sign,
    step_lines,
    steps_as_dicts,
)
from .arrays import staircase_input
from .reference import CellOutcome, allocate_input_cell
from .units import (
    ROUTE_IMPROVEMENT,
    ROUTE_TARGET,
    bound_units,
    may_use_target,
    passes,
    route_names,
    target_reached,
    target_units,
)


@dataclass(frozen=True)
class Explanation(RegionTrace):
    """One region in one month and group: inputs, improvement, tier, bars, amount, rules."""

    rules: Rules
    block: ImprovementStaircase
    panel: Panel
    region: str
    month: str
    group: str
    cell: CellOutcome
    no_data: tuple[str, ...] = ()  # regions without data in this cell (computed with allow_missing)

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "region": self.region,
            "month": self.month,
            "group": self.group,
            "rules": self.rules.id,
            "block": self.block.number,
            "synthetic_panel": self.panel.synthetic,
            "no_data_regions": list(self.no_data),
            "inputs": {
                "current": o.current,
                "previous": o.previous,
                "target_share": o.target_share,
                "weight": o.weight,
            },
            "improvement": o.improvement,
            "improvement_unit": self.block.improvement_unit,
            "tier": o.tier,
            "route": route_names(self.block)[o.route],
            "cell_pot_sek": self.cell.pot,
            "cell_lapsed_sek": self.cell.lapsed,
            "bars": steps_as_dicts(self.cell.bars, o.by_bar),
            "amount_sek": o.amount,
        }

    def render(self) -> str:
        b, o, cell = self.block, self.outcome, self.cell
        unit = "pp" if b.improvement_unit == "pp" else "%"
        compare = shift_month(self.month, -b.compare_lag_months)
        name = region_names().get(self.region, "")
        lines = [
            f"Region {self.region} {name}, {self.month}, {self.group} | rules {self.rules.id} "
            f"({self.rules.ruleset.version}), block {b.number}",
            panel_line(self.panel),
            *no_data_lines(self.no_data),
            "",
            "Inputs",
            f"  {b.measure} {self.month}: {o.current:g}    {b.measure} {compare}: {o.previous:g}"
            + (f"    {b.target.measure} {self.month}: {o.target_share:g}" if b.target else ""),
            f"  sharing weight ({b.sharing}): {format_number(o.weight)}",
            "",
            "Improvement",
            (
                f"  {o.current:g} - {o.previous:g} = {o.improvement:+g} {unit}"
                if b.improvement_unit == "pp"
                else f"  ({o.current:g} - {o.previous:g}) / {o.previous:g} x 100 = {o.improvement:+g} {unit}"
            )
            + f" (shares rounded to {b.improvement_decimals} decimals)   [{b.compare_source}]",
            "",
            "Tier and route",
        ]
        for bar in b.bars:
            ok = passes(o.improvement_units, bound_units(bar.min_improvement, b), bar.inclusive)
            lines.append(
                f"  {bar.name:<8} improvement {sign(bar.inclusive)} {bar.min_improvement:g} {unit}: "
                f"{'reached' if ok else 'not reached'}   [{bar.source}]"
            )
        if b.target:
            t = b.target
            ok = target_reached(o.target_share, b)
            if ok and o.route == ROUTE_TARGET:
                use = "used"
            elif ok and o.route == ROUTE_IMPROVEMENT:
                use = "not needed: paid for the improvement, never twice"
            elif ok and not may_use_target(o.improvement_units, b):
                use = "not open to a region that improved (entry = not_improved)"
            elif ok and t.needs_improver:
                use = "not paid: no region reached a bar by improving this month (needs_improver)"
            else:
                use = "not used"
            lines.append(
                f"  target   {t.measure} {sign(t.inclusive)} {t.threshold:g}: {o.target_share:g}"
                + (f" (as published with {t.decimals} decimals: {_published(o.target_share, t):g})" if t.scale else "")
                + ", "
                f"{'met' if ok else 'not met'} ({use}), opens the {t.bar} bar   [{t.source}]"
            )
        lines += [f"  => tier {o.tier}, route {route_names(b)[o.route]}", "", "Pot of this month and group"]
        share = next(g.share for g in b.groups if g.name == self.group)
        lines.append(
            f"  {format_number(b.total_sek)} x {share:g} / {len(b.months)} months = {format_kronor(cell.pot, 2)} kr"
            f"   [{b.source}; "
            f"{b.months_source}]"
        )
        lines += ["", "Bars after the cascade (top down)   [" + b.cascade_source + "]"]
        lines += step_lines([f"{bar.pot_share:.0%}" for bar in b.bars], cell.bars, o.by_bar, self.region, o.weight)
        lines += closing_lines(o.amount, cell.lapsed, "month and group")
        return "\n".join(lines)


def _published(share: float, target) -> float:
    """The target's measure rounded as the target's ``decimals`` say (half away from zero)."""
    return float(target_units(share, target.scale) / target.scale)


def explain_cell(
    rules: Rules,
    block: ImprovementStaircase,
    cell: tuple[str, str],
    panel: Panel,
    population,
    region: str,
    allow_missing: bool = False,
) -> Explanation:
    """Trace one region, month and group of a staircase block through the reference (``allow_missing``: other
    regions may lack the cell's rows; they take no part)."""
    inp = staircase_input(panel, block, population, allow_missing)
    c = inp.cells.index(cell)
    gone = no_data(inp, c, region, f"{cell[0]} {cell[1]}")
    return Explanation(rules, block, panel, region, cell[0], cell[1], allocate_input_cell(block, inp, c), gone)
