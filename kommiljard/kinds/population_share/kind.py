"""A population share (a fixed sum by population, with conditions) as a :class:`~kommiljard.kinds.base.BlockKind`.

The block has one cell (no month, no group) and one step: the share itself. A region that
did not meet the conditions (``conditions_met`` false in the payout's rows) forfeits its share,
unless the block's ``forfeit`` is ``paid_regardless``.
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..base import Cell
from ..columns import CONDITIONS_MET, SHARE_COLUMNS
from ..steps import BASE, COUNT, FLOWS, LAPSED, POT, WEIGHT
from .rules import PopulationShare
from .words import WORDS

ROUTE_NAMES = ("none", "conditions_not_met")
STEP = "share"
CELL: Cell = (None, None)


class PopulationShareKind:
    name = "population_share"
    model = PopulationShare
    measures = ()
    columns = (*SHARE_COLUMNS, CONDITIONS_MET)
    words = WORDS
    levers = ()
    step_word = "share"

    def route_names(self, block: PopulationShare) -> tuple[str, ...]:
        return ROUTE_NAMES

    def step_names(self, block: PopulationShare) -> tuple[str, ...]:
        return (STEP,)

    def needs(self, block: PopulationShare):
        return []  # it reads no panel row

    def coverage(self, frame, block: PopulationShare, population, *, allow_missing: bool = False):
        return []  # it needs no panel rows; the population table covers every region by itself

    def arrays(self, panel, block: PopulationShare, population, *, conditions=None, allow_missing: bool = False):
        from .arrays import population_input

        return population_input(block, population, conditions)

    def reference(self, block: PopulationShare, inp):
        from ..tables import Allocation
        from .reference import allocate_population_share

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

    def fast(self, block: PopulationShare, inp):
        return self.reference(block, inp)  # 21 numbers: the reference is the fast path

    def tables(self, block: PopulationShare, inp, allocation, names: dict[str, str]):
        from ..tables import block_tables

        t = block_tables(
            block,
            ROUTE_NAMES,
            [CELL],
            inp.regions,
            names,
            inp.population,
            pots=np.array([block.total_sek]),
            allocation=allocation,
            step_names=(STEP,),
            missing=None,
            columns={"conditions_met": inp.met[None]},
        )
        # The contract's tier, route and bars are a staircase's; conditions_met says who forfeited.
        t.rows["tier"], t.rows["route"], t.rows["bars"] = 0, "none", ""
        return t

    def cells(self, block: PopulationShare) -> list[Cell]:
        return [CELL]

    def cell_of(self, block: PopulationShare, month: str, group: str) -> Cell | None:
        return None  # measures no month

    def explain(
        self, rules, block, cell: Cell, *, panel, population, region: str, conditions=None, allow_missing=False
    ):
        from .conditions import tell

        raise InputError(tell("refuse.no_explain", block=block.number, name=block.title))

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_population_share

        return plot_population_share(result, block, ax, lang=lang)

    def parameter_text(self, key: str, value, block: PopulationShare, say) -> str | None:
        from .describe import parameter_text

        return parameter_text(key, value, block, say)

    def lever(self, block: PopulationShare):
        return None  # a fixed sum by population: nothing a region does in the panel changes it

    def draw(self, block: PopulationShare):
        return None

    def sweep_plan(self, block: PopulationShare, layout, population, lever=None):
        raise NotImplementedError(f"kind {self.name!r} has no draw: a sweep cannot draw it")

    def page_cell(self, block: PopulationShare, cell: Cell, lang: str) -> dict:
        raise NotImplementedError(f"kind {self.name!r} has no lever: the what-if page does not show it")


KIND = PopulationShareKind()
