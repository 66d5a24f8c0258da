"""The shared look of every picture (each kind's figure, the payouts, sweeps): the agreement's bar
colours, titles and the note on what produced the data, in English or Swedish (the words every picture
shares are in ``kinds/words.toml``, a kind's own in its folder: :func:`kind_words`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from ..inputs.regions import normalise_code, region_label
from ..money import PP_UNIT, format_number, mnkr, pp
from ..rules.common import CONTROL, changes_text
from .naming import (  # noqa: F401 - the words of every picture, here too
    WORDS,
    colour_word,
    group_name,
    kind_words,
    measure_name,
    month_name,
    regions_count,
    say,
    step_name,
    value_of,
)

# The colours of the agreement's diagram 1 (blå, röd, orange stapel), and of a requirement's earned money and
# bonus; other steps get a cycle.
BAR_COLOURS = {"blue": "#2f6db5", "red": "#c43b3b", "orange": "#e8922d", "earned": "#2f6db5", "bonus": "#e8922d"}
OTHER_COLOURS = ("#6a51a3", "#2ca25f", "#8c6d31", "#de2d26")
NONE_COLOUR = "#b9b9b9"
BLOCK_COLOUR = "#5f8f63"  # population blocks (block 2)
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


def provenance_note(provenance: dict, lang: str = "en") -> tuple[str, bool]:
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
        if observed.get("source"):
            source = Path(str(observed["source"])).name
            cells = observed.get("cells_used", "?")
            cells = format_number(cells, lang=lang) if isinstance(cells, int) else cells
            parts.append(say("synthetic_given", lang, name=name, cells=cells, source=source))
        else:
            parts.append(say("synthetic_sweep", lang, name=name))
    elif synthetic:
        parts.append(say("synthetic", lang))
    if provenance.get("status") not in (None, "complete"):
        parts.append(say("incomplete", lang, status=provenance["status"]))
    rules = provenance.get("rules")
    if isinstance(rules, dict):
        rule_id = f"{rules.get('id', '?')}" + (f" {rules['version']}" if rules.get("version") else "")
        overrides = rules.get("overrides") or {}
        changes = changes_text(overrides)
        parts.append(
            say("rules_with", lang, id=rule_id, changes=changes) if overrides else say("rules", lang, id=rule_id)
        )
    elif rules:
        parts.append(say("rules", lang, id=rules))
    if panel.get("source"):
        parts.append(say("panel", lang, name=Path(str(panel["source"])).name))
    if provenance.get("n") is not None:
        parts.append(say("trajectories", lang, n=_count(provenance["n"], lang)))
    if provenance.get("seed") is not None:
        parts.append(say("seed", lang, seed=provenance["seed"]))
    if isinstance(provenance.get("lever"), dict):
        parts.append(lever_text(provenance["lever"], lang))
    return " · ".join(parts), synthetic


def _count(n, lang: str) -> str:
    try:
        return format_number(int(n), 0, lang=lang)
    except (TypeError, ValueError):
        return str(n)


def lever_text(lever: dict, lang: str = "en") -> str:
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
        value = float(lever.get("improve_pp"))
        counted = f"{format_number(value, None, True, lang)} {unit_word(unit, lang)}"
        amount = pp(value, lang=lang) if unit == "pp" else counted
    except (TypeError, ValueError):
        amount = f"{lever.get('improve_pp')} {PP_UNIT[lang] if unit == 'pp' else unit_word(unit, lang)}"
    return say("lever", lang, who=who, pp=amount, cells=_cells_text(lever, lang))


def unit_word(unit: str, lang: str) -> str:
    """A lever's unit in words (``operations``: operationer), from the kind whose lever has it."""
    from . import KINDS
    from .base import word

    for kind in KINDS.values():
        for lever in kind.levers:
            if lever.unit == unit and "unit" in lever.words:
                return word(lever.words, "unit", lang)
    return unit


def _cells_text(lever: dict, lang: str) -> str:
    def listed(values) -> list[str]:
        return [values] if isinstance(values, str) else [str(v) for v in values or []]

    def cell(m: str, g: str) -> str:
        return f"{month_name(m, lang, short=True)} {group_name(g, lang)}"

    cells = [(str(c.get("month")), str(c.get("group"))) for c in lever.get("cells") or [] if isinstance(c, dict)]
    months, groups = listed(lever.get("months")), listed(lever.get("groups"))
    if cells and all(g == "None" for _, g in cells):  # a block's one cell over its period (a price's one pot)
        return ", ".join(groups) if groups else "every group"
    if not cells:  # no record of the cells: what was asked for
        if not months and not groups:
            return say("every_cell", lang)
        shown_months = (
            ", ".join(month_name(m, lang, short=True) for m in months) if months else say("every_month", lang)
        )
        shown_groups = ", ".join(group_name(g, lang) for g in groups) if groups else say("every_group", lang)
        return f"{shown_months}, {shown_groups}"
    cell_months = list(dict.fromkeys(m for m, _ in cells))
    cell_groups = list(dict.fromkeys(g for _, g in cells))
    if len(cells) != len(cell_months) * len(cell_groups) or set(cells) != {
        (m, g) for m in cell_months for g in cell_groups
    }:
        return ", ".join(cell(m, g) for m, g in cells)
    if len(cells) == 1:
        return cell(*cells[0])
    in_months = (
        ", ".join(month_name(m, lang, short=True) for m in cell_months)
        if months or len(cell_months) == 1
        else say("all_months", lang, n=len(cell_months))
    )
    in_groups = (
        ", ".join(group_name(g, lang) for g in cell_groups)
        if groups or len(cell_groups) == 1
        else say("both_groups", lang)
        if len(cell_groups) == 2
        else say("all_groups", lang, n=len(cell_groups))
    )
    return f"{in_months} {say('and', lang)} {in_groups}" if not months and not groups else f"{in_months} ({in_groups})"


def in_mnkr(amount: float, lang: str = "en") -> str:
    """An amount in kronor written in mnkr, with its unit."""
    return mnkr(amount, lang=lang)


def cell_title(block, group: str, pot: float, paid: float, lapsed: float, lang: str = "en") -> str:
    """A group and what its pot paid and lost."""
    return say(
        "cell_title",
        lang,
        group=group_name(group, lang),
        pot=mnkr(pot, lang=lang),
        paid=mnkr(paid, lang=lang),
        lapsed=mnkr(lapsed, lang=lang),
    )


TITLE_SIZE, NOTE_SIZE = 11, 7.5  # points
LINE = 1.3  # a text line's height, in font sizes


def label(ax: Axes, title: str, note: str, synthetic: bool) -> None:
    """A bold title with a small note under it (red when the data are synthetic), both wrapped to the axes'
    width and stacked above the axes: the note sits a fixed number of points above the axes and the title
    above the note, so that they never overlap whatever the figure's size."""
    title, note = plain(title), plain(note)
    inches = ax.figure.get_size_inches()[0] * ax.get_position().width
    lines = textwrap.wrap(note, width=max(40, int(inches * 72 / (0.56 * NOTE_SIZE))))
    title = "\n".join(textwrap.wrap(title, width=max(30, int(inches * 72 / (0.62 * TITLE_SIZE)))))
    gap = 4
    ax.set_title(title, loc="left", fontsize=TITLE_SIZE, fontweight="bold", pad=gap + 3 + NOTE_SIZE * LINE * len(lines))
    if lines:
        ax.annotate(
            "\n".join(lines),
            xy=(0, 1),
            xycoords="axes fraction",
            xytext=(0, gap),
            textcoords="offset points",
            fontsize=NOTE_SIZE,
            va="bottom",
            ha="left",
            linespacing=1.2,
            color="#a11d1d" if synthetic else "#555555",
            gid="note",
            annotation_clip=False,
        )


def legend_below(ax: Axes, handles: list, label_lines: int = 1, ncols: int = 1) -> None:
    """A legend under the axes, below its tick labels and its x label of ``label_lines`` lines: never over the
    data, and inside the figure (constrained layout makes room for it)."""
    below = (3 + 10 + 12 * label_lines + 6) / NOTE_SIZE  # ticks, tick labels, x label: in the legend's font sizes
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, 0), borderaxespad=below, fontsize=NOTE_SIZE,
              frameon=False, handletextpad=0.4, labelspacing=0.3, ncols=ncols, columnspacing=1.5)  # fmt: skip


def wrapped(text: str, ax: Axes, share: float = 1.0, size: float = NOTE_SIZE, indent: str = "  ") -> str:
    """``text`` wrapped to ``share`` of the axes' width in ``size``-point text (continuation lines indented)."""
    inches = ax.figure.get_size_inches()[0] * ax.get_position().width * share
    return "\n".join(textwrap.wrap(text, max(30, int(inches * 72 / (0.56 * size)) - 6), subsequent_indent=indent))
