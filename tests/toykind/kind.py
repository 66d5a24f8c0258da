"""The toy quota as a :class:`kommiljard.kinds.base.BlockKind`: its declarations and what every command asks."""

from __future__ import annotations

import numpy as np

from kommiljard.inputs.measures import Measure
from kommiljard.kinds.base import Column, Draw, kind_word
from kommiljard.kinds.steps import BASE, COUNT, FLOWS, LAPSED, POT, WEIGHT

from .lever import LEVER
from .reference import ROUTES
from .rules import ToyQuota
from .words import WORDS

TOY_VISITS = Measure(
    "toy_visits",
    "count",
    0,
    1_000_000,
    ("visits to the toy clinics", "besök på leksaksklinikerna"),
    whole=True,
    export_names=("Antal leksaksbesök",),
)


class ToyQuotaKind:
    name = "toy_quota"
    model = ToyQuota
    measures = (TOY_VISITS,)
    columns = (
        Column("visits", ("the region's visits in the month and clinic", "regionens besök"), "count"),
        Column(
            "quota_met",
            ("whether the visits reached the threshold", "om besöken nådde tröskeln"),
            empty=None,
            after_money=True,
        ),
    )
    words = WORDS
    step_word = "quota"
    levers = (LEVER,)

    def route_names(self, block):
        return ROUTES

    def step_names(self, block):
        return ("quota",)

    def cells(self, block):
        return list(block.cells)

    def cell_of(self, block, month, group):
        return (month, group) if (month, group) in block.cells else None

    def needs(self, block):
        from .arrays import needed_rows

        return needed_rows(block)

    def coverage(self, frame, block, population, *, allow_missing=False):
        from kommiljard.kinds.tables import coverage_problems

        return coverage_problems(frame, block, population, allow_missing, self.needs(block))

    def arrays(self, panel, block, population, *, conditions=None, allow_missing=False):
        from .arrays import toy_input

        return toy_input(panel, block, population, allow_missing)

    def reference(self, block, inp):
        from .reference import allocate_cell

        cells = [
            allocate_cell(float(inp.pots[c]), inp.visits[c].tolist(), block.threshold) for c in range(len(inp.cells))
        ]
        amount = np.array([a for a, _, _ in cells])
        tier = np.array([t for _, t, _ in cells], dtype=np.int8)
        return self._allocation(inp, amount, tier, np.array([lapsed for *_, lapsed in cells]))

    def fast(self, block, inp):
        from .kernel import allocate

        amount, tier, lapsed = allocate(inp.pots, inp.visits, block.threshold)
        return self._allocation(inp, amount, tier, lapsed)

    def _allocation(self, inp, amount, tier, lapsed):
        from kommiljard.kinds.tables import Allocation

        flows = np.zeros((len(inp.cells), len(FLOWS), 1))
        flows[:, BASE, 0] = inp.pots
        flows[:, POT, 0] = inp.pots - lapsed
        flows[:, LAPSED, 0] = lapsed
        flows[:, WEIGHT, 0] = np.where(tier == 1, inp.visits, 0.0).sum(axis=1)
        flows[:, COUNT, 0] = tier.sum(axis=1)
        return Allocation(amount, tier, tier.copy(), lapsed, amount[..., None], flows)

    def tables(self, block, inp, allocation, names):
        from kommiljard.kinds.tables import block_tables

        columns = {"visits": inp.visits, "quota_met": allocation.tier.astype(bool)}
        return block_tables(
            block,
            ROUTES,
            inp.cells,
            inp.regions,
            names,
            inp.population,
            pots=inp.pots,
            allocation=allocation,
            step_names=("quota",),
            missing=inp.missing,
            columns=columns,
        )

    def explain(self, rules, block, cell, *, panel, population, region, conditions=None, allow_missing=False):
        from .explain import explain_cell

        return explain_cell(block, cell, panel, population, region, allow_missing)

    def figure(self, result, block, cell, ax=None, lang="en"):
        from .figure import plot_cell

        return plot_cell(result, block, cell, ax, lang)

    def parameter_text(self, key, value, block, say):
        if key == "threshold":
            return f"{say.word('at_least')} {value} {kind_word(self, 'quota', say.lang)}"
        return None

    def lever(self, block):
        from .lever import VisitsLever

        return VisitsLever(block)

    def draw(self, block):
        return Draw(
            "toy_poisson",
            {"toy_visits": block.months},
            block.groups,
            block.months,
            {"months": block.months, "groups": block.groups},
        )

    def sweep_plan(self, block, layout, population, lever=None):
        from .draw import ToyPlan

        return ToyPlan(block, np.full(len(block.cells), block.pot_sek()), lever)

    def page_cell(self, block, cell, lang):
        return {
            "group": cell[1].replace("_", " "),
            "measure": block.measure,
            "steps": [kind_word(self, "quota", lang)],
            "tiers": [kind_word(self, "none", lang), kind_word(self, "quota", lang)],
            "routes": [kind_word(self, "not_met", lang), kind_word(self, "met", lang)],
            "colours": ["#bbbbbb", "#1f77b4"],
        }


KIND = ToyQuotaKind()


def register() -> None:
    """Register the toy kind and its draw model (idempotent)."""
    import kommiljard.kinds
    from kommiljard.sweeps.draws import register_draw

    from .draw import ToyPoisson

    kommiljard.kinds.register(KIND, replace=True)
    register_draw("toy_poisson", ToyPoisson(), replace=True)
