"""The picture of a price-per-operation block: each region's money against its cap.

One bar per region (the largest cap on top): what it was paid for its own operations, what it got as
one of the top regions (hatched), its cap as a black tick and, where it earned more than it could keep
under its caps, the money not paid as a dotted outline after the bar (cut at the cap's length). Drawn
from the payout's rows, never by running the rules again.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...inputs.regions import region_label
from ...money import format_mnkr
from ..base import word
from ..look import MN, label, new_axes, provenance_note
from .words import KIND_WORDS

PAID_COLOUR = "#2f6db5"
TOP_COLOUR = "#e8922d"


def plot_price(
    rows, pot: float, lapsed: float, title: str, provenance: dict, ax: Axes | None = None, *, lang: str = "en"
) -> Axes:
    """Every region's money in one cell (``rows``: the payout's rows of the cell, with ``amount_sek``,
    ``top_regions_sek``, ``earned_sek`` and ``cap_sek``), its words in ``lang``."""

    def say(key: str, **values) -> str:
        return word(KIND_WORDS, key, lang, **values)

    has_cap = bool(rows["cap_sek"].notna().any())
    order = rows.sort_values(["cap_sek" if has_cap else "amount_sek", "region"], ignore_index=True)
    ax = new_axes(ax, (9, 0.32 * len(order) + 2.2))
    y = np.arange(len(order))
    top = order["top_regions_sek"].fillna(0.0).to_numpy() / MN
    paid = order["amount_sek"].fillna(0.0).to_numpy() / MN - top
    cap = order["cap_sek"].to_numpy() / MN if has_cap else np.full(len(order), np.nan)
    # earned but not kept (above the cap in some pot), drawn after the bar, cut at the cap's length
    unpaid = np.minimum(np.maximum(order["earned_sek"].fillna(0.0).to_numpy() / MN - paid, 0.0), np.nan_to_num(cap))
    ax.barh(y, paid, color=PAID_COLOUR, height=0.7, gid="paid")
    ax.barh(y, top, left=paid, color=TOP_COLOUR, hatch="////", edgecolor="white", height=0.7, gid="top")
    ax.barh(y, unpaid, left=paid + top, color="none", edgecolor="#777777", linestyle=":", height=0.7, gid="unpaid")
    handles = [Patch(color=PAID_COLOUR, label=say("figure_paid"))]
    if top.any():
        handles.append(Patch(facecolor=TOP_COLOUR, hatch="////", edgecolor="white", label=say("figure_top")))
    if has_cap:
        ax.scatter(cap, y, marker="|", s=220, color="black", zorder=3, gid="cap")
        handles += [
            Patch(facecolor="none", edgecolor="#777777", linestyle=":", label=say("figure_unpaid")),
            Line2D([], [], marker="|", markersize=12, color="black", linestyle="none", label=say("figure_cap")),
        ]
    ends = paid + top
    room = 0.06 * max(float(np.nanmax(np.concatenate([ends + unpaid, np.nan_to_num(cap)]))), 1e-9)
    for r, end in enumerate(ends):
        near = has_cap and 0.0 <= cap[r] - end < room  # the cap's tick just right of the bar: write after it
        ax.text((cap[r] if near else end), r, f" {format_mnkr(end * MN, lang=lang)}", va="center", fontsize=7)
    ax.set_yticks(y, [region_label(r) for r in order["region"]], fontsize=7.5)
    ax.set_xlabel("mnkr")
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    paid_total = float(order["amount_sek"].sum())
    money = {k: format_mnkr(v, lang=lang) for k, v in (("pot", pot), ("paid", paid_total), ("lapsed", lapsed))}
    label(ax, say("figure_title", title=title, **money), *provenance_note(provenance, lang))
    return ax
