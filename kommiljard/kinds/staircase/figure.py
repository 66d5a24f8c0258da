"""The picture of one month and group of a staircase, drawn like the agreement's diagram 1.

Drawn from what the engine computed (a :class:`~kommiljard.engine.Payout`'s ``steps``,
``step_amounts`` and ``table``), never by running the rules again.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ...inputs.regions import region_label
from ...money import format_mnkr
from ..explaining import sign, unpaid_fate
from ..look import (
    MN,
    NONE_COLOUR,
    bar_colour,
    cell_title,
    in_mnkr,
    label,
    lighten,
    new_axes,
    plain,
    provenance_note,
    text_colour,
)
from .rules import ImprovementStaircase
from .units import route_names


def plot_staircase_cell(result, block: ImprovementStaircase, cell: tuple[str, str], ax: Axes | None = None) -> Axes:
    """The staircase of one month and group.

    Each bar starts at its improvement bound and shows its pot after the cascade, with the
    regions that share it; an empty bar is dashed and says where its money went. Below the
    axis every region sits at its own improvement, coloured by the highest bar it shares
    (a diamond: it entered by the target, e.g. share_60 >= 71).
    """
    month, group = cell
    steps, regions, members = result.cell_tables(block.number, month, group)
    ax = new_axes(ax, (10, 5.8))
    unit = "pp" if block.improvement_unit == "pp" else "%"
    improvements = regions["improvement_pp" if block.improvement_unit == "pp" else "improvement_pct"].to_numpy(float)
    finite = improvements[np.isfinite(improvements)]
    bounds = [b.min_improvement for b in block.bars]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
    left = min(bounds[0] - 2, np.floor(low) - 0.5)
    right = max(bounds[-1] + 3, bounds[-1] + 0.35 * (bounds[-1] - left), np.ceil(high) + 0.5)

    passed_up = float(steps["passed_up_sek"].sum()) > 0
    bottom, top = 0.0, 0.0
    for k, (bar, out) in enumerate(zip(block.bars, steps.itertuples())):
        colour = bar_colour(bar.name, k)
        x1 = right if block.cumulative or k == len(bounds) - 1 else bounds[k + 1]
        filled = out.members > 0
        height = (out.pot_sek if filled else out.received_sek + out.base_sek) / MN
        y0 = bottom if block.cumulative else 0.0
        ax.add_patch(
            Rectangle(
                (bar.min_improvement, y0),
                x1 - bar.min_improvement,
                height,
                facecolor=lighten(colour, 0.15) if filled else "none",
                edgecolor=colour,
                linestyle="-" if filled else "--",
                linewidth=1.2,
                gid=f"bar-{bar.name}",
            )
        )
        inches = (x1 - bar.min_improvement) / (right - left) * ax.figure.get_size_inches()[0] * ax.get_position().width
        chars = max(12, int(inches * 72 / (0.55 * 7.5)) - 1)  # characters of 7.5 pt text the bar is wide
        text = _bar_text(block, k, out, members.get(bar.name, []), unit, chars, passed_up)
        ax.text(
            bar.min_improvement + 0.12,
            y0 + height - 0.03 * height,
            plain(text),
            va="top",
            ha="left",
            fontsize=7.5,
            color=text_colour(colour) if filled else colour,
            clip_on=True,
        )
        if block.cumulative and filled:
            bottom += height
        top = max(top, y0 + height)
    pot, paid, lapsed = (float(steps[c].sum()) for c in ("base_sek", "pot_sek", "lapsed_sek"))
    if lapsed > 0 and paid == 0:
        ax.text(
            0.5,
            0.6,
            f"{format_mnkr(lapsed)} mnkr lapse: no region reached a bar",
            transform=ax.transAxes,
            ha="center",
            fontsize=11,
            fontweight="bold",
            color="#a11d1d",
        )
    band = 0.32 * max(top, pot / MN)
    _draw_regions(ax, block, regions, band, left, right)
    for x in bounds:
        ax.axvline(x, color="#444444", linestyle=":", linewidth=0.8)
    ax.axvline(0, color="#444444", linewidth=0.6)
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_xlim(left, right)
    ax.set_ylim(-band, 1.08 * max(top, pot / MN))
    ticks = [t for t in ax.get_yticks() if 0 <= t <= top]
    ax.set_yticks([-band / 2, *ticks], ["regions", *(f"{t:g}" for t in ticks)])
    ax.set_ylabel("mnkr")
    ax.legend(handles=_region_legend(block), loc="upper left", fontsize=7, frameon=False)
    gone = regions.loc[regions["data"] == "missing", "region"]
    no_data = f"\nno data (not drawn, paid nothing here): {', '.join(map(region_label, gone))}" if len(gone) else ""
    ax.set_xlabel(
        plain(
            f"improvement of {block.measure} vs the same month {block.compare_lag_months} months earlier ({unit})"
            + no_data
        )
    )
    label(ax, f"{month} {cell_title(block, group, pot, paid, lapsed)}", *provenance_note(result.provenance))
    return ax


def _region_legend(block: ImprovementStaircase) -> list[Line2D]:
    """What the markers below the axis mean."""

    def marker(shape: str, colour: str, text: str) -> Line2D:
        return Line2D([], [], marker=shape, color=colour, linestyle="none", markersize=5, label=plain(text))

    handles = [marker("o", NONE_COLOUR, "region at its improvement: no bar")]
    handles += [marker("o", bar_colour(b.name, k), f"highest bar shared: {b.name}") for k, b in enumerate(block.bars)]
    if block.target:
        t = block.target
        colour = bar_colour(t.bar, block.bar_names.index(t.bar))
        handles.append(marker("D", colour, f"entered by the target {t.measure} {sign(t.inclusive)} {t.threshold:g}"))
    return handles


def _bar_text(
    block: ImprovementStaircase, k: int, out, members: list[str], unit: str, chars: int, passed_up: bool
) -> str:
    bar = block.bars[k]
    entry = f"{sign(bar.inclusive)} {bar.min_improvement:g} {unit}"
    if block.target and block.target.bar == bar.name:
        t = block.target
        entry += f" or {t.measure} {sign(t.inclusive)} {t.threshold:g}"
    head = f"{bar.name} {bar.pot_share:.0%} ({entry})"
    if not members:
        lines = [head, "nobody: " + unpaid_fate(out.passed_down_sek, out.passed_up_sek, out.lapsed_sek, in_mnkr)]
    else:
        origin = "other bars" if passed_up else "above"
        received = f", {format_mnkr(out.received_sek)} of it from {origin}" if out.received_sek else ""
        lines = [head, f"{format_mnkr(out.pot_sek)} mnkr{received} to {len(members)} region(s):", " ".join(members)]
    return "\n".join(textwrap.fill(line, width=chars) for line in lines)


def _draw_regions(ax: Axes, block: ImprovementStaircase, regions, band: float, left: float, right: float) -> None:
    """Each region at its improvement in a band below the axis, in rows so labels do not collide."""
    gap = 0.045 * (right - left)
    rows: list[float] = []  # the x of the last label in each row
    n_rows = 5
    target_route = route_names(block)[2]
    column = "improvement_pp" if block.improvement_unit == "pp" else "improvement_pct"
    present = regions[regions["data"] != "missing"]
    for r in present.assign(at=present[column]).sort_values("at").itertuples():
        x = min(max(r.at, left + 0.1), right - 0.1) if np.isfinite(r.at) else (right - 0.1 if r.at > 0 else left + 0.1)
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
        ax.plot(
            x,
            y,
            marker="D" if r.route == target_route else "o",
            color=colour,
            markersize=5,
            linestyle="none",
            gid=f"region-{r.region}",
        )
        ax.text(x, y + band * 0.045, r.region, fontsize=6.5, ha="center", va="bottom")
