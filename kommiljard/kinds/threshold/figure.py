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
from ...money import NO_DATA, format_mnkr
from ..explaining import sign, unpaid_fate
from ..look import NONE_COLOUR, bar_colour, cell_title, in_mnkr, label, new_axes, plain, provenance_note
from .reference import ROUTE_GATE, ROUTE_NAMES
from .rules import AbsoluteThreshold


def plot_threshold_cell(result, block: AbsoluteThreshold, cell: tuple[str, str], ax: Axes | None = None) -> Axes:
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
            NO_DATA["en"] if np.isnan(value) else f"{value:g}",
            va="center",
            fontsize=7,
        )
    right = max(100.0, float(np.nanmax(regions["share_current"], initial=0.0)) + 6)
    for k, (level, out) in enumerate(zip(block.levels, steps.itertuples())):
        colour = bar_colour(level.name, k)
        ax.axvline(level.threshold, color=colour, linestyle="--", linewidth=1.2, gid=f"level-{level.name}")
        shared = members.get(level.name, [])
        if shared:
            fate = f"pays {format_mnkr(out.pot_sek)} mnkr to {len(shared)} region(s)"
            fate += f" ({format_mnkr(out.received_sek)} from above)" if out.received_sek else ""
        else:
            fate = "nobody: " + unpaid_fate(out.passed_down_sek, out.passed_up_sek, out.lapsed_sek, in_mnkr)
        text = f"{level.name}: {block.measure} {sign(level.inclusive)} {level.threshold:g}\n{fate}"
        ax.text(
            level.threshold,
            len(regions) - 0.3 + 1.1 * k,
            plain(text),
            fontsize=7.5,
            color=colour,
            ha="center",
            va="bottom",
        )
    ax.set_yticks(y, [region_label(r) for r in regions["region"]], fontsize=7.5)
    ax.set_ylim(-0.7, len(regions) + 1.2 * len(block.levels) + 0.6)
    ax.set_xlim(0, right)
    ax.set_xlabel(plain(f"{block.measure}, {block.aggregate} of the period {period.name} (%)"))
    handles = [Patch(color=NONE_COLOUR, label="no level")]
    handles += [
        Patch(color=bar_colour(lv.name, k), label=plain(f"highest level reached: {lv.name}"))
        for k, lv in enumerate(block.levels)
    ]
    if block.gate:
        g = block.gate
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#a11d1d",
                hatch="////",
                label=plain(f"gate not met: {g.measure} {sign(g.inclusive)} {g.threshold:g} ({g.scope})"),
            )
        )
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True, framealpha=0.9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    pot, paid, lapsed = (float(steps[c].sum()) for c in ("base_sek", "pot_sek", "lapsed_sek"))
    title = f"Period {period.name}, {cell_title(block, group, pot, paid, lapsed)}"
    label(ax, title, *provenance_note(result.provenance))
    return ax
