"""A staircase block in a sweep: batches of drawn shares allocated by the sweep kernel.

The draw (``share_90`` over the measurement and comparison months, ``share_60`` over the
measurement months where the block has a target) is the sweeps' (``logit_shares``); this module
is what the block does with it (:class:`StaircasePlan`, a :class:`~kommiljard.kinds.base.SweepPlan`):
per group the amount summed over the months, the highest tier and each month's tier
(:func:`~kommiljard.kinds.staircase.kernel.staircase_outcomes`, on slices of the drawn arrays as
they are, no copy), and with a lever the same after the region's shares moved as a what-if moves
them (:mod:`.lever`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kernel import Outcomes, StaircaseParams, SweepArgs, staircase_outcomes, sweep_args
from .lever import LEVER, caps_target, improved_share
from .rules import ImprovementStaircase


@dataclass(frozen=True)
class StaircasePlan:
    """Everything a batch of a staircase sweep needs, prepared once (see the module docstring)."""

    block: ImprovementStaircase
    params: StaircaseParams
    weights: np.ndarray  # (R,)
    pots: np.ndarray  # (C,) each cell's pot
    current: list[int]  # the drawn share_90's month index of each measurement month
    previous: list[int]  # ... and of the month it is compared with
    target: list[int]  # the drawn share_60's month index of each measurement month (the target's measure)
    lever_region: int = -1  # -1: no lever
    lever_cells: tuple[int, ...] = ()
    lever_pp: float = 0.0
    cap_target: bool = False

    @property
    def groups(self) -> tuple[str, ...]:
        return self.block.group_names

    @property
    def months(self) -> tuple[str, ...]:
        return self.block.months

    @property
    def steps(self) -> tuple[str, ...]:
        return self.block.bar_names

    @property
    def axis(self) -> str:
        return LEVER.axis

    def allocate(self, drawn, out, threads: int = 1) -> tuple[np.ndarray, ...]:
        """Per group amounts (T, G, R), highest tiers (T, G, R) and each month's tiers (T, M, G, R) of drawn shares
        without a lever (``out``: the (amount, tier, month_tier) arrays to fill, or None)."""
        share, level = self._drawn(drawn)
        current, previous = (share, np.array(self.current)), (share, np.array(self.previous))
        target = (level, np.array(self.target)) if self.target else None
        return self._allocate(current, previous, target, out, threads)

    def fused(self, measures: tuple[str, ...]) -> SweepArgs | None:
        """The plan as the drawing kernel allocates each trajectory (:mod:`kommiljard.kinds.trajectory`; the kernel
        overloads are in :mod:`.kernel`), for a draw whose measures are ``measures`` in that order; None with a
        lever (a lever moves the drawn shares: batches)."""
        if self.lever_region >= 0:
            return None
        target = self.block.target
        which = (measures.index(self.block.measure), measures.index(target.measure) if target else 0)
        months = (self.current, self.previous, self.target)
        return sweep_args(self.params, months, self.weights, self.pots, which)

    def _drawn(self, drawn) -> tuple[np.ndarray, np.ndarray | None]:
        """The drawn measure and the target's (T, months, G, R)."""
        target = self.block.target
        return drawn[self.block.measure], (drawn[target.measure] if target is not None else None)

    def _allocate(self, current, previous, target, out, threads: int = 1) -> tuple[np.ndarray, ...]:
        res = staircase_outcomes(
            self.params,
            current,
            previous,
            target,
            self.weights,
            self.pots,
            len(self.block.group_names),
            threads,
            Outcomes(*out) if out is not None else None,
            months=True,
        )
        return res.amount, res.tier, res.month_tier

    def outcomes(self, drawn, out) -> None:
        """Fill ``out`` (amount, tier, month_tier; with a lever also baseline_amount, baseline_tier and
        baseline_month_tier, the same without it) for drawn shares (T, months, G, R)."""
        if self.lever_region < 0:
            self.allocate(drawn, (out["amount"], out["tier"], out["month_tier"]))
            return
        self.allocate(drawn, (out["baseline_amount"], out["baseline_tier"], out["baseline_month_tier"]))
        share_90, share_60 = self._drawn(drawn)
        months = np.arange(len(self.block.months))
        r, cells = self.lever_region, list(self.lever_cells)
        shape = (len(share_90), len(months), -1, share_90.shape[-1])  # (T, M, G, R)
        flat = _cells(share_90, np.array(self.current))
        flat[:, cells, r] = improved_share(flat[:, cells, r], self.lever_pp)
        target = (share_60, np.array(self.target)) if self.target else None
        if self.cap_target:
            flat_target = _cells(*target)
            flat_target[:, cells, r] = np.minimum(flat_target[:, cells, r], flat[:, cells, r])
            target = (flat_target.reshape(shape), months)
        previous = (share_90, np.array(self.previous))
        self._allocate((flat.reshape(shape), months), previous, target, (out["amount"], out["tier"], out["month_tier"]))

    def lever_values(self, drawn, out: np.ndarray) -> None:
        """Each region's improvement (T, R) in pp, averaged over the block's cells in a fixed order (the same bits
        whatever the batch): a variant sweep's x for kronor per pp."""
        share = drawn[self.block.measure]
        change = share[:, self.current] - share[:, self.previous]  # (T, M, G, R), pp
        np.copyto(out, change[:, 0, 0])
        for m in range(change.shape[1]):
            for g in range(change.shape[2]):
                if m or g:
                    out += change[:, m, g]
        out /= change.shape[1] * change.shape[2]


def _cells(source: np.ndarray, months) -> np.ndarray:
    """(T, M * G, R): the block's months of a (T, X, G, R) source, month-major."""
    return np.ascontiguousarray(source[:, months]).reshape(len(source), -1, source.shape[-1])


def sweep_plan(block: ImprovementStaircase, layout, population, lever=None) -> StaircasePlan:
    """The block's plan on a draw whose ``layout`` gives each measure's months (``months_of``) and the regions;
    ``lever``: (region index, lever cell indices, pp, chosen rows) or None."""
    from ...inputs.panel import shift_month

    regions = layout.regions
    weights = population.of(regions).astype(np.float64) if block.sharing == "population" else np.ones(len(regions))
    months_90 = list(layout.months_of(block.measure))
    months_60 = list(layout.months_of(block.target.measure)) if block.target else []
    region, cells, pp = lever[:3] if lever is not None else (-1, (), 0.0)
    return StaircasePlan(
        block,
        StaircaseParams.from_block(block),
        weights,
        np.array([block.pot_sek(g) for _ in block.months for g in block.group_names], dtype=np.float64),
        [months_90.index(m) for m in block.months],
        [months_90.index(shift_month(m, -block.compare_lag_months)) for m in block.months],
        [months_60.index(m) for m in block.months] if block.target else [],
        region,
        tuple(cells),
        float(pp),
        caps_target(block),
    )
