"""Whole figures for the ``plot`` command and the report, and writing them to files."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..engine import Payout
from ..errors import InputError, closest
from ..explain import no_staircase
from ..outputs import atomic_path, read_provenance
from ..panel import normalise_month
from ..rules import ImprovementStaircase
from ..tables import read_table
from .payout import plot_payouts, plot_staircase
from .scenarios import plot_payout_curve, plot_sweep_gain, plot_sweep_payouts, read_sweep

KINDS = ("staircase", "payouts", "curve", "sweep")
FORMATS = (".png", ".svg", ".pdf")


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        close = closest(kind, KINDS)
        raise InputError(f"unknown kind of plot {kind!r}" + (f"; did you mean {close!r}?" if close else "") + f" Kinds: {', '.join(KINDS)}.")
    return kind


def staircases_figure(result: Payout, month: str | None = None, group: str | None = None) -> Figure:
    """The staircases of the month(s) and group(s) asked for (all by default), one per panel."""
    wanted = normalise_month(month) or month if month is not None else None
    cells = [(m, g) for b in result.rules.ruleset.blocks_of(ImprovementStaircase) for m in b.months for g in b.group_names
             if wanted in (None, m) and group in (None, g)]  # fmt: skip
    if not cells:
        raise no_staircase(result.rules, month, group)
    cols = len({g for _, g in cells})
    rows = -(-len(cells) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10 * cols, 5.8 * rows), layout="constrained", squeeze=False)
    for ax, (m, g) in zip(axes.flat, cells):
        plot_staircase(result, m, g, ax=ax)
    for ax in axes.flat[len(cells) :]:
        ax.set_visible(False)
    return fig


def payouts_figure(result: Payout) -> Figure:
    return plot_payouts(result).figure


def curve_figure(path: str | Path, region: str | None = None, current: float | None = None) -> Figure:
    """A payout curve saved as CSV or Parquet (with its provenance if it was written with one)."""
    curve, _ = read_table(path, "payout curve")
    try:
        provenance = read_provenance(path)
    except (OSError, KeyError, TypeError, ValueError):
        provenance = {}
    for col in [c for c in ("improvement_pp", "amount_sek", "tier") if c in curve.columns]:
        curve[col] = curve[col].astype(float)
    region = region or provenance.get("region")
    return plot_payout_curve(curve, region=region, current=current, provenance=provenance).figure


def sweep_figure(directory: str | Path, region: str | None = None, kind: str = "box") -> tuple[Figure, str]:
    """Each region's payout distribution and, for a sweep with a lever, the gain's distribution.

    The gain is drawn for ``region``, or the manifest's lever region. Returns the figure and
    a line saying what was drawn.
    """
    trajectories, manifest = read_sweep(directory)
    lever = manifest.get("lever") if isinstance(manifest.get("lever"), dict) else {}
    region = region or lever.get("region")
    with_gain = "gain_sek" in trajectories.columns and region is not None
    height = 0.32 * trajectories["region"].nunique() + 2
    fig, axes = plt.subplots(2 if with_gain else 1, 1, figsize=(9, height + (4.5 if with_gain else 0)), layout="constrained",
                             squeeze=False, height_ratios=[height, 4.5] if with_gain else None)  # fmt: skip
    plot_sweep_payouts(trajectories, kind=kind, provenance=manifest, ax=axes[0, 0])
    if with_gain:
        plot_sweep_gain(trajectories, region, provenance=manifest, ax=axes[1, 0])
        return fig, f"payout distribution per region and the gain of region {region}"
    hint = " (the sweep has gains: add --region to draw one region's)" if "gain_sek" in trajectories.columns else ""
    return fig, "payout distribution per region" + hint


def check_figure_path(path: str | Path) -> Path:
    """``path`` if its suffix is a picture format we write; else a clear error."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"{path}: --out must end in .png or .svg (or .pdf), not {path.suffix or 'nothing'!r}.")
    return path


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
