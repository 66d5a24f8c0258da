"""The variants of a variant sweep side by side: each region's payout range per variant, and the scheme-level
outcomes (lapsed money, kronor per pp of improvement, spread per inhabitant, cells that pay nothing)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...errors import InputError
from ...kinds.look import plain
from ..files import read_complete_sweep


def read_variant_sweep(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A finished variant sweep's tables (per variant and region, per variant) and its manifest."""
    directory = Path(directory)
    how = "Run `kommiljard sweep` with --variant (or rerun it with the same arguments to finish it)."
    manifest = read_complete_sweep(directory, how)
    if not manifest.get("variants"):
        raise InputError(
            f"{directory}: a sweep of one rule set, without variants. Run `kommiljard sweep --variant NAME:KEY=VALUE` "
            "(or --alternatives, or several --rules) to compare rules under uncertainty."
        )
    try:
        tables = [pd.read_parquet(directory / f"{name}.parquet") for name in ("variants", "variant_outcomes")]
    except (OSError, ValueError) as exc:
        raise InputError(f"{directory}: could not read the variant tables ({exc}). Rerun the sweep.") from None
    return tables[0], tables[1], manifest


def plot_variants(by_region: pd.DataFrame, scheme: pd.DataFrame, manifest: dict) -> Figure:
    """Per region, each variant's mean and 5-95 % range of the amount (mnkr); below, each variant's expected and
    95th-percentile lapsed money, kronor per pp, Gini of kronor per inhabitant and chance that a cell pays nothing."""
    names = list(scheme["variant"])
    regions = list(dict.fromkeys(by_region["region"]))
    labels = {r: n for r, n in zip(by_region["region"], by_region["region_name"])}
    colours = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")(np.arange(len(names)) % 20)
    per_region = min(0.3 + 0.09 * len(names), 0.75)  # inches: room for every variant's line, up to a point
    top_height, bottom_height = per_region * len(regions) + 1.2, 0.28 * len(names) + 2.2
    fig = plt.figure(figsize=(11, top_height + bottom_height), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[top_height, bottom_height])
    ax = top.subplots()
    step = 0.8 / len(names)
    marker, line = (3.5, 1.0) if len(names) <= 8 else (2.5, 0.7)
    for k, name in enumerate(names):
        rows = by_region[by_region["variant"] == name].set_index("region").loc[regions]
        y = np.arange(len(regions)) - 0.4 + step * (k + 0.5)
        low, high = (rows["mean_sek"] - rows["p5_sek"]) / 1e6, (rows["p95_sek"] - rows["mean_sek"]) / 1e6
        ax.errorbar(rows["mean_sek"] / 1e6, y, xerr=[low, high], fmt="o", ms=marker, lw=line, capsize=0,
                    color=colours[k], label=plain(name))  # fmt: skip
    ax.set_yticks(np.arange(len(regions)), [plain(f"{r} {labels[r]}") for r in regions])
    ax.set_ylim(len(regions) - 0.5, -0.5)
    ax.set_xlabel("amount from the staircase block, mnkr (dot: mean; line: 5 % to 95 % of trajectories)")
    ax.grid(axis="x", alpha=0.3)
    top.legend(loc="outside right upper", fontsize=8, title="variant")
    n = f"{manifest.get('n', 0):,}".replace(",", " ")
    scenario = plain(str((manifest.get("scenario") or {}).get("name", "")))
    ax.set_title(f"Rule variants on the same {n} synthetic trajectories (scenario {scenario})", fontsize=11)
    panels = [
        ("lapsed, mnkr\n(bar: mean; tick: 95 %)", scheme["mean_lapsed_sek"] / 1e6, scheme["p95_lapsed_sek"] / 1e6),
        ("kronor per pp of own\nimprovement, mnkr", scheme["sek_per_pp"] / 1e6, None),
        ("Gini of kronor per\ninhabitant (mean)", scheme["gini_per_inhabitant"], None),
        ("chance that a month and\ngroup pays nothing, %", 100 * scheme["p_cell_pays_nothing"], None),
    ]
    y = np.arange(len(names))
    for i, (ax, (title, values, p95)) in enumerate(zip(bottom.subplots(1, 4, sharey=True), panels)):
        ax.barh(y, values, color=colours)
        if p95 is not None:
            ax.scatter(p95, y, marker="|", s=120, color="black", zorder=3)
        if i == 0:
            ax.set_yticks(y, [plain(v) for v in names], fontsize=8)
            ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        highest = max(np.nanmax(values), np.nanmax(p95) if p95 is not None else 0.0)
        ax.set_xlim(min(0.0, np.nanmin(values)), highest * 1.15 if highest > 0 else 1.0)
    return fig
