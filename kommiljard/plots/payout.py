"""Pictures of one payout: the staircase of a month and group, and the payouts per region."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..engine import Payout
from ..explain import find_block, trace_cells
from ..measure import ROUTE_TARGET
from ..regions import region_label
from ..rules import ImprovementStaircase, PopulationShare
from ._style import BLOCK_COLOUR, MN, NONE_COLOUR, bar_colour, label, lighten, new_axes, provenance_note, text_colour

MONTH_SHADES = (0.0, 0.3, 0.55)  # how much lighter each later month of a block is drawn
GROUP_HATCHES = ("", "////", "....", "xxx")


def plot_staircase(result: Payout, month: str, group: str, ax: Axes | None = None) -> Axes:
    """The staircase of one month and group, drawn like the agreement's diagram 1.

    Each bar starts at its improvement bound and shows its pot after the cascade, with the
    regions that share it; an empty bar is dashed and says where its money went. Below the
    axis every region sits at its own improvement, coloured by the highest bar it shares
    (a diamond: it entered by the target, e.g. share_60 >= 71).
    """
    block, month = find_block(result.rules, month, group)
    cell = trace_cells(result.panel, block, result.population)[(month, group)]
    ax = new_axes(ax, (10, 5.8))
    unit = "pp" if block.improvement_unit == "pp" else "%"
    improvements = np.array([r.improvement for r in cell.regions])
    bounds = [b.min_improvement for b in block.bars]
    left = min(bounds[0] - 2, float(np.floor(improvements.min())) - 0.5)
    right = max(bounds[-1] + 3, bounds[-1] + 0.35 * (bounds[-1] - left), float(np.ceil(improvements.max())) + 0.5)

    bottom, top = 0.0, 0.0
    for k, (bar, out) in enumerate(zip(block.bars, cell.bars)):
        colour = bar_colour(bar.name, k)
        x1 = right if block.cumulative or k == len(bounds) - 1 else bounds[k + 1]
        height = (out.pot if out.members else out.received + out.base_pot) / MN
        y0 = bottom if block.cumulative else 0.0
        filled = bool(out.members)
        ax.add_patch(Rectangle((bar.min_improvement, y0), x1 - bar.min_improvement, height, facecolor=lighten(colour, 0.15) if filled else "none",
                               edgecolor=colour, linestyle="-" if filled else "--", linewidth=1.2, gid=f"bar-{bar.name}"))  # fmt: skip
        ax.text(bar.min_improvement + 0.12, y0 + height - 0.03 * height, _bar_text(block, k, out, unit, x1 - bar.min_improvement),
                va="top", ha="left", fontsize=7.5, color=text_colour(colour) if filled else colour, clip_on=True)  # fmt: skip
        if block.cumulative and filled:
            bottom += height
        top = max(top, y0 + height)
    if cell.lapsed > 0:
        ax.text(0.5, 0.6, f"{cell.lapsed / MN:.1f} mnkr lapse: no region reached a bar", transform=ax.transAxes,
                ha="center", fontsize=11, fontweight="bold", color="#a11d1d")  # fmt: skip
    band = 0.32 * max(top, cell.pot / MN)
    _draw_regions(ax, block, cell, band, left, right)
    for x in bounds:
        ax.axvline(x, color="#444444", linestyle=":", linewidth=0.8)
    ax.axvline(0, color="#444444", linewidth=0.6)
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_xlim(left, right)
    ax.set_ylim(-band, 1.08 * max(top, cell.pot / MN))
    ticks = [t for t in ax.get_yticks() if 0 <= t <= top]
    ax.set_yticks([-band / 2, *ticks], ["regions", *(f"{t:g}" for t in ticks)])
    ax.set_ylabel("mnkr")
    ax.legend(handles=_region_legend(block), loc="upper left", fontsize=7, frameon=False)
    ax.set_xlabel(f"improvement of {block.measure} vs the same month {block.compare_lag_months} months earlier ({unit})")
    group_label = next(g.label for g in block.groups if g.name == group)
    note, synthetic = provenance_note(result.provenance)
    label(ax, f"{month} {group}{f' ({group_label})' if group_label else ''}: pot {cell.pot / MN:.1f} mnkr, "
              f"paid {cell.paid / MN:.1f}, lapsed {cell.lapsed / MN:.1f}", note, synthetic)  # fmt: skip
    return ax


def _region_legend(block: ImprovementStaircase) -> list[Line2D]:
    """What the markers below the axis mean."""
    def marker(shape: str, colour: str, text: str) -> Line2D:
        return Line2D([], [], marker=shape, color=colour, linestyle="none", markersize=5, label=text)

    handles = [marker("o", NONE_COLOUR, "region at its improvement: no bar")]
    handles += [marker("o", bar_colour(b.name, k), f"highest bar shared: {b.name}") for k, b in enumerate(block.bars)]
    if block.target:
        t = block.target
        handles.append(marker("D", bar_colour(t.bar, block.bar_names.index(t.bar)), f"entered by the target {t.measure} {'>=' if t.inclusive else '>'} {t.threshold:g}"))
    return handles


def _bar_text(block: ImprovementStaircase, k: int, out, unit: str, width: float) -> str:
    bar = block.bars[k]
    sign = ">=" if bar.inclusive else ">"
    entry = f"{sign} {bar.min_improvement:g} {unit}"
    if block.target and block.target.bar == bar.name:
        t = block.target
        entry += f" or {t.measure} {'>=' if t.inclusive else '>'} {t.threshold:g}"
    head = f"{bar.name} {bar.pot_share:.0%} ({entry})"
    if not out.members:
        fate = f"passed down {out.passed_down / MN:.1f} mnkr" if out.passed_down else f"{out.lapsed / MN:.1f} mnkr lapse"
        return f"{head}\nnobody: {fate}"
    received = f", {out.received / MN:.1f} of it from above" if out.received else ""
    codes = textwrap.fill(" ".join(out.members), width=max(12, int(width * 9)))
    return f"{head}\n{out.pot / MN:.1f} mnkr{received} to {len(out.members)} region(s):\n{codes}"


def _draw_regions(ax: Axes, block: ImprovementStaircase, cell, band: float, left: float, right: float) -> None:
    """Each region at its improvement in a band below the axis, in rows so labels do not collide."""
    gap = 0.045 * (right - left)
    rows: list[float] = []  # the x of the last label in each row
    n_rows = 5
    for r in sorted(cell.regions, key=lambda r: r.improvement):
        x = min(max(r.improvement, left + 0.1), right - 0.1)
        free = [i for i, last in enumerate(rows) if x - last >= gap]
        if free:
            row = free[0]
        elif len(rows) < n_rows:
            rows.append(x)
            row = len(rows) - 1
        else:
            row = int(np.argmin(rows))
        rows[row] = x
        y = -band * (row + 1.3) / (n_rows + 1)
        colour = bar_colour(block.bars[r.tier - 1].name, r.tier - 1) if r.tier else NONE_COLOUR
        ax.plot(x, y, marker="D" if r.route == ROUTE_TARGET else "o", color=colour, markersize=5, linestyle="none", gid=f"region-{r.region}")
        ax.text(x, y + band * 0.045, r.region, fontsize=6.5, ha="center", va="bottom")


def bar_amounts(result: Payout) -> pd.DataFrame:
    """Each region's amount from every bar of every month and group, and from population blocks.

    Columns: region, block, month, group, bar, amount_sek (bar is the block's name for
    population blocks). From the reference path, so the bars after the cascade are exact.
    """
    rows = []
    for block in result.rules.ruleset.blocks:
        if isinstance(block, ImprovementStaircase):
            for (month, group), cell in trace_cells(result.panel, block, result.population).items():
                rows += [(r.region, block.number, month, group, b.name, amount)
                         for r in cell.regions for b, amount in zip(block.bars, r.by_bar)]  # fmt: skip
        else:
            t = result.table[result.table["block"] == block.number]
            rows += [(r, block.number, None, None, block.name, a) for r, a in zip(t["region"], t["amount_sek"])]
    return pd.DataFrame(rows, columns=["region", "block", "month", "group", "bar", "amount_sek"])


def plot_payouts(result: Payout, ax: Axes | None = None) -> Axes:
    """Payout per region: staircase blocks stacked by month, group and bar, population blocks beside.

    Colour is the bar, lighter for later months; hatching marks the group. Regions are
    sorted by their total, largest on top.
    """
    amounts = bar_amounts(result)
    staircases = result.rules.ruleset.blocks_of(ImprovementStaircase)
    shares = result.rules.ruleset.blocks_of(PopulationShare)
    totals = amounts.groupby("region")["amount_sek"].sum().sort_values()
    ypos = {r: i for i, r in enumerate(totals.index)}
    ax = new_axes(ax, (10, 0.36 * len(ypos) + 2.2))
    height = 0.8 / (1 + 0.6 * len(shares))
    left = pd.Series(0.0, index=totals.index)
    for block in staircases:
        for g, group in enumerate(block.group_names):
            for m, month in enumerate(block.months):
                for k, bar in enumerate(block.bars):
                    sel = amounts[(amounts["block"] == block.number) & (amounts["month"] == month) & (amounts["group"] == group) & (amounts["bar"] == bar.name)]
                    values = sel.set_index("region")["amount_sek"].reindex(totals.index, fill_value=0.0) / MN
                    ax.barh([ypos[r] + 0.3 * height * len(shares) for r in values.index], values, left=left, height=height,
                            color=lighten(bar_colour(bar.name, k), MONTH_SHADES[m % len(MONTH_SHADES)]),
                            hatch=GROUP_HATCHES[g % len(GROUP_HATCHES)], edgecolor="white", linewidth=0.4,
                            gid=f"block{block.number}-{month}-{group}-{bar.name}")  # fmt: skip
                    left += values
    for j, block in enumerate(shares):
        values = amounts[amounts["block"] == block.number].set_index("region")["amount_sek"].reindex(totals.index, fill_value=0.0) / MN
        ax.barh([ypos[r] - height * (0.7 + 0.6 * j) for r in values.index], values, height=0.6 * height,
                color=lighten(BLOCK_COLOUR, 0.35 * j), gid=f"block{block.number}")  # fmt: skip
    for region, total in totals.items():
        ax.text(max(left[region], 0) + 0.6, ypos[region], f"{total / MN:.1f}", va="center", fontsize=7)
    ax.set_xlim(0, 1.1 * max(left.max(), totals.max() / MN, 1e-9))
    ax.set_yticks(range(len(ypos)), [region_label(r) for r in totals.index], fontsize=8)
    ax.set_ylim(-0.8, len(ypos) - 0.2)
    ax.set_xlabel("mnkr (the number after each row: the region's total of all blocks)")
    ax.legend(handles=_payout_legend(staircases, shares), fontsize=7, loc="lower right", ncols=2, frameon=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    note, synthetic = provenance_note(result.provenance)
    blocks = " and ".join(f"block {b.number}" for b in staircases)
    beside = f"; {', '.join(f'block {b.number}' for b in shares)} beside (green)" if shares else ""
    label(ax, f"Payout per region: {blocks} by month, group and bar{beside}", note, synthetic)
    return ax


def _payout_legend(staircases: list[ImprovementStaircase], shares: list[PopulationShare]) -> list[Patch]:
    handles: list[Patch] = []
    if staircases:
        first = staircases[0]
        handles += [Patch(color=bar_colour(b.name, k), label=f"{b.name} bar") for k, b in enumerate(first.bars)]
        handles += [Patch(color=lighten("#555555", MONTH_SHADES[m % len(MONTH_SHADES)]), label=month) for m, month in enumerate(first.months)]
        handles += [Patch(facecolor="white", edgecolor="#555555", hatch=GROUP_HATCHES[g % len(GROUP_HATCHES)], label=group) for g, group in enumerate(first.group_names)]
    handles += [Patch(color=lighten(BLOCK_COLOUR, 0.35 * j), label=f"block {b.number}") for j, b in enumerate(shares)]
    return handles
