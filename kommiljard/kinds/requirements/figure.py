"""The picture of one requirement in one month: what each region earned, by which route, and its bonus.

Every region as a bar of its amount in the cell: the part it earned (coloured by the route: an
improvement, a high level) and its share of the cell's unearned money (the bonus, lighter), with its
improvement and level written beside it; a dashed line marks the region's whole part, so a bar short
of it shows what went to the bonus pot. Drawn from what the engine computed (a
:class:`~kommiljard.engine.Payout`), never by running the rules again.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ...inputs.regions import region_label
from ...language import words_of
from ...money import NO_DATA, format_mnkr, format_pp, format_share
from ..look import MN, NONE_COLOUR, label, lighten, new_axes, plain, provenance_note
from ..naming import month_name
from .explain import requirement_name
from .rules import RequirementsBonus

WORDS = words_of(__package__)

ROUTE_COLOURS = {"improvement": "#2f6db5", "fulfilment": "#2ca25f", "none": NONE_COLOUR, "no_data": NONE_COLOUR}


def _annotation(row, unit: str, lang: str) -> str:
    """A region's improvement, level and how it met the requirement (or not), beside its bar."""
    if row.data == "missing":
        return NO_DATA[lang]
    w = lambda key, **values: WORDS.text(f"figure.{key}", lang, **values)  # noqa: E731 - one line
    imp = row.improvement_pct if unit == "%" else row.improvement_pp
    parts = [w("improvement", value=format_pp(imp, lang=lang), unit=unit)] if np.isfinite(imp) else []
    parts += [w("level", value=format_share(row.level, lang))] if np.isfinite(row.level) else []
    step = w("step", step=_step(row.bars, lang)) if row.route == "improvement" else w(f"route_{row.route}")
    return f"{', '.join(parts)}: {step}"


def _step(name, lang: str) -> str:
    return WORDS.get(f"step.{name}", lang, str(name))


def plot_requirement_cell(
    result, block: RequirementsBonus, cell: tuple[str, str], ax: Axes | None = None, lang: str = "en"
) -> Axes:
    """One requirement in one month (or its period): every region's earned money and bonus."""
    month, name = cell
    steps, regions, _ = result.cell_tables(block.number, month, name)
    req = next(r for r in block.requirements if r.name == name)
    unit = "%" if req.improvement is not None and req.improvement.unit == "relative_pct" else _pp(lang)
    regions = regions.sort_values(["amount_sek", "region"], ascending=[True, False], ignore_index=True)
    ax = new_axes(ax, (10, 0.3 * len(regions) + 2.4))
    y = np.arange(len(regions))
    earned = regions["earned_sek"].fillna(0.0).to_numpy() / MN
    bonus = regions["bonus_sek"].fillna(0.0).to_numpy() / MN
    colours = [ROUTE_COLOURS[r] for r in regions["route"]]
    ax.barh(y, earned, color=colours, height=0.7, gid="earned")
    ax.barh(y, bonus, left=earned, color=[lighten(c, 0.6) for c in colours], height=0.7, gid="bonus")
    part = regions["part_sek"].to_numpy() / MN
    ax.scatter(part, y, marker="|", s=120, color="#333333", zorder=3, gid="part")
    right = float(max(np.max(part, initial=0.0), np.max(earned + bonus, initial=0.0))) * 1.6 or 1.0
    for r, row in enumerate(regions.itertuples()):
        at = max(part[r], earned[r] + bonus[r]) + right * 0.01
        ax.text(at, r, plain(_annotation(row, unit, lang)), va="center", fontsize=7)
    ax.set_yticks(y, [region_label(r) for r in regions["region"]], fontsize=7.5)
    ax.set_xlim(0, right)
    w = lambda key, **values: WORDS.text(f"figure.{key}", lang, **values)  # noqa: E731 - one line
    ax.set_xlabel(w("cell_x_label"))
    handles = [
        Patch(color=ROUTE_COLOURS["improvement"], label=w("earned_improvement")),
        Patch(color=ROUTE_COLOURS["fulfilment"], label=w("earned_level")),
        Patch(color=lighten(ROUTE_COLOURS["improvement"], 0.6), label=w("bonus")),
        Patch(color=NONE_COLOUR, label=w("not_met")),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True, framealpha=0.9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    pot = float(steps["base_sek"].sum())
    earned_sum, bonus_sum, lapsed = (
        float(steps.loc[k, c]) for k, c in ((0, "pot_sek"), (1, "pot_sek"), (1, "lapsed_sek"))
    )
    mnkr = lambda amount: format_mnkr(amount, lang=lang)  # noqa: E731 - one line
    title = w("cell_title", month=month_name(month, lang), requirement=requirement_name(req, lang), pot=mnkr(pot),
              earned=mnkr(earned_sum), bonus=mnkr(bonus_sum), lapsed=mnkr(lapsed))  # fmt: skip
    return _labelled(ax, result, req, title, lang)


def plot_requirement(result, block: RequirementsBonus, name: str, ax: Axes | None = None, lang: str = "en") -> Axes:
    """One requirement over all its months: for every region and month the fraction of its part it earned (the
    shade; L: by a high level, blank: no data), and beside each row its money from the requirement (earned and its
    share of the unearned money) in mnkr."""
    req = next(r for r in block.requirements if r.name == name)
    rows = result.table[(result.table["block"] == block.number) & (result.table["group"] == name)]
    grid = rows.pivot(index="region", columns="month", values="fraction")
    routes = rows.pivot(index="region", columns="month", values="route")
    money = rows.groupby("region")[["earned_sek", "bonus_sek"]].sum(min_count=1)
    order = money.sum(axis=1).sort_values().index
    grid, routes, money = grid.loc[order], routes.loc[order], money.loc[order]
    ax = new_axes(ax, (10, 0.3 * len(grid) + 2.4))
    image = np.ma.masked_invalid(grid.to_numpy(np.float64))
    ax.imshow(image, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0, gid="fractions")
    shades = grid.to_numpy(np.float64)
    for (i, j), route in np.ndenumerate(routes.to_numpy()):
        if route in ("fulfilment", "no_data"):
            ink = "white" if shades[i, j] > 0.6 else "#1d1d1d"
            mark = WORDS.text("figure.by_level", lang) if route == "fulfilment" else "–"
            ax.text(j, i, mark, ha="center", va="center", fontsize=7, color=ink)
    months = list(grid.columns)
    ax.set_xticks(range(len(months)), _month_ticks(months, lang), fontsize=7)
    ax.set_yticks(range(len(grid)), [region_label(r) for r in grid.index], fontsize=7.5)
    mnkr = lambda amount: format_mnkr(amount, lang=lang)  # noqa: E731 - one line
    for i, (earned, bonus) in enumerate(money.itertuples(index=False)):
        text = WORDS.text("figure.money" if block.bonus != "lapse" else "figure.money_lapse", lang, earned=mnkr(earned),
                          bonus=mnkr(bonus))  # fmt: skip
        ax.text(len(months) - 0.3, i, plain(text if np.isfinite(earned) else NO_DATA[lang]), va="center", fontsize=7)
    ax.set_xlim(-0.5, len(months) + 2.8)
    ax.set_xlabel(WORDS.text("figure.months_x_label", lang))
    cells = result.cells[(result.cells["block"] == block.number) & (result.cells["group"] == name)]
    pot, earned, lapsed = (float(cells[c].sum()) for c in ("pot_sek", "earned_sek", "lapsed_sek"))
    title = WORDS.text("figure.title", lang, requirement=requirement_name(req, lang), pot=mnkr(pot),
                       earned=mnkr(earned), unearned=mnkr(pot - earned), lapsed=mnkr(lapsed))  # fmt: skip
    return _labelled(ax, result, req, title, lang)


def _month_ticks(months: list[str], lang: str) -> list[str]:
    """The months as a reader names them: ``feb``, ``mar`` ..., the year under the first and under each January
    (they read ``23-02`` before)."""
    short = [month_name(m, lang, short=True).removesuffix(f" {m[:4]}") for m in months]
    return [f"{s}\n{m[:4]}" if i == 0 or m[5:7] == "01" else s for i, (s, m) in enumerate(zip(short, months))]


def _pp(lang: str) -> str:
    return "p.e." if lang == "sv" else "pp"  # short: beside a bar


def _labelled(ax: Axes, result, req, title: str, lang: str) -> Axes:
    """The picture's title and its note: what produced the data, and whether the requirement is a placeholder."""
    note, synthetic = provenance_note(result.provenance, lang)
    if req.unsourced:
        note = WORDS.text("figure.unsourced", lang) + " · " + note
    label(ax, title, note, synthetic)
    return ax
