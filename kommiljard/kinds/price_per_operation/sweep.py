"""A price block in a sweep: batches of drawn operations allocated by the kernel (:func:`.kernel.run_price`).

The draw (the sweeps' ``counts`` model) gives each region's total operations per procedure over the block's
months, (T, 1, P, R); the baseline years are observed, the same in every trajectory (the layout's
``history``). The outcome's groups are the block's cells: its one pot (``all``), or each procedure's pot;
its one month is the period's last. A region's tier is 1 where it was paid for its own operations. A lever
adds operations to the region's counts of the chosen cells' procedures in every trajectory (never below 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kernel import PriceParams, run_price
from .lever import LEVER
from .rules import PricePerOperation


@dataclass(frozen=True)
class PricePlan:
    """Everything a batch of a price sweep needs, prepared once."""

    block: PricePerOperation
    params: PriceParams
    history: np.ndarray  # (Y, R, P) the baseline years, as the kernel takes them
    population: np.ndarray  # (R,)
    cap_key: np.ndarray  # (R,)
    pots: np.ndarray  # (C,) each cell's pot
    lever_region: int = -1  # -1: no lever
    lever_procedures: tuple[int, ...] = ()
    lever_change: float = 0.0

    @property
    def groups(self) -> tuple[str, ...]:
        return self.block.procedure_names if self.block.pot_by == "procedure" else ("all",)

    @property
    def months(self) -> tuple[str, ...]:
        return (self.block.period_month,)

    @property
    def steps(self) -> tuple[str, ...]:
        return ("operations",)

    @property
    def axis(self) -> str:
        return LEVER.axis

    def _operations(self, drawn) -> np.ndarray:
        """(T, R, P) the drawn totals, as the kernel takes them."""
        return np.ascontiguousarray(drawn["operations"][:, 0].transpose(0, 2, 1))

    def _allocate(self, ops: np.ndarray, out, threads: int = 1) -> tuple[np.ndarray, ...]:
        by_pot = self.block.pot_by == "procedure"
        res = run_price(self.params, ops, self.history, self.population, self.cap_key, threads=threads, detail=by_pot)
        n, n_regions = res.amount.shape
        amount = (res.pot_paid + res.pot_top) if by_pot else res.amount[:, None]  # (T, G, R)
        paid = res.pot_paid if by_pot else res.paid[:, None]
        if out is None:
            out = (
                np.empty(amount.shape),
                np.empty(amount.shape, np.int8),
                np.empty((n, 1, *amount.shape[1:]), np.int8),
            )
        out[0][...] = amount
        out[1][...] = paid > 0
        out[2][:, 0] = out[1]
        return out

    def allocate(self, drawn, out=None, threads: int = 1) -> tuple[np.ndarray, ...]:
        """(amount (T, G, R), tier (T, G, R), month_tier (T, 1, G, R)) of drawn operations without a lever."""
        return self._allocate(self._operations(drawn), out, threads)

    def outcomes(self, drawn, out) -> None:
        """Fill ``out``'s outcomes (and, with a lever, the baseline's without it) for drawn operations."""
        ops = self._operations(drawn)
        if self.lever_region < 0:
            self._allocate(ops, (out["amount"], out["tier"], out["month_tier"]))
            return
        self._allocate(ops, (out["baseline_amount"], out["baseline_tier"], out["baseline_month_tier"]))
        chosen = list(self.lever_procedures)
        ops[:, self.lever_region, chosen] = np.maximum(ops[:, self.lever_region, chosen] + self.lever_change, 0.0)
        self._allocate(ops, (out["amount"], out["tier"], out["month_tier"]))

    def lever_values(self, drawn, out) -> None:
        """Each region's operations in the period, all procedures (a variant sweep's x)."""
        out[...] = drawn["operations"][:, 0].sum(axis=1)


def sweep_plan(block: PricePerOperation, layout, population, lever=None) -> PricePlan:
    """The block's plan on a ``counts`` draw (``layout``: its prepared model); ``lever``: (region index, lever cell
    indices, operations) or None."""
    from .arrays import cap_key

    regions = layout.regions
    pop = population.of(regions)
    region, _, change, rows = lever if lever is not None else (-1, (), 0.0, ())
    moved = {g for _, g in rows}
    procedures = tuple(i for i, p in enumerate(block.procedure_names) if p in moved)
    return PricePlan(
        block,
        PriceParams.from_block(block),
        np.ascontiguousarray(layout.history),
        pop.astype(np.float64),
        cap_key(block, regions, pop),
        np.array(block.pot_sek(), dtype=np.float64),
        region,
        procedures if region >= 0 else (),
        float(round(change)),
    )
