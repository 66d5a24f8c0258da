"""The staircase's lever: a region adds X percentage points to its own share in chosen cells.

Adding X pp to a share: ``share + X``, rounded to 6 decimals (the engine compares
improvements in exact decimals, so 71.3 + 3.0 counts as exactly 3.0 pp more) and **clamped
to 0-100**: a share cannot pass 100 %, so near the top part of the improvement is lost.
Lowering share_90 below share_60 lowers share_60 with it (nobody waits at most 60 days
without waiting at most 90), which can close the 71 % target's entry. The same arithmetic
serves a what-if on a panel (:meth:`ShareLever.move`), the kernel's batches of the payout
curves and the page (:meth:`ShareLever.curves`) and a sweep's lever.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...inputs.measures import CATALOGUE
from ..base import Lever
from .rules import ImprovementStaircase
from .units import bound_units, improvement_units
from .words import LEVER_WORDS

SHARE_DECIMALS = 6
MAX_CHANGE_PP = 100.0  # shares are 0-100 %: no change of one is larger
LEVER = Lever(
    option="improve",
    unit="pp",
    lo=-MAX_CHANGE_PP,
    hi=MAX_CHANGE_PP,
    step=0.1,
    curve=(-5.0, 10.0),
    grid=(-20.0, 20.0),
    axis="improvement_pp",
    words=LEVER_WORDS,
)


def capped_by(measure: str) -> str | None:
    """The measure that can never exceed ``measure`` (share_60 for share_90), if the panel format has one."""
    return next((m.name for m in CATALOGUE.values() if m.at_most == measure), None)


def improved_share(values, improve_pp: float) -> np.ndarray:
    """``values + improve_pp``, rounded to 6 decimals and clamped to 0-100 (percent)."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) + improve_pp, SHARE_DECIMALS), 0.0, 100.0)


def caps_target(block: ImprovementStaircase) -> bool:
    """Whether raising or lowering the block's measure moves its target's measure with it."""
    return block.target is not None and capped_by(block.measure) == block.target.measure


def to_next_tier(block: ImprovementStaircase, current: float, previous: float, tier: int) -> float:
    """The improvement still needed for the next bar, in pp (NaN at the top).

    Counted as the rules count improvements, in whole units of 10**-improvement_decimals
    pp: with the default 6 decimals, 2.4 pp from -1.4 to the 1.0 bar, and one unit above an
    exclusive bound such as "more than 5 pp" (5.000001 - improvement). For a relative
    improvement unit the needed relative change is converted back to pp of the share.
    """
    if tier >= len(block.bars):
        return np.nan
    bar = block.bars[tier]
    passing = bound_units(bar.min_improvement, block) + (0 if bar.inclusive else 1)  # smallest units that pass
    if block.improvement_unit == "relative_pct":  # the bound is a relative change: back to pp of the share
        return float(passing / block.scale * previous / 100.0 - (current - previous))
    return float((passing - improvement_units(current, previous, block)) / block.scale)


def improved_arrays(inp, block: ImprovementStaircase, region: int, cells: list[int], shares: np.ndarray):
    """The block's (T, C, R) measure and target arrays, one panel per row of ``shares``, with the
    region's measure in ``cells`` set to ``shares`` (T, len(cells)), rounded and clamped as
    :func:`improved_share` does, and the target's measure capped where :func:`caps_target`."""
    n = len(shares)
    current, target = (np.repeat(a[None], n, axis=0) for a in (inp.current, inp.target_share))
    current[:, cells, region] = improved_share(shares, 0.0)
    if caps_target(block):
        target[:, cells, region] = np.minimum(target[:, cells, region], current[:, cells, region])
    return current, target


class ShareLever:
    """The lever of one staircase block (:class:`kommiljard.kinds.base.LeverActions`)."""

    lever = LEVER

    def __init__(self, block: ImprovementStaircase):
        self.block = block
        cap = capped_by(block.measure)
        self.measures = (block.measure, *([cap] if cap else []))

    def rows(self) -> list[tuple[tuple[str, str], tuple[tuple[str, str], ...]]]:
        return [((m, g), ((m, g),)) for m in self.block.months for g in self.block.group_names]

    def move(self, frame, region: str, rows: Sequence[tuple[str, str]], change: float):
        frame = frame.copy()
        measure, cap = self.block.measure, capped_by(self.block.measure)
        wanted = set(rows)  # the region's rows of these cells, found at once (each cell is one row of a panel)
        keys = zip(frame["region"], frame["month"], frame["group"])
        row = np.array([r == region and (m, g) in wanted for r, m, g in keys], dtype=bool)
        new = improved_share(frame.loc[row, measure], change)
        frame.loc[row, measure] = new
        if cap in frame.columns:
            frame.loc[row, cap] = np.minimum(frame.loc[row, cap].to_numpy(np.float64), new)
        return frame

    def describe(self, before, after, changed, change: float) -> tuple[dict, dict]:
        clamped = [
            moved and not np.isclose(a - b, change)
            for moved, a, b in zip(changed, after["share_current"], before["share_current"])
        ]
        state = {
            "share_previous": after["share_previous"],
            "share_before": before["share_current"],
            "share_after": after["share_current"],
            "clamped": clamped,
            "improvement_before_pp": before["improvement_pp"],
            "improvement_after_pp": after["improvement_pp"],
        }
        nxt = [
            to_next_tier(self.block, c, p, t)
            for c, p, t in zip(after["share_current"], after["share_previous"], after["tier"])
        ]
        return state, {"to_next_tier_pp": nxt}

    def view(self, cells, lang: str = "en") -> tuple[dict, dict]:
        """The what-if's cells as text for the terminal, in ``lang``: the share and the improvement before → after,
        and the pp to the next bar."""
        from ...money import format_pp, format_share
        from ..naming import say

        def moved(before, after) -> str:
            return f"{before} → {after}"

        state = {
            self.block.measure: [
                moved(format_share(b, lang), format_share(a, lang)) + (f" ({say('clamped', lang)})" if cl else "")
                for b, a, cl in zip(cells["share_before"], cells["share_after"], cells["clamped"])
            ],
            "improvement_pp": [
                moved(format_pp(b, lang=lang), format_pp(a, lang=lang))
                for b, a in zip(cells["improvement_before_pp"], cells["improvement_after_pp"])
            ],
        }
        top = say("top", lang)
        nxt = [format_pp(v, signed=False, lang=lang) if np.isfinite(v) else top for v in cells["to_next_tier_pp"]]
        return state, {"to_next_tier_pp": nxt}

    def next_steps(self, state: dict) -> list[float]:
        """Per tier, the improvement (pp) from a cell's ``state`` (its share and the share it compares with, as
        :meth:`curves` gives them) that reaches the next bar (:func:`to_next_tier`; the what-if page's "to the next
        bar", as ``kommiljard whatif`` counts it)."""
        share, previous = float(state["share"]), float(state["previous"])
        return [to_next_tier(self.block, share, previous, t) for t in range(len(self.block.bars))]

    def curves(self, inp, region: int, grid: np.ndarray) -> dict:
        from .kernel import StaircaseParams, run_staircase

        every = list(range(len(inp.cells)))
        current, target = improved_arrays(inp, self.block, region, every, inp.current[:, region][None] + grid[:, None])
        previous = np.repeat(inp.previous[None], len(grid), axis=0)
        res = run_staircase(StaircaseParams.from_block(self.block), current, previous, target, inp.weights, inp.pots)
        return {
            "amount": res.amount[:, :, region],
            "tier": res.tier[:, :, region],
            "route": res.route[:, :, region],
            "state": {"share": inp.current[:, region], "previous": inp.previous[:, region]},
        }

    def curve(self, inp, region: int, cells: Sequence[int], grid: np.ndarray, rows=()) -> tuple[np.ndarray, np.ndarray]:
        from .kernel import StaircaseParams, run_staircase

        cells = list(cells)
        shares = inp.previous[cells, region][None] + grid[:, None]
        current, target = improved_arrays(inp, self.block, region, cells, shares)
        previous = np.repeat(inp.previous[None], len(grid), axis=0)
        res = run_staircase(StaircaseParams.from_block(self.block), current, previous, target, inp.weights, inp.pots)
        return res.amount[:, cells, region].sum(axis=1), res.tier[:, cells, region].max(axis=1)
