"""Why did a region get what it got under an absolute-threshold block? One period and group, traced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...inputs.panel import Panel
from ...inputs.population import Population
from ...inputs.regions import region_names
from ...language import speaker, spoken, words_of
from ...money import format_number
from ..explaining import (
    Notes,
    RegionTrace,
    closing_lines,
    fitted,
    no_data,
    no_data_lines,
    panel_line,
    sign,
    step_lines,
    steps_as_dicts,
)
from ..naming import group_name, measure_name, month_name, say, step_name, value_of
from .arrays import months_needed, threshold_input
from .reference import ROUTE_NAMES, ThresholdCell, passes, passes_gate, period_cells, to_units
from .rules import AbsoluteThreshold, Period

tell = speaker(__package__)

WORDS = words_of(__package__)


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

    def render(self, lang: str = "en", width: int | None = None) -> str:
        """The explanation as text, in English or Swedish; lines longer than ``width`` are wrapped under their
        own indent, and the rule lines' sources are numbered notes at the end."""
        b, o, p, notes, w = self.block, self.outcome, self.period, Notes(), WORDS
        where = w.text(
            "explain.where",
            lang,
            period=p.name,
            first=month_name(p.months[0], lang, True),
            last=month_name(p.months[-1], lang, True),
        )
        measure = measure_name(b.measure, lang)
        months = ", ".join(month_name(m, lang, True) for m in months_needed(p, b.aggregate))
        value = format_number(o.value, None, lang=lang)
        lines = [
            say(
                "explain.region_line",
                lang,
                region=self.region,
                name=region_names().get(self.region, ""),
                where=where,
                group=group_name(self.group, lang),
                rules=self.rules.id,
                version=self.rules.ruleset.version,
                block=b.number,
            ),
            panel_line(self.panel, lang),
            *no_data_lines(self.no_data, lang),
            "",
            say("explain.inputs", lang),
            "  "
            + w.text(
                "explain.input",
                lang,
                measure=measure,
                aggregate=value_of(b.aggregate, lang),
                months=months,
                value=value,
            )
            + notes.cite(b.measure_source),
            "  "
            + say("explain.weight", lang, sharing=value_of(b.sharing, lang), weight=format_number(o.weight, lang=lang)),
        ]
        lines += self._gate_lines(notes, lang)
        lines += ["", w.text("explain.levels", lang, decimals=b.decimals)]
        for lv in b.levels:
            ok = passes(to_units(o.value, b), to_units(lv.threshold, b), lv.inclusive)
            text = w.text(
                "explain.level_line",
                lang,
                level=step_name(lv, lang),
                measure=measure,
                op=sign(lv.inclusive),
                threshold=format_number(lv.threshold, None, lang=lang),
                reached=say("explain.reached" if ok else "explain.not_reached", lang),
            )
            lines.append(f"  {text}{notes.cite(lv.source)}")
        route = w.text(f"route.{o.route}", lang)
        lines += [f"  {say('explain.tier_route', lang, tier=o.tier, route=route)}", ""]
        lines.append(w.text("explain.cascade", lang) + notes.cite(b.cascade_note))
        heads = [
            w.text(
                "explain.head",
                lang,
                pot=format_number(lv.pot_sek[self.group], lang=lang),
                share=format_number(p.share, None, lang=lang),
            )
            for lv in b.levels
        ]
        names = [step_name(lv, lang) for lv in b.levels]
        lines += step_lines(heads, self.cell.levels, o.by_level, self.region, o.weight, names=names, lang=lang)
        lines += closing_lines(o.amount, self.cell.lapsed, say("period_group", lang), lang)
        lines += notes.lines(lang)
        return fitted(lines, width)

    def _gate_lines(self, notes: Notes, lang: str) -> list[str]:
        """The basic requirement (gate), if the block has one: the region's figure per group, met or not."""
        b, o, w = self.block, self.outcome, WORDS
        if not b.gate:
            return []
        g = b.gate
        lines = ["", w.text("explain.gate", lang, scope=value_of(g.scope, lang)) + notes.cite(g.source)]
        for group, value in self.gate_by_group.items():
            if g.scope == "all_groups" or group == self.group:
                ok = passes_gate(value, b)
                text = w.text(
                    "explain.gate_line",
                    lang,
                    measure=measure_name(g.measure, lang),
                    group=group_name(group, lang),
                    aggregate=value_of(g.aggregate, lang),
                    value=format_number(value, None, lang=lang),
                    op=sign(g.inclusive),
                    threshold=format_number(g.threshold, None, lang=lang),
                    met=say("explain.met" if ok else "explain.not_met", lang),
                )
                lines.append(f"  {text}")
        lines.append("  " + w.text("explain.gate_met" if o.gate_met else "explain.gate_not_met", lang))
        return lines


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
    where = tell("refuse.period", period=period.name, group=group if spoken() == "en" else group_name(group, spoken()))
    gone = no_data(inp, rows[group], region, where)
    i = inp.regions.index(region)
    gate = {g: float(inp.gate[c][i]) for g, c in rows.items()} if block.gate else {}
    return ThresholdExplanation(rules, block, period, panel, region, group, cells[group], gate, gone)
