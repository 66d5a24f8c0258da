"""The picture of a population-share block: every region's amount, and who did not meet the conditions."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...inputs.regions import region_label
from ...language import words_of
from ...money import format_mnkr, format_number, mnkr
from ..look import BLOCK_COLOUR, MN, label, legend_below, new_axes, provenance_note, say
from .rules import PopulationShare

WORDS = words_of(__package__)


def plot_population_share(result, block: PopulationShare, ax: Axes | None = None, lang: str = "en") -> Axes:
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
        ax.text(value / MN + 0.2, r, format_mnkr(value, lang=lang), va="center", fontsize=7)
    ax.set_yticks(y, [region_label(r) for r in regions["region"]], fontsize=7.5)
    ax.set_xlabel(say("mnkr", lang))
    ax.xaxis.set_major_formatter(lambda x, _: format_number(x, None, lang=lang))
    handles = [
        Patch(color=BLOCK_COLOUR, label=WORDS.text("figure.paid", lang)),
        Patch(
            facecolor="white",
            edgecolor="#a11d1d",
            hatch="////",
            label=WORDS.text("figure.kept" if kept else "figure.forfeited", lang),
        ),
    ]
    legend_below(ax, handles, ncols=2)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    paid, lapsed = float(steps["pot_sek"].sum()), float(steps["lapsed_sek"].sum())
    name = block.name if "block" in block.name.lower() else f"{say('block', lang)} {block.number}: {block.name}"
    title = WORDS.text(
        "figure.title",
        lang,
        name=name,
        paid=mnkr(paid, lang=lang),
        lapsed=mnkr(lapsed, lang=lang),
    )
    label(ax, title, *provenance_note(result.provenance, lang))
    return ax
