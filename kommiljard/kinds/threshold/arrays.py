"""From a validated panel to the arrays of one absolute-threshold block.

A period's figure comes from the panel's monthly rows by the rule file's ``aggregate``:
``last`` takes the row of the period's last month (a panel that carries the published
figure for the whole period puts it there), ``mean`` averages the period's months and
``min`` takes the lowest (a threshold met by the minimum is met in every month). The gate
has its own ``aggregate``. Missing rows are errors, never silent zeros; only when asked
(``allow_missing``) a region without the rows of a cell is computed as not qualifying in that
cell, and marked as having no data there (``ThresholdInput.missing``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...inputs.panel import Panel
from ...inputs.population import Population
from ..base import Need
from ..naming import said_cell
from ..tables import panel_grid
from .rules import AbsoluteThreshold, Period


@dataclass(frozen=True)
class ThresholdInput:
    """Arrays for one threshold block: cells are (period, group), period-major."""

    regions: tuple[str, ...]
    cells: tuple[tuple[str, str], ...]
    months: tuple[str, ...]  # (C,) the month a cell is reported under: its period's last month
    cell_period: np.ndarray  # (C,) int64, index of the cell's period
    value: np.ndarray  # (C, R) the measure, aggregated over the period
    gate: np.ndarray  # (C, R) the gate's measure, aggregated (NaN: no gate)
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing
    pots: np.ndarray  # (C, K) float64, per level, lowest first
    missing: np.ndarray | None = None  # (C, R) bool: the region has no data for the cell (then NaN above)


def months_needed(period: Period, aggregate: str) -> tuple[str, ...]:
    """The panel months a period's figure is taken from."""
    return period.months[-1:] if aggregate == "last" else period.months


def needed_rows(block: AbsoluteThreshold) -> list[Need]:
    """Every row the block reads: the months each period's figures (and its gate's) are taken from."""
    reads = [(block.measure, block.aggregate)] + ([(block.gate.measure, block.gate.aggregate)] if block.gate else [])
    needs = []
    for p in block.periods:
        for m in sorted({m for _, a in reads for m in months_needed(p, a)}):
            measures = tuple(dict.fromkeys(c for c, a in reads if m in months_needed(p, a)))
            needs += [Need(m, g, said_cell(m, g), measures, (p.months[-1], g)) for g in block.group_names]
    return needs


def _aggregate(indexed: pd.DataFrame, column: str, aggregate: str, block: AbsoluteThreshold, regions) -> np.ndarray:
    """(C, R): the column's figure per (period, group) cell and region."""
    out = np.empty((len(block.periods) * len(block.groups), len(regions)))
    c = 0
    for period in block.periods:
        months = months_needed(period, aggregate)
        for group in block.group_names:
            keys = pd.MultiIndex.from_tuples([(m, group, r) for m in months for r in regions])
            grid = indexed[column].reindex(keys).to_numpy(np.float64).reshape(len(months), len(regions))
            out[c] = grid.min(axis=0) if aggregate == "min" else grid.mean(axis=0)
            c += 1
    return out


def threshold_input(
    panel: Panel, block: AbsoluteThreshold, population: Population, allow_missing: bool = False
) -> ThresholdInput:
    """Arrays for one block; raises an :class:`InputError` listing every gap (with ``allow_missing``
    only the gaps other than missing rows: a region's cell without its rows is NaN and ``missing``)."""
    hint = (
        "Add the missing rows (with aggregate 'last' only a period's last month is needed) or a population for "
        "every region."
    )
    covered = panel_grid(panel, block, population, allow_missing, needed_rows(block), hint)
    regions, indexed = covered.regions, covered.indexed
    cells = tuple((p.name, g) for p in block.periods for g in block.group_names)
    periods = [p for p in block.periods for _ in block.groups]
    value = _aggregate(indexed, block.measure, block.aggregate, block, regions)
    gate = (
        _aggregate(indexed, block.gate.measure, block.gate.aggregate, block, regions)
        if block.gate
        else np.full_like(value, np.nan)
    )
    # a cell without all its rows (for the gate "all_groups": in any group of the period) qualifies by no
    # route: every input NaN
    missing = np.isnan(value) | np.isnan(gate) if block.gate else np.isnan(value)
    if block.gate and block.gate.scope == "all_groups":
        per_period = np.isnan(gate).reshape(len(block.periods), len(block.groups), len(regions)).any(axis=1)
        missing |= np.repeat(per_period, len(block.groups), axis=0)
    value[missing] = np.nan
    gate[missing] = np.nan
    pots = np.array(
        [[block.pot_sek(lv, p, g) for lv in block.levels] for p, (_, g) in zip(periods, cells)], dtype=np.float64
    )
    cell_period = np.array([block.periods.index(p) for p in periods], dtype=np.int64)
    return ThresholdInput(
        regions,
        cells,
        tuple(p.months[-1] for p in periods),
        cell_period,
        value,
        gate,
        covered.population,
        covered.weights,
        pots,
        missing,
    )
