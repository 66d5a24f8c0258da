"""The picture of one period and group of an absolute-threshold block.

Every region's figure for the period as a bar, the levels as lines, each region coloured by
the highest level it reached (hatched: its gate was not met), and each level's pot after the
cascade with its members. Drawn from what the engine computed (a
:class:`~kommiljard.engine.Payout`), never by running the rules again.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...inputs.regions import region_label
from ...language import words_of
from ...money import NO_DATA, format_number, mnkr
from ..explaining import sign, unpaid_fate
from ..look import (
    NONE_COLOUR,
    bar_colour,
    cell_title,
    label,
    legend_below,
    measure_name,
    new_axes,
    plain,
    provenance_note,
    regions_count,
    step_name,
    value_of,
)
from .reference import ROUTE_GATE, ROUTE_NAMES
from .rules import AbsoluteThreshold

WORDS = words_of(__package__)


def plot_threshold_cell(
    result, block: AbsoluteThreshold, cell: tuple[str, str], ax: Axes | None = None, lang: str = "en"
) -> Axes:
    """The levels of one period and group, and where every region stands."""
    month, group = cell
    steps, regions, members = result.cell_tables(block.number, month, group)
    period = next(p for p in block.periods if p.months[-1] == month)
    regions = regions.sort_values(["share_current", "region"], ascending=[True, False], ignore_index=True)
    ax = new_axes(ax, (10, 0.3 * len(regions) + 2.6))
    y = np.arange(len(regions))
    gate_failed = regions["route"].to_numpy() == ROUTE_NAMES[ROUTE_GATE]
    colours = [bar_colour(block.levels[t - 1].name, t - 1) if t else NONE_COLOUR for t in regions["tier"]]
    ax.barh(y, regions["share_current"], color=colours, height=0.7, edgecolor="white", linewidth=0.4, gid="figures")
    if gate_failed.any():
        ax.barh(
            y[gate_failed],
            regions["share_current"][gate_failed],
            color="none",
            height=0.7,
            hatch="////",
            edgecolor="#a11d1d",
            linewidth=0.0,
            gid="gate-not-met",
        )
    for r, value in zip(y, regions["share_current"]):
        ax.text(
            0.4 if np.isnan(value) else value + 0.4,
            r,
            NO_DATA[lang] if np.isnan(value) else format_number(value, None, lang=lang),
            va="center",
            fontsize=7,
        )
    right = max(100.0, float(np.nanmax(regions["share_current"], initial=0.0)) + 6)
    _draw_levels(ax, block, (steps, members), len(regions), lang)
    ax.set_yticks(y, [region_label(r) for r in regions["region"]], fontsize=7.5)
    ax.set_ylim(-0.7, len(regions) + 1.2 * len(block.levels) + 0.6)
    ax.set_xlim(0, right)
    x_label = WORDS.text(
        "figure.x_label",
        lang,
        measure=measure_name(block.measure, lang),
        aggregate=value_of(block.aggregate, lang),
        period=period.name,
    )
    ax.set_xlabel(plain(x_label))
    ax.xaxis.set_major_formatter(lambda x, _: format_number(x, None, lang=lang))
    legend_below(ax, _legend(block, lang), ncols=2)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    pot, paid, lapsed = (float(steps[c].sum()) for c in ("base_sek", "pot_sek", "lapsed_sek"))
    title = WORDS.text(
        "figure.title", lang, period=period.name, title=cell_title(block, group, pot, paid, lapsed, lang)
    )
    label(ax, title, *provenance_note(result.provenance, lang))
    return ax


def _draw_levels(ax: Axes, block: AbsoluteThreshold, tables: tuple, n_regions: int, lang: str) -> None:
    """Each level as a dashed line at its threshold, labelled above the bars with its pot after the cascade and its
    members (``tables``: the cell's steps and members)."""
    steps, members = tables
    for k, (level, out) in enumerate(zip(block.levels, steps.itertuples())):
        colour = bar_colour(level.name, k)
        ax.axvline(level.threshold, color=colour, linestyle="--", linewidth=1.2, gid=f"level-{level.name}")
        shared = members.get(level.name, [])
        if shared:
            fate = WORDS.text("figure.pays", lang, pot=mnkr(out.pot_sek, lang=lang), n=regions_count(len(shared), lang))
            received = WORDS.text("figure.from_above", lang, received=mnkr(out.received_sek, lang=lang))
            fate += f" {received}" if out.received_sek else ""
        else:
            money = lambda a: mnkr(a, lang=lang)  # noqa: E731 - one line
            fate = WORDS.text(
                "figure.nobody",
                lang,
                fate=unpaid_fate(out.passed_down_sek, out.passed_up_sek, out.lapsed_sek, money, lang),
            )
        head = WORDS.text(
            "figure.level",
            lang,
            level=step_name(level, lang),
            measure=measure_name(block.measure, lang),
            op=sign(level.inclusive),
            threshold=format_number(level.threshold, None, lang=lang),
        )
        text = f"{head}\n{fate}"
        ax.text(
            level.threshold,
            n_regions - 0.3 + 1.1 * k,
            plain(text),
            fontsize=7.5,
            color=colour,
            ha="center",
            va="bottom",
        )


def _legend(block: AbsoluteThreshold, lang: str) -> list[Patch]:
    """No level, the highest level of each colour and, with a gate, the hatching of a gate not met."""
    handles = [Patch(color=NONE_COLOUR, label=WORDS.text("figure.no_level", lang))]
    handles += [
        Patch(color=bar_colour(lv.name, k), label=plain(WORDS.text("figure.highest", lang, level=step_name(lv, lang))))
        for k, lv in enumerate(block.levels)
    ]
    if block.gate:
        g = block.gate
        gate = WORDS.text(
            "figure.gate",
            lang,
            measure=measure_name(g.measure, lang),
            op=sign(g.inclusive),
            threshold=format_number(g.threshold, None, lang=lang),
            scope=value_of(g.scope, lang),
        )
        handles.append(Patch(facecolor="white", edgecolor="#a11d1d", hatch="////", label=plain(gate)))
    return handles
