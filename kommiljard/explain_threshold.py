"""Why did a region get what it got under an absolute-threshold block? One period and group, traced."""

from __future__ import annotations

from dataclasses import dataclass

from .allocate.threshold import ROUTE_NAMES, ThresholdCell, passes_gate, to_units
from .cube_threshold import months_needed, threshold_input
from .engine_threshold import period_cells
from .measure import passes
from .panel import Panel
from .population import Population
from .regions import region_names
from .rules import AbsoluteThreshold, Rules
from .rules.models import Period


def sign(inclusive: bool) -> str:
    return ">=" if inclusive else ">"



def steps_as_dicts(steps, amounts) -> list[dict]:
    """Bars or levels after the cascade, with one region's amount from each, as plain data."""
    return [
        {"name": st.name, "base_pot_sek": st.base_pot, "received_sek": st.received, "pot_sek": st.pot,
         "passed_down_sek": st.passed_down, "lapsed_sek": st.lapsed, "members": list(st.members),
         "member_weight": st.member_weight, "region_amount_sek": amount}
        for st, amount in zip(steps, amounts)
    ]  # fmt: skip

@dataclass(frozen=True)
class ThresholdExplanation:
    """One region in one period and group: its figure, the gate, the levels, the pots, the amount."""

    rules: Rules
    block: AbsoluteThreshold
    period: Period
    panel: Panel
    region: str
    group: str
    cell: ThresholdCell
    gate_by_group: dict[str, float]  # the region's gate figure per group (empty: no gate)

    @property
    def outcome(self):
        return self.cell.region(self.region)

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "region": self.region, "period": self.period.name, "month": self.period.months[-1], "group": self.group,
            "rules": self.rules.id, "block": self.block.number, "synthetic_panel": self.panel.synthetic,
            "inputs": {"value": o.value, "measure": self.block.measure, "gate": self.gate_by_group, "weight": o.weight},
            "gate_met": o.gate_met, "tier": o.tier, "route": ROUTE_NAMES[o.route],
            "cell_pot_sek": self.cell.pot, "cell_lapsed_sek": self.cell.lapsed,
            "levels": steps_as_dicts(self.cell.levels, o.by_level),
            "amount_sek": o.amount,
        }  # fmt: skip

    def render(self) -> str:
        b, o, p = self.block, self.outcome, self.period
        name = region_names().get(self.region, "")
        lines = [
            f"Region {self.region} {name}, period {p.name} ({p.months[0]} to {p.months[-1]}), {self.group} | rules {self.rules.id} ({self.rules.ruleset.version}), block {b.number}",
            f"Panel: {self.panel.source}" + ("  [SYNTHETIC data, not real regional figures]" if self.panel.synthetic else ""),
            "",
            "Inputs",
            f"  {b.measure}, {b.aggregate} of {', '.join(months_needed(p, b.aggregate))}: {o.value:g}   [{b.measure_source}]",
            f"  sharing weight ({b.sharing}): {o.weight:,.0f}",
        ]
        if b.gate:
            g = b.gate
            lines += ["", f"Gate ({g.scope})   [{g.source}]"]
            for group, value in self.gate_by_group.items():
                if g.scope == "all_groups" or group == self.group:
                    ok = passes_gate(value, b)
                    lines.append(f"  {g.measure} {group}, {g.aggregate}: {value:g} {sign(g.inclusive)} {g.threshold:g}: {'met' if ok else 'NOT met'}")
            lines.append(f"  => {'met: the levels count' if o.gate_met else 'not met: no level counts'}")
        lines += ["", f"Levels (compared at {b.decimals} decimals)"]
        for lv in b.levels:
            ok = passes(to_units(o.value, b), to_units(lv.threshold, b), lv.inclusive)
            lines.append(f"  {lv.name:<6} {b.measure} {sign(lv.inclusive)} {lv.threshold:g}: {'reached' if ok else 'not reached'}   [{lv.source}]")
        lines += [f"  => tier {o.tier}, route {ROUTE_NAMES[o.route]}", "", f"Levels after the cascade (top down)   [{b.cascade}: {b.cascade_note}]"]
        for lv, out, mine in reversed(list(zip(b.levels, self.cell.levels, o.by_level))):
            fate = (
                f"pays {out.pot:,.2f} kr to {len(out.members)} region(s) weighing {out.member_weight:,.0f}"
                if out.members
                else (f"no member: {out.passed_down:,.2f} kr passed down" if out.passed_down else f"no member: {out.lapsed:,.2f} kr lapse")
            )
            pot = f"{lv.pot_sek[self.group]:,.0f} x period share {p.share:g}"
            lines.append(f"  {lv.name:<6} {pot} = {out.base_pot:,.2f} + {out.received:,.2f} received; {fate}")
            if mine:
                lines.append(f"         {self.region}: {out.pot:,.2f} x {o.weight:,.0f} / {out.member_weight:,.0f} = {mine:,.2f} kr")
            if out.members:
                lines.append(f"         members: {' '.join(out.members)}")
        lines += ["", f"Amount: {o.amount:,.2f} kr", f"Lapsed in this period and group: {self.cell.lapsed:,.2f} kr"]
        return "\n".join(lines)


def threshold_block_for(rules: Rules, month: str, group: str) -> tuple[AbsoluteThreshold, Period] | None:
    """The threshold block and period that measure ``month`` for ``group``, if any."""
    for block in rules.ruleset.blocks_of(AbsoluteThreshold):
        for period in block.periods:
            if month in period.months and group in block.group_names:
                return block, period
    return None


def explain_threshold(rules: Rules, block: AbsoluteThreshold, period: Period, panel: Panel, population: Population, region: str, group: str) -> ThresholdExplanation:
    """Trace one region, period and group of a threshold block through the reference."""
    inp = threshold_input(panel, block, population)
    rows, cells = period_cells(block, inp, block.periods.index(period))
    i = inp.regions.index(region)
    gate = {g: float(inp.gate[c][i]) for g, c in rows.items()} if block.gate else {}
    return ThresholdExplanation(rules, block, period, panel, region, group, cells[group], gate)
