"""Several requirements with a bonus pot as a :class:`~kommiljard.kinds.base.BlockKind`.

A block's cells are (month, requirement): each requirement in each month it measures (or over its
period, reported under the last month); a cell's ``group`` in outputs is the requirement's name.
Steps: ``earned`` and ``bonus`` (see :mod:`.tables`). Its measures are the ones its rule file's
requirements read (each declared there with its unit; those of the bundled files are in the panel's
catalogue below); its lever is points of a requirement's measure in the better direction
(:mod:`.lever`).
"""

from __future__ import annotations

import numpy as np

from ...money import format_number
from ..base import Cell, kind_word
from .declarations import COLUMNS, LEVER
from .measures import MEASURES
from .rules import RequirementsBonus
from .units import ROUTE_NAMES, STEPS
from .words import WORDS


def allocation_of(inp, out: dict):
    """An :class:`~kommiljard.kinds.tables.Allocation` from the outcomes (name -> (C, R) array; ``lapsed`` (C,),
    ``keys`` (J, R)) of a block's arrays (:class:`~.arrays.RequirementsInput`), the same for both backends."""
    from ..tables import Allocation
    from .tables import cell_flows

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
    model = RequirementsBonus
    measures = MEASURES
    columns = COLUMNS
    words = WORDS
    step_word = "step"
    levers = (LEVER,)

    def route_names(self, block: RequirementsBonus) -> tuple[str, ...]:
        return ROUTE_NAMES

    def step_names(self, block: RequirementsBonus) -> tuple[str, ...]:
        return STEPS

    def cells(self, block: RequirementsBonus) -> list[Cell]:
        from .arrays import cell_months

        return [(month, req.name) for req in block.requirements for month, _ in cell_months(req)]

    def cell_of(self, block: RequirementsBonus, month: str, group: str) -> Cell | None:
        from .arrays import cell_months

        for req in block.requirements:
            if req.name == group:
                return next(((m, req.name) for m, months in cell_months(req) if month in months), None)
        return None

    def needs(self, block: RequirementsBonus):
        from ..base import Need
        from ..naming import said_cell
        from .arrays import cell_months, cell_needs, tell

        out = []
        for req in block.requirements:
            for month, months in cell_months(req):
                by_row: dict[tuple[str, str], list[str]] = {}
                for m, g, column in cell_needs(req, months):
                    by_row.setdefault((m, g), []).append(column)
                out += [
                    Need(
                        m,
                        g,
                        tell("refuse.need", cell=said_cell(m, g), requirement=req.name),
                        tuple(cols),
                        (month, req.name),
                    )
                    for (m, g), cols in by_row.items()
                ]
        return out

    def coverage(self, frame, block: RequirementsBonus, population, *, allow_missing: bool = False):
        from .arrays import coverage

        return coverage(frame, block, population, allow_missing)

    def arrays(self, panel, block: RequirementsBonus, population, *, conditions=None, allow_missing: bool = False):
        from .arrays import requirements_input

        return requirements_input(panel, block, population, allow_missing)

    def reference(self, block: RequirementsBonus, inp):
        from .reference import allocate_requirements

        out = allocate_requirements(block, inp)

        def each(name):
            return np.array([[getattr(r, name) for r in cell.regions] for cell in out.cells])

        names = ("earned", "bonus", "tier", "route", "improvement", "fraction")
        return allocation_of(
            inp, {**{n: each(n) for n in names}, "lapsed": np.array([c.lapsed for c in out.cells]), "keys": out.keys}
        )

    def fast(self, block: RequirementsBonus, inp):
        from .kernel import RequirementsParams, run_requirements

        res = run_requirements(
            RequirementsParams.from_block(block),
            inp.current,
            inp.previous,
            inp.level,
            cell_requirement=inp.cell_requirement,
            pots=inp.pots,
            weights=inp.weights,
            missing=inp.missing,
        )
        return allocation_of(inp, vars(res))

    def tables(self, block: RequirementsBonus, inp, allocation, names: dict[str, str]):
        from .tables import requirements_tables

        return requirements_tables(block, inp, allocation, names)

    def explain(
        self, rules, block, cell: Cell, *, panel, population, region: str, conditions=None, allow_missing=False
    ):
        from .explain import explain_requirement

        return explain_requirement(rules, block, cell, panel, population, region, allow_missing=allow_missing)

    def figure(self, result, block, cell: Cell, ax=None, lang: str = "en"):
        from .figure import plot_requirement, plot_requirement_cell

        if cell[0] is None:  # a requirement over all its months (the report's picture of it)
            return plot_requirement(result, block, cell[1], ax, lang)
        return plot_requirement_cell(result, block, cell, ax, lang)

    def report_cells(self, block: RequirementsBonus) -> list[Cell]:
        """The report draws each requirement over all its months (ninety monthly pictures would say less)."""
        return [(None, req.name) for req in block.requirements]

    def report_tables(self, result, block: RequirementsBonus, lang: str) -> list[tuple[str, object, list[str]]]:
        from .summary import report_tables

        return report_tables(result, block, lang)

    def parameter_text(self, key: str, value, block: RequirementsBonus, say) -> str | None:
        from .describe import parameter_text

        return parameter_text(key, value, block, say)

    def lever(self, block: RequirementsBonus):
        from .lever import RequirementLever

        return RequirementLever(block)

    def draw(self, block: RequirementsBonus):
        """Each measure around the observed figures a year earlier (``logit_drift``): the months it is read in."""
        from ..base import Draw
        from .arrays import all_needs

        reads = sorted({(column, m, g) for m, g, column in all_needs(block)})
        months = {column: tuple(sorted({m for c, m, _ in reads if c == column})) for column, _, _ in reads}
        return Draw(
            "logit_drift",
            months,
            block.group_names,
            block.months,
            {"reads": tuple(reads), "requirements": block.requirement_names},
        )

    def sweep_plan(self, block: RequirementsBonus, layout, population, lever=None):
        from .sweep import sweep_plan

        return sweep_plan(block, layout, population, lever)

    def page_cell(self, block: RequirementsBonus, cell: Cell, lang: str) -> dict:
        from ..explaining import sign
        from ..look import NONE_COLOUR
        from ..naming import group_name, measure_name
        from .explain import requirement_name

        month, name = cell
        req = next(r for r in block.requirements if r.name == name)
        steps = [s.name for s in req.improvement.steps] if req.improvement is not None else []
        unit = " p.e." if lang == "sv" else " pp"  # the page's short unit
        bounds = [  # each step by its bound, as people read it: > 0 pp, ≥ 1 pp
            f"{sign(s.inclusive)} {format_number(s.min_improvement, None, lang=lang)}{unit}"
            for s in (req.improvement.steps if req.improvement is not None else [])
        ]
        named = requirement_name(req, lang)
        return {
            "group": named if named != req.name else group_name(name, lang),
            "measure": measure_name(req.measure, lang),
            "steps": steps,
            "tiers": [kind_word(self, "tier_none", lang), *(bounds or [kind_word(self, "route_fulfilment", lang)])],
            "routes": [kind_word(self, f"route_{r}", lang) for r in ROUTE_NAMES],
            "colours": [NONE_COLOUR, *(["#2f6db5"] * max(1, len(steps)))],
        }


KIND = Requirements()
