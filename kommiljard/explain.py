"""Why did a region get what it got? One cell traced through the reference implementation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .allocate.reference import CellOutcome, allocate_cell
from .cube import rule_checks, staircase_input
from .errors import InputError, closest
from .explain_threshold import ThresholdExplanation, explain_threshold, steps_as_dicts, threshold_block_for
from .measure import ROUTE_IMPROVEMENT, ROUTE_TARGET, bound_units, passes, route_names
from .panel import Panel, as_panel, normalise_month, shift_month
from .population import Population, read_population
from .regions import normalise_code, region_codes, region_label, region_names, unknown_region_message
from .rules import ImprovementStaircase, Rules, load_rules


@dataclass(frozen=True)
class Explanation:
    """One region in one month and group: inputs, improvement, tier, bars, amount, rules."""

    rules: Rules
    block: ImprovementStaircase
    panel: Panel
    region: str
    month: str
    group: str
    cell: CellOutcome

    @property
    def outcome(self):
        return self.cell.region(self.region)

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "region": self.region, "month": self.month, "group": self.group, "rules": self.rules.id,
            "synthetic_panel": self.panel.synthetic,
            "inputs": {"current": o.current, "previous": o.previous, "level": o.level, "weight": o.weight},
            "improvement": o.improvement, "improvement_unit": self.block.improvement_unit,
            "tier": o.tier, "route": route_names(self.block)[o.route],
            "cell_pot_sek": self.cell.pot, "cell_lapsed_sek": self.cell.lapsed,
            "bars": steps_as_dicts(self.cell.bars, o.by_bar),
            "amount_sek": o.amount,
        }  # fmt: skip

    def render(self) -> str:
        b, o, cell = self.block, self.outcome, self.cell
        unit = "pp" if b.improvement_unit == "pp" else "%"
        compare = shift_month(self.month, -b.compare_lag_months)
        name = region_names().get(self.region, "")
        lines = [
            f"Region {self.region} {name}, {self.month}, {self.group} | rules {self.rules.id} ({self.rules.ruleset.version}), block {b.number}",
            f"Panel: {self.panel.source}" + ("  [SYNTHETIC data, not real regional figures]" if self.panel.synthetic else ""),
            "",
            "Inputs",
            f"  {b.measure} {self.month}: {o.current:g}    {b.measure} {compare}: {o.previous:g}"
            + (f"    {b.target.measure} {self.month}: {o.level:g}" if b.target else ""),
            f"  sharing weight ({b.sharing}): {o.weight:,.0f}",
            "",
            "Improvement",
            f"  {o.current:g} - {o.previous:g} = {o.improvement:+g} {unit}"
            f" (compared at {b.improvement_decimals} decimals)   [{b.compare_source}]",
            "",
            "Tier and route",
        ]
        units = o.improvement_units
        for bar in b.bars:
            ok = passes(units, bound_units(bar.min_improvement, b), bar.inclusive)
            sign = ">=" if bar.inclusive else ">"
            lines.append(f"  {bar.name:<8} improvement {sign} {bar.min_improvement:g} {unit}: {'reached' if ok else 'not reached'}   [{bar.source}]")
        if b.target:
            t = b.target
            ok = passes(bound_units(o.level, b), bound_units(t.threshold, b), t.inclusive)
            sign = ">=" if t.inclusive else ">"
            use = "used" if ok and o.route == ROUTE_TARGET else ("not needed: paid for the improvement, never twice" if ok and o.route == ROUTE_IMPROVEMENT else "not used")
            lines.append(f"  target   {t.measure} {sign} {t.threshold:g}: {o.level:g}, {'met' if ok else 'not met'} ({use}), opens the {t.bar} bar   [{t.source}]")
        route = self.as_dict()["route"]
        lines += [f"  => tier {o.tier}, route {route}", "", "Pot of this month and group"]
        share = next(g.share for g in b.groups if g.name == self.group)
        lines.append(f"  {b.total_sek:,.0f} x {share:g} / {len(b.months)} months = {cell.pot:,.2f} kr   [{b.source}; {b.months_source}]")
        lines += ["", "Bars after the cascade (top down)   [" + b.cascade_source + "]"]
        for bar, out, mine in reversed(list(zip(b.bars, cell.bars, o.by_bar))):
            fate = (
                f"pays {out.pot:,.2f} kr to {len(out.members)} region(s) weighing {out.member_weight:,.0f}"
                if out.members
                else (f"no member: {out.passed_down:,.2f} kr passed down" if out.passed_down else f"no member: {out.lapsed:,.2f} kr lapse")
            )
            lines.append(f"  {bar.name:<8} {bar.pot_share:.0%} = {out.base_pot:,.2f} + {out.received:,.2f} received; {fate}")
            if mine:
                lines.append(f"           {self.region}: {out.pot:,.2f} x {o.weight:,.0f} / {out.member_weight:,.0f} = {mine:,.2f} kr")
            if out.members:
                lines.append(f"           members: {' '.join(out.members)}")
        lines += ["", f"Amount: {o.amount:,.2f} kr", f"Lapsed in this month and group: {cell.lapsed:,.2f} kr"]
        return "\n".join(lines)


def find_block(rules: Rules, month: str, group: str) -> tuple[ImprovementStaircase, str]:
    """The staircase block that measures ``month`` and ``group``, and the month as ``YYYY-MM``."""
    month_norm = normalise_month(month)
    for block in rules.ruleset.blocks_of(ImprovementStaircase):
        if month_norm in block.months and group in block.group_names:
            return block, month_norm
    raise no_staircase(rules, month, group)


def no_staircase(rules: Rules, month: str | None, group: str | None) -> InputError:
    """The error for a month and group (None: any) that no staircase block measures, with suggestions."""
    staircases = rules.ruleset.blocks_of(ImprovementStaircase)
    months = sorted({m for b in staircases for m in b.months})
    groups = sorted({g for b in staircases for g in b.group_names})
    asked = [(f"month {month!r}", normalise_month(month) or month if month is not None else None, months), (f"group {group!r}", group, groups)]
    wrong = [what + (f" (did you mean {close!r}?)" if (close := closest(value, choices)) else "") for what, value, choices in asked if value not in (None, *choices)]
    return InputError(f"{rules.id} has no staircase for {' and '.join(wrong) or f'month {month!r} with group {group!r}'}. "
                      f"Months: {', '.join(months)}; groups: {', '.join(groups)}.")  # fmt: skip


def trace_cells(panel: Panel, block: ImprovementStaircase, population: Population) -> dict[tuple[str, str], CellOutcome]:
    """Every month and group of a block through the reference: bars after the cascade, members."""
    inp = staircase_input(panel, block, population)
    return {
        cell: allocate_cell(block, list(inp.regions), inp.current[c].tolist(), inp.previous[c].tolist(),
                            inp.level[c].tolist(), inp.weights.tolist(), float(inp.pots[c]))
        for c, cell in enumerate(inp.cells)
    }  # fmt: skip


def explain(
    panel: Panel | str | Path,
    region: str,
    month: str,
    group: str,
    rules: Rules | str | Path = "kommiljard-2019",
    population: Population | str | Path | None = None,
    overrides: dict | None = None,
) -> Explanation | ThresholdExplanation:
    """Trace one region, month and group through the reference implementation.

    For an absolute-threshold block, any month of a period explains that period.
    """
    rules = load_rules(rules, overrides)
    threshold = threshold_block_for(rules, normalise_month(month), group)
    if threshold is not None:
        return _explain_threshold(rules, *threshold, panel, population, region, group)
    block, month_norm = find_block(rules, month, group)
    population = population if isinstance(population, Population) else read_population(population)
    panel = as_panel(panel, block.group_names, rule_checks(rules, population))
    cell = trace_cells(panel, block, population)[(month_norm, group)]
    code = normalise_code(region)
    if code not in region_codes():
        raise InputError(unknown_region_message(region))
    if code not in {r.region for r in cell.regions}:
        raise InputError(f"region {region_label(code)} is not in the panel {panel.source}. Regions there: {' '.join(r.region for r in cell.regions)}.")
    return Explanation(rules, block, panel, code, month_norm, group, cell)


def _explain_threshold(rules: Rules, block, period, panel, population, region: str, group: str) -> ThresholdExplanation:
    population = population if isinstance(population, Population) else read_population(population)
    panel = as_panel(panel, rules.ruleset.group_names, rule_checks(rules, population), rules.ruleset.measure_columns())
    code = normalise_code(region)
    if code not in set(panel.frame["region"]):
        raise InputError(f"region {region!r} is not in the panel {panel.source}. Regions there: {' '.join(sorted(set(panel.frame['region'])))}.")
    return explain_threshold(rules, block, period, panel, population, code, group)
