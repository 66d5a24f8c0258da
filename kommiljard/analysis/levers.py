"""A region's own improvement, the lever of a what-if and of a sweep: which cells it changes,
and what adding X percentage points to a share means.

Adding X pp to a share: ``share + X``, rounded to 6 decimals (the engine compares
improvements in exact decimals, so 71.3 + 3.0 counts as exactly 3.0 pp more) and **clamped
to 0-100**: a share cannot pass 100 %, so near the top part of the improvement is lost.
Lowering share_90 below share_60 lowers share_60 with it (nobody waits at most 60 days
without waiting at most 90), which can close the 71 % target's entry.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np

from ..errors import InputError
from ..inputs import options
from ..inputs.panel import Panel
from ..kinds.staircase.arrays import StaircaseInput, block_cells
from ..rules import ImprovementStaircase, Rules

SHARE_DECIMALS = 6
CAPPED_BY = {"share_90": "share_60"}  # a measure, and the measure that cannot exceed it


def checked_pp(value: object, option: str) -> float:
    """``value`` as percentage points of a share (a finite number from -100 to 100; :func:`options.pp`), else an
    :class:`InputError` that names the ``option`` it came from."""
    return options.pp(value, option)


def improved_share(values, improve_pp: float) -> np.ndarray:
    """``values + improve_pp``, rounded to 6 decimals and clamped to 0-100 (percent)."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) + improve_pp, SHARE_DECIMALS), 0.0, 100.0)


def caps_target(block: ImprovementStaircase) -> bool:
    """Whether raising or lowering the block's measure moves its target's measure with it."""
    return block.target is not None and CAPPED_BY.get(block.measure) == block.target.measure


def improved_arrays(
    inp: StaircaseInput, block: ImprovementStaircase, region: int, cells: list[int], shares: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The block's (T, C, R) measure and target arrays, one panel per row of ``shares``, with the
    region's measure in ``cells`` set to ``shares`` (T, len(cells)), rounded and clamped as
    :func:`improved_share` does, and the target's measure capped where :func:`caps_target`."""
    n = len(shares)
    current, target = (np.repeat(a[None], n, axis=0) for a in (inp.current, inp.target_share))
    current[:, cells, region] = improved_share(shares, 0.0)
    if caps_target(block):
        target[:, cells, region] = np.minimum(target[:, cells, region], current[:, cells, region])
    return current, target


def staircase_blocks(rules: Rules) -> list[ImprovementStaircase]:
    blocks = rules.ruleset.blocks_of(ImprovementStaircase)
    if not blocks:
        raise InputError(
            f"{rules.origin}: the rule set has no improvement-staircase block, so an improvement changes nothing."
        )
    return blocks


def choose_cells(
    rules: Rules, months: Iterable[str] | str | None, groups: Iterable[str] | str | None
) -> list[tuple[int, str, str]]:
    """(block number, month, group) of the staircase cells chosen; None means all of them."""
    blocks = staircase_blocks(rules)
    all_months = sorted({m for b in blocks for m in b.months})
    all_groups = sorted({g for b in blocks for g in b.group_names})

    def pick(values, valid, what):
        if values is None:
            return set(valid)
        values = [values] if isinstance(values, str) else list(values)
        among = f"the measurement {what}s of {rules.id}"
        if what == "month":
            return {options.month(v, "--month", valid, among) for v in values}
        return {options.group(v, "--group", valid) for v in values}

    months_set, groups_set = pick(months, all_months, "month"), pick(groups, all_groups, "group")
    return [(b.number, m, g) for b in blocks for m, g in block_cells(b) if m in months_set and g in groups_set]


def check_region(panel: Panel, region: str) -> str:
    """The county code of ``region`` (a code or name, :func:`options.region`), which must be in the panel."""
    code = options.region(region, "region")
    present = sorted(panel.frame["region"].unique())
    if code not in present:
        close = difflib.get_close_matches(code, present, n=1)
        did = f" Did you mean {close[0]!r}?" if close else ""
        raise InputError(f"{panel.source}: region {region!r} is not in the panel.{did} Regions: {' '.join(present)}.")
    return code


def improve_panel(
    panel: Panel, rules: Rules, region: str, improve_pp: float, cells: Iterable[tuple[int, str, str]]
) -> Panel:
    """The panel with ``improve_pp`` added to the region's measure in the chosen cells."""
    frame = panel.frame.copy()
    blocks = {b.number: b for b in staircase_blocks(rules)}
    for number, month, group in cells:
        block = blocks[number]
        row = (frame["region"] == region) & (frame["month"] == month) & (frame["group"] == group)
        new = improved_share(frame.loc[row, block.measure], improve_pp)
        frame.loc[row, block.measure] = new
        cap = CAPPED_BY.get(block.measure)
        if cap in frame.columns:
            frame.loc[row, cap] = np.minimum(frame.loc[row, cap].to_numpy(np.float64), new)
    return panel.with_frame(frame)
