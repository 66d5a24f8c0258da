"""The picture of one month and group of a staircase, drawn like the agreement's diagram 1.

Drawn from what the engine computed (a :class:`~kommiljard.engine.Payout`'s ``steps``,
``step_amounts`` and ``table``), never by running the rules again.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ...inputs.regions import region_label
from ...language import words_of
from ...money import format_number, format_percent, mnkr
from ..explaining import sign, unpaid_fate
from ..look import (
    MN,
    NONE_COLOUR,
    bar_colour,
    cell_title,
    label,
    legend_below,
    lighten,
    measure_name,
    month_name,
    new_axes,
    plain,
    provenance_note,
    regions_count,
    say,
    step_name,
    text_colour,
    wrapped,
)
from .rules import ImprovementStaircase
from .units import route_names

WORDS = words_of(__package__)


def plot_staircase_cell(
    result, block: ImprovementStaircase, cell: tuple[str, str], ax: Axes | None = None, lang: str = "en"
) -> Axes:
    """The staircase of one month and group.

    Each bar starts at its improvement bound and shows its pot after the cascade (inside it: the bar,
    its pot and how many share it, as much as the bar has room for); an empty bar is dashed. Below the
    axis every region sits at its own improvement, coloured by the highest bar it shares (a diamond: it
    entered by the target, e.g. share_60 >= 71). Below the picture, each bar's members (or where its
    money went) and what the markers mean.
    """
    month, group = cell
    steps, regions, members = result.cell_tables(block.number, month, group)
    words = WORDS
    ax = new_axes(ax, (10, 5.8))
    improvements = regions["improvement_pp" if block.improvement_unit == "pp" else "improvement_pct"].to_numpy(float)
    finite = improvements[np.isfinite(improvements)]
    bounds = [b.min_improvement for b in block.bars]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
    left = min(bounds[0] - 2, np.floor(low) - 0.5)
    right = max(bounds[-1] + 3, bounds[-1] + 0.35 * (bounds[-1] - left), np.ceil(high) + 0.5)
    pot, paid, lapsed = (float(steps[c].sum()) for c in ("base_sek", "pot_sek", "lapsed_sek"))
    top = _draw_bars(ax, block, steps, members, (left, right), lang)
    if lapsed > 0 and paid == 0:
        ax.text(
            0.5,
            0.6,
            words.text("figure.all_lapse", lang, amount=mnkr(lapsed, lang=lang)),
            transform=ax.transAxes,
            ha="center",
            fontsize=11,
            fontweight="bold",
            color="#a11d1d",
        )
    band = 0.32 * max(top, pot / MN)
    _draw_regions(ax, block, regions, band, left, right)
    _axes(ax, block, (left, right), (band, top, pot), lang)
    gone = regions.loc[regions["data"] == "missing", "region"]
    _x_label(ax, block, gone, lang)
    _legend_below(ax, block, steps, members, 1 + bool(len(gone)), lang)
    title = words.text(
        "figure.title", lang, month=month_name(month, lang), title=cell_title(block, group, pot, paid, lapsed, lang)
    )
    label(ax, title, *provenance_note(result.provenance, lang))
    return ax


def _axes(ax: Axes, block: ImprovementStaircase, span: tuple, heights: tuple, lang: str) -> None:
    """The bars' bounds and the zero lines, the limits, and the ticks: the regions' band below the axis."""
    (left, right), (band, top, pot) = span, heights
    for x in (b.min_improvement for b in block.bars):
        ax.axvline(x, color="#444444", linestyle=":", linewidth=0.8)
    ax.axvline(0, color="#444444", linewidth=0.6)
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_xlim(left, right)
    ax.set_ylim(-band, 1.08 * max(top, pot / MN))
    ticks = [t for t in ax.get_yticks() if 0 <= t <= top]
    ax.set_yticks([-band / 2, *ticks], [WORDS.text("figure.regions_axis", lang), *(_number(t, lang) for t in ticks)])
    ax.xaxis.set_major_formatter(lambda x, _: _number(x, lang))
    ax.set_ylabel(say("mnkr", lang))


def _x_label(ax: Axes, block: ImprovementStaircase, gone, lang: str) -> None:
    """What the x axis measures, and the regions without data (not drawn)."""
    unit = WORDS.text("figure.unit_pp" if block.improvement_unit == "pp" else "figure.unit_pct", lang)
    x_label = WORDS.text(
        "figure.x_label", lang, measure=measure_name(block.measure, lang), lag=block.compare_lag_months, unit=unit
    )
    if len(gone):
        x_label += "\n" + say("no_data_not_drawn", lang, regions=", ".join(map(region_label, gone)))
    ax.set_xlabel(plain(x_label))


def _number(value: float, lang: str) -> str:
    return format_number(value, None if float(value) != round(float(value)) else 0, lang=lang)


def _draw_bars(
    ax: Axes, block: ImprovementStaircase, steps, members: dict, span: tuple[float, float], lang: str
) -> float:
    """The bars, each labelled inside with as much as it has room for; returns the top of the highest."""
    left, right = span
    axes_in = ax.figure.get_size_inches() * [ax.get_position().width, ax.get_position().height]
    pot_total = float(steps["base_sek"].sum()) / MN
    y_range = 1.4 * max(float(steps["pot_sek"].sum()) / MN, pot_total, 1e-9)  # about what the y axis will span
    bottom, top = 0.0, 0.0
    for k, (bar, out) in enumerate(zip(block.bars, steps.itertuples())):
        colour = bar_colour(bar.name, k)
        x1 = right if block.cumulative or k == len(block.bars) - 1 else block.bars[k + 1].min_improvement
        filled = out.members > 0
        height = (out.pot_sek if filled else out.received_sek + out.base_sek) / MN
        y0 = bottom if block.cumulative else 0.0
        ax.add_patch(
            Rectangle(
                (bar.min_improvement, y0),
                x1 - bar.min_improvement,
                height,
                gid=f"bar-{bar.name}",
                facecolor=lighten(colour, 0.15) if filled else "none",
                edgecolor=colour,
                linestyle="-" if filled else "--",
                linewidth=1.2,
            )
        )
        width_pt = (x1 - bar.min_improvement) / (right - left) * axes_in[0] * 72
        height_pt = height / y_range * axes_in[1] * 72
        text = _bar_label(block, k, out, len(members.get(bar.name, [])), (width_pt, height_pt), lang)
        if text:
            ax.text(
                bar.min_improvement + 0.1,
                y0 + height / 2,
                plain(text),
                va="center",
                ha="left",
                fontsize=7.5,
                color=text_colour(colour) if filled else colour,
                linespacing=1.15,
            )
        if block.cumulative and filled:
            bottom += height
        top = max(top, y0 + height)
    return top


def _bar_label(block, k: int, out, n: int, room: tuple[float, float], lang: str) -> str:
    """What a bar says inside itself: its name and share, then its pot and members' count, each line only if the
    bar has room for it (the full story is in the legend below the picture)."""
    bar = block.bars[k]
    width_chars = int((room[0] - 6) / (0.56 * 7.5))
    lines = int((room[1] - 2) / (7.5 * 1.2))
    head = WORDS.text(
        "figure.bar_short", lang, bar=step_name(bar, lang), share=format_percent(100 * bar.pot_share, 0, lang)
    )
    pot = f"{mnkr(out.pot_sek, lang=lang)} · {regions_count(n, lang)}" if n else ""
    candidates = [[head, pot] if pot else [head], [f"{head} · {pot}"] if pot else [head], [head]]
    for option in candidates:
        if len(option) <= lines and all(len(line) <= width_chars for line in option):
            return "\n".join(option)
    return ""


def _legend_below(ax: Axes, block: ImprovementStaircase, steps, members: dict, label_lines: int, lang: str) -> None:
    """Below the picture: what the markers mean and every bar's members, highest bar first."""

    def marker(shape: str, colour: str, text: str) -> Line2D:
        return Line2D([], [], marker=shape, color=colour, linestyle="none", markersize=5, label=plain(text))

    handles = [marker("o", NONE_COLOUR, WORDS.text("figure.no_bar_marker", lang))]
    if block.target:
        t = block.target
        colour = bar_colour(t.bar, block.bar_names.index(t.bar))
        text = WORDS.text(
            "figure.target_marker",
            lang,
            measure=measure_name(t.measure, lang),
            op=sign(t.inclusive),
            threshold=_number(t.threshold, lang),
        )
        handles.append(marker("D", colour, text))
    for k, (bar, out) in reversed(list(enumerate(zip(block.bars, steps.itertuples())))):
        shared = members.get(bar.name, [])
        name = step_name(bar, lang)
        if shared:
            text = WORDS.text(
                "figure.members", lang, bar=name, n=regions_count(len(shared), lang), members=" ".join(shared)
            )
        else:
            money = lambda a: mnkr(a, lang=lang)  # noqa: E731 - one line
            fate = unpaid_fate(out.passed_down_sek, out.passed_up_sek, out.lapsed_sek, money, lang)
            text = WORDS.text("figure.nobody", lang, bar=name, fate=fate)
        handles.append(marker("o", bar_colour(bar.name, k), wrapped(text, ax, 0.95)))
    legend_below(ax, handles, label_lines)


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
