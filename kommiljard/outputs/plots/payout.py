"""Pictures of one payout: any cell through its kind's figure, and the payouts per region.

Both are drawn from what the engine computed (the :class:`~kommiljard.engine.Payout`'s
tables), whatever the kinds of the blocks.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from ...analysis.explain import find_cell
from ...engine import Payout
from ...inputs.regions import region_label
from ...kinds.look import BLOCK_COLOUR, MN, group_name, label, legend_below, new_axes, plain, provenance_note, say
from ...money import NO_DATA, format_number, mnkr
from ..wording import WORDS, no_data_text

GROUP_COLOURS = ("#2f6db5", "#8fb3e0", "#6a51a3", "#b9a8d9")  # the groups of the blocks with cells, in order
BLOCK_COLOURS = (BLOCK_COLOUR, "#9fd39b", "#e6a157", "#c9c9c9")  # blocks drawn as one segment, in order


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


def plot_payouts(result: Payout, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Payout per region in mnkr, one bar per region made of a few segments that say one thing at a glance:
    per block with cells one segment per group (every month and step added up), then each population block;
    the region's total after its bar. Regions are sorted by their total, largest on top. How a cell's money
    was shared (months, bars, levels) is the cell's own picture (:func:`plot_cell`).
    """
    segments = _segments(result, lang)
    totals = sum(values for _, values, _ in segments).sort_values()
    ypos = {r: i for i, r in enumerate(totals.index)}
    ax = new_axes(ax, (10, 0.34 * len(ypos) + 2.6))
    left = pd.Series(0.0, index=totals.index)
    for (gid, name), values, colour in segments:
        values = values.reindex(totals.index) / MN
        ax.barh([ypos[r] for r in values.index], values, left=left, height=0.7, color=colour, edgecolor="white",
                linewidth=0.5, gid=gid, label=plain(name))  # fmt: skip
        left += values
    gaps = result.no_data()  # nothing drawn there: say so, never a bar of 0
    for region, total in totals.items():
        gap = f"  ({NO_DATA[lang]}: {no_data_text(gaps[region], lang)})" if region in gaps else ""
        text = mnkr(total, lang=lang) + gap
        ax.text(left[region] + 0.006 * max(left.max(), 1e-9), ypos[region], text, va="center", fontsize=7.5)
    ax.set_xlim(0, 1.16 * max(left.max(), 1e-9))
    ax.set_yticks(range(len(ypos)), [plain(region_label(r)) for r in totals.index], fontsize=8)
    ax.set_ylim(-0.6, len(ypos) - 0.4)
    ax.xaxis.set_major_formatter(lambda x, _: format_number(x, None, lang=lang))
    ax.set_xlabel(say("mnkr", lang))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    legend_below(ax, ax.get_legend_handles_labels()[0], ncols=min(3, len(segments)))
    note, synthetic = provenance_note(result.provenance, lang)
    paid = float(result.table["amount_sek"].sum())
    label(ax, WORDS.text("payouts_title", lang, paid=mnkr(paid, lang=lang)), note, synthetic)
    return ax


def _segments(result: Payout, lang: str) -> list[tuple[tuple[str, str], pd.Series, str]]:
    """((gid, legend text), amount per region, colour) of each segment: a block with cells one per group (when it
    has a few), any other block one."""
    from ...kinds import kind_of

    amounts = result.step_amounts
    regions = sorted(amounts["region"].unique())
    segments = []
    shades, whole = iter(GROUP_COLOURS), iter(BLOCK_COLOURS)
    for block in result.rules.ruleset.blocks:
        mine = amounts[amounts["block"] == block.number]
        groups = [g for g in dict.fromkeys(g for _, g in kind_of(block).cells(block)) if isinstance(g, str)]
        if not groups or len(groups) > len(GROUP_COLOURS) - 1:
            values = mine.groupby("region")["amount_sek"].sum().reindex(regions).fillna(0.0)
            name = block.name if "block" in block.name.lower() else f"{say('block', lang)} {block.number}: {block.name}"
            segments.append(((f"block{block.number}", name), values, next(whole, "#8c8c8c")))
            continue
        for group in groups:
            values = mine[mine["group"] == group].groupby("region")["amount_sek"].sum().reindex(regions).fillna(0.0)
            name = f"{say('block', lang)} {block.number}, {group_name(group, lang)}"
            segments.append(((f"block{block.number}-{group}", name), values, next(shades, "#8c8c8c")))
    return segments
