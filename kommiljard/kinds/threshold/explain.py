"""Why did a region get what it got under an absolute-threshold block? One period and group, traced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...inputs.panel import Panel
from ...inputs.population import Population
from ...inputs.regions import region_names
from ...money import format_number
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
from .arrays import months_needed, threshold_input
from .reference import ROUTE_NAMES, ThresholdCell, passes, passes_gate, period_cells, to_units
from .rules import AbsoluteThreshold, Period


@dataclass(frozen=True)
class ThresholdExplanation(RegionTrace):
    """One region in one period and group: its figure, the gate, the levels, the pots, the amount."""

    rules: Any  # the loaded rule set (kommiljard.rules.Rules)
    block: AbsoluteThreshold
    period: Period
    panel: Panel
    region: str
    group: str
    cell: ThresholdCell
    gate_by_group: dict[str, float]  # the region's gate figure per group (empty: no gate)
    no_data: tuple[str, ...] = ()  # regions without data in this cell (computed with allow_missing)

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "region": self.region,
            "period": self.period.name,
            "month": self.period.months[-1],
            "group": self.group,
            "rules": self.rules.id,
            "block": self.block.number,
            "synthetic_panel": self.panel.synthetic,
            "no_data_regions": list(self.no_data),
            "inputs": {"value": o.value, "measure": self.block.measure, "gate": self.gate_by_group, "weight": o.weight},
            "gate_met": o.gate_met,
            "tier": o.tier,
            "route": ROUTE_NAMES[o.route],
            "cell_pot_sek": self.cell.pot,
            "cell_lapsed_sek": self.cell.lapsed,
            "levels": steps_as_dicts(self.cell.levels, o.by_level),
            "amount_sek": o.amount,
        }

    def render(self) -> str:
        b, o, p = self.block, self.outcome, self.period
        name = region_names().get(self.region, "")
        lines = [
            f"Region {self.region} {name}, period {p.name} ({p.months[0]} to {p.months[-1]}), {self.group} | rules "
            f"{self.rules.id} ({self.rules.ruleset.version}), block {b.number}",
            panel_line(self.panel),
            *no_data_lines(self.no_data),
            "",
            "Inputs",
            f"  {b.measure}, {b.aggregate} of {', '.join(months_needed(p, b.aggregate))}: {o.value:g}   "
            f"[{b.measure_source}]",
            f"  sharing weight ({b.sharing}): {format_number(o.weight)}",
        ]
        if b.gate:
            g = b.gate
            lines += ["", f"Gate ({g.scope})   [{g.source}]"]
            for group, value in self.gate_by_group.items():
                if g.scope == "all_groups" or group == self.group:
                    ok = passes_gate(value, b)
                    lines.append(
                        f"  {g.measure} {group}, {g.aggregate}: {value:g} {sign(g.inclusive)} {g.threshold:g}: "
                        f"{'met' if ok else 'NOT met'}"
                    )
            lines.append(f"  => {'met: the levels count' if o.gate_met else 'not met: no level counts'}")
        lines += ["", f"Levels (compared at {b.decimals} decimals)"]
        for lv in b.levels:
            ok = passes(to_units(o.value, b), to_units(lv.threshold, b), lv.inclusive)
            lines.append(
                f"  {lv.name:<6} {b.measure} {sign(lv.inclusive)} {lv.threshold:g}: "
                f"{'reached' if ok else 'not reached'}   [{lv.source}]"
            )
        lines += [
            f"  => tier {o.tier}, route {ROUTE_NAMES[o.route]}",
            "",
            f"Levels after the cascade (top down)   [{b.cascade}: {b.cascade_note}]",
        ]
        heads = [f"{format_number(lv.pot_sek[self.group])} x period share {p.share:g}" for lv in b.levels]
        lines += step_lines(heads, self.cell.levels, o.by_level, self.region, o.weight)
        lines += closing_lines(o.amount, self.cell.lapsed, "period and group")
        return "\n".join(lines)


def explain_threshold(
    rules,
    block: AbsoluteThreshold,
    period: Period,
    *,
    panel: Panel,
    population: Population,
    region: str,
    group: str,
    allow_missing: bool = False,
) -> ThresholdExplanation:
    """Trace one region, period and group of a threshold block through the reference (``allow_missing``:
    other regions may lack the period's rows; they take no part)."""
    inp = threshold_input(panel, block, population, allow_missing)
    rows, cells = period_cells(block, inp, block.periods.index(period))
    gone = no_data(inp, rows[group], region, f"period {period.name} {group}")
    i = inp.regions.index(region)
    gate = {g: float(inp.gate[c][i]) for g, c in rows.items()} if block.gate else {}
    return ThresholdExplanation(rules, block, period, panel, region, group, cells[group], gate, gone)
