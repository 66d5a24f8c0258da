"""The toy quota's arrays: each region's visits in each cell, checked against the panel once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommiljard.kinds.base import Need
from kommiljard.kinds.tables import panel_grid

from .rules import ToyQuota


@dataclass(frozen=True)
class ToyInput:
    regions: tuple[str, ...]
    cells: tuple[tuple[str, str], ...]
    visits: np.ndarray  # (C, R) float64, NaN: no data
    population: np.ndarray  # (R,) int64
    pots: np.ndarray  # (C,)
    missing: np.ndarray | None = None  # (C, R) bool


def needed_rows(block: ToyQuota) -> list[Need]:
    return [Need(m, g, f"{m} {g}", (block.measure,), (m, g)) for m, g in block.cells]


def toy_input(panel, block: ToyQuota, population, allow_missing: bool = False) -> ToyInput:
    covered = panel_grid(panel, block, population, allow_missing, needed_rows(block), "Add the missing rows.")
    keys = pd.MultiIndex.from_tuples([(m, g, r) for m, g in block.cells for r in covered.regions])
    visits = covered.indexed[block.measure].reindex(keys).to_numpy(np.float64, na_value=np.nan)
    visits = visits.reshape(len(block.cells), len(covered.regions))
    pots = np.full(len(block.cells), block.pot_sek())
    return ToyInput(covered.regions, block.cells, visits, covered.population, pots, np.isnan(visits))
