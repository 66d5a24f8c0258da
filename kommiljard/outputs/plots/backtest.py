"""The picture of a backtest, drawn from its table (``kommiljard backtest``), not from the module that made it.

The table has one row per region with ``region``, the forecast's ``mean_sek`` and
percentiles ``p5_sek``, ``p25_sek``, ``p50_sek``, ``p75_sek``, ``p95_sek``, the
``realised_sek`` payout and optionally the naive forecast's ``naive_sek``. The summary
(``as_of``, ``coverage_50``, ``coverage_90``, ``mae_sek``, ``mae_naive_sek``) and the
provenance (``history``, ``rules``, ``n``, ``seed``, ``synthetic``) go into the title, the
note and the axis label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...errors import InputError
from ...inputs.regions import region_label
from ...inputs.tables import numeric_column
from ...kinds.look import MN, label, legend_below, month_name, new_axes, provenance_note, say
from ...money import format_number, mnkr
from ..files import read_json
from ..files import say as refuse
from ..wording import WORDS
from .scenarios import _require

INTERVAL_COLOUR = "#2f6db5"
REALISED_COLOUR = "#222222"
OUTSIDE_COLOUR = "#c43b3b"
NAIVE_COLOUR = "#8c8c8c"


def plot_backtest(
    regions: pd.DataFrame,
    summary: dict | None = None,
    provenance: dict | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Each region's forecast payout against what it was paid, sorted by the forecast's median.

    Thin line: the central 90 % interval (5th to 95th percentile); thick bar: the 50 % one
    (25th to 75th); dot: the forecast mean; cross: the realised payout (red outside the 90 %
    interval); grey diamond: the naive forecast.
    """
    columns = ["region", "mean_sek", "p5_sek", "p25_sek", "p50_sek", "p75_sek", "p95_sek", "realised_sek"]
    _require(regions, columns, "backtest table")
    summary, provenance = summary or {}, provenance or {}
    frame = regions.sort_values(["p50_sek", "region"], ignore_index=True)
    y = np.arange(len(frame))
    mn = {c: frame[c].to_numpy(float) / MN for c in columns[1:] + (["naive_sek"] if "naive_sek" in frame else [])}
    ax = new_axes(ax, (9, 0.34 * len(frame) + 2.4))
    ax.hlines(y, mn["p5_sek"], mn["p95_sek"], color=INTERVAL_COLOUR, linewidth=1.4, alpha=0.8)
    ax.hlines(y, mn["p25_sek"], mn["p75_sek"], color=INTERVAL_COLOUR, linewidth=6, alpha=0.45)
    ax.plot(mn["mean_sek"], y, "o", color=INTERVAL_COLOUR, markersize=4, zorder=3)
    real = mn["realised_sek"]
    tol = 1e-12
    outside = (real < mn["p5_sek"] - tol) | (real > mn["p95_sek"] + tol)
    ax.plot(real[~outside], y[~outside], "x", color=REALISED_COLOUR, markersize=8, mew=2, zorder=4)
    ax.plot(real[outside], y[outside], "x", color=OUTSIDE_COLOUR, markersize=8, mew=2, zorder=4)
    w = lambda key: WORDS.text(f"plot.backtest_{key}", lang)  # noqa: E731 - one line
    handles = [
        Line2D([], [], color=INTERVAL_COLOUR, linewidth=1.4, label=w("90")),
        Patch(color=INTERVAL_COLOUR, alpha=0.45, label=w("50")),  # a swatch within its handle, clear of its label
        Line2D([], [], color=INTERVAL_COLOUR, marker="o", linestyle="", markersize=4, label=w("mean")),
        Line2D([], [], color=REALISED_COLOUR, marker="x", linestyle="", mew=2, label=w("realised")),
        Line2D([], [], color=OUTSIDE_COLOUR, marker="x", linestyle="", mew=2, label=w("outside")),
    ]
    if "naive_sek" in mn:
        ax.plot(mn["naive_sek"], y, "D", color=NAIVE_COLOUR, markersize=3.5, zorder=2)
        handles.append(Line2D([], [], color=NAIVE_COLOUR, marker="D", linestyle="", markersize=3.5, label=w("naive")))
    ax.set_yticks(y, [region_label(r) for r in frame["region"]], fontsize=8)
    ax.set_xlim(left=-0.015 * max(float(np.nanmax(mn["p95_sek"])), float(np.nanmax(real)), 1e-9))  # 0 stays visible
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(lambda v, _: format_number(v, None, lang=lang))
    ax.set_xlabel(_scores(summary, len(frame), int(outside.sum()), lang))
    legend_below(ax, handles, label_lines=ax.get_xlabel().count("\n") + 1, ncols=3)
    history = provenance.get("history") if isinstance(provenance.get("history"), dict) else {}
    note, synthetic = provenance_note({
        "rules": provenance.get("rules"), "synthetic": provenance.get("synthetic", history.get("synthetic")),
        "n": provenance.get("n"), "seed": provenance.get("seed"),
    }, lang)  # fmt: skip
    if history.get("source"):
        note += " · " + say("history", lang, name=Path(str(history["source"])).name)
    as_of = summary.get("as_of", "?")
    as_of_text = month_name(as_of, lang, True) if isinstance(as_of, str) and len(as_of) == 7 else str(as_of)
    months = summary.get("months_forecast") or []
    title = WORDS.text("plot.backtest_title", lang, as_of=as_of_text)
    if months:
        first, last = (month_name(m, lang, True) for m in (months[0], months[-1]))
        note += " · " + WORDS.text("plot.backtest_months", lang, first=first, last=last, as_of=as_of_text)
    fit = provenance.get("fit") if isinstance(provenance.get("fit"), dict) else {}
    if fit.get("borrowed"):  # what the forecast of these regions rests on: said where the picture goes
        regions_said = ", ".join(region_label(str(r)) for r in fit["borrowed"])
        note += " · " + WORDS.text("plot.backtest_borrowed", lang, regions=regions_said)
    label(ax, title, note, synthetic)
    return ax


def backtest_figure(directory: str | Path, lang: str = "en") -> tuple[Figure, str]:
    """The picture of a backtest written by ``kommiljard backtest --out DIR``: its ``backtest.csv`` and the summary
    and provenance in its ``summary.json`` (drawn again, e.g. in another language, without running it again)."""
    directory = Path(directory)
    table, written = directory / "backtest.csv", directory / "summary.json"
    if not table.is_file() or not written.is_file():
        raise InputError(refuse("refuse.no_backtest", directory=directory))
    regions = pd.read_csv(table, dtype={"region": str}, keep_default_na=False)
    problems: list = []
    for column in [c for c in regions.columns if c.endswith("_sek")]:
        regions[column] = numeric_column(regions, column, problems)
    if problems:
        raise InputError(refuse("refuse.backtest_unreadable", file=table, problem=problems[0].render()))
    document = read_json(written, refuse("refuse.backtest_summary"), refuse("refuse.rerun_backtest"))
    ax = plot_backtest(regions, document.get("summary"), document.get("provenance"), lang=lang)
    return ax.figure, WORDS.text("plot.drew_backtest", lang)


def _scores(summary: dict, n_regions: int, outside: int, lang: str = "en") -> str:
    """The axis label: the payout, and how the forecast scored."""
    text = WORDS.text("plot.backtest_x", lang)
    if "coverage_90" in summary:
        inside50 = round(summary.get("coverage_50", 0) * n_regions)
        text += "\n" + WORDS.text(
            "plot.backtest_inside", lang, inside=n_regions - outside, n=n_regions, inside50=inside50
        )
    if "mae_sek" in summary:
        text += "; " + WORDS.text("plot.backtest_mae", lang, mae=mnkr(summary["mae_sek"], lang=lang))
        if "mae_naive_sek" in summary:
            text += " " + WORDS.text("plot.backtest_naive_mae", lang, mae=mnkr(summary["mae_naive_sek"], lang=lang))
    return text
