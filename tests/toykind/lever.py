"""The toy quota's lever: a region performs more visits (whole numbers; never fewer than 0)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kommiljard.kinds.base import Lever

from .kernel import allocate
from .words import LEVER_WORDS

LEVER = Lever(
    option="extra",
    unit="visits",
    lo=-1_000_000,
    hi=1_000_000,
    step=1.0,
    curve=(0.0, 20.0),
    grid=(-10.0, 10.0),
    axis="extra_visits",
    words=LEVER_WORDS,
    whole=True,
)


def more_visits(values, change: float) -> np.ndarray:
    return np.maximum(np.asarray(values, dtype=np.float64) + change, 0.0)


class VisitsLever:
    lever = LEVER

    def __init__(self, block):
        self.block = block
        self.measures = (block.measure,)

    def rows(self):
        return [(cell, (cell,)) for cell in self.block.cells]

    def move(self, frame, region: str, rows: Sequence[tuple[str, str]], change: float):
        frame = frame.copy()
        values = frame[self.block.measure].astype("float64")
        for month, group in rows:
            row = (frame["region"] == region) & (frame["month"] == month) & (frame["group"] == group)
            values[row] = more_visits(values[row], change)
        frame[self.block.measure] = values.round().astype("Int64")
        return frame

    def describe(self, before, after, changed, change: float):
        needed = [max(self.block.threshold - v, 0) if t == 0 else 0.0 for v, t in zip(after["visits"], after["tier"])]
        return {"visits_before": before["visits"], "visits_after": after["visits"]}, {"to_threshold_visits": needed}

    def view(self, cells, lang="en"):
        state = {"visits": [f"{b:g} -> {a:g}" for b, a in zip(cells["visits_before"], cells["visits_after"])]}
        return state, {"to_threshold": [f"{v:g}" for v in cells["to_threshold_visits"]]}

    def curves(self, inp, region: int, grid):
        visits = np.repeat(inp.visits[None], len(grid), axis=0)
        visits[:, :, region] = more_visits(inp.visits[:, region][None] + grid[:, None], 0.0)
        amount, tier, _ = allocate(inp.pots, visits, self.block.threshold)
        return {
            "amount": amount[:, :, region],
            "tier": tier[:, :, region],
            "route": tier[:, :, region],
            "state": {"value": inp.visits[:, region]},
        }

    def curve(self, inp, region: int, cells, grid, rows=()):
        got = self.curves(inp, region, grid)
        cells = list(cells)
        return got["amount"][:, cells].sum(axis=1), got["tier"][:, cells].max(axis=1)
