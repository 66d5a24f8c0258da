"""The picture of a comparison of rule variants: each one's difference from the baseline per region."""

from __future__ import annotations

import pandas as pd

from ...analysis.compare import DIFF_PREFIX, variant_columns
from ...kinds.look import plain


def plot_compare(frame: pd.DataFrame, ax=None):
    """Each variant's difference from the baseline per region (mnkr), regions by baseline payout.

    With a single variant, its payout per region. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.3 * len(frame) + 1.5))
    names = variant_columns(frame)
    base = names[0]
    ordered = frame.sort_values(base)
    labels = [f"{r} {n}".strip() for r, n in zip(ordered["region"], ordered["region_name"])]
    y = range(len(ordered))
    if len(names) == 1:
        ax.barh(list(y), ordered[base] / 1e6, color="0.6")
        ax.set_xlabel(plain(f"payout, mnkr ({base})"))
    else:
        markers = "o^sDv<>pXh*"
        for i, name in enumerate(names[1:]):
            ax.plot(ordered[DIFF_PREFIX + name] / 1e6, list(y), markers[i % len(markers)], label=plain(name), alpha=0.8)
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set_xlabel(plain(f"difference from {base}, mnkr"))
        ax.legend(fontsize="small", loc="best")
    ax.set_yticks(list(y), labels, fontsize="small")
    title = "Payout per region" + (" - SYNTHETIC panel" if frame.attrs.get("synthetic_panel") else "")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax
