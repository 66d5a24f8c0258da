"""From a validated panel to the arrays of one price-per-operation block.

The block reads ``operations`` in the rows of its procedures (the panel's groups): every month of its
period, and (counting above a baseline) the same months of each baseline year. Every region of the
panel and of the population table must have each of those rows with a count (:func:`needed_rows`,
checked by :func:`kommiljard.kinds.tables.coverage_problems`); a row without one is an error, never a
silent zero. Only when asked (``allow_missing``) a region without some of them is
computed as performing no operation, and marked as having no data (``PriceInput.missing``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...inputs.population import Population
from ...inputs.tables import raise_problems
from ...language import spoken
from ..base import Need, word
from ..naming import panel_of_block, said_cell
from ..tables import coverage_problems
from .rules import PricePerOperation
from .words import WORDS


@dataclass(frozen=True)
class PriceInput:
    """Arrays for one price block: one cell (the block's period), regions by procedures."""

    regions: tuple[str, ...]
    procedures: tuple[str, ...]  # the block's, in file order
    operations: np.ndarray  # (R, P) float64: operations in the period (NaN: no data)
    history: np.ndarray  # (Y, R, P) float64: operations in each baseline year's same months
    population: np.ndarray  # (R,) int64
    cap_key: np.ndarray  # (R,) float64: each region's number in the cap key
    missing: np.ndarray | None = None  # (C, R) bool: the region has no data for the period (every cell alike)


def period_cell(block: PricePerOperation):
    """The block's one cell: reported under its last month, with no group (the procedures are its steps)."""
    return (block.period_month, None)


def needed_rows(block: PricePerOperation) -> list[Need]:
    """Every row the block reads: its months and, above a baseline, the same months of each earlier year."""
    cell = period_cell(block)
    needs = [Need(m, p, said_cell(m, p), ("operations",), cell) for m in block.months for p in block.procedure_names]
    if block.counting == "above_baseline":
        needs += [
            Need(m, p, word(WORDS, "baseline_need", spoken(), cell=said_cell(m, p), year=year), ("operations",), cell)
            for year in block.baseline_years
            for m in block.baseline_months(year)
            for p in block.procedure_names
        ]
    return needs


def cap_key(block: PricePerOperation, regions, population: np.ndarray) -> np.ndarray:
    """Each region's number in the block's cap key: the rule file's table, its population, 1, or 0 (no cap)."""
    key = block.cap.key
    if key == "table":
        return np.array([block.cap.table[r] for r in regions], dtype=np.float64)
    if key == "population":
        return population.astype(np.float64)
    return np.ones(len(regions)) if key == "equal" else np.zeros(len(regions))


def price_input(panel, block: PricePerOperation, population: Population, allow_missing: bool = False) -> PriceInput:
    """Arrays for one block; raises an :class:`InputError` listing every gap (with ``allow_missing`` only
    the gaps other than missing rows: a region without its rows is NaN and ``missing``)."""
    hint = (
        "Add the missing rows (operations of every procedure the block pays for, in its months and the same "
        "months of each baseline year) or a population for every region."
    )
    frame = panel.frame
    problems = coverage_problems(frame, block, population, allow_missing, needed_rows(block))
    raise_problems(panel.source, panel_of_block(block), problems, hint)
    regions = tuple(sorted(set(frame["region"]) | set(population.counts.index)))
    counts = frame.set_index(["month", "group", "region"])["operations"]

    def totals(months) -> np.ndarray:
        keys = pd.MultiIndex.from_tuples([(m, p, r) for m in months for r in regions for p in block.procedure_names])
        grid = counts.reindex(keys).to_numpy(np.float64, na_value=np.nan)
        grid = grid.reshape(len(months), len(regions), len(block.procedures))
        out = grid[0].copy()
        for values in grid[1:]:  # month by month, in order: sums of whole numbers, exact
            out += values
        return out

    operations = totals(block.months)
    years = block.baseline_years if block.counting == "above_baseline" else ()
    history = np.array([totals(block.baseline_months(y)) for y in years]).reshape(
        len(years), len(regions), len(block.procedures)
    )
    missing = np.isnan(operations).any(axis=1) | np.isnan(history).any(axis=(0, 2))
    operations[missing] = np.nan
    history[:, missing] = np.nan
    return PriceInput(
        regions,
        block.procedure_names,
        operations,
        history,
        population.of(regions),
        cap_key(block, regions, population.of(regions)),
        np.repeat(missing[None], len(block.procedures) if block.pot_by == "procedure" else 1, axis=0),
    )
