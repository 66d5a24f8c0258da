"""The picture of a comparison of rule variants: each one's difference from the baseline per region."""

from __future__ import annotations

import pandas as pd

from ...analysis.compare import DIFF_PREFIX, variant_columns
from ...kinds.look import MN, label, legend_below, new_axes, plain, say
from ...money import format_number
from ...rules.texts import alternative_name
from ..wording import WORDS


def plot_compare(frame: pd.DataFrame, ax=None, lang: str = "en"):
    """Each variant's difference from the baseline per region (mnkr), regions by baseline payout; the legend
    below the picture names the variants (a named alternative by its short name).

    With a single variant, its payout per region. Returns the matplotlib Axes.
    """
    names = variant_columns(frame)
    base = names[0]
    ordered = frame.sort_values(base)
    ax = new_axes(ax, (9, 0.3 * len(frame) + 2.2))
    labels = [plain(f"{r} {n}".strip()) for r, n in zip(ordered["region"], ordered["region_name"])]
    y = range(len(ordered))
    shown = {n: plain(alternative_name(n, lang)) for n in names}
    if len(names) == 1:
        ax.barh(list(y), ordered[base] / MN, color="0.6")
        ax.set_xlabel(WORDS.text("plot.compare_one_x", lang, base=shown[base]))
    else:
        markers = "o^sDv<>pXh*"
        for i, name in enumerate(names[1:]):
            ax.plot(ordered[DIFF_PREFIX + name] / MN, list(y), markers[i % len(markers)], label=shown[name], alpha=0.8)
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set_xlabel(WORDS.text("plot.compare_x", lang, base=shown[base]))
        legend_below(ax, ax.get_legend_handles_labels()[0], ncols=3)
    ax.xaxis.set_major_formatter(lambda v, _: format_number(v, None, lang=lang))
    ax.set_yticks(list(y), labels, fontsize="small")
    ax.set_ylabel(WORDS.text("plot.compare_order", lang, base=shown[base]), fontsize="small")
    note = say("synthetic", lang) if frame.attrs.get("synthetic_panel") else ""
    title = "plot.compare_title" if len(names) == 1 else "plot.compare_diff_title"
    label(ax, WORDS.text(title, lang, base=shown[base]), note, bool(frame.attrs.get("synthetic_panel")))
    ax.grid(axis="x", alpha=0.3)
    return ax
