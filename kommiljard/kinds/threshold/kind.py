"""Absolute thresholds (with an optional gate) as a :class:`~kommiljard.kinds.base.BlockKind`.

A block's cells are (period, group); each is reported under its period's last month.
"""

from __future__ import annotations

import numpy as np

from ...rules import AbsoluteThreshold
from ..base import Allocation, BlockTables, Cell, block_tables, coverage_problems
from .arrays import ThresholdInput, needed_rows, threshold_input
from .reference import ROUTE_NAMES, ThresholdCell, period_cells


class Threshold:
    name = "absolute_threshold"
    step_word = "level"
    sweepable = False

    def route_names(self, block: AbsoluteThreshold) -> tuple[str, ...]:
        return ROUTE_NAMES

    def step_names(self, block: AbsoluteThreshold) -> tuple[str, ...]:
        return block.level_names

    def coverage(self, frame, block: AbsoluteThreshold, population, allow_missing: bool = False):
        return coverage_problems(frame, block, population, allow_missing, needed_rows(block))

    def arrays(
        self, panel, block: AbsoluteThreshold, population, conditions=None, allow_missing: bool = False
    ) -> ThresholdInput:
        return threshold_input(panel, block, population, allow_missing)

    def reference(self, block: AbsoluteThreshold, inp: ThresholdInput) -> Allocation:
        by_cell: dict[int, ThresholdCell] = {}
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

    def fast(self, block: AbsoluteThreshold, inp: ThresholdInput) -> Allocation:
        from .kernel import ThresholdParams, run_threshold

        res = run_threshold(
            ThresholdParams.from_block(block), inp.value, inp.gate, inp.cell_period, inp.weights, inp.pots
        )
        return Allocation(res.amount, res.tier, res.route, res.lapsed, res.by_step, res.flows)

    def tables(
        self, block: AbsoluteThreshold, inp: ThresholdInput, allocation: Allocation, names: dict[str, str]
    ) -> BlockTables:
        cells = [(month, group) for month, (_, group) in zip(inp.months, inp.cells)]
        return block_tables(
            block,
            ROUTE_NAMES,
            cells,
            inp.regions,
            names,
            inp.population,
            inp.pots.sum(axis=1),
            allocation,
            block.level_names,
            inp.missing,
            {
                "improvement_pp": np.nan,
                "share_current": inp.value,
                "share_previous": np.nan,
                "share_60": np.nan,
                "conditions_met": None,
                "gate_value": inp.gate,
            },
        )

    def cells(self, block: AbsoluteThreshold) -> list[Cell]:
        return [(p.months[-1], g) for p in block.periods for g in block.group_names]

    def cell_of(self, block: AbsoluteThreshold, month: str, group: str) -> Cell | None:
        for period in block.periods:
            if month in period.months and group in block.group_names:
                return period.months[-1], group
        return None

    def explain(self, rules, block, cell: Cell, panel, population, region: str, conditions=None, allow_missing=False):
        from .explain import explain_threshold

        period = next(p for p in block.periods if p.months[-1] == cell[0])
        return explain_threshold(rules, block, period, panel, population, region, cell[1], allow_missing)

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_threshold_cell

        return plot_threshold_cell(result, block, cell, ax, lang=lang)


KIND = Threshold()
