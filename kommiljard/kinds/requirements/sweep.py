"""A block of requirements in a sweep: batches of drawn figures allocated by the sweep kernel.

The draw is the sweeps' ``logit_drift`` (each measure around the observed figures a year earlier); this
module is what the block does with it (:class:`RequirementsPlan`, a :class:`~kommiljard.kinds.base.SweepPlan`):
the drawn figures read into the cells' (T, C, R) arrays as a payout reads a panel, allocated by
:func:`~.kernel.requirements_outcomes` — per requirement each region's money (earned and bonus) and the
highest step it reached, and the step of every month — and with a lever the same after the region's
figures moved as a what-if moves them (:mod:`.lever`). The outcome's *groups* are the requirements, its
*months* the months they measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...inputs.panel import shift_month
from .arrays import cell_months
from .declarations import LEVER
from .kernel import RequirementsParams, requirements_outcomes
from .lever import better_sign, lever_measure, moved
from .rules import RequirementsBonus

Source = tuple[str, np.ndarray, int]  # (measure, months' indexes into its drawn array, group index)


@dataclass(frozen=True)
class RequirementsPlan:
    """Everything a batch of a sweep of one block needs, prepared once (see the module docstring)."""

    block: RequirementsBonus
    params: RequirementsParams
    weights: np.ndarray  # (R,)
    pots: np.ndarray  # (C,)
    cell_requirement: np.ndarray  # (C,)
    current: tuple  # per cell: a Source of its figure this year (None: no improvement route)
    previous: tuple  # ... a year earlier
    level: tuple  # ... of its level (None: no fulfilment route)
    cell_month: np.ndarray  # (C,) index into ``months`` of the month each cell is reported under
    lever: tuple = (-1, (), 0.0)  # (region, lever cells, pp)

    @property
    def groups(self) -> tuple[str, ...]:
        return self.block.requirement_names

    @property
    def months(self) -> tuple[str, ...]:
        return self.block.months

    @property
    def steps(self) -> tuple[str, ...]:
        deepest = max((len(r.improvement.steps) if r.improvement else 1) for r in self.block.requirements)
        return tuple(f"step{k + 1}" for k in range(deepest))

    @property
    def axis(self) -> str:
        return LEVER.axis

    def figures(self, drawn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(current, previous, level) (T, C, R) of drawn measures (name -> (T, months, groups, R)): the cells of one
        month gathered at once per measure, a period's cells as the mean over its months."""
        n, n_regions = len(next(iter(drawn.values()))), len(self.weights)
        out = tuple(np.full((n, len(self.pots), n_regions), np.nan) for _ in range(3))
        for array, sources in zip(out, (self.current, self.previous, self.level)):
            single: dict[str, list[tuple[int, int, int]]] = {}
            for c, source in enumerate(sources):
                if source is None:
                    continue
                measure, months, g = source
                if len(months) == 1:
                    single.setdefault(measure, []).append((c, int(months[0]), g))
                else:
                    array[:, c] = drawn[measure][:, months, g].mean(axis=1)
            for measure, picks in single.items():
                cells, months, groups = (np.array(x) for x in zip(*picks))
                array[:, cells] = drawn[measure][:, months, groups]
        return out

    def allocate(self, drawn, out, threads: int = 1) -> tuple[np.ndarray, ...]:
        return self._allocate(self.figures(drawn), out, threads)

    def _allocate(self, figures, out, threads: int = 1) -> tuple[np.ndarray, ...]:
        res = requirements_outcomes(
            self.params,
            *figures,
            threads=threads,
            cell_requirement=self.cell_requirement,
            pots=self.pots,
            weights=self.weights,
        )
        n = len(res.amount)
        highest = np.zeros((n, len(self.groups), len(self.weights)), np.int8)
        per_month = np.zeros((n, len(self.months), len(self.groups), len(self.weights)), np.int8)
        for c, j in enumerate(self.cell_requirement):
            np.maximum(highest[:, j], res.tier[:, c], out=highest[:, j])
            per_month[:, self.cell_month[c], j] = res.tier[:, c]
        if out is None:
            return res.amount, highest, per_month
        for target, values in zip(out, (res.amount, highest, per_month)):
            np.copyto(target, values)
        return tuple(out)

    def outcomes(self, drawn, out) -> None:
        region, cells, pp = self.lever
        if region < 0:
            self.allocate(drawn, (out["amount"], out["tier"], out["month_tier"]))
            return
        current, previous, level = self.figures(drawn)
        self._allocate(
            (current, previous, level), (out["baseline_amount"], out["baseline_tier"], out["baseline_month_tier"])
        )
        for c in cells:
            req = self.block.requirements[int(self.cell_requirement[c])]
            lo, hi = self.block.measure(lever_measure(req)).range
            if req.improvement is not None:
                current[:, c, region] = moved(current[:, c, region], pp, better_sign(req), lo, hi)
            if req.fulfilment is not None and req.level_measure == lever_measure(req):
                level[:, c, region] = moved(level[:, c, region], pp, better_sign(req), lo, hi)
        self._allocate((current, previous, level), (out["amount"], out["tier"], out["month_tier"]))

    def lever_values(self, drawn, out: np.ndarray) -> None:
        """Each region's improvement (T, R) in pp in the better direction, averaged over the cells with an
        improvement route in a fixed order: a variant sweep's x."""
        current, previous, _ = self.figures(drawn)
        signs = np.array([better_sign(self.block.requirements[int(j)]) for j in self.cell_requirement])
        change = (current - previous) * signs[None, :, None]
        counted = [c for c in range(len(self.pots)) if np.isfinite(change[:, c]).all()]
        out[:] = 0.0
        for c in counted:
            out += change[:, c]
        out /= max(1, len(counted))


def sweep_plan(block: RequirementsBonus, layout, population, lever=None) -> RequirementsPlan:
    """The block's plan on a draw whose ``layout`` gives the regions, groups and each measure's months."""
    regions = layout.regions
    weights = population.of(regions).astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    sources: tuple[list, list, list] = ([], [], [])
    pots, index, reported = [], [], []
    for j, req in enumerate(block.requirements):
        g = layout.groups.index(req.group)
        for month, months in cell_months(req):
            pots.append(block.cell_pot_sek(req))
            index.append(j)
            reported.append(block.months.index(month))
            imp = req.improvement
            before = [shift_month(m, -imp.compare_lag_months) for m in months] if imp else []
            sources[0].append(_source(layout, req.measure, months, g) if imp else None)
            sources[1].append(_source(layout, req.measure, before, g) if imp else None)
            sources[2].append(_source(layout, req.level_measure, months, g) if req.fulfilment else None)
    region, cells, pp = lever[:3] if lever is not None else (-1, (), 0.0)
    return RequirementsPlan(
        block,
        RequirementsParams.from_block(block),
        weights,
        np.array(pots, dtype=np.float64),
        np.array(index, dtype=np.int64),
        tuple(sources[0]),
        tuple(sources[1]),
        tuple(sources[2]),
        np.array(reported, dtype=np.int64),
        (region, tuple(cells), float(pp)),
    )


def _source(layout, measure: str, months, group: int) -> tuple:
    drawn = layout.months_of(measure)
    return measure, np.array([drawn.index(m) for m in months]), group
