"""The variants of a variant sweep side by side: each region's payout range per variant, and the scheme-level
outcomes (lapsed money, kronor per pp of improvement, spread per inhabitant, cells that pay nothing)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...errors import InputError
from ...kinds.look import MN, plain
from ...money import format_number
from ...rules.texts import alternative_name
from ..files import detail, read_complete_sweep, say
from ..wording import WORDS


def read_variant_sweep(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A finished variant sweep's tables (per variant and region, per variant) and its manifest."""
    directory = Path(directory)
    how = say("refuse.variants_how")
    manifest = read_complete_sweep(directory, how)
    if not manifest.get("variants"):
        raise InputError(say("refuse.no_variants", directory=directory))
    try:
        tables = [pd.read_parquet(directory / f"{name}.parquet") for name in ("variants", "variant_outcomes")]
    except (OSError, ValueError) as exc:
        raise InputError(say("refuse.variants_unreadable", directory=directory, detail=detail(exc))) from None
    return tables[0], tables[1], manifest


def plot_variants(by_region: pd.DataFrame, scheme: pd.DataFrame, manifest: dict, lang: str = "en") -> Figure:
    """The variants side by side, to read at a glance: above, a table of colours with each region's expected
    amount under the first variant (mnkr) and every other variant's difference from it (red: less, blue: more,
    the number in every cell); below, each variant's scheme-level outcomes as labelled bars: expected and
    95th-percentile lapsed money, kronor per pp of a region's own improvement, the Gini of kronor per
    inhabitant and the chance that a month and group pays nothing."""
    names = list(scheme["variant"])
    shown = [alternative_name(n, lang) for n in names]
    regions = list(dict.fromkeys(by_region["region"]))
    labels = {r: n for r, n in zip(by_region["region"], by_region["region_name"])}
    means = by_region.pivot(index="region", columns="variant", values="mean_sek").loc[regions, names] / MN
    width = max(9.0, 2.6 + 0.62 * len(names))
    top_height, bottom_height = 0.27 * len(regions) + 2.4, 0.3 * len(names) + 1.8
    fig = plt.figure(figsize=(width, top_height + bottom_height), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[top_height, bottom_height])
    _difference_table(top.subplots(), means, shown, [plain(f"{r} {labels[r]}") for r in regions], lang)
    n = format_number(manifest.get("n", 0), lang=lang)
    scenario = plain(str((manifest.get("scenario") or {}).get("name", "")))
    top.suptitle(WORDS.text("plot.variants_title", lang, n=n, scenario=scenario), fontsize=11, fontweight="bold",
                 x=0.01, ha="left")  # fmt: skip
    _outcome_bars(bottom.subplots(1, 4, sharey=True), scheme, shown, lang)
    return fig


def _difference_table(ax, means: pd.DataFrame, shown: list[str], rows: list[str], lang: str) -> None:
    """Regions by variants: the first variant's mean, then each other's difference from it, coloured and numbered."""
    base = means.iloc[:, 0].to_numpy()
    diffs = means.iloc[:, 1:].to_numpy() - base[:, None]
    bound = max(float(np.nanmax(np.abs(diffs))) if diffs.size else 0.0, 0.05)
    colours = plt.get_cmap("RdBu")((np.column_stack([np.zeros(len(base)), diffs]) / bound + 1) / 2)
    colours[:, 0] = (0.94, 0.94, 0.94, 1.0)  # the baseline's own column: grey, not a difference
    ax.imshow(colours, aspect="auto", interpolation="nearest")
    for i in range(len(rows)):
        ax.text(0, i, format_number(base[i], 1, lang=lang), ha="center", va="center", fontsize=7)
        for j in range(diffs.shape[1]):
            value = diffs[i, j]
            strong = abs(value) > 0.6 * bound
            text = format_number(value, 1, signed=True, lang=lang) if round(value, 1) else "0"
            ax.text(j + 1, i, text, ha="center", va="center", fontsize=7, color="white" if strong else "#222222")
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xticks(range(len(shown)), [plain(s) for s in shown], fontsize=8, rotation=90, ha="center", va="bottom")
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_xlabel(WORDS.text("plot.variants_x", lang, base=plain(shown[0])), fontsize=8.5)


def _outcome_bars(axes, scheme: pd.DataFrame, shown: list[str], lang: str) -> None:
    """Each variant's scheme-level outcomes, one panel each, every bar with its value."""
    panels = [
        ("plot.lapsed", scheme["mean_lapsed_sek"] / MN, scheme["p95_lapsed_sek"] / MN, 1),
        ("plot.per_pp", scheme["sek_per_pp"] / MN, None, 1),
        ("plot.gini", scheme["gini_per_inhabitant"], None, 3),
        ("plot.nothing_paid", 100 * scheme["p_cell_pays_nothing"], None, 2),
    ]
    y = np.arange(len(shown))
    for i, (ax, (key, values, p95, decimals)) in enumerate(zip(axes, panels)):
        ax.barh(y, values, color="#8fb3e0" if i else "#c43b3b", height=0.7)
        if p95 is not None:
            ax.scatter(p95, y, marker="|", s=120, color="black", zorder=3)
        highest = max(float(np.nanmax(values)), float(np.nanmax(p95)) if p95 is not None else 0.0)
        for yy, value in zip(y, values):
            ax.text(value + 0.02 * (highest or 1.0), yy, format_number(value, decimals, lang=lang), va="center",
                    fontsize=6.5)  # fmt: skip
        if i == 0:
            ax.set_yticks(y, [plain(v) for v in shown], fontsize=8)
            ax.set_ylim(len(shown) - 0.5, -0.5)
        ax.set_title(WORDS.text(key, lang), fontsize=8.5)
        ax.set_xlim(min(0.0, float(np.nanmin(values))), highest * 1.35 if highest > 0 else 1.0)
        ax.xaxis.set_major_formatter(lambda v, _: format_number(v, None, lang=lang))
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
