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
from ...money import NO_DATA, format_mnkr, format_number
from ..look import MN, NONE_COLOUR, label, lighten, new_axes, plain, provenance_note
from .rules import RequirementsBonus

ROUTE_COLOURS = {"improvement": "#2f6db5", "fulfilment": "#2ca25f", "none": NONE_COLOUR, "no_data": NONE_COLOUR}


def _annotation(row, unit: str) -> str:
    if row.data == "missing":
        return NO_DATA["en"]
    imp = row.improvement_pct if unit == "%" else row.improvement_pp
    parts = [f"{format_number(imp, None, signed=True)} {unit}"] if np.isfinite(imp) else []
    parts += [f"level {row.level:g}"] if np.isfinite(row.level) else []
    step = f"step {row.bars}" if row.route == "improvement" else row.route
    return f"{', '.join(parts)}: {step}"


def plot_requirement_cell(result, block: RequirementsBonus, cell: tuple[str, str], ax: Axes | None = None) -> Axes:
    """One requirement in one month (or its period): every region's earned money and bonus."""
    month, name = cell
    steps, regions, _ = result.cell_tables(block.number, month, name)
    req = next(r for r in block.requirements if r.name == name)
    unit = "%" if req.improvement is not None and req.improvement.unit == "relative_pct" else "pp"
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
    right = float(max(np.max(part, initial=0.0), np.max(earned + bonus, initial=0.0))) * 1.45 or 1.0
    for r, row in enumerate(regions.itertuples()):
        ax.text(
            max(part[r], earned[r] + bonus[r]) + right * 0.01, r, plain(_annotation(row, unit)), va="center", fontsize=7
        )
    ax.set_yticks(y, [region_label(r) for r in regions["region"]], fontsize=7.5)
    ax.set_xlim(0, right)
    ax.set_xlabel("mnkr in this cell (| : the region's part of the pot)")
    handles = [
        Patch(color=ROUTE_COLOURS["improvement"], label="earned by improvement"),
        Patch(color=ROUTE_COLOURS["fulfilment"], label="earned by a high level"),
        Patch(color=lighten(ROUTE_COLOURS["improvement"], 0.6), label="bonus (share of the unearned money)"),
        Patch(color=NONE_COLOUR, label="not met"),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True, framealpha=0.9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    pot = float(steps["base_sek"].sum())
    earned_sum, bonus_sum, lapsed = (
        float(steps.loc[k, c]) for k, c in ((0, "pot_sek"), (1, "pot_sek"), (1, "lapsed_sek"))
    )
    title = (
        f"{month}, {req.label or name}: pot {format_mnkr(pot)} mnkr, earned {format_mnkr(earned_sum)}, "
        f"bonus {format_mnkr(bonus_sum)}, lapsed {format_mnkr(lapsed)}"
    )
    return _labelled(ax, result, req, title)


def plot_requirement(result, block: RequirementsBonus, name: str, ax: Axes | None = None) -> Axes:
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
            ax.text(j, i, "L" if route == "fulfilment" else "–", ha="center", va="center", fontsize=7, color=ink)
    months = list(grid.columns)
    ax.set_xticks(range(len(months)), [m[2:] for m in months], fontsize=7)
    ax.set_yticks(range(len(grid)), [region_label(r) for r in grid.index], fontsize=7.5)
    for i, (earned, bonus) in enumerate(money.itertuples(index=False)):
        text = f"{format_mnkr(earned)} + {format_mnkr(bonus)} bonus" if np.isfinite(earned) else NO_DATA["en"]
        ax.text(len(months) - 0.3, i, plain(text), va="center", fontsize=7)
    ax.set_xlim(-0.5, len(months) + 2.8)
    ax.set_xlabel("month (shade: the fraction of its part a region earned, 0 to 1; L: by a high level)")
    cells = result.cells[(result.cells["block"] == block.number) & (result.cells["group"] == name)]
    pot, earned, lapsed = (float(cells[c].sum()) for c in ("pot_sek", "earned_sek", "lapsed_sek"))
    title = (
        f"{req.label or name}: {format_mnkr(pot)} mnkr; earned {format_mnkr(earned)}, "
        f"unearned {format_mnkr(pot - earned)} (lapsed {format_mnkr(lapsed)})"
    )
    return _labelled(ax, result, req, title)


def _labelled(ax: Axes, result, req, title: str) -> Axes:
    """The picture's title and its note: what produced the data, and whether the requirement is a placeholder."""
    note, synthetic = provenance_note(result.provenance)
    if req.unsourced:
        note = "UNSOURCED requirement (a placeholder of the rule file) · " + note
    label(ax, title, note, synthetic)
    return ax
