"""From a validated panel to the contiguous arrays of one staircase block.

Checks, once, that the panel covers what the block needs: every region of the panel and of the
population table has every measurement month and its comparison month for every group, the
measures exist, and every region has a population. Missing data is an error, never a silent
zero; only when asked (``allow_missing``) a region without the rows of a cell is computed as
not qualifying in that cell, and marked as having no data there (``StaircaseInput.missing``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...inputs.panel import Panel, shift_month
from ...inputs.population import Population
from ...inputs.tables import Problem, raise_problems
from ...language import speaker
from ..base import Need
from ..naming import panel_of_block, said_cell, said_measure, said_month
from ..steps import in_units
from ..tables import panel_grid
from .rules import ImprovementStaircase

tell = speaker(__package__)


@dataclass(frozen=True)
class StaircaseInput:
    """Arrays for one staircase block: cells are (month, group), month-major."""

    regions: tuple[str, ...]
    cells: tuple[tuple[str, str], ...]
    current: np.ndarray  # (C, R) the measure in the measurement month
    previous: np.ndarray  # (C, R) the measure in the comparison month
    target_share: np.ndarray  # (C, R) the target's measure in the measurement month (NaN: no target)
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing
    pots: np.ndarray  # (C,) float64
    missing: np.ndarray | None = None  # (C, R) bool: the region has no data for the cell (then NaN above)


def block_cells(block: ImprovementStaircase) -> tuple[tuple[str, str], ...]:
    return tuple((m, g) for m in block.months for g in block.group_names)


def needed_rows(block: ImprovementStaircase) -> list[Need]:
    """Every row the block reads: each cell's month and the month it is compared with."""
    needs = []
    measured = block.measure_columns()  # the measure, and the target's in the measurement month
    for month, group in block_cells(block):
        compare = shift_month(month, -block.compare_lag_months)
        needs += [
            Need(month, group, said_cell(month, group), measured, (month, group)),
            Need(
                compare,
                group,
                tell("refuse.compare_need", cell=said_cell(compare, group), month=said_month(month)),
                (block.measure,),
                (month, group),
            ),
        ]
    return needs


def relative_from_zero(block: ImprovementStaircase, regions, cells, previous: np.ndarray) -> list[Problem]:
    """Every cell whose relative change is undefined: last year's share, as the block rounds it, is 0."""
    return [
        Problem(
            tell(
                "refuse.relative_from_zero",
                region=regions[r],
                cell=said_cell(month, group),
                measure=said_measure(block.measure),
                previous=said_month(shift_month(month, -block.compare_lag_months)),
                value=f"{previous[c, r]:g}",
                month=said_month(month),
            )
        )
        for c, (month, group) in enumerate(cells)
        for r in range(len(regions))
        if in_units(previous[c, r], block.scale) == 0.0
    ]


def staircase_input(
    panel: Panel, block: ImprovementStaircase, population: Population, allow_missing: bool = False
) -> StaircaseInput:
    """Arrays for one block; raises an :class:`InputError` listing every gap (with ``allow_missing``
    only the gaps other than missing rows: a region's cell without its rows is NaN and ``missing``)."""
    hint = (
        "Add the missing rows (each measurement month needs the same month a year earlier) or a population for "
        "every region."
    )
    covered = panel_grid(panel, block, population, allow_missing, needed_rows(block), hint)
    regions, cells = covered.regions, block_cells(block)

    def grid(column: str, month_of) -> np.ndarray:
        keys = [(month, g, r) for m, g in cells for month in [month_of(m)] for r in regions]
        return covered.read(column, keys).reshape(len(cells), len(regions))

    current = grid(block.measure, lambda m: m)
    previous = grid(block.measure, lambda m: shift_month(m, -block.compare_lag_months))
    if block.improvement_unit == "relative_pct":
        raise_problems(
            panel.source,
            panel_of_block(block),
            relative_from_zero(block, regions, cells, previous),
            tell("refuse.relative_hint"),
        )
    target_share = grid(block.target.measure, lambda m: m) if block.target else np.full_like(current, np.nan)
    # a cell without all its rows qualifies by no route (not even the target's): every input NaN
    missing = np.isnan(current) | np.isnan(previous) | (np.isnan(target_share) if block.target else False)
    for values in (current, previous, target_share):
        values[missing] = np.nan
    pots = np.array([block.pot_sek(g) for _, g in cells], dtype=np.float64)
    return StaircaseInput(
        regions, cells, current, previous, target_share, covered.population, covered.weights, pots, missing
    )
