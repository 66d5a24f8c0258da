"""A region's own lever, the change of a what-if, a payout curve, the page and a sweep: which blocks
have one, which panel rows it moves, and the panel after a move.

Each kind says what a region can change in its blocks (:meth:`kommiljard.kinds.base.BlockKind.lever`):
percentage points of a share for an improvement staircase, a number of operations for a price
per operation. A rule set's lever is that of its blocks that have one; blocks with different
levers are told apart by the lever's option (``--improve``, ``--more``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..inputs import options
from ..inputs.panel import Panel
from ..kinds import KINDS, Lever, LeverActions, kind_of
from ..kinds.naming import group_name, read_group
from ..language import spoken
from ..rules import Rules
from ..rules.tomlfiles import said_origin
from . import say

Row = tuple[int, str, str]  # (block number, month, group) of a panel row a lever moves


@dataclass(frozen=True)
class LeverBlock:
    """A block of the rule set with its kind's lever."""

    block: Any
    actions: LeverActions

    @property
    def rows(self) -> list[tuple[str, str]]:
        """Every panel row (month, group) the lever moves in this block, in the block's order of cells."""
        return [row for _, rows in self.actions.rows() for row in rows]


def lever_blocks(rules: Rules, option: str | None = None) -> list[LeverBlock]:
    """The rule set's blocks that a region's lever moves (with ``option``: those whose lever has that option).

    An error if there are none, or if their levers differ and no option says which."""
    found = [LeverBlock(b, a) for b in rules.ruleset.blocks if (a := kind_of(b).lever(b)) is not None]
    options = sorted({f"--{lb.actions.lever.option}" for lb in found})
    if option is not None:
        found = [lb for lb in found if lb.actions.lever.option == option.removeprefix("--")]
    if not found:
        what = say("refuse.no_lever_with", option=option.removeprefix("--")) if option else say("refuse.no_lever_any")
        known = say("refuse.its_levers", levers=", ".join(options)) if options else ""
        raise InputError(say("refuse.no_lever", origin=said_origin(rules.origin), what=what, known=known))
    if len({lb.actions.lever.option for lb in found}) > 1:
        raise InputError(
            say("refuse.different_levers", origin=said_origin(rules.origin), options=say("or").join(options))
        )
    return found


def lever_of(blocks: list[LeverBlock]) -> Lever:
    """The one lever of :func:`lever_blocks`' blocks."""
    return blocks[0].actions.lever


def every_lever() -> dict[str, Lever]:
    """Option -> lever, over the registered kinds (:attr:`~kommiljard.kinds.base.BlockKind.levers`)."""
    return {lever.option: lever for kind in KINDS.values() for lever in kind.levers}


def choose_cells(
    rules: Rules, months: Iterable[str] | str | None, groups: Iterable[str] | str | None, option: str | None = None
) -> list[Row]:
    """(block number, month, group) of the panel rows a lever moves, of the months and groups chosen (None: all)."""
    blocks = lever_blocks(rules, option)
    all_months = sorted({m for lb in blocks for m, _ in lb.rows})
    all_groups = sorted({g for lb in blocks for _, g in lb.rows})

    def pick(values, valid, what):
        if values is None:
            return set(valid)
        values = [values] if isinstance(values, str) else list(values)
        if what == "month":
            among = say("among_lever_months", rules=rules.id)
            return {options.month(v, "--month", valid, among) for v in values}
        return {read_group(v, "--group", valid) for v in values}

    months_set, groups_set = pick(months, all_months, "month"), pick(groups, all_groups, "group")
    return [(lb.block.number, m, g) for lb in blocks for m, g in lb.rows if m in months_set and g in groups_set]


def check_region(panel: Panel, region: str) -> str:
    """The county code of ``region`` (a code or name, :func:`options.region`), which must be in the panel."""
    code = options.region(region, "region")
    present = sorted(panel.frame["region"].unique())
    if code not in present:
        close = difflib.get_close_matches(code, present, n=1)
        did = say("did_you_mean_sentence", close=close[0]) if close else ""
        raise InputError(say("refuse.region_absent", source=panel.source, region=region, did=did,
                             regions=" ".join(present)))  # fmt: skip
    return code


def cell_text(month: str | None, group: str | None = None) -> str:
    """A cell or panel row as a message names it: its month and group (a cell of every group has none), in the
    language spoken: ``2019-10 first visits``."""
    return " ".join(str(part) for part in (month, group_name(group, spoken(), short=True) if group else None) if part)


def improve_panel(
    panel: Panel, rules: Rules, region: str, change: float, rows: Iterable[Row], option: str | None = None
) -> Panel:
    """The panel with the lever moved by ``change`` in the region's chosen rows (as each block's kind moves it)."""
    rows = list(rows)
    frame = panel.frame
    for lb in lever_blocks(rules, option):
        mine = [(m, g) for number, m, g in rows if number == lb.block.number]
        if mine:
            frame = lb.actions.move(frame, region, mine, change)
    return panel.with_frame(frame.copy() if frame is panel.frame else frame)
