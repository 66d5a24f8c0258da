"""Several requirements with a bonus pot as a :class:`~kommiljard.kinds.base.BlockKind`.

A block's cells are (month, requirement): each requirement in each month it measures (or over its
period, reported under the last month). Steps: ``earned`` and ``bonus`` (see :mod:`.tables`).
"""

from __future__ import annotations

import numpy as np

from ...rules.requirements import RequirementsBonus
from ..base import Allocation, BlockTables, Cell
from .arrays import RequirementsInput, cell_months, coverage, requirements_input
from .tables import STEPS, cell_flows, requirements_tables
from .units import ROUTE_NAMES


def allocation_of(inp: RequirementsInput, out: dict) -> Allocation:
    """An :class:`Allocation` from the outcomes (name -> (C, R) array; ``lapsed`` (C,), ``keys`` (J, R)), the same
    for both backends."""
    earned, bonus, lapsed = out["earned"], out["bonus"], out["lapsed"]
    key = out["keys"][inp.cell_requirement]
    if inp.missing is not None:
        key = np.where(inp.missing, 0.0, key)
    flows = np.array(
        [
            cell_flows(float(p), earned[c], bonus[c], float(lapsed[c]), inp.weights, key[c])
            for c, p in enumerate(inp.pots)
        ]
    )
    return Allocation(
        amount=earned + bonus,
        tier=np.asarray(out["tier"], np.int8),
        route=np.asarray(out["route"], np.int8),
        lapsed=np.asarray(lapsed, np.float64),
        by_step=np.stack([earned, bonus], axis=-1),
        flows=flows,
        extra={"improvement": out["improvement"], "fraction": out["fraction"], "key": key},
    )


class Requirements:
    name = "requirements_bonus"
    step_word = "step"
    sweepable = False

    def route_names(self, block: RequirementsBonus) -> tuple[str, ...]:
        return ROUTE_NAMES

    def step_names(self, block: RequirementsBonus) -> tuple[str, ...]:
        return STEPS

    def coverage(self, frame, block: RequirementsBonus, population, allow_missing: bool = False):
        return coverage(frame, block, population, allow_missing)

    def arrays(
        self, panel, block: RequirementsBonus, population, conditions=None, allow_missing: bool = False
    ) -> RequirementsInput:
        return requirements_input(panel, block, population, allow_missing)

    def reference(self, block: RequirementsBonus, inp: RequirementsInput) -> Allocation:
        from .reference import allocate_requirements

        out = allocate_requirements(block, inp)

        def each(name):
            return np.array([[getattr(r, name) for r in cell.regions] for cell in out.cells])

        names = ("earned", "bonus", "tier", "route", "improvement", "fraction")
        return allocation_of(
            inp, {**{n: each(n) for n in names}, "lapsed": np.array([c.lapsed for c in out.cells]), "keys": out.keys}
        )

    def fast(self, block: RequirementsBonus, inp: RequirementsInput) -> Allocation:
        from .kernel import RequirementsParams, run_requirements

        params = RequirementsParams.from_block(block)
        res = run_requirements(
            params,
            inp.current,
            inp.previous,
            inp.level,
            cell_requirement=inp.cell_requirement,
            pots=inp.pots,
            weights=inp.weights,
            missing=inp.missing,
        )
        return allocation_of(inp, vars(res))

    def tables(
        self, block: RequirementsBonus, inp: RequirementsInput, allocation: Allocation, names: dict[str, str]
    ) -> BlockTables:
        return requirements_tables(block, inp, allocation, names)

    def cells(self, block: RequirementsBonus) -> list[Cell]:
        return [(month, req.name) for req in block.requirements for month, _ in cell_months(req)]

    def cell_of(self, block: RequirementsBonus, month: str, group: str) -> Cell | None:
        for req in block.requirements:
            if req.name == group:
                return next(((m, req.name) for m, months in cell_months(req) if month in months), None)
        return None

    def explain(self, rules, block, cell: Cell, panel, population, region: str, conditions=None, allow_missing=False):
        from .explain import explain_requirement

        return explain_requirement(rules, block, cell, panel, population, region, allow_missing=allow_missing)

    def figure(self, result, block, cell: Cell, ax=None):
        from .figure import plot_requirement_cell

        return plot_requirement_cell(result, block, cell, ax)


KIND = Requirements()
