"""Why did a region get what it got from a requirement? One requirement and month (or period), traced:
the figures, the improvement and the step it reaches, the level, the route, the region's part of the
money and what it earned, and its share of the bonus pot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...inputs.panel import Panel, shift_month
from ...inputs.population import Population
from ...inputs.regions import region_names
from ...language import words_of
from ...money import format_kronor, format_number, kronor
from ...rules.texts import text_in
from ..explaining import Notes, RegionTrace, fitted, no_data, no_data_lines, panel_line, sign
from ..naming import group_name, measure_name, month_name, regions_count, said_cell, say, value_of
from .arrays import RequirementsInput, cell_months, requirements_input
from .reference import CellOutcome, RequirementsOutcome, allocate_requirements, running_sum
from .rules import Requirement, RequirementsBonus
from .units import ROUTE_NAMES

WORDS = words_of(__package__)


def _kr(amount: float, lang: str = "en") -> str:
    return kronor(amount, 2, lang=lang)


def unit_word(req: Requirement, lang: str = "en") -> str:
    """The unit of the requirement's improvement, as outputs write it."""
    if req.improvement is not None and req.improvement.unit == "relative_pct":
        return "%"
    return "procentenheter" if lang == "sv" else "pp"


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

    def render(self, lang: str = "en", width: int | None = None) -> str:
        """The explanation as text, in English or Swedish; lines longer than ``width`` are wrapped under their
        own indent, and the rule lines' sources are numbered notes at the end."""
        req, b, notes = self.requirement, self.block, Notes()
        months = self.months
        where = (
            month_name(months[0], lang)
            if len(months) == 1
            else WORDS.text("explain.months_mean", lang, first=month_name(months[0], lang),
                            last=month_name(months[-1], lang))
        )  # fmt: skip
        head = WORDS.text("explain.region_line", lang, region=self.region, name=region_names().get(self.region, ""),
                          where=where, requirement=requirement_name(req, lang), rules=self.rules.id,
                          version=self.rules.ruleset.version, block=b.number)  # fmt: skip
        unsourced = [f"  {WORDS.text('explain.unsourced', lang)}", f"  [{text_in(req.note, lang)}]"]
        inputs = WORDS.text("explain.inputs", lang, group=group_name(req.group, lang)) + notes.cite(req.source)
        lines = [
            head,
            panel_line(self.panel, lang),
            *no_data_lines(self.no_data, lang),
            *(unsourced if req.unsourced else []),
            "",
            inputs,
            *self._input_lines(lang),
            "",
            WORDS.text("explain.judgement", lang),
            *self._judgement_lines(notes, lang),
            "",
            *self._money_lines(notes, lang),
            "",
            *self._bonus_lines(notes, lang),
            *notes.lines(lang),
        ]
        return fitted(lines, width)

    def _input_lines(self, lang: str) -> list[str]:
        req, o = self.requirement, self.outcome
        months = ", ".join(month_name(m, lang) for m in self.months)
        lines = []
        if req.improvement is not None:
            lag = req.improvement.compare_lag_months
            before = ", ".join(month_name(shift_month(m, -lag), lang) for m in self.months)
            lines.append("  " + WORDS.text("explain.figures", lang, measure=measure_name(req.measure, lang),
                                           months=months, current=_number(o.current, lang), before=before,
                                           previous=_number(o.previous, lang)))  # fmt: skip
        if req.fulfilment is not None:
            lines.append("  " + WORDS.text("explain.level_figure", lang, measure=measure_name(req.level_measure, lang),
                                           months=months, level=_number(o.level, lang)))  # fmt: skip
        decimals = WORDS.text("explain.decimals_one" if req.decimals == 1 else "explain.decimals_n", lang,
                              **({} if req.decimals == 1 else {"n": req.decimals}))  # fmt: skip
        lines.append("  " + WORDS.text("explain.rounded", lang, decimals=decimals))
        return lines

    def _judgement_lines(self, notes: Notes, lang: str) -> list[str]:
        req, o = self.requirement, self.outcome
        lines = []
        imp = req.improvement
        if imp is not None:
            better = WORDS.text(f"explain.better_{imp.better}", lang)
            value = format_number(o.improvement, None, signed=True, lang=lang)
            text = WORDS.text("explain.improvement", lang, value=value, unit=unit_word(req, lang), better=better)
            lines.append(f"  {text}{notes.cite(imp.source)}")
            for k, s in enumerate(imp.steps):
                reached = say("explain.reached" if k < o.steps_reached else "explain.not_reached", lang)
                lines.append("    " + WORDS.text("explain.step", lang, step=k + 1, op=sign(s.inclusive),
                                                  bound=_number(s.min_improvement, lang),
                                                  fraction=_number(s.fraction, lang), reached=reached))  # fmt: skip
        ful = req.fulfilment
        if ful is not None:
            op = sign(ful.inclusive) if ful.better == "higher" else ("≤" if ful.inclusive else "<")
            met = say("explain.met" if o.fulfilled else "explain.not_met", lang)
            text = WORDS.text("explain.level", lang, measure=measure_name(req.level_measure, lang),
                              level=_number(o.level, lang), op=op, threshold=_number(ful.threshold, lang), met=met,
                              fraction=_number(ful.fraction, lang))  # fmt: skip
            lines.append(f"  {text}{notes.cite(ful.source)}")
        how = WORDS.text(f"explain.route_{ROUTE_NAMES[o.route]}", lang,
                         **({"tier": o.tier} if ROUTE_NAMES[o.route] == "improvement" else {}))  # fmt: skip
        lines.append("  " + WORDS.text("explain.verdict", lang, how=how, fraction=_number(o.fraction, lang)))
        return lines

    def _money_lines(self, notes: Notes, lang: str) -> list[str]:
        req, o, b, c = self.requirement, self.outcome, self.block, self.cell
        weights = self.outcome_of_block.regions
        total = running_sum(r.weight for r in c.regions)
        text = lambda k, **values: "  " + WORDS.text(f"explain.{k}", lang, **values)  # noqa: E731 - one line
        return [
            WORDS.text("explain.money", lang, sharing=value_of(b.sharing, lang)) + notes.cite(b.sharing_note),
            text("cell_pot", total=format_kronor(req.total_sek, 2, lang=lang), n=len(cell_months(req)),
                 pot=_kr(c.pot, lang)),
            text("part", pot=format_kronor(c.pot, 2, lang=lang), weight=format_number(o.weight, lang=lang),
                 total=format_number(total, lang=lang), n=len(weights), part=_kr(o.part, lang)),
            text("earned", fraction=_number(o.fraction, lang), earned=_kr(o.earned, lang),
                 payment=month_name(b.paid_in(c.month), lang)),
            text("unearned", amount=_kr(o.unearned, lang)),
        ]  # fmt: skip

    def _bonus_lines(self, notes: Notes, lang: str) -> list[str]:
        o, b, c = self.outcome, self.block, self.cell
        earned_year, bonus_year, pot = self.bonus_totals()
        text = lambda k, **values: "  " + WORDS.text(f"explain.{k}", lang, **values)  # noqa: E731 - one line
        unearned_by = regions_count(sum(r.fraction < 1 for r in c.regions), lang)
        lines = [
            WORDS.text("explain.bonus", lang, reading=b.bonus, payment=month_name(b.bonus_month, lang))
            + notes.cite(b.bonus_source),
            text("bonus_cell", amount=_kr(c.unearned, lang), regions=unearned_by),
        ]
        key = self.outcome_of_block.keys[
            b.requirements.index(c.requirement), self.outcome_of_block.regions.index(self.region)
        ]
        if c.lapsed > 0:
            lines.append(text("bonus_lapse", reading=b.bonus, amount=_kr(c.lapsed, lang)))
        else:
            lines.append(text("bonus_share", region=self.region, unearned=format_kronor(c.unearned, 2, lang=lang),
                              key=format_number(key, 2, lang=lang), key_total=format_number(c.key_total, 2, lang=lang),
                              bonus=_kr(o.bonus, lang)))  # fmt: skip
        lines += [
            text("bonus_block", earned=_kr(earned_year, lang), bonus=_kr(bonus_year, lang), pot=_kr(pot, lang)),
            "",
            WORDS.text("explain.amount", lang, earned=_kr(o.earned, lang), bonus=_kr(o.bonus, lang),
                       amount=_kr(o.amount, lang)),
            WORDS.text("explain.lapsed", lang, amount=_kr(c.lapsed, lang)),
        ]  # fmt: skip
        return lines


def requirement_name(req: Requirement, lang: str) -> str:
    """A requirement as people call it: its words (``kinds/words.toml``), else its rule file's label in Swedish
    and its name with the label in English."""
    named = group_name(req.name, lang)
    if named != req.name or not req.label:
        return named
    return req.label if lang == "sv" else f"{req.name} ({req.label})"


def _number(value: float, lang: str) -> str:
    return format_number(value, None, lang=lang)


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
    gone = no_data(inp, c, region, said_cell(*cell))
    outcome = allocate_requirements(block, inp)
    req = outcome.cells[c].requirement
    months = next(ms for m, ms in cell_months(req) if m == cell[0])
    return RequirementExplanation(rules, block, panel, region, months, outcome.cells[c], outcome, gone)
