"""The arrays of a population share block: every region's population (or weight) and whether it met the
block's conditions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import InputError
from ...inputs.population import Population
from .rules import PopulationShare


@dataclass(frozen=True)
class PopulationInput:
    regions: tuple[str, ...]
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing
    met: np.ndarray  # (R,) bool: met every condition
    conditions: str | None  # where the conditions came from (None: the block has none)


def population_input(block: PopulationShare, population: Population, conditions=None) -> PopulationInput:
    from .conditions import named, read_conditions, tell

    regions = tuple(population.counts.index)
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    if conditions is None:
        given = "all regions met them (no table given)" if block.conditions else None
        return PopulationInput(regions, pop, weights, np.ones(len(regions), bool), given)
    table = read_conditions(conditions, block)  # a file or a data frame, read alike
    absent = [c.name for c in block.conditions if c.name not in table.columns]
    if absent:
        names = named(c.name for c in block.conditions)
        said = {"absent": named(absent), "block": block.number, "name": block.name, "names": names}
        raise InputError(tell("refuse.table_lacks_column", **said))
    missing = [r for r in regions if r not in table.index]
    if missing:
        where = conditions if not isinstance(conditions, pd.DataFrame) else tell("refuse.the_table")
        raise InputError(tell("refuse.no_row_for", where=where, regions=", ".join(missing)))
    names = [c.name for c in block.conditions]  # this block's conditions only; a block without any: all met
    met = np.array([bool(table.loc[r, names].all()) for r in regions])
    return PopulationInput(
        regions, pop, weights, met, "(in memory)" if isinstance(conditions, pd.DataFrame) else str(conditions)
    )
