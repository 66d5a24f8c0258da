"""A region's lever in a block of requirements: percentage points of a requirement's measure.

Moving a requirement by X pp moves the region's figure of the requirement's measure X points in the
better direction (up, or down where lower is better) in the months the requirement measures — never
the year before, which is history — rounded to 6 decimals and kept within the measure's unit (a
share stays within 0-100 %). The requirement's level moves with it where it reads the same column.
Every requirement that reads the same column in the same rows moves too (they are the same figure).
The same arithmetic serves a what-if on a panel (:func:`move_figures`) and the kernel's batches of
payout curves (:func:`lever_batch`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..steps import in_units, passes
from .arrays import RequirementsInput, cell_months
from .declarations import LEVER
from .rules import Requirement, RequirementsBonus
from .units import ROUTE_FULFILMENT, ROUTE_IMPROVEMENT, ROUTE_NONE

FIGURE_DECIMALS = 6


def lever_measure(req: Requirement) -> str:
    """The column a requirement's lever moves: its improvement's measure, else its level's."""
    return req.measure if req.improvement is not None else req.level_measure


def better_sign(req: Requirement) -> float:
    """+1 where a higher figure is better, -1 where lower is (the lever's direction)."""
    better = req.improvement.better if req.improvement is not None else req.fulfilment.better
    return -1.0 if better == "lower" else 1.0


def moved(values, change, sign: float, lo: float, hi: float) -> np.ndarray:
    """``values`` moved ``change`` in the better direction (``sign``), rounded to 6 decimals, within ``lo``..``hi``."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) + sign * change, FIGURE_DECIMALS), lo, hi)


def move_figures(frame, block: RequirementsBonus, req: Requirement, region: str, months, change: float):
    """A copy of a panel ``frame`` with ``region``'s figure of ``req``'s measure moved ``change`` points in
    ``months`` (the requirement's group)."""
    frame = frame.copy()
    column = lever_measure(req)
    lo, hi = block.measure(column).range
    rows = (frame["region"] == region) & frame["month"].isin(list(months)) & (frame["group"] == req.group)
    values = frame.loc[rows, column].astype(np.float64)
    frame.loc[rows, column] = moved(values, change, better_sign(req), lo, hi)
    return frame


def judge_many(req: Requirement, current, previous, level) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tier, route, fraction) of many figures of one requirement at once: the judgement of
    :func:`~.reference.judge`, element by element with the same floating-point operations."""
    from .reference import RequirementRule

    rule = RequirementRule.of(req)
    current, previous, level = (np.asarray(a, dtype=np.float64) for a in (current, previous, level))
    now, before = in_units(current, rule.scale), in_units(previous, rule.scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = in_units(rule.sign * (now - before) / before * 100.0, rule.scale)
    units = np.where(before == 0.0, np.nan, relative) if rule.relative else rule.sign * (now - before)
    reached = sum((passes(units, b, i).astype(np.int64) for b, i in zip(rule.step_bounds, rule.step_inclusive)), 0)
    fractions = np.array((0.0, *rule.step_fractions))
    improvement = fractions[np.asarray(reached)]
    fulfilled = np.zeros(np.shape(current), bool)
    if not np.isnan(rule.fulfilment_bound):
        fulfilled = passes(
            rule.fulfilment_sign * in_units(level, rule.scale),
            rule.fulfilment_sign * rule.fulfilment_bound,
            rule.fulfilment_inclusive,
        )
    pays = (improvement > 0.0) & (~fulfilled | (improvement >= rule.fulfilment_fraction))
    route = np.where(pays, ROUTE_IMPROVEMENT, np.where(fulfilled, ROUTE_FULFILMENT, ROUTE_NONE))
    fraction = np.where(pays, improvement, np.where(fulfilled, rule.fulfilment_fraction, 0.0))
    tier = np.where(pays, reached, np.where(fulfilled, rule.fulfilment_tier, 0))
    return tier, route, fraction


def affected(block: RequirementsBonus, inp: RequirementsInput, c: int) -> list[tuple[int, bool, bool]]:
    """The cells whose figures move with lever cell ``c``: (cell, its current moves, its level moves). Those that
    read the lever's column in the same group and months (``c`` itself, and any other requirement on the same
    figures)."""
    req = block.requirements[int(inp.cell_requirement[c])]
    column = lever_measure(req)
    months = dict(cell_months(req))[inp.cells[c][0]]
    out = []
    for c2, j in enumerate(inp.cell_requirement):
        other = block.requirements[int(j)]
        if other.group != req.group or not set(months) & set(dict(cell_months(other))[inp.cells[c2][0]]):
            continue
        moves = (
            other.improvement is not None and other.measure == column,
            other.fulfilment is not None and other.level_measure == column,
        )
        if any(moves):
            out.append((c2, *moves))
    return out


def moved_figures(block, inp, region: int, moves: dict[int, tuple[bool, bool]], xs, absolute: bool):
    """(current, level) rows of the region (len(xs), C): in every moved cell its figure at each ``xs`` — last year's
    plus x in the better direction (``absolute``, for an improvement) or this year's plus x — kept within its unit."""
    n = len(xs)
    current = np.repeat(inp.current[:, region][None], n, axis=0)
    level = np.repeat(inp.level[:, region][None], n, axis=0)
    for c, (cur, lev) in moves.items():
        req = block.requirements[int(inp.cell_requirement[c])]
        lo, hi = block.measure(lever_measure(req)).range
        sign = better_sign(req)
        start = inp.previous[c, region] if absolute and req.improvement is not None else inp.current[c, region]
        if not np.isfinite(start):  # a fulfilment-only cell: no figure of last year, moved from this year's level
            start = inp.level[c, region]
        value = moved(start, np.asarray(xs), sign, lo, hi)
        if cur:
            current[:, c] = value
        if lev:
            level[:, c] = value
    return current, level


def states(block, inp, region: int, cells: Sequence[int], figures) -> np.ndarray:
    """(len(xs), len(cells)) int64: a code of each moved cell's (tier, route, fraction) at each row of ``figures``."""
    current, level = figures
    codes = []
    for c in cells:
        req = block.requirements[int(inp.cell_requirement[c])]
        tier, route, fraction = judge_many(req, current[:, c], inp.previous[c, region], level[:, c])
        _, code = np.unique(np.stack([tier, route, fraction]), axis=1, return_inverse=True)
        codes.append(code.ravel())
    return np.stack(codes, axis=1) if codes else np.zeros((len(current), 0), np.int64)


def run_states(block, inp, region: int, figures, rows: np.ndarray):
    """The kernel on one panel per row of ``rows`` (indexes into the figures): the region's figures as there, every
    other region as in the panel."""
    from .kernel import RequirementsParams, run_requirements

    current, level = figures
    cur = np.repeat(inp.current[None], len(rows), axis=0)
    lev = np.repeat(inp.level[None], len(rows), axis=0)
    cur[:, :, region], lev[:, :, region] = current[rows], level[rows]
    return run_requirements(
        RequirementsParams.from_block(block),
        cur,
        np.repeat(inp.previous[None], len(rows), axis=0),
        lev,
        cell_requirement=inp.cell_requirement,
        pots=inp.pots,
        weights=inp.weights,
        missing=inp.missing,
    )


def to_next_step(req: Requirement, current: float, previous: float, level: float, fraction: float) -> float:
    """The points the region's figure must still move (in the better direction) to earn more of its part: to the
    next staircase step above what it earns, or to the level if that pays more; NaN if nothing pays more."""
    options = []
    scale = req.scale
    if req.improvement is not None and np.isfinite(previous):
        imp = req.improvement
        sign = -1.0 if imp.better == "lower" else 1.0
        now = sign * (in_units(current, scale) - in_units(previous, scale))
        for s in imp.steps:
            if s.fraction > fraction:
                bound = in_units(s.min_improvement, scale) + (0 if s.inclusive else 1)
                if imp.unit == "relative_pct":
                    needed = bound / scale * abs(previous) / 100.0 - now / scale
                else:
                    needed = (bound - now) / scale
                options.append(max(needed, 0.0))
                break
    ful = req.fulfilment
    if ful is not None and ful.fraction > fraction and np.isfinite(level):
        sign = -1.0 if ful.better == "lower" else 1.0
        bound = in_units(ful.threshold, scale) * sign + (0 if ful.inclusive else 1)
        options.append(max((bound - sign * in_units(level, scale)) / scale, 0.0))
    return float(min(options)) if options else np.nan


def requirement_cells(block: RequirementsBonus, name: str) -> list[tuple[str, str]]:
    """The cells (month, requirement) of the requirement called ``name``."""
    req = next(r for r in block.requirements if r.name == name)
    return [(m, req.name) for m, _ in cell_months(req)]


class RequirementLever:
    """The lever of one block of requirements (:class:`kommiljard.kinds.base.LeverActions`).

    Its cells are the block's (month, requirement); each moves the rows ``(month, requirement name)``: the
    requirement's figure in its group's row of that month (the requirement's name stands for the panel row and
    the column it moves, so ``--group sc_first_visit`` chooses a requirement). The bonus pot couples every cell of
    the block (a region's bonus follows all it earned), so a payout curve is the region's amount from the whole
    block, and a page cell's curve carries the whole change of the region's amount when that cell alone moves.
    """

    def __init__(self, block: RequirementsBonus):
        self.lever = LEVER
        self.block = block
        self.measures = tuple(dict.fromkeys(lever_measure(r) for r in block.requirements))

    def requirement(self, name: str) -> Requirement:
        return next(r for r in self.block.requirements if r.name == name)

    def rows(self) -> list[tuple[tuple[str, str], tuple[tuple[str, str], ...]]]:
        return [
            ((month, req.name), tuple((m, req.name) for m in months))
            for req in self.block.requirements
            for month, months in cell_months(req)
        ]

    def move(self, frame, region: str, rows: Sequence[tuple[str, str]], change: float):
        months: dict[str, list[str]] = {}
        for month, name in rows:
            months.setdefault(name, []).append(month)
        for name, chosen in months.items():
            frame = move_figures(frame, self.block, self.requirement(name), region, chosen, change)
        return frame

    def describe(self, before, after, changed, change: float) -> tuple[dict, dict]:
        names = list(before.index.get_level_values("group"))
        reqs = [self.requirement(n) for n in names]

        def figure(rows):
            return np.where(np.isnan(rows["share_current"].to_numpy(float)), rows["level"], rows["share_current"])

        was, now = figure(before), figure(after)
        signs = np.array([better_sign(r) for r in reqs])
        state = {
            "measure": [lever_measure(r) for r in reqs],
            "share_previous": after["share_previous"].to_numpy(),
            "share_before": was,
            "share_after": now,
            "clamped": [
                bool(m and not np.isclose(s * (a - b), change)) for m, s, a, b in zip(changed, signs, now, was)
            ],
            "improvement_before_pp": before["improvement_pp"].to_numpy(),
            "improvement_after_pp": after["improvement_pp"].to_numpy(),
            "fraction_before": before["fraction"].to_numpy(),
            "fraction_after": after["fraction"].to_numpy(),
        }
        nxt = [
            to_next_step(r, c, p, lv, f)
            for r, c, p, lv, f in zip(
                reqs, after["share_current"], after["share_previous"], after["level"], after["fraction"]
            )
        ]
        return state, {"to_next_tier_pp": nxt}

    def view(self, cells, lang: str = "en") -> tuple[dict, dict]:
        """The what-if's cells as text for the terminal, in ``lang``: the figure moved (the requirement's measure), the
        improvement and the fraction of its part earned, before → after, and the points to the next step."""
        from ...money import format_number, format_pp, format_share
        from ..naming import say as word

        def number(value) -> str:
            return format_number(value, None, lang=lang)

        clamped = f" ({word('clamped', lang)})"
        state = {
            "figure": [  # its measure is the requirement's (the group)
                f"{format_share(b, lang)} → {format_share(a, lang)}" + (clamped if cl else "")
                for b, a, cl in zip(cells["share_before"], cells["share_after"], cells["clamped"])
            ],
            "improvement_pp": [
                f"{format_pp(b, lang=lang)} → {format_pp(a, lang=lang)}"
                for b, a in zip(cells["improvement_before_pp"], cells["improvement_after_pp"])
            ],
            "fraction": [
                f"{number(b)} → {number(a)}" for b, a in zip(cells["fraction_before"], cells["fraction_after"])
            ],
        }
        top = word("top", lang)
        nxt = [format_pp(v, signed=False, lang=lang) if np.isfinite(v) else top for v in cells["to_next_tier_pp"]]
        return state, {"to_next_tier_pp": nxt}

    def curves(self, inp: RequirementsInput, region: int, grid) -> dict:
        grid = np.asarray(grid, dtype=np.float64)
        n_cells = len(inp.cells)
        tier, route = (np.zeros((len(grid), n_cells), np.int8) for _ in range(2))
        batches = []  # per lever cell: its moved figures (len(grid), C) and the distinct outcomes along the grid
        for c in range(n_cells):
            moves = {c2: (cur, lev) for c2, cur, lev in affected(self.block, inp, c)}
            figures = moved_figures(self.block, inp, region, moves, grid, absolute=False)
            _, first, inverse = np.unique(
                states(self.block, inp, region, list(moves), figures), axis=0, return_index=True, return_inverse=True
            )
            batches.append((figures, first, inverse.ravel()))
            req = self.block.requirements[int(inp.cell_requirement[c])]
            tier[:, c], route[:, c], _ = judge_many(req, figures[0][:, c], inp.previous[c, region], figures[1][:, c])
        # one kernel run for every distinct outcome of every cell, and the panel as it is (the last row)
        rows = [(f[0][k], f[1][k]) for f, first, _ in batches for k in first]
        rows.append((inp.current[:, region], inp.level[:, region]))
        stacked = (np.stack([a for a, _ in rows]), np.stack([b for _, b in rows]))
        res = run_states(self.block, inp, region, stacked, np.arange(len(rows)))
        totals, base = res.amount[:-1, :, region].sum(axis=1), res.amount[-1, :, region]
        amount, start = np.zeros((len(grid), n_cells)), 0
        for c, (_, first, inverse) in enumerate(batches):
            amount[:, c] = totals[start + inverse] - (base.sum() - base[c])
            start += len(first)
        return {
            "amount": amount,
            "tier": tier,
            "route": route,
            "state": {
                "share": inp.current[:, region],
                "previous": inp.previous[:, region],
                "level": inp.level[:, region],
                "better": np.array([better_sign(self.block.requirements[int(i)]) for i in inp.cell_requirement]),
            },
        }

    def curve(
        self, inp: RequirementsInput, region: int, cells: Sequence[int], grid, rows=()
    ) -> tuple[np.ndarray, np.ndarray]:
        grid = np.asarray(grid, dtype=np.float64)
        moves: dict[int, tuple[bool, bool]] = {}
        for c in cells:
            moves |= {c2: (cur, lev) for c2, cur, lev in affected(self.block, inp, c)}
        figures = moved_figures(self.block, inp, region, moves, grid, absolute=True)
        totals = self._totals(inp, region, list(moves), figures)
        tiers = [
            judge_many(
                self.block.requirements[int(inp.cell_requirement[c])],
                figures[0][:, c],
                inp.previous[c, region],
                figures[1][:, c],
            )[0]
            for c in cells
        ]
        return totals, np.max(np.stack(tiers), axis=0) if tiers else np.zeros(len(grid), np.int64)

    def together(self, inp: RequirementsInput, region: int, grid) -> np.ndarray:
        """The region's amount from the whole block, (len(grid),), as every cell moves by each grid value at once (as
        ``kommiljard whatif --improve x`` moves them): a bonus pot ties the cells, so it is not their curves' sum."""
        moves: dict[int, tuple[bool, bool]] = {}
        for c in range(len(inp.cells)):
            moves |= {c2: (cur, lev) for c2, cur, lev in affected(self.block, inp, c)}
        figures = moved_figures(self.block, inp, region, moves, np.asarray(grid, dtype=np.float64), absolute=False)
        return self._totals(inp, region, list(moves), figures)

    def _totals(self, inp: RequirementsInput, region: int, moved_cells: list[int], figures) -> np.ndarray:
        """The region's amount from the whole block at each row of ``figures``, the kernel run once per distinct
        outcome of the moved cells (every row with the same steps and fractions pays the same)."""
        codes = states(self.block, inp, region, moved_cells, figures)
        _, first, inverse = np.unique(codes, axis=0, return_index=True, return_inverse=True)
        res = run_states(self.block, inp, region, figures, first)
        return res.amount[:, :, region].sum(axis=1)[inverse.ravel()]
