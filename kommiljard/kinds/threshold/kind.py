"""Absolute thresholds (with an optional gate) as a :class:`~kommiljard.kinds.base.BlockKind`.

A block's cells are (period, group); each is reported under its period's last month. A region
cannot move the levels (no lever), and a sweep does not draw them (no draw).
"""

from __future__ import annotations

import numpy as np

from ...inputs.measures import PERFORMED_60, SHARE_60, SHARE_90
from ..base import Cell, Column
from ..columns import CONDITIONS_MET, SHARE_COLUMNS
from .rules import AbsoluteThreshold
from .words import WORDS

GATE_VALUE = Column(
    "gate_value",
    ("the gate's measure, aggregated over the period", "grundkravets mått, sammanvägt över perioden"),
    "percent",
    after_money=True,
)


class Threshold:
    name = "absolute_threshold"
    model = AbsoluteThreshold
    measures = (SHARE_90, SHARE_60, PERFORMED_60)
    columns = (*SHARE_COLUMNS, CONDITIONS_MET, GATE_VALUE)
    words = WORDS
    levers = ()
    step_word = "level"

    def route_names(self, block: AbsoluteThreshold) -> tuple[str, ...]:
        from .reference import ROUTE_NAMES

        return ROUTE_NAMES

    def step_names(self, block: AbsoluteThreshold) -> tuple[str, ...]:
        return block.level_names

    def cells(self, block: AbsoluteThreshold) -> list[Cell]:
        return [(p.months[-1], g) for p in block.periods for g in block.group_names]

    def cell_of(self, block: AbsoluteThreshold, month: str, group: str) -> Cell | None:
        for period in block.periods:
            if month in period.months and group in block.group_names:
                return period.months[-1], group
        return None

    def needs(self, block: AbsoluteThreshold):
        from .arrays import needed_rows

        return needed_rows(block)

    def coverage(self, frame, block: AbsoluteThreshold, population, *, allow_missing: bool = False):
        from ..tables import coverage_problems

        return coverage_problems(frame, block, population, allow_missing, self.needs(block))

    def arrays(self, panel, block: AbsoluteThreshold, population, *, conditions=None, allow_missing: bool = False):
        from .arrays import threshold_input

        return threshold_input(panel, block, population, allow_missing)

    def reference(self, block: AbsoluteThreshold, inp):
        from ..tables import Allocation
        from .reference import period_cells

        by_cell = {}
        for p in range(len(block.periods)):
            rows, cells = period_cells(block, inp, p)
            by_cell |= {c: cells[g] for g, c in rows.items()}
        cells = [by_cell[c] for c in range(len(inp.cells))]
        return Allocation(
            amount=np.array([[r.amount for r in cell.regions] for cell in cells]),
            tier=np.array([[r.tier for r in cell.regions] for cell in cells], dtype=np.int8),
            route=np.array([[r.route for r in cell.regions] for cell in cells], dtype=np.int8),
            lapsed=np.array([cell.lapsed for cell in cells]),
            by_step=np.array([[r.by_level for r in cell.regions] for cell in cells]),
            flows=np.array([cell.flows for cell in cells]),
        )

    def fast(self, block: AbsoluteThreshold, inp):
        from ..tables import Allocation
        from .kernel import ThresholdParams, run_threshold

        res = run_threshold(
            ThresholdParams.from_block(block), inp.value, inp.gate, inp.cell_period, inp.weights, inp.pots
        )
        return Allocation(res.amount, res.tier, res.route, res.lapsed, res.by_step, res.flows)

    def tables(self, block: AbsoluteThreshold, inp, allocation, names: dict[str, str]):
        from ..tables import block_tables
        from .reference import ROUTE_NAMES

        cells = [(month, group) for month, (_, group) in zip(inp.months, inp.cells)]
        return block_tables(
            block,
            ROUTE_NAMES,
            cells,
            inp.regions,
            names,
            inp.population,
            pots=inp.pots.sum(axis=1),
            allocation=allocation,
            step_names=block.level_names,
            missing=inp.missing,
            columns={"share_current": inp.value, "gate_value": inp.gate},
        )

    def explain(
        self, rules, block, cell: Cell, *, panel, population, region: str, conditions=None, allow_missing=False
    ):
        from .explain import explain_threshold

        period = next(p for p in block.periods if p.months[-1] == cell[0])
        return explain_threshold(
            rules,
            block,
            period,
            panel=panel,
            population=population,
            region=region,
            group=cell[1],
            allow_missing=allow_missing,
        )

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_threshold_cell

        return plot_threshold_cell(result, block, cell, ax, lang=lang)

    def parameter_text(self, key: str, value, block: AbsoluteThreshold, say) -> str | None:
        from .describe import parameter_text

        return parameter_text(key, value, block, say)

    def lever(self, block: AbsoluteThreshold):
        return None

    def draw(self, block: AbsoluteThreshold):
        return None

    def sweep_plan(self, block: AbsoluteThreshold, layout, population, lever=None):
        raise NotImplementedError(f"kind {self.name!r} has no draw: a sweep cannot draw it")

    def page_cell(self, block: AbsoluteThreshold, cell: Cell, lang: str) -> dict:
        raise NotImplementedError(f"kind {self.name!r} has no lever: the what-if page does not show it")


KIND = Threshold()
