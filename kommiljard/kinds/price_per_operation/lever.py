"""The price kind's lever: a region performs N more (or fewer) operations of a procedure in the block's months.

``--more 200`` adds 200 operations to the region's count of each chosen procedure over the chosen months
(all of the block's months unless some are chosen), spread over those months as evenly as whole
operations allow (the earlier months take the odd ones); a month never falls below 0 (fewer
operations than a month has are taken from it only down to 0). Only the period's total counts for the
money, so how the change is spread does not change any amount. The same change acts on the block's
arrays for payout curves and the what-if page (:meth:`OperationsLever.curves`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..base import Lever
from .rules import PricePerOperation
from .words import LEVER_WORDS

MAX_CHANGE = 1_000_000  # operations of one procedure in one period: far above any region's count
LEVER = Lever(
    option="more",
    unit="operations",
    lo=-MAX_CHANGE,
    hi=MAX_CHANGE,
    step=10.0,
    curve=(-200.0, 1000.0),
    grid=(-500.0, 2000.0),
    axis="more_operations",
    words=LEVER_WORDS,
    whole=True,
    marginal="chosen",
)


def spread(change: int, months: int) -> list[int]:
    """``change`` whole operations over ``months`` months: as evenly as possible, the earlier months first."""
    base, extra = divmod(abs(change), months)
    sign = 1 if change >= 0 else -1
    return [sign * (base + (1 if m < extra else 0)) for m in range(months)]


class OperationsLever:
    """The lever of one price block (:class:`kommiljard.kinds.base.LeverActions`)."""

    lever = LEVER
    measures = ("operations",)

    def __init__(self, block: PricePerOperation):
        self.block = block

    def rows(self) -> list[tuple[tuple[str, str | None], tuple[tuple[str, str], ...]]]:
        """The block's cells (its one pot, or each procedure's) with the rows of their procedures in its months."""
        b = self.block
        if b.pot_by == "procedure":
            return [((b.period_month, p), tuple((m, p) for m in b.months)) for p in b.procedure_names]
        return [((b.period_month, None), tuple((m, p) for m in b.months for p in b.procedure_names))]

    def move(self, frame, region: str, rows: Sequence[tuple[str, str]], change: float):
        frame = frame.copy()
        by_procedure: dict[str, list[str]] = {}
        for month, procedure in rows:
            by_procedure.setdefault(procedure, []).append(month)
        values = frame["operations"].astype("Float64")
        for procedure, months in by_procedure.items():
            for month, add in zip(sorted(months), spread(int(round(change)), len(months))):
                row = (frame["region"] == region) & (frame["month"] == month) & (frame["group"] == procedure)
                values[row] = (values[row] + add).clip(lower=0)
        frame["operations"] = values.round().astype(frame["operations"].dtype)
        return frame

    def describe(self, before, after, changed, change: float) -> tuple[dict, dict]:
        state = {
            "operations_counted_before": before["operations_counted"],
            "operations_counted_after": after["operations_counted"],
            "earned_sek_before": before["earned_sek"],
            "earned_sek_after": after["earned_sek"],
            "cap_sek": after["cap_sek"],
        }
        room = [max(c - e, 0.0) if np.isfinite(c) else np.nan for c, e in zip(after["cap_sek"], after["earned_sek"])]
        return state, {"share_of_max_pct": after["share_of_max_pct"], "room_to_cap_sek": room}

    def view(self, cells, lang: str = "en") -> tuple[dict, dict]:
        """The what-if's cells as text for the terminal, in ``lang``: the operations counted and the money earned
        before → after, the cap; how much room is left under the cap and the share of the maximum."""
        from ...money import format_number

        def pair(before, after) -> list[str]:
            return [
                f"{format_number(b, None, lang=lang)} → {format_number(a, None, lang=lang)}"
                for b, a in zip(before, after)
            ]

        state = {
            "operations_counted": pair(cells["operations_counted_before"], cells["operations_counted_after"]),
            "earned_sek": pair(cells["earned_sek_before"], cells["earned_sek_after"]),
            "cap_sek": [format_number(c, 0, lang=lang) for c in cells["cap_sek"]],
        }
        after = {
            "room_to_cap_sek": [format_number(v, 0, lang=lang) for v in cells["room_to_cap_sek"]],
            "share_of_max_pct": [format_number(v, 1, lang=lang) for v in cells["share_of_max_pct"]],
        }
        return state, after

    def curves(self, inp, region: int, grid: np.ndarray) -> dict:
        """The region's amount in each lever cell as it performs each grid value more operations there: of every
        procedure of the block's one pot, or of the cell's own procedure."""
        n = len(self.block.procedures)
        if self.block.pot_by == "block":
            amount, cells = self._run(inp, region, np.ones(n, bool), grid)[:, None], [np.ones(n, bool)]
        else:
            cells = list(np.eye(n, dtype=bool))
            amount = np.stack([self._run(inp, region, c, grid, pots=[p]) for p, c in enumerate(cells)], axis=1)
        paid = (amount > 0).astype(np.int8)
        operations = np.array([float(inp.operations[region][chosen].sum()) for chosen in cells])
        parts = np.full((len(cells), n), np.nan)  # each procedure the cell moves: a change adds to each, down to 0
        for c, chosen in enumerate(cells):
            parts[c, : chosen.sum()] = inp.operations[region][chosen]
        state = {"value": operations, **{f"part_{p}": parts[:, p] for p in range(n)}}
        return {"amount": amount, "tier": paid, "route": paid, "state": state}

    def curve(
        self, inp, region: int, cells: Sequence[int], grid: np.ndarray, rows: Sequence[tuple[str, str]] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """The region's amount in ``cells`` as it performs each grid value more operations of each chosen
        procedure (those of ``rows``; every procedure of the cells without rows)."""
        names = self.block.procedure_names
        chosen = {g for _, g in rows} if rows else set(names)
        pots = None
        if self.block.pot_by == "procedure":  # a cell is a procedure's pot: only those of ``cells``
            chosen &= {names[c] for c in cells}
            pots = list(cells)
        amount = self._run(inp, region, np.array([n in chosen for n in names]), grid, pots=pots)
        return amount, (amount > 0).astype(np.int8)

    def _run(self, inp, region: int, procedures: np.ndarray, grid: np.ndarray, pots=None) -> np.ndarray:
        """The region's amount (from the block, or the sum of ``pots``) with each grid value added to its count of
        the chosen procedures (never below 0)."""
        from .kernel import PriceParams, run_price

        ops = np.repeat(inp.operations[None], len(grid), axis=0)
        ops[:, region, procedures] = np.maximum(ops[:, region, procedures] + np.round(grid)[:, None], 0.0)
        params = PriceParams.from_block(self.block)
        res = run_price(params, ops, inp.history, inp.population, inp.cap_key, detail=pots is not None)
        if pots is None:
            return res.amount[:, region]
        amount = np.zeros(len(grid))
        for p in pots:
            amount += res.pot_paid[:, p, region] + res.pot_top[:, p, region]
        return amount
