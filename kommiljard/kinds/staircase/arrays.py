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
import pandas as pd

from ...inputs.panel import MEASURES, Panel, shift_month
from ...inputs.population import Population
from ...inputs.tables import Problem, raise_problems
from ...rules import ImprovementStaircase
from ..base import missing_rows_problems


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


def coverage_problems(
    frame: pd.DataFrame, block: ImprovementStaircase, population: Population | None, allow_missing: bool = False
) -> list[Problem]:
    """Everything the block needs that the panel (or the population table) lacks; with
    ``allow_missing`` the rows of regions it lacks are not problems (they become "no data")."""
    problems = [
        Problem(
            f"missing column {m!r}: {MEASURES.get(m, 'a measure')}, measured by block {block.number} ({block.name})"
        )
        for m in block.measure_columns()
        if m not in frame.columns
    ]
    present = set(zip(frame["region"], frame["month"], frame["group"]))
    in_panel = set(frame["region"])
    gaps = {}
    for region in sorted(in_panel | set(population.counts.index if population is not None else ())):
        missing = []
        for month, group in block_cells(block):
            compare = shift_month(month, -block.compare_lag_months)
            if (region, month, group) not in present:
                missing.append(f"{month} {group}")
            if (region, compare, group) not in present:
                missing.append(f"{compare} {group} (to compare with {month})")
        if missing and not allow_missing:
            gaps[region] = missing
        if population is not None and region not in population.counts.index:
            problems.append(Problem(f"region {region} has no population in {population.source}"))
    return problems + missing_rows_problems(gaps, block, in_panel, population)


def staircase_input(
    panel: Panel, block: ImprovementStaircase, population: Population, allow_missing: bool = False
) -> StaircaseInput:
    """Arrays for one block; raises an :class:`InputError` listing every gap (with ``allow_missing``
    only the gaps other than missing rows: a region's cell without its rows is NaN and ``missing``)."""
    frame = panel.frame
    raise_problems(
        panel.source,
        f"panel (for block {block.number}, {block.name})",
        coverage_problems(frame, block, population, allow_missing),
        "Add the missing rows (each measurement month needs the same month a year earlier) or a population for every "
        "region.",
    )
    regions = tuple(sorted(set(frame["region"]) | set(population.counts.index)))
    cells = block_cells(block)
    indexed = frame.set_index(["month", "group", "region"])

    def grid(column: str, month_of) -> np.ndarray:
        keys = pd.MultiIndex.from_tuples([(month_of(m), g, r) for m, g in cells for r in regions])
        return np.array(indexed[column].reindex(keys), dtype=np.float64).reshape(len(cells), len(regions))

    current = grid(block.measure, lambda m: m)
    previous = grid(block.measure, lambda m: shift_month(m, -block.compare_lag_months))
    target_share = grid(block.target.measure, lambda m: m) if block.target else np.full_like(current, np.nan)
    # a cell without all its rows qualifies by no route (not even the target's): every input NaN
    missing = np.isnan(current) | np.isnan(previous) | (np.isnan(target_share) if block.target else False)
    for values in (current, previous, target_share):
        values[missing] = np.nan
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    pots = np.array([block.pot_sek(g) for _, g in cells], dtype=np.float64)
    return StaircaseInput(regions, cells, current, previous, target_share, pop, weights, pots, missing)
