"""The improvement staircase as a :class:`~kommiljard.kinds.base.BlockKind`: what it declares and provides.

Its measures are shares (the block's ``measure``, and its target's); its lever is percentage points
added to the region's share (:mod:`.lever`); a sweep draws its shares on the logit scale.
"""

from __future__ import annotations

import numpy as np

from ...inputs.measures import PERFORMED_60, SHARE_60, SHARE_90
from ..base import Cell, Column, Draw, kind_word
from ..columns import SHARE_COLUMNS
from .lever import LEVER
from .rules import ImprovementStaircase
from .units import route_names
from .words import WORDS

IMPROVEMENT_PCT = Column(
    "improvement_pct",
    (
        "the relative improvement in percent of last year's share, as a relative block compares it with its bars",
        "den relativa förbättringen i procent av förra årets andel, som ett relativt block jämför den med staplarna",
    ),
    "percent",
    optional=True,
)


def improvement_columns(block: ImprovementStaircase, inp, improvement: np.ndarray) -> dict:
    """The improvement as the rows give it: ``improvement_pp`` always holds percentage points (the
    difference of the shares as the block rounds them); a relative block adds ``improvement_pct``,
    the relative change in percent that it compares with its bars."""
    from . import units

    if block.improvement_unit == "pp":
        return {"improvement_pp": improvement}
    return {"improvement_pp": units.improvement_pp(inp.current, inp.previous, block), "improvement_pct": improvement}


class Staircase:
    name = "improvement_staircase"
    model = ImprovementStaircase
    measures = (SHARE_90, SHARE_60, PERFORMED_60)
    columns = (SHARE_COLUMNS[0], IMPROVEMENT_PCT, *SHARE_COLUMNS[1:])
    words = WORDS
    levers = (LEVER,)
    step_word = "bar"

    def route_names(self, block: ImprovementStaircase) -> tuple[str, ...]:
        return route_names(block)

    def step_names(self, block: ImprovementStaircase) -> tuple[str, ...]:
        return block.bar_names

    def cells(self, block: ImprovementStaircase) -> list[Cell]:
        from .arrays import block_cells

        return list(block_cells(block))

    def cell_of(self, block: ImprovementStaircase, month: str, group: str) -> Cell | None:
        return (month, group) if month in block.months and group in block.group_names else None

    def needs(self, block: ImprovementStaircase):
        from .arrays import needed_rows

        return needed_rows(block)

    def coverage(self, frame, block: ImprovementStaircase, population, *, allow_missing: bool = False):
        from ..tables import coverage_problems

        return coverage_problems(frame, block, population, allow_missing, self.needs(block))

    def arrays(self, panel, block: ImprovementStaircase, population, *, conditions=None, allow_missing: bool = False):
        from .arrays import staircase_input

        return staircase_input(panel, block, population, allow_missing)

    def reference(self, block: ImprovementStaircase, inp):
        from ..tables import Allocation
        from .reference import allocate_input_cell

        cells = [allocate_input_cell(block, inp, c) for c in range(len(inp.cells))]
        return Allocation(
            amount=np.array([[r.amount for r in cell.regions] for cell in cells]),
            tier=np.array([[r.tier for r in cell.regions] for cell in cells], dtype=np.int8),
            route=np.array([[r.route for r in cell.regions] for cell in cells], dtype=np.int8),
            lapsed=np.array([cell.lapsed for cell in cells]),
            by_step=np.array([[r.by_bar for r in cell.regions] for cell in cells]),
            flows=np.array([cell.flows for cell in cells]),
            extra={"improvement": np.array([[r.improvement for r in cell.regions] for cell in cells])},
        )

    def fast(self, block: ImprovementStaircase, inp):
        from ..tables import Allocation
        from .kernel import StaircaseParams, run_staircase

        res = run_staircase(
            StaircaseParams.from_block(block), inp.current, inp.previous, inp.target_share, inp.weights, inp.pots
        )
        return Allocation(
            res.amount, res.tier, res.route, res.lapsed, res.by_step, res.flows, {"improvement": res.improvement}
        )

    def tables(self, block: ImprovementStaircase, inp, allocation, names: dict[str, str]):
        from ..tables import block_tables

        return block_tables(
            block,
            route_names(block),
            inp.cells,
            inp.regions,
            names,
            inp.population,
            pots=inp.pots,
            allocation=allocation,
            step_names=block.bar_names,
            missing=inp.missing,
            columns={
                **improvement_columns(block, inp, allocation.extra["improvement"]),
                "share_current": inp.current,
                "share_previous": inp.previous,
                "share_60": inp.target_share,
            },
        )

    def explain(
        self, rules, block, cell: Cell, *, panel, population, region: str, conditions=None, allow_missing=False
    ):
        from .explain import explain_cell

        return explain_cell(
            rules, block, cell, panel=panel, population=population, region=region, allow_missing=allow_missing
        )

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_staircase_cell

        return plot_staircase_cell(result, block, cell, ax, lang=lang)

    def parameter_text(self, key: str, value, block: ImprovementStaircase, say) -> str | None:
        from .describe import parameter_text

        return parameter_text(key, value, block, say)

    def lever(self, block: ImprovementStaircase):
        from .lever import ShareLever

        return ShareLever(block)

    def draw(self, block: ImprovementStaircase) -> Draw:
        from ...inputs.panel import shift_month

        compared = tuple(sorted(set(block.months) | {shift_month(m, -block.compare_lag_months) for m in block.months}))
        months_60 = tuple(block.months) if block.target else ()
        return Draw(
            "logit_shares",
            {block.measure: compared, **({block.target.measure: months_60} if block.target else {})},
            block.group_names,
            block.months,
            {
                "groups": tuple(block.group_names),
                "measurement months": tuple(block.months),
                "comparison months": compared,
                "share_60 months (a target)": months_60,
            },
        )

    def sweep_plan(self, block: ImprovementStaircase, layout, population, lever=None):
        from .sweep import sweep_plan

        return sweep_plan(block, layout, population, lever)

    def page_cell(self, block: ImprovementStaircase, cell: Cell, lang: str) -> dict:
        from ...money import format_number
        from ..look import NONE_COLOUR, bar_colour
        from ..naming import group_name, measure_name, step_name
        from ..tables import step_labels

        month, group = cell
        label = next(g.label for g in block.groups if g.name == group)  # the rule file's, in Swedish
        bars = [step_name(b, lang) for b in block.bars]
        target = block.target
        by_target = ""
        if target is not None:
            op = "≥" if target.inclusive else ">"
            by_target = kind_word(self, "route_target", lang, measure=measure_name(target.measure, lang), op=op,
                                  threshold=format_number(target.threshold, None, lang=lang))  # fmt: skip
        return {
            "group": (label or group_name(group, lang)) if lang == "sv" else group_name(group, lang),
            "measure": measure_name(block.measure, lang),
            "steps": bars,
            "tiers": [
                kind_word(self, "tier_none", lang),
                *step_labels(bars, np.arange(1, len(block.bars) + 1), block.cumulative),
            ],
            "routes": [kind_word(self, "route_none", lang), kind_word(self, "route_improvement", lang), by_target],
            "colours": [NONE_COLOUR, *(bar_colour(n, k) for k, n in enumerate(block.bar_names))],
        }


KIND = Staircase()
