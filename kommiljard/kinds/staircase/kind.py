"""The improvement staircase as a :class:`~kommiljard.kinds.base.BlockKind`."""

from __future__ import annotations

import numpy as np

from ...rules import ImprovementStaircase
from ..base import Allocation, BlockTables, Cell, block_tables, coverage_problems
from . import units
from .arrays import StaircaseInput, block_cells, needed_rows, staircase_input
from .reference import allocate_input_cell


def improvement_columns(block: ImprovementStaircase, inp: StaircaseInput, improvement: np.ndarray) -> dict:
    """The improvement as the rows give it: ``improvement_pp`` always holds percentage points (the
    difference of the shares as the block rounds them); a relative block adds ``improvement_pct``,
    the relative change in percent that it compares with its bars."""
    if block.improvement_unit == "pp":
        return {"improvement_pp": improvement}
    return {"improvement_pp": units.improvement_pp(inp.current, inp.previous, block), "improvement_pct": improvement}


class Staircase:
    name = "improvement_staircase"
    step_word = "bar"
    sweepable = True

    def route_names(self, block: ImprovementStaircase) -> tuple[str, ...]:
        return units.route_names(block)

    def step_names(self, block: ImprovementStaircase) -> tuple[str, ...]:
        return block.bar_names

    def coverage(self, frame, block: ImprovementStaircase, population, allow_missing: bool = False):
        return coverage_problems(frame, block, population, allow_missing, needed_rows(block))

    def arrays(
        self, panel, block: ImprovementStaircase, population, conditions=None, allow_missing: bool = False
    ) -> StaircaseInput:
        return staircase_input(panel, block, population, allow_missing)

    def reference(self, block: ImprovementStaircase, inp: StaircaseInput) -> Allocation:
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

    def fast(self, block: ImprovementStaircase, inp: StaircaseInput) -> Allocation:
        from .kernel import StaircaseParams, run_staircase

        res = run_staircase(
            StaircaseParams.from_block(block), inp.current, inp.previous, inp.target_share, inp.weights, inp.pots
        )
        return Allocation(
            res.amount, res.tier, res.route, res.lapsed, res.by_step, res.flows, {"improvement": res.improvement}
        )

    def tables(
        self, block: ImprovementStaircase, inp: StaircaseInput, allocation: Allocation, names: dict[str, str]
    ) -> BlockTables:
        return block_tables(
            block,
            units.route_names(block),
            inp.cells,
            inp.regions,
            names,
            inp.population,
            inp.pots,
            allocation,
            block.bar_names,
            inp.missing,
            {
                **improvement_columns(block, inp, allocation.extra["improvement"]),
                "share_current": inp.current,
                "share_previous": inp.previous,
                "share_60": inp.target_share,
                "conditions_met": None,
            },
        )

    def cells(self, block: ImprovementStaircase) -> list[Cell]:
        return list(block_cells(block))

    def cell_of(self, block: ImprovementStaircase, month: str, group: str) -> Cell | None:
        return (month, group) if (month, group) in block_cells(block) else None

    def explain(self, rules, block, cell: Cell, panel, population, region: str, conditions=None, allow_missing=False):
        from .explain import explain_cell

        return explain_cell(rules, block, cell, panel, population, region, allow_missing)

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_staircase_cell

        return plot_staircase_cell(result, block, cell, ax, lang=lang)


KIND = Staircase()
