"""Pictures of one payout: any cell through its kind's figure, and the payouts per region.

Both are drawn from what the engine computed (the :class:`~kommiljard.engine.Payout`'s
tables), whatever the kinds of the blocks.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...analysis.explain import find_cell
from ...engine import Payout
from ...inputs.regions import region_label
from ...kinds import kind_of
from ...kinds.look import BLOCK_COLOUR, MN, bar_colour, label, lighten, new_axes, plain, provenance_note
from ...money import NO_DATA, format_mnkr
from ..wording import group_name

MONTH_SHADES = (0.0, 0.3, 0.55, 0.7)  # how much lighter each later cell month of a block is drawn
GROUP_HATCHES = ("", "////", "....", "xxx")


def plot_cell(result: Payout, month: str, group: str, ax: Axes | None = None) -> Axes:
    """The picture of the cell that measures ``month`` for ``group``, by its block's kind:
    a staircase as the agreement's diagram 1, a threshold period with its levels."""
    block, kind, cell = find_cell(result.rules, month, group)
    return kind.figure(result, block, cell, ax)


plot_staircase = plot_cell  # the name the README and notebooks use


def bar_amounts(result: Payout) -> pd.DataFrame:
    """Each region's amount from every step (bar or level) of every cell, and from population blocks.

    Columns: region, block, month, group, bar, amount_sek (bar is the step's name; ``share``
    for population blocks). Read from the payout's ``step_amounts``.
    """
    return result.step_amounts.rename(columns={"step": "bar"})[
        ["region", "block", "month", "group", "bar", "amount_sek"]
    ]


def plot_payouts(result: Payout, ax: Axes | None = None) -> Axes:
    """Payout per region: blocks with cells stacked by cell (month or period), group and step;
    population blocks beside.

    Colour is the step, lighter for later cells; hatching marks the group. Regions are
    sorted by their total, largest on top.
    """
    amounts = result.step_amounts
    blocks = result.rules.ruleset.blocks
    stacked = [b for b in blocks if kind_of(b).cells(b) != [(None, None)]]
    beside = [b for b in blocks if b not in stacked]
    totals = amounts.groupby("region")["amount_sek"].sum().sort_values()
    ypos = {r: i for i, r in enumerate(totals.index)}
    ax = new_axes(ax, (10, 0.36 * len(ypos) + 2.2))
    height = 0.8 / (1 + 0.6 * len(beside))
    left = pd.Series(0.0, index=totals.index)
    for block in stacked:
        kind = kind_of(block)
        months, groups = shown_parts(kind.cells(block))
        mine = amounts[amounts["block"] == block.number]
        for month, group in dict.fromkeys((m if months else None, g if groups else None) for m, g in kind.cells(block)):
            for k, step in enumerate(kind.step_names(block)):
                sel = mine[mine["step"] == step]
                sel = sel[sel["month"] == month] if month is not None else sel
                sel = sel[sel["group"] == group] if group is not None else sel
                values = sel.groupby("region")["amount_sek"].sum().reindex(totals.index).fillna(0.0) / MN
                shade = MONTH_SHADES[months.index(month) % len(MONTH_SHADES)] if months else 0.0
                ax.barh(
                    [ypos[r] + 0.3 * height * len(beside) for r in values.index],
                    values,
                    left=left,
                    height=height,
                    color=lighten(bar_colour(step, k), shade),
                    hatch=GROUP_HATCHES[groups.index(group) % len(GROUP_HATCHES)] if groups else "",
                    edgecolor="white",
                    linewidth=0.4,
                    gid=f"block{block.number}-{month or 'all'}-{group or 'all'}-{step}",
                )
                left += values
    for j, block in enumerate(beside):
        values = (
            amounts[amounts["block"] == block.number]
            .groupby("region")["amount_sek"]
            .sum()
            .reindex(totals.index)
            .fillna(0.0)
            / MN
        )
        ax.barh(
            [ypos[r] - height * (0.7 + 0.6 * j) for r in values.index],
            values,
            height=0.6 * height,
            color=lighten(BLOCK_COLOUR, 0.35 * j),
            gid=f"block{block.number}",
        )
    gaps = result.no_data()  # nothing drawn there: say so, never a bar of 0
    upper = 1.1 * max(left.max(), totals.max() / MN, 1e-9)
    for region, total in totals.items():
        text = format_mnkr(total) + (f"  {NO_DATA['en']}: {gaps[region]}" if region in gaps else "")
        ax.text(max(left[region], 0) + 0.005 * upper, ypos[region], text, va="center", fontsize=7)
    ax.set_xlim(0, upper)
    ax.set_yticks(range(len(ypos)), [region_label(r) for r in totals.index], fontsize=8)
    ax.set_ylim(-0.8, len(ypos) - 0.2)
    ax.set_xlabel("mnkr (the number after each row: the region's total of all blocks)")
    ax.legend(handles=_payout_legend(stacked, beside), fontsize=7, loc="lower right", ncols=2, frameon=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    note, synthetic = provenance_note(result.provenance)
    words = sorted({kind_of(b).step_word for b in stacked})
    what = " and ".join(f"block {b.number}" for b in stacked)
    parts = [shown_parts(kind_of(b).cells(b)) for b in stacked]
    by_month = f"{'period' if 'level' in words else 'month'}, " if any(m for m, _ in parts) else ""
    by_group = "group and " if any(g for _, g in parts) else ""
    by = f" by {by_month}{by_group}{' or '.join(words)}" if stacked else ""
    side = f"; {', '.join(f'block {b.number}' for b in beside)} beside (green)" if beside else ""
    label(ax, f"Payout per region: {what}{by}{side}", note, synthetic)
    return ax


def shown_parts(cells) -> tuple[list, list]:
    """The months and the groups of a block's cells that the stacked bars tell apart: each only if there are at
    most as many as there are shades (months) or hatches (groups), and more than one; more are added together."""
    months = list(dict.fromkeys(m for m, _ in cells if m is not None))
    groups = list(dict.fromkeys(g for _, g in cells if g is not None))
    months = months if 1 < len(months) <= len(MONTH_SHADES) else []  # one month (a period's cell): nothing to tell
    return months, (groups if 1 < len(groups) <= len(GROUP_HATCHES) else [])


def _payout_legend(stacked: list, beside: list) -> list[Patch]:
    handles: list[Patch] = []
    if stacked:
        first = stacked[0]
        kind = kind_of(first)
        months, groups = shown_parts(kind.cells(first))
        handles += [
            Patch(color=bar_colour(s, k), label=plain(f"{s} {kind.step_word}".replace("_", " ")))
            for k, s in enumerate(kind.step_names(first))
        ]
        handles += [
            Patch(color=lighten("#555555", MONTH_SHADES[m % len(MONTH_SHADES)]), label=month)
            for m, month in enumerate(months)
        ]
        handles += [
            Patch(
                facecolor="white",
                edgecolor="#555555",
                hatch=GROUP_HATCHES[g % len(GROUP_HATCHES)],
                label=plain(group_name(group)),
            )
            for g, group in enumerate(groups)
        ]
    handles += [Patch(color=lighten(BLOCK_COLOUR, 0.35 * j), label=f"block {b.number}") for j, b in enumerate(beside)]
    return handles
