"""Why did a region get what it got in one month and group of a staircase? Traced through the reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...inputs.panel import Panel, shift_month
from ...inputs.regions import region_names
from ...language import words_of
from ...money import PP_UNIT, format_number, format_percent, format_pp, format_share, kronor
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
from ..naming import group_name, measure_name, month_name, said_cell, say, step_name, value_of
from .arrays import staircase_input
from .reference import CellOutcome, allocate_input_cell
from .rules import ImprovementStaircase
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

WORDS = words_of(__package__)


@dataclass(frozen=True)
class Explanation(RegionTrace):
    """One region in one month and group: inputs, improvement, tier, bars, amount, rules."""

    rules: Any  # the loaded rule set (kommiljard.rules.Rules)
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

    def render(self, lang: str = "en", width: int | None = None) -> str:
        """The explanation as text, in English or Swedish; lines longer than ``width`` are wrapped under their
        own indent, and the rule lines' sources are numbered notes at the end."""
        b, o, cell, notes = self.block, self.outcome, self.cell, Notes()
        w = WORDS
        unit = PP_UNIT[lang] if b.improvement_unit == "pp" else "%"
        compare = shift_month(self.month, -b.compare_lag_months)
        measure = measure_name(b.measure, lang)
        number = lambda x: format_share(x, lang)  # noqa: E731 - the shares as given
        lines = [
            say(
                "explain.region_line",
                lang,
                region=self.region,
                name=region_names().get(self.region, ""),
                where=month_name(self.month, lang),
                group=group_name(self.group, lang),
                rules=self.rules.id,
                version=self.rules.ruleset.version,
                block=b.number,
            ),
            panel_line(self.panel, lang),
            *no_data_lines(self.no_data, lang),
            "",
            say("explain.inputs", lang),
            f"  {measure}, {month_name(self.month, lang)}: {number(o.current)}",
            f"  {measure}, {month_name(compare, lang)}: {number(o.previous)}",
        ]
        if b.target:
            target = (
                f"  {measure_name(b.target.measure, lang)}, {month_name(self.month, lang)}: {number(o.target_share)}"
            )
            lines.append(target)
        sharing = value_of(b.sharing, lang)
        lines += [f"  {say('explain.weight', lang, sharing=sharing, weight=format_number(o.weight, lang=lang))}", ""]
        lines += [w.text("explain.improvement", lang)]
        rounded = w.text("explain.improvement_rounded", lang, decimals=b.improvement_decimals)
        if b.improvement_unit == "pp":
            arithmetic = f"{number(o.current)} − {number(o.previous)} = {format_pp(o.improvement, lang=lang)}"
        else:
            arithmetic = (
                f"({number(o.current)} − {number(o.previous)}) / {number(o.previous)} × 100 = "
                f"{format_pp(o.improvement, lang=lang)}"
            )
        lines += [f"  {arithmetic} {unit} ({rounded}){notes.cite(b.compare_source)}", ""]
        lines += [w.text("explain.tier_and_route", lang), *self._tier_lines(unit, notes, lang)]
        route = WORDS.text(f"route.{o.route}", lang)
        lines += [f"  {say('explain.tier_route', lang, tier=o.tier, route=route)}", ""]
        share = next(g.share for g in b.groups if g.name == self.group)
        pot = w.text(
            "explain.pot_line",
            lang,
            total=format_number(b.total_sek, lang=lang),
            months=len(b.months),
            share=format_number(share, None, lang=lang),
            pot=kronor(cell.pot, 2, lang=lang),
        )
        lines += [w.text("explain.pot_title", lang), f"  {pot}{notes.cite(b.source)}{notes.cite(b.months_source)}", ""]
        lines.append(w.text("explain.bars_title", lang) + notes.cite(b.cascade_source))
        heads = [format_percent(100 * bar.pot_share, 0, lang) for bar in b.bars]
        names = [step_name(bar, lang) for bar in b.bars]
        lines += step_lines(heads, cell.bars, o.by_bar, self.region, o.weight, names=names, lang=lang)
        lines += closing_lines(o.amount, cell.lapsed, say("month_group", lang), lang)
        lines += notes.lines(lang)
        return fitted(lines, width)

    def _tier_lines(self, unit: str, notes: Notes, lang: str) -> list[str]:
        """Each bar reached or not, and the target: met, and whether it was used."""
        b, o, w = self.block, self.outcome, WORDS
        lines = []
        for bar in b.bars:
            ok = passes(o.improvement_units, bound_units(bar.min_improvement, b), bar.inclusive)
            text = w.text(
                "explain.bar_line",
                lang,
                bar=step_name(bar, lang),
                op=sign(bar.inclusive),
                bound=format_number(bar.min_improvement, None, lang=lang),
                unit=unit,
                reached=say("explain.reached" if ok else "explain.not_reached", lang),
            )
            lines.append(f"  {text}{notes.cite(bar.source)}")
        if b.target:
            t = b.target
            ok = target_reached(o.target_share, b)
            if ok and o.route == ROUTE_TARGET:
                use = "use_used"
            elif ok and o.route == ROUTE_IMPROVEMENT:
                use = "use_not_needed"
            elif ok and not may_use_target(o.improvement_units, b):
                use = "use_not_open"
            elif ok and t.needs_improver:
                use = "use_no_improver"
            else:
                use = "use_not_used"
            value = format_share(o.target_share, lang)
            if t.scale:
                published = format_number(_published(o.target_share, t), None, lang=lang)
                value = w.text("explain.as_published", lang, value=value, decimals=t.decimals, rounded=published)
            bar = step_name(b.bars[b.bar_names.index(t.bar)], lang)
            text = w.text(
                "explain.target_line",
                lang,
                measure=measure_name(t.measure, lang),
                op=sign(t.inclusive),
                threshold=format_number(t.threshold, None, lang=lang),
                value=value,
                met=say("explain.met" if ok else "explain.not_met", lang),
                use=w.text(f"explain.{use}", lang),
                bar=bar,
            )
            lines.append(f"  {text}{notes.cite(t.source)}")
        return lines


def _published(share: float, target) -> float:
    """The target's measure rounded as the target's ``decimals`` say (half away from zero)."""
    return float(target_units(share, target.scale) / target.scale)


def explain_cell(
    rules,
    block: ImprovementStaircase,
    cell: tuple[str, str],
    *,
    panel: Panel,
    population,
    region: str,
    allow_missing: bool = False,
) -> Explanation:
    """Trace one region, month and group of a staircase block through the reference (``allow_missing``: other
    regions may lack the cell's rows; they take no part)."""
    inp = staircase_input(panel, block, population, allow_missing)
    c = inp.cells.index(cell)
    gone = no_data(inp, c, region, said_cell(*cell))
    return Explanation(rules, block, panel, region, cell[0], cell[1], allocate_input_cell(block, inp, c), gone)
