"""Pictures of what-ifs and sweeps, drawn from their tables (not from the modules that make them).

- a payout curve: columns ``improvement_pp``, ``amount_sek`` and optionally ``tier``
  (``kommiljard.analysis.whatif.payout_curve``);
- a sweep directory: ``trajectories/part-*.parquet`` with ``trajectory``, ``region``,
  ``amount_sek`` (block 1) and, with a lever, ``gain_sek``; ``manifest.json`` (``kommiljard
  sweep``), whose ``scenario``, ``rules``, ``n``, ``seed``, ``lever`` (with its ``cells``),
  ``observed`` and ``status`` go into the note under the title: the trajectories are marked
  SYNTHETIC, drawn from the scenario.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...errors import InputError
from ...inputs.regions import normalise_code, region_label
from ...kinds.look import BAR_COLOURS, MN, NONE_COLOUR, OTHER_COLOURS, label, new_axes, plain, provenance_note
from ...language import in_quotes
from ...money import PP_UNIT, format_number, format_percent, format_pp, mnkr, pp
from ..files import detail, read_complete_sweep, say
from ..wording import WORDS

TIER_COLOURS = (NONE_COLOUR, *BAR_COLOURS.values(), *OTHER_COLOURS)


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        named = ", ".join(in_quotes(c) for c in map(str, frame.columns))
        raise InputError(say("refuse.no_column", what=what, missing=", ".join(map(repr, missing)), columns=named))


def plot_payout_curve(
    curve: pd.DataFrame,
    region: str | None = None,
    current: float | None = None,
    provenance: dict | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    *,
    axis: str = "improvement_pp",
    axis_unit: str = "",
) -> Axes:
    """Kronor against the region's own improvement (``axis``: the lever's x column, e.g. ``more_operations``): a
    step function, shaded by the tier reached.

    ``current`` marks the region's actual improvement; ``provenance`` (rules, synthetic, ...)
    goes into the note under the title.
    """
    _require(curve, [axis, "amount_sek"], "payout curve")

    def change_text(x: float, signed: bool = False) -> str:  # a change as the axis counts it: pp, or operations
        if axis == "improvement_pp":
            return pp(x, lang=lang) if signed else format_pp(x, None, lang=lang)
        return f"{format_number(x, None, signed, lang)} {axis_unit}".strip()

    curve = curve.sort_values(axis)
    x, y = curve[axis].to_numpy(float), curve["amount_sek"].to_numpy(float) / MN
    ax = new_axes(ax, (9, 5))
    if "tier" in curve.columns:
        _tiers(ax, x, y, curve["tier"].to_numpy(int), change_text, lang=lang, named=axis == "improvement_pp")
    ax.step(x, y, where="post", color="#222222", linewidth=1.4, gid="curve")
    if current is not None:
        amount = y[min(np.searchsorted(x, current, side="right") - 1, len(y) - 1)] if current >= x[0] else y[0]
        ax.axvline(current, color="#a11d1d", linewidth=1)
        ax.annotate(
            WORDS.text("plot.now", lang, pp=change_text(current, signed=True), amount=mnkr(amount * MN, lang=lang)),
            (current, amount),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=8,
            color="#a11d1d",
        )
    shares = axis == "improvement_pp"  # else another lever's change (more operations), in its own unit
    unit = PP_UNIT[lang] if shares else axis_unit or axis.replace("_", " ")
    ax.set_xlabel(WORDS.text("plot.curve_x" if shares else "plot.curve_x_change", lang, unit=unit))
    ax.set_ylabel(WORDS.text("plot.curve_y", lang))
    ax.set_ylim(bottom=0)
    _numbers(ax, lang)
    ax.grid(color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    note, synthetic = provenance_note(provenance or {}, lang)
    who = region_label(normalise_code(region)) if region is not None else WORDS.text("plot.one_region", lang)
    title = "plot.curve_title" if axis == "improvement_pp" else "plot.curve_title_change"
    label(ax, WORDS.text(title, lang, who=who), note, synthetic)
    return ax


def _tiers(ax: Axes, x: np.ndarray, y: np.ndarray, tiers: np.ndarray, change_text, *, lang: str, named: bool) -> None:
    """A payout curve's area shaded by the tier reached; with ``named`` (a staircase's tiers, not a kind's paid or
    not) each tier's start marked and named in a legend."""
    starts = np.flatnonzero(np.r_[True, tiers[1:] != tiers[:-1]])
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else len(x) - 1
        colour = TIER_COLOURS[tiers[start] % len(TIER_COLOURS)]
        ax.fill_between(x[start : stop + 1], y[start : stop + 1], step="post", color=colour, alpha=0.35, linewidth=0)
        if start and named:
            ax.axvline(x[start], color=colour, linestyle=":", linewidth=0.9)
            ax.annotate(
                WORDS.text("plot.tier_from", lang, tier=tiers[start], x=change_text(x[start])),
                (x[start], 1),
                xycoords=("data", "axes fraction"),
                xytext=(2, -10),
                textcoords="offset points",
                fontsize=7,
                color="#333333",
            )
    if not named:
        return
    ax.legend(
        handles=[
            Patch(color=TIER_COLOURS[t % len(TIER_COLOURS)], alpha=0.35, label=WORDS.text("plot.tier", lang, tier=t))
            for t in sorted(set(tiers))
        ],
        loc="upper left",
        fontsize=7,
        frameon=False,
    )


def _numbers(ax: Axes, lang: str, x: bool = True, y: bool = True) -> None:
    """Tick labels with thousands separated (and a decimal comma in Swedish)."""
    for axis, wanted in ((ax.xaxis, x), (ax.yaxis, y)):
        if wanted:
            axis.set_major_formatter(lambda v, _: format_number(v, None, lang=lang))


def read_sweep(directory: str | Path) -> tuple[pd.DataFrame, dict]:
    """The trajectories of a finished sweep's directory (all parts, in order) and its manifest; a sweep not
    finished (no manifest that says so) is refused, since its parts hold only some of its trajectories."""
    directory = Path(directory)
    parts = sorted((directory / "trajectories").glob("part-*.parquet"))
    if not parts:
        raise InputError(say("refuse.no_trajectories", directory=directory))
    manifest = read_complete_sweep(directory)
    frames = []
    for part in parts:
        try:
            frames.append(pd.read_parquet(part))
        except Exception as exc:  # pyarrow's errors for a damaged file have no common base
            raise InputError(
                say("refuse.part_unreadable", part=part, detail=detail(exc, f"{type(exc).__name__}: {exc}"))
            ) from None
    frame = pd.concat(frames, ignore_index=True)
    _require(frame, ["trajectory", "region", "amount_sek"], say("refuse.the_sweep_in", directory=directory))
    return frame, manifest


def plot_sweep_payouts(
    trajectories: pd.DataFrame,
    kind: str = "box",
    provenance: dict | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    region: str | None = None,
) -> Axes:
    """The distribution of each region's payout over a sweep's trajectories, sorted by median.

    ``kind`` is ``box`` (box: quartiles, whiskers: 5th to 95th percentile) or ``violin``. ``region`` (default: the
    lever's) is marked: its name in bold and its box filled darker.
    """
    _require(trajectories, ["region", "amount_sek"], say("refuse.the_sweep"))
    if kind not in ("box", "violin"):
        raise InputError(say("refuse.box_or_violin", kind=kind))
    by_region = {r: g.to_numpy(float) / MN for r, g in trajectories.groupby("region")["amount_sek"]}
    order = sorted(by_region, key=lambda r: (np.median(by_region[r]), r))
    data = [by_region[r] for r in order]
    ax = new_axes(ax, (9, 0.32 * len(order) + 2))
    lever = (provenance or {}).get("lever")
    marked = str(region or (lever.get("region", "") if isinstance(lever, dict) else "")).zfill(2)
    if kind == "box":
        drawn = ax.boxplot(
            data,
            orientation="horizontal",
            whis=(5, 95),
            showfliers=False,
            widths=0.6,
            patch_artist=True,
            boxprops={"facecolor": "#cfdcec", "edgecolor": "#2f6db5"},
            medianprops={"color": "#a11d1d"},
        )
        if marked in order:
            drawn["boxes"][order.index(marked)].set_facecolor("#7fa7d6")
        ax.plot([d.mean() for d in data], range(1, len(data) + 1), "D", color="#222222", markersize=3.5)
        what = WORDS.text("plot.box", lang)
    else:
        ax.violinplot(data, orientation="horizontal", showmedians=True, widths=0.8)
        what = WORDS.text("plot.violin", lang)
    ax.set_yticks(range(1, len(order) + 1), [plain(region_label(r)) for r in order], fontsize=8)
    if marked in order:  # the region asked for, or the lever's, in bold
        ax.get_yticklabels()[order.index(marked)].set_fontweight("bold")
    ax.set_xlabel(WORDS.text("plot.sweep_x", lang) + "\n" + what)
    _numbers(ax, lang, y=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    n = trajectories["trajectory"].nunique() if "trajectory" in trajectories.columns else len(data[0])
    note, synthetic = provenance_note(provenance or {}, lang)
    key = "plot.sweep_title_lever" if "gain_sek" in trajectories.columns else "plot.sweep_title"
    label(ax, WORDS.text(key, lang, n=format_number(n, lang=lang)), note, synthetic)
    return ax


def plot_sweep_gain(
    trajectories: pd.DataFrame,
    region: str | None = None,
    provenance: dict | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """The distribution of a what-if gain (``gain_sek``) of one region over a sweep's trajectories."""
    _require(trajectories, ["region", "gain_sek"], say("refuse.the_sweep_gains"))
    regions = sorted(trajectories["region"].unique())
    if region is None and len(regions) > 1:
        raise InputError(say("refuse.which_region", n=len(regions), example=regions[0]))
    code = normalise_code(region) if region is not None else regions[0]
    gains = trajectories.loc[trajectories["region"] == code, "gain_sek"].to_numpy(float) / MN
    if not len(gains):
        raise InputError(say("refuse.no_gains", region=region, regions=" ".join(regions)))
    ax = new_axes(ax, (9, 4.5))
    bins = min(60, max(10, int(np.sqrt(len(gains)))))
    ax.hist(gains, bins=bins, color="#2f6db5", alpha=0.75, edgecolor="white", linewidth=0.4)
    p5, p50, p95 = np.percentile(gains, [5, 50, 95])
    mean = gains.mean()
    for value, style, key in (
        (mean, "-", "plot.mean"),
        (p50, "--", "plot.median"),
        (p5, ":", "plot.p5"),
        (p95, ":", "plot.p95"),
    ):
        text = WORDS.text(key, lang, value=mnkr(value * MN, signed=True, lang=lang))
        ax.axvline(value, color="#a11d1d", linestyle=style, linewidth=1.1, label=text)
    ax.axvline(0, color="#444444", linewidth=0.8)
    shares = WORDS.text(
        "plot.gain_shares",
        lang,
        up=format_percent(100 * np.mean(gains > 0), 0, lang),
        zero=format_percent(100 * np.mean(gains == 0), 0, lang),
        down=format_percent(100 * np.mean(gains < 0), 0, lang),
        n=format_number(len(gains), lang=lang),
    )
    ax.set_xlabel(WORDS.text("plot.gain_x", lang) + "\n" + shares)
    ax.set_ylabel(WORDS.text("plot.trajectories", lang))
    _numbers(ax, lang)
    ax.legend(loc="upper right", fontsize=7.5, frameon=True, framealpha=0.9)
    note, synthetic = provenance_note(provenance or {}, lang)
    label(ax, WORDS.text("plot.gain_title", lang, who=region_label(code)), note, synthetic)
    return ax
