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

from ...inputs.panel import MEASURES, Panel
from ...inputs.population import Population
from ...inputs.tables import Problem, raise_problems
from ...rules import AbsoluteThreshold
from ...rules.threshold import Period
from ..base import missing_rows_problems


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


def coverage_problems(
    frame: pd.DataFrame, block: AbsoluteThreshold, population: Population | None, allow_missing: bool = False
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
    aggregates = [block.aggregate] + ([block.gate.aggregate] if block.gate else [])
    needed = [
        (m, g)
        for p in block.periods
        for m in sorted({m for a in aggregates for m in months_needed(p, a)})
        for g in block.group_names
    ]
    present = set(zip(frame["region"], frame["month"], frame["group"]))
    in_panel = set(frame["region"])
    gaps = {}
    for region in sorted(in_panel | set(population.counts.index if population is not None else ())):
        missing = [f"{m} {g}" for m, g in needed if (region, m, g) not in present]
        if missing and not allow_missing:
            gaps[region] = missing
        if population is not None and region not in population.counts.index:
            problems.append(Problem(f"region {region} has no population in {population.source}"))
    return problems + missing_rows_problems(gaps, block, in_panel, population)


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
    frame = panel.frame
    raise_problems(
        panel.source,
        f"panel (for block {block.number}, {block.name})",
        coverage_problems(frame, block, population, allow_missing),
        "Add the missing rows (with aggregate 'last' only a period's last month is needed) or a population for every "
        "region.",
    )
    regions = tuple(sorted(set(frame["region"]) | set(population.counts.index)))
    indexed = frame.set_index(["month", "group", "region"])
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
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    pots = np.array(
        [[block.pot_sek(lv, p, g) for lv in block.levels] for p, (_, g) in zip(periods, cells)], dtype=np.float64
    )
    cell_period = np.array([block.periods.index(p) for p in periods], dtype=np.int64)
    return ThresholdInput(
        regions, cells, tuple(p.months[-1] for p in periods), cell_period, value, gate, pop, weights, pots, missing
    )
