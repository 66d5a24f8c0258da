"""The shared look of every picture (each kind's figure, the payouts, sweeps): the agreement's bar
colours, titles and the note on what produced the data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from ..inputs.regions import normalise_code, region_label
from ..money import format_mnkr
from ..rules.common import CONTROL

# The colours of the agreement's diagram 1 (blå, röd, orange stapel), and of a requirement's earned money and
# bonus; other steps get a cycle.
BAR_COLOURS = {"blue": "#2f6db5", "red": "#c43b3b", "orange": "#e8922d", "earned": "#2f6db5", "bonus": "#e8922d"}
OTHER_COLOURS = ("#6a51a3", "#2ca25f", "#8c6d31", "#de2d26")
NONE_COLOUR = "#b9b9b9"
BLOCK_COLOUR = "#5f8f63"  # population blocks (block 2)
SYNTHETIC_NOTE = "SYNTHETIC data, not real regional figures"
MN = 1e6  # kronor per mnkr


def plain(text: object) -> str:
    """Text that matplotlib draws as written: a ``$`` would start a formula, and control characters
    (which have no glyph) are left out."""
    return CONTROL.sub("", str(text)).replace("$", r"\$")


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
    (``manifest.json`` of ``kommiljard sweep``) or a file's provenance: ``rules`` (a dict with
    ``id``, ``version``, ``overrides``, or a name), ``panel.synthetic`` or ``synthetic``,
    ``panel.source``, ``scenario`` (a sweep: its trajectories are synthetic, drawn from it),
    ``observed``, ``n``, ``seed``, ``lever`` and ``status``.
    """
    panel = provenance.get("panel") if isinstance(provenance.get("panel"), dict) else {}
    scenario = provenance.get("scenario")
    synthetic = str(panel.get("synthetic", provenance.get("synthetic", ""))).lower() == "true" or scenario is not None
    parts = []
    observed = provenance.get("observed") if isinstance(provenance.get("observed"), dict) else {}
    if scenario is not None:  # a sweep: the trajectories are drawn (given the observed cells, if any)
        name = scenario.get("name", "?") if isinstance(scenario, dict) else scenario
        given = (
            f", given {observed.get('cells_used', '?')} observed cells of {Path(str(observed['source'])).name}"
            if observed.get("source")
            else ", not real regional figures"
        )
        parts.append(f"SYNTHETIC trajectories drawn from scenario {name}{given}")
    elif synthetic:
        parts.append(SYNTHETIC_NOTE)
    if provenance.get("status") not in (None, "complete"):
        parts.append(f"INCOMPLETE sweep (status {provenance['status']})")
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
        parts.append(lever_text(provenance["lever"]))
    return " · ".join(parts), synthetic


def lever_text(lever: dict) -> str:
    """A sweep's lever, readably: ``lever: 06 Jönköping +3 pp in all 3 months and both groups``.

    Reads ``region``, ``improve_pp`` and the cells the lever changed (``cells``, a list of
    ``{"month", "group"}``, as the manifest records them) or else ``months`` and ``groups``
    (None: all). Cells that make up every pair of some months and groups are named by those
    months and groups; any other choice is listed cell by cell.
    """
    code = str(lever.get("region", "?"))
    try:
        who = region_label(normalise_code(code))
    except Exception:
        who = code
    unit = str(lever.get("unit") or "pp")  # a manifest of an older version: pp
    try:
        pp = f"{float(lever.get('improve_pp')):+g} {unit}"
    except (TypeError, ValueError):
        pp = f"{lever.get('improve_pp')} {unit}"
    return f"lever: {who} {pp} in {_cells_text(lever)}"


def _cells_text(lever: dict) -> str:
    def listed(values) -> list[str]:
        return [values] if isinstance(values, str) else [str(v) for v in values or []]

    cells = [(str(c.get("month")), str(c.get("group"))) for c in lever.get("cells") or [] if isinstance(c, dict)]
    months, groups = listed(lever.get("months")), listed(lever.get("groups"))
    if cells and all(g == "None" for _, g in cells):  # a block's one cell over its period (a price's one pot)
        return ", ".join(groups) if groups else "every group"
    if not cells:  # no record of the cells: what was asked for
        if not months and not groups:
            return "every measurement month and group"
        return f"{', '.join(months) if months else 'every month'}, {', '.join(groups) if groups else 'every group'}"
    cell_months = list(dict.fromkeys(m for m, _ in cells))
    cell_groups = list(dict.fromkeys(g for _, g in cells))
    if len(cells) != len(cell_months) * len(cell_groups) or set(cells) != {
        (m, g) for m in cell_months for g in cell_groups
    }:
        return ", ".join(f"{m} {g}" for m, g in cells)
    if len(cells) == 1:
        return f"{cells[0][0]} {cells[0][1]}"
    in_months = ", ".join(cell_months) if months or len(cell_months) == 1 else f"all {len(cell_months)} months"
    in_groups = (
        ", ".join(cell_groups)
        if groups or len(cell_groups) == 1
        else "both groups"
        if len(cell_groups) == 2
        else f"all {len(cell_groups)} groups"
    )
    return f"{in_months} and {in_groups}" if not months and not groups else f"{in_months} ({in_groups})"


def in_mnkr(amount: float) -> str:
    """An amount in kronor written in mnkr, with its unit."""
    return f"{format_mnkr(amount)} mnkr"


def cell_title(block, group: str, pot: float, paid: float, lapsed: float) -> str:
    """A group (with its label, if the rules give one) and what its pot paid and lost."""
    group_label = next(g.label for g in block.groups if g.name == group)
    named = f"{group} ({group_label})" if group_label else group
    return f"{named}: pot {format_mnkr(pot)} mnkr, paid {format_mnkr(paid)}, lapsed {format_mnkr(lapsed)}"


def label(ax: Axes, title: str, note: str, synthetic: bool) -> None:
    """A bold title with a small note under it (red when the data are synthetic), wrapped to the figure."""
    title, note = plain(title), plain(note)
    inches = ax.figure.get_size_inches()[0] * ax.get_position().width
    lines = textwrap.wrap(note, width=max(40, int(inches * 17)))
    title = "\n".join(textwrap.wrap(title, width=max(30, int(inches * 10.5))))
    # the note stands 1.2 % of the axes' height above them, its lines 7.5 pt at 1.2 line spacing: the title above it
    above = 0.012 * ax.figure.get_size_inches()[1] * ax.get_position().height * 72
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", pad=6 + 9.5 * len(lines) + above)
    if lines:
        ax.text(
            0,
            1.012,
            "\n".join(lines),
            transform=ax.transAxes,
            fontsize=7.5,
            va="bottom",
            ha="left",
            color="#a11d1d" if synthetic else "#555555",
            gid="note",
        )
