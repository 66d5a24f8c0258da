"""Shared look of the plots: the agreement's bar colours, titles and the provenance note."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

# The colours of the agreement's diagram 1 (blå, röd, orange stapel); other bars get a cycle.
BAR_COLOURS = {"blue": "#2f6db5", "red": "#c43b3b", "orange": "#e8922d"}
OTHER_COLOURS = ("#6a51a3", "#2ca25f", "#8c6d31", "#de2d26")
NONE_COLOUR = "#b9b9b9"
BLOCK_COLOUR = "#5f8f63"  # population blocks (block 2)
SYNTHETIC_NOTE = "SYNTHETIC data, not real regional figures"
MN = 1e6  # kronor per mnkr


def bar_colour(name: str, index: int) -> str:
    return BAR_COLOURS.get(name, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def lighten(colour: str, amount: float) -> tuple[float, float, float]:
    """``colour`` mixed with white; ``amount`` 0 keeps it, 1 is white."""
    return tuple(c + (1 - c) * amount for c in to_rgb(colour))


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    r, g, b = to_rgb(background)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def provenance_note(provenance: dict) -> tuple[str, bool]:
    """A one-line note on what produced a result (rules, overrides, data) and whether it is synthetic.

    Reads a payout's provenance and, as far as they carry the same keys, a sweep's manifest
    or a file's provenance: ``rules`` (a dict with ``id``, ``version``, ``overrides``, or a
    name), ``panel.synthetic`` or ``synthetic``, ``panel.source``, ``n``, ``seed`` and ``lever``.
    """
    panel = provenance.get("panel") if isinstance(provenance.get("panel"), dict) else {}
    synthetic = str(panel.get("synthetic", provenance.get("synthetic", ""))).lower() == "true"
    parts = [SYNTHETIC_NOTE] if synthetic else []
    rules = provenance.get("rules")
    if isinstance(rules, dict):
        text = f"rules {rules.get('id', '?')}" + (f" {rules['version']}" if rules.get("version") else "")
        overrides = rules.get("overrides") or {}
        parts.append(text + (" with " + ", ".join(f"{k}={v}" for k, v in overrides.items()) if overrides else ""))
    elif rules:
        parts.append(f"rules {rules}")
    if panel.get("source"):
        parts.append(f"panel {Path(str(panel['source'])).name}")
    if provenance.get("n") is not None:
        parts.append(f"{provenance['n']} trajectories")
    if provenance.get("seed") is not None:
        parts.append(f"seed {provenance['seed']}")
    if isinstance(provenance.get("lever"), dict):
        parts.append("lever " + ", ".join(f"{k}={v}" for k, v in provenance["lever"].items()))
    return " · ".join(parts), synthetic


def label(ax: Axes, title: str, note: str, synthetic: bool) -> None:
    """A bold title with a small note under it (red when the data are synthetic), wrapped to the figure."""
    lines = textwrap.wrap(note, width=max(40, int(ax.figure.get_size_inches()[0] * ax.get_position().width * 17)))
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", pad=6 + 9.5 * len(lines))
    if lines:
        ax.text(0, 1.012, "\n".join(lines), transform=ax.transAxes, fontsize=7.5, va="bottom", ha="left",
                color="#a11d1d" if synthetic else "#555555", gid="note")  # fmt: skip
