"""A population share (a fixed sum by population, with conditions) as a :class:`~kommiljard.kinds.base.BlockKind`.

The block has one cell (no month, no group) and one step: the share itself. A region that
did not meet the conditions (``conditions_met`` false in the payout's rows) forfeits its share,
unless the block's ``forfeit`` is ``paid_regardless``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import InputError
from ...inputs.population import Population
from ...rules import PopulationShare
from ..base import Allocation, BlockTables, Cell, block_tables
from ..steps import BASE, COUNT, FLOWS, LAPSED, POT, WEIGHT
from .reference import allocate_population_share

ROUTE_NAMES = ("none", "conditions_not_met")
STEP = "share"
CELL: Cell = (None, None)


@dataclass(frozen=True)
class PopulationInput:
    regions: tuple[str, ...]
    population: np.ndarray  # (R,) int64
    weights: np.ndarray  # (R,) float64: population, or 1 for equal sharing
    met: np.ndarray  # (R,) bool: met every condition
    conditions: str  # where the conditions came from


def population_input(block: PopulationShare, population: Population, conditions=None) -> PopulationInput:
    from .conditions import read_conditions

    regions = tuple(population.counts.index)
    pop = population.of(regions)
    weights = pop.astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    if conditions is None:
        return PopulationInput(
            regions, pop, weights, np.ones(len(regions), bool), "all regions met them (no table given)"
        )
    table = read_conditions(conditions, block)
    missing = [r for r in regions if r not in table.index]
    if missing:
        raise InputError(
            f"{conditions if not isinstance(conditions, pd.DataFrame) else 'the conditions table'}: "
            f"no row for region(s) {', '.join(missing)}. Add a row for every region in the population table."
        )
    names = [c.name for c in block.conditions]  # this block's conditions only; a block without any: all met
    met = np.array([bool(table.loc[r, names].all()) for r in regions])
    return PopulationInput(
        regions, pop, weights, met, "(in memory)" if isinstance(conditions, pd.DataFrame) else str(conditions)
    )


class PopulationShareKind:
    name = "population_share"
    step_word = "share"
    sweepable = False

    def route_names(self, block: PopulationShare) -> tuple[str, ...]:
        return ROUTE_NAMES

    def step_names(self, block: PopulationShare) -> tuple[str, ...]:
        return (STEP,)

    def coverage(self, frame, block: PopulationShare, population, allow_missing: bool = False):
        return []  # it needs no panel rows; the population table covers every region by itself

    def arrays(
        self, panel, block: PopulationShare, population: Population, conditions=None, allow_missing: bool = False
    ) -> PopulationInput:
        return population_input(block, population, conditions)

    def reference(self, block: PopulationShare, inp: PopulationInput) -> Allocation:
        amounts, lapsed = allocate_population_share(block, inp.weights.tolist(), inp.met.tolist())
        amount = np.array([amounts])
        paid = inp.met | (block.forfeit == "paid_regardless")  # who shares the block's money
        flows = np.zeros((1, len(FLOWS), 1))
        flows[0, BASE, 0] = block.total_sek
        flows[0, POT, 0] = float(sum(amounts))
        flows[0, LAPSED, 0] = lapsed
        flows[0, WEIGHT, 0] = float(inp.weights[paid].sum()) if block.forfeit != "lapse" else float(inp.weights.sum())
        flows[0, COUNT, 0] = float(paid.sum())
        return Allocation(
            amount=amount,
            tier=paid.astype(np.int8)[None],
            route=(~inp.met).astype(np.int8)[None],
            lapsed=np.array([lapsed]),
            by_step=amount[..., None],
            flows=flows,
        )

    def fast(self, block: PopulationShare, inp: PopulationInput) -> Allocation:
        return self.reference(block, inp)  # 21 numbers: the reference is the fast path

    def tables(
        self, block: PopulationShare, inp: PopulationInput, allocation: Allocation, names: dict[str, str]
    ) -> BlockTables:
        t = block_tables(
            block,
            ROUTE_NAMES,
            [CELL],
            inp.regions,
            names,
            inp.population,
            np.array([block.total_sek]),
            allocation,
            (STEP,),
            None,
            {
                "improvement_pp": np.nan,
                "share_current": np.nan,
                "share_previous": np.nan,
                "share_60": np.nan,
                "conditions_met": inp.met[None],
            },
        )
        # The contract's tier, route and bars are a staircase's; conditions_met says who forfeited.
        t.rows["tier"], t.rows["route"], t.rows["bars"] = 0, "none", ""
        return t

    def cells(self, block: PopulationShare) -> list[Cell]:
        return [CELL]

    def cell_of(self, block: PopulationShare, month: str, group: str) -> Cell | None:
        return None  # measures no month

    def explain(self, rules, block, cell: Cell, panel, population, region: str, conditions=None, allow_missing=False):
        raise InputError(
            f"block {block.number} ({block.name}) is shared by population: each region gets "
            "total x its population / all regions' population; `kommiljard payout` shows it."
        )

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_population_share

        return plot_population_share(result, block, ax, lang=lang)


KIND = PopulationShareKind()
