"""Whole figures for the ``plot`` command and the report, and writing them to files."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...analysis.explain import cell_groups, measured_month, no_cell
from ...engine import Payout
from ...errors import InputError, KommiljardError, closest
from ...inputs.regions import normalise_code, region_codes, unknown_region_message
from ...inputs.tables import Problem, missing_columns, numeric_column, raise_problems, read_table
from ...kinds import kind_of
from ...kinds.naming import read_group
from ...language import in_quotes, typed
from ..files import atomic_path, check_destination, read_provenance, say
from ..wording import WORDS
from .payout import plot_payouts
from .scenarios import plot_payout_curve, plot_sweep_gain, plot_sweep_payouts, read_sweep
from .variants import plot_variants, read_variant_sweep

# "staircase" and "cells": every kind's cell pictures
KINDS = ("staircase", "cells", "payouts", "curve", "sweep", "variants", "backtest")
FORMATS = (".png", ".svg", ".pdf")


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        close = closest(kind, KINDS)
        close = say("refuse.did_you_mean", close=close) if close else "."
        raise InputError(say("refuse.plot_kind", kind=kind, close=close, kinds=typed(KINDS)))
    return kind


def cells_figure(result: Payout, month: str | None = None, group: str | None = None, lang: str = "en") -> Figure:
    """The pictures of the cells asked for (all by default), one per panel, each drawn by its
    block's kind: staircases, threshold periods."""
    wanted = measured_month(month, result.rules) if month else None
    if group is not None:  # a Swedish name (förstabesök) is the group; an unknown one is said by no_cell
        with contextlib.suppress(InputError):
            group = read_group(group, "--group", cell_groups(result.rules))
    cells = []
    for block in result.rules.ruleset.blocks:
        kind = kind_of(block)
        cells += [
            (block, kind, cell)
            for cell in kind.cells(block)
            if cell != (None, None)
            and (wanted is None or kind.cell_of(block, wanted, cell[1]) == cell)
            and group in (None, cell[1])
        ]
    if not cells:
        raise no_cell(result.rules, month, group)
    cols = len({c[1] for _, _, c in cells})
    rows = -(-len(cells) // cols)
    tall = (
        max(5.8, 0.3 * len(result.population.counts) + 2.6) if any(k.step_word == "level" for _, k, _ in cells) else 5.8
    )
    tall += 0.9 if any(k.step_word == "bar" for _, k, _ in cells) else 0.5  # the legend below each picture
    fig, axes = plt.subplots(rows, cols, figsize=(10 * cols, tall * rows), layout="constrained", squeeze=False)
    for ax, (block, kind, cell) in zip(axes.flat, cells):
        kind.figure(result, block, cell, ax=ax, lang=lang)
    for ax in axes.flat[len(cells) :]:
        ax.set_visible(False)
    return fig


def payouts_figure(result: Payout, lang: str = "en") -> Figure:
    return plot_payouts(result, lang=lang).figure


def curve_figure(path: str | Path, region: str | None = None, current: float | None = None, lang: str = "en") -> Figure:
    """A payout curve saved as CSV or Parquet (with its provenance if it was written with one)."""
    if current is not None and not math.isfinite(current):
        raise InputError(say("refuse.current", current=current))
    axes = curve_axes(lang)
    curve = _read_curve(path, [*axes, "amount_sek", "tier"])
    try:
        provenance = read_provenance(path)
    except (KommiljardError, OSError, KeyError, TypeError, ValueError):
        provenance = {}
    axis = next((a for a in axes if a in curve.columns), "improvement_pp")
    problems = missing_columns(curve, [axis, "amount_sek"])
    if curve.empty and not problems:
        problems.append(Problem(say("refuse.curve_no_rows")))
    for col in [c for c in (axis, "amount_sek", "tier") if c in curve.columns and not problems]:
        values = numeric_column(curve, col, problems)
        for i in values.index[~np.isfinite(values) & curve[col].notna()]:
            if pd.notna(values[i]):
                problems.append(Problem(say("refuse.curve_not_finite", column=col, value=curve[col][i]), i + 1))
        for i in values.index[curve[col].isna()]:
            problems.append(Problem(say("refuse.curve_empty", column=col), i + 1))
        if col == "tier":
            for i in values.index[values.notna() & ((values < 0) | (values > 99) | (values != values.round()))]:
                problems.append(Problem(say("refuse.curve_tier", value=curve[col][i]), i + 1))
        curve[col] = values
    named = say("refuse.or").join(in_quotes(a) for a in axes)
    raise_problems(str(path), say("refuse.curve_table"), problems, say("refuse.curve_hint", axes=named))
    if region is not None and normalise_code(region) not in region_codes():
        raise InputError(say("refuse.option", option="--region", message=unknown_region_message(region)))
    recorded = provenance.get("region") or (provenance.get("whatif") or {}).get("region") or ""  # whose curve it is
    if region is None and normalise_code(recorded) in region_codes():
        region = recorded
    unit = curve_axes(lang).get(axis, ("", ""))[1]
    return plot_payout_curve(
        curve, region=region, current=current, provenance=provenance, lang=lang, axis=axis, axis_unit=unit
    ).figure


def _read_curve(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """A payout curve as written: Parquet, English CSV, or the Swedish CSV a spreadsheet reads (its headers in words,
    a decimal comma, a first line for synthetic data), its columns named as the code names them."""
    curve, _ = read_table(path, say("refuse.curve_table"))
    if Path(path).suffix.lower() != ".csv" or any(c in curve.columns for c in columns):
        return curve
    from ..wording import column_header

    headers = {f"{column_header(c, lang)}{kr}": c for c in columns for lang in ("sv", "en") for kr in ("", ", kr")}
    with Path(path).open(encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    start = next((i for i, line in enumerate(lines[:3]) if any(h in headers for h in line.split(";"))), None)
    if start is None:
        return curve
    text = pd.read_csv(io.StringIO("\n".join(lines[start:])), sep=";", dtype=str, keep_default_na=False)
    text.columns = [headers.get(c.strip(), c.strip()) for c in text.columns]
    numbers = text.apply(lambda c: c.str.replace("\u2212", "-").str.replace(r"[\s\u00a0]", "", regex=True))
    return numbers.apply(lambda c: c.str.replace(",", "."))


def curve_axes(lang: str = "en") -> dict[str, tuple[str, str]]:
    """The x column of a payout curve of each registered lever, with what it is and its unit in words."""
    from ...kinds import KINDS, word

    return {
        lever.axis: (word(lever.words, "label", lang), word(lever.words, "unit", lang))
        for kind in KINDS.values()
        for lever in kind.levers
    }


def sweep_figure(
    directory: str | Path, region: str | None = None, kind: str = "box", lang: str = "en"
) -> tuple[Figure, str]:
    """Each region's payout distribution and, for a sweep with a lever, the gain's distribution.

    The gain is drawn for ``region``, or the manifest's lever region; without a lever, ``region`` is marked among
    the others. Returns the figure and a line saying what was drawn.
    """
    trajectories, manifest = read_sweep(directory)
    lever = manifest.get("lever") if isinstance(manifest.get("lever"), dict) else {}
    region = region or lever.get("region")
    with_gain = "gain_sek" in trajectories.columns and region is not None
    height = 0.32 * trajectories["region"].nunique() + 2
    fig, axes = plt.subplots(
        2 if with_gain else 1,
        1,
        figsize=(9, height + (4.5 if with_gain else 0)),
        layout="constrained",
        squeeze=False,
        height_ratios=[height, 4.5] if with_gain else None,
    )
    plot_sweep_payouts(trajectories, kind=kind, provenance=manifest, ax=axes[0, 0], lang=lang, region=region)
    if with_gain:
        plot_sweep_gain(trajectories, region, provenance=manifest, ax=axes[1, 0], lang=lang)
        return fig, WORDS.text("plot.drew_sweep_gain", lang, region=region)
    if region is not None:  # a sweep without a lever: the region marked among the others
        return fig, WORDS.text("plot.drew_sweep_marked", lang, region=region)
    hint = WORDS.text("plot.gain_hint", lang) if "gain_sek" in trajectories.columns else ""
    return fig, WORDS.text("plot.drew_sweep", lang) + hint


def variants_figure(directory: str | Path, lang: str = "en") -> tuple[Figure, str]:
    """A variant sweep's variants side by side (:func:`~kommiljard.outputs.plots.variants.plot_variants`)."""
    by_region, scheme, manifest = read_variant_sweep(directory)
    return plot_variants(by_region, scheme, manifest, lang), WORDS.text("plot.drew_variants", lang, n=len(scheme))


def check_figure_path(path: str | Path) -> Path:
    """``path`` if its suffix is a picture format we write; else a clear error."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(say("refuse.figure_suffix", path=path, suffix=path.suffix or say("refuse.nothing")))
    return check_destination(path)


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write a figure atomically as PNG, SVG or PDF (by the file's suffix) and close it."""
    path = check_figure_path(path)
    suffix = path.suffix.lower()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=dpi, metadata={"Date": None} if suffix == ".svg" else None)
    finally:
        plt.close(fig)
    return path


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes (for embedding), closing it."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buffer.getvalue()
