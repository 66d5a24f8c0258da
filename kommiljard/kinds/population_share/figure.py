"""The picture of a population-share block: every region's amount, and who did not meet the conditions."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...inputs.regions import region_label
from ...money import format_mnkr
from ..look import BLOCK_COLOUR, MN, label, new_axes, provenance_note
from .rules import PopulationShare


def plot_population_share(result, block: PopulationShare, ax: Axes | None = None) -> Axes:
    """Each region's amount from the block (mnkr), largest on top; the share of a region that did not meet
    the conditions is hatched (an outline where it was forfeited, over the paid bar where it was paid regardless)."""
    steps, regions, _ = result.cell_tables(block.number, None, None)
    regions = regions.sort_values("amount_sek", ignore_index=True)
    ax = new_axes(ax, (9, 0.3 * len(regions) + 2))
    y = np.arange(len(regions))
    met = regions["conditions_met"].astype(bool).to_numpy()
    ax.barh(y, regions["amount_sek"] / MN, color=BLOCK_COLOUR, height=0.7, gid="paid")
    kept = block.forfeit == "paid_regardless"  # a failing region is paid; it loses money outside the scheme
    if (~met).any():
        pot, weights = block.total_sek, regions["population"].to_numpy(np.float64)
        lost = pot * weights / weights.sum() / MN
        ax.barh(y[~met], lost[~met], color="none", edgecolor="#a11d1d", hatch="////", height=0.7, gid="forfeited")
    for r, value in zip(y, regions["amount_sek"]):
        ax.text(value / MN + 0.2, r, f"{format_mnkr(value)}", va="center", fontsize=7)
    ax.set_yticks(y, [region_label(r) for r in regions["region"]], fontsize=7.5)
    ax.set_xlabel("mnkr")
    handles = [
        Patch(color=BLOCK_COLOUR, label="paid (by population)"),
        Patch(
            facecolor="white",
            edgecolor="#a11d1d",
            hatch="////",
            label="conditions not met: paid, later money at stake" if kept else "conditions not met: forfeited",
        ),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    paid, lapsed = float(steps["pot_sek"].sum()), float(steps["lapsed_sek"].sum())
    title = f"Block {block.number}: {block.name}: paid {format_mnkr(paid)} mnkr, lapsed {format_mnkr(lapsed)}"
    label(ax, title, *provenance_note(result.provenance))
    return ax
