"""Why did a region get what it got from a requirement? One requirement and month (or period), traced:
the figures, the improvement and the step it reaches, the level, the route, the region's part of the
money and what it earned, and its share of the bonus pot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...inputs.panel import Panel, shift_month
from ...inputs.population import Population
from ...inputs.regions import region_names
from ...money import format_kronor, format_number
from ..explaining import RegionTrace, no_data, no_data_lines, panel_line, sign
from .arrays import RequirementsInput, cell_months, requirements_input
from .reference import CellOutcome, RequirementsOutcome, allocate_requirements, running_sum
from .rules import Requirement, RequirementsBonus
from .units import ROUTE_NAMES

UNSOURCED = "  [UNSOURCED: a placeholder of the rule file, not the agreement's own definition]"


def _kr(amount: float) -> str:
    return f"{format_kronor(amount, 2)} kr"


def unit_word(req: Requirement) -> str:
    """The unit of the requirement's improvement, as outputs write it."""
    return "%" if req.improvement is not None and req.improvement.unit == "relative_pct" else "pp"


@dataclass(frozen=True)
class RequirementExplanation(RegionTrace):
    """One region in one cell of a requirement, and the block's bonus pot as it concerns the region."""

    rules: Any  # the rule set (kommiljard.rules.Rules)
    block: RequirementsBonus
    panel: Panel
    region: str
    months: tuple[str, ...]  # the months the cell measures
    cell: CellOutcome
    outcome_of_block: RequirementsOutcome
    no_data: tuple[str, ...] = ()

    @property
    def requirement(self) -> Requirement:
        return self.cell.requirement

    def bonus_totals(self) -> tuple[float, float, float]:
        """The region's earned money and bonus over the block, and the whole bonus pot."""
        earned, bonus = self.outcome_of_block.totals(self.region)
        return earned, bonus, self.outcome_of_block.bonus_pot

    def as_dict(self) -> dict:
        o, req = self.outcome, self.requirement
        earned_year, bonus_year, pot = self.bonus_totals()
        return {
            "region": self.region,
            "month": self.cell.month,
            "requirement": req.name,
            "requirement_label": req.label,
            "unsourced": req.unsourced,
            "rules": self.rules.id,
            "block": self.block.number,
            "synthetic_panel": self.panel.synthetic,
            "no_data_regions": list(self.no_data),
            "inputs": {"measure": req.measure, "current": o.current, "previous": o.previous, "level": o.level},
            "improvement": o.improvement,
            "improvement_unit": unit_word(req),
            "steps_reached": o.steps_reached,
            "fulfilled": o.fulfilled,
            "tier": o.tier,
            "route": ROUTE_NAMES[o.route],
            "fraction": o.fraction,
            "cell_pot_sek": self.cell.pot,
            "part_sek": o.part,
            "earned_sek": o.earned,
            "paid_in": self.block.paid_in(self.cell.month),
            "unearned_sek": o.unearned,
            "cell_unearned_sek": self.cell.unearned,
            "bonus_reading": self.block.bonus,
            "bonus_key_total": self.cell.key_total,
            "bonus_sek": o.bonus,
            "bonus_paid_in": self.block.bonus_month,
            "amount_sek": o.amount,
            "cell_lapsed_sek": self.cell.lapsed,
            "block_earned_sek": earned_year,
            "block_bonus_sek": bonus_year,
            "bonus_pot_sek": pot,
        }

    def render(self) -> str:
        req, b = self.requirement, self.block
        name = region_names().get(self.region, "")
        where = self.months[0] if len(self.months) == 1 else f"{self.months[0]} to {self.months[-1]} (mean)"
        lines = [
            f"Region {self.region} {name}, {where}, requirement {req.name} ({req.label}) | rules {self.rules.id} "
            f"({self.rules.ruleset.version}), block {b.number}",
            panel_line(self.panel),
            *no_data_lines(self.no_data),
            *([UNSOURCED, f"  [{req.note}]"] if req.unsourced else []),
            "",
            f"Inputs (panel group {req.group})   [{req.source}]",
            *self._input_lines(),
            "",
            "Judgement",
            *self._judgement_lines(),
            "",
            *self._money_lines(),
            "",
            *self._bonus_lines(),
        ]
        return "\n".join(lines)

    def _input_lines(self) -> list[str]:
        req, o = self.requirement, self.outcome
        lines = []
        if req.improvement is not None:
            before = ", ".join(shift_month(m, -req.improvement.compare_lag_months) for m in self.months)
            lines.append(
                f"  {req.measure} {', '.join(self.months)}: {o.current:g}; a year earlier ({before}): {o.previous:g}"
            )
        if req.fulfilment is not None:
            lines.append(f"  {req.level_measure} {', '.join(self.months)}: {o.level:g} (the level)")
        lines.append(f"  figures rounded as published to {req.decimals} decimals before they are compared")
        return lines

    def _judgement_lines(self) -> list[str]:
        req, o = self.requirement, self.outcome
        lines = []
        imp = req.improvement
        if imp is not None:
            better = "a rise" if imp.better == "higher" else "a fall"
            lines.append(
                f"  improvement: {format_number(o.improvement, None, signed=True)} {unit_word(req)} "
                f"({better} is better)   [{imp.source}]"
            )
            for k, s in enumerate(imp.steps):
                got = "reached" if k < o.steps_reached else "not reached"
                lines.append(
                    f"    step {s.name:<6} improvement {sign(s.inclusive)} {s.min_improvement:g}: earns "
                    f"{s.fraction:g} of the part; {got}"
                )
        ful = req.fulfilment
        if ful is not None:
            cmp = sign(ful.inclusive) if ful.better == "higher" else ("<=" if ful.inclusive else "<")
            lines.append(
                f"  level: {req.level_measure} {o.level:g} {cmp} {ful.threshold:g}: "
                f"{'yes' if o.fulfilled else 'no'}; earns {ful.fraction:g} of the part   [{ful.source}]"
            )
        how = {"none": "not met", "improvement": f"met by improvement (step {o.tier})", "fulfilment": "met by level"}
        lines.append(
            f"  => {how[ROUTE_NAMES[o.route]]}: earns {format_number(o.fraction, None)} of its part "
            "(the route that earns more pays, improvement on a tie; never both)"
        )
        return lines

    def _money_lines(self) -> list[str]:
        req, o, b, c = self.requirement, self.outcome, self.block, self.cell
        weights = self.outcome_of_block.regions
        total = running_sum(r.weight for r in c.regions)
        return [
            f"Money   [{b.sharing}: {b.sharing_note}]",
            f"  cell pot: {format_kronor(req.total_sek, 2)} / {len(cell_months(req))} cell(s) = {_kr(c.pot)}",
            f"  part: {format_kronor(c.pot, 2)} x {format_number(o.weight)} / {format_number(total)} "
            f"({len(weights)} regions' {b.sharing}) = {_kr(o.part)}",
            f"  earned: part x {format_number(o.fraction, None)} = {_kr(o.earned)}, paid in {b.paid_in(c.month)}",
            f"  unearned: {_kr(o.unearned)} to the bonus pot",
        ]

    def _bonus_lines(self) -> list[str]:
        o, b, c = self.outcome, self.block, self.cell
        earned_year, bonus_year, pot = self.bonus_totals()
        lines = [
            f"Bonus pot (reading {b.bonus!r}, paid in {b.bonus_month})   [{b.bonus_source}]",
            f"  this cell's unearned money: {_kr(c.unearned)} from {sum(r.fraction < 1 for r in c.regions)} region(s)",
        ]
        key = self.outcome_of_block.keys[
            b.requirements.index(c.requirement), self.outcome_of_block.regions.index(self.region)
        ]
        if c.lapsed > 0:
            lines.append(f"  nobody to share it with (reading {b.bonus!r}): {_kr(c.lapsed)} lapse")
        else:
            lines.append(
                f"  {self.region}'s bonus from it: {format_kronor(c.unearned, 2)} x {format_number(key, 2)} / "
                f"{format_number(c.key_total, 2)} (its key over the regions' with data) = {_kr(o.bonus)}"
            )
        lines += [
            f"  over the block: earned {_kr(earned_year)}, bonus {_kr(bonus_year)} of a bonus pot of {_kr(pot)}",
            "",
            f"Amount in this cell: earned {_kr(o.earned)} + bonus {_kr(o.bonus)} = {_kr(o.amount)}",
            f"Lapsed in this cell: {_kr(c.lapsed)}",
        ]
        return lines


def explain_requirement(
    rules,
    block: RequirementsBonus,
    cell: tuple[str, str],
    panel: Panel,
    population: Population,
    region: str,
    *,
    allow_missing: bool = False,
) -> RequirementExplanation:
    """Trace one region in one cell (month, requirement) of a block through the reference."""
    inp: RequirementsInput = requirements_input(panel, block, population, allow_missing)
    c = inp.cells.index(cell)
    gone = no_data(inp, c, region, f"{cell[0]} {cell[1]}")
    outcome = allocate_requirements(block, inp)
    req = outcome.cells[c].requirement
    months = next(ms for m, ms in cell_months(req) if m == cell[0])
    return RequirementExplanation(rules, block, panel, region, months, outcome.cells[c], outcome, gone)
