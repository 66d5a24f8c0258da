"""Each region's amount in each staircase cell as a function of the pp it adds to its own share there.

This is what the what-if page looks up. A what-if (:func:`kommiljard.analysis.whatif.whatif`)
adds X pp to one region's measure in chosen cells and runs the whole scheme again. Each
staircase cell (a measurement month and group) has its own pot, shared among the regions by
that cell's numbers only, so the region's amount in a cell depends on the X added in that cell
and on nothing else it changes: its total for any choice of X per cell is the sum of its cell
amounts plus what the other blocks give it (which no improvement changes).
:func:`cell_curves` computes those cell amounts on a grid of X with the engine's kernel, one
batch per region and block (one panel per grid point, every cell moved at once, as
:func:`~kommiljard.analysis.whatif.payout_curve` does), and refuses rule sets where the sum
would not be exact (two staircase cells reading the same panel row, or another block reading
a changed one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..engine import Payout
from ..errors import InputError
from ..inputs.panel import shift_month
from ..kinds import kind_of
from ..kinds.staircase.arrays import block_cells, staircase_input
from ..kinds.staircase.kernel import StaircaseParams, run_staircase
from ..kinds.staircase.units import route_names
from ..rules import Rules
from .levers import CAPPED_BY, SHARE_DECIMALS, improved_arrays, staircase_blocks

DEFAULT_LO, DEFAULT_HI = -20.0, 20.0
MAX_STEP_DECIMALS = 2  # a panel with more decimals gets a 0.01 pp grid (still exact on it, bounds between points)
MAX_GRID_POINTS = 20_001


def share_decimals(values) -> int:
    """The fewest decimals (0 to 6) that write every share exactly: 1 for ``[71.3, 80.0]``."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    for d in range(SHARE_DECIMALS + 1):
        scaled = v * 10.0**d
        if np.all(np.abs(scaled - np.rint(scaled)) < 1e-6):
            return d
    return SHARE_DECIMALS


def default_step(result: Payout) -> float:
    """The panel's precision as a step of improvement: 0.1 pp when the shares carry one decimal."""
    columns = sorted({b.measure for b in staircase_blocks(result.rules)})
    frame = result.panel.frame
    decimals = share_decimals(np.concatenate([frame[c].to_numpy(np.float64) for c in columns if c in frame.columns]))
    return 10.0 ** -min(decimals, MAX_STEP_DECIMALS)


def check_additive(rules: Rules) -> None:
    """Refuse a rule set where a region's total is not its staircase cells' sum plus fixed amounts."""
    blocks = staircase_blocks(rules)
    instead = "the what-if page adds independent cells; use `kommiljard whatif` for this rule set."
    changed: dict[tuple[str, str], int] = {}  # (month, group) whose row an improvement changes -> block
    for block in blocks:
        for cell in block_cells(block):
            if cell in changed:
                raise InputError(
                    f"{rules.origin}: blocks {changed[cell]} and {block.number} both measure {cell[0]} {cell[1]}, "
                    f"so one improvement would count in both; {instead}"
                )
            changed[cell] = block.number
    for block in blocks:
        for month, group in block_cells(block):
            compare = (shift_month(month, -block.compare_lag_months), group)
            if compare in changed:
                raise InputError(
                    f"{rules.origin}: block {block.number} compares {month} {group} with {compare[0]}, which block "
                    f"{changed[compare]} measures, so an improvement there changes two cells at once; {instead}"
                )
    numbers = {b.number for b in blocks}
    for other in rules.ruleset.blocks:
        if other.number in numbers:
            continue
        for block in blocks:
            reads = sorted(set(other.measure_columns()) & {block.measure, CAPPED_BY.get(block.measure)})
            months = sorted({m for m, g in block_cells(block) if kind_of(other).cell_of(other, m, g) is not None})
            if reads and months:
                raise InputError(
                    f"{rules.origin}: block {other.number} also reads {', '.join(reads)} in {', '.join(months)}, "
                    f"which an improvement changes; {instead}"
                )


def grid_indices(lo: float, hi: float, step: float) -> np.ndarray:
    """Whole steps k with ``lo <= k * step <= hi``; 0 must be among them."""
    if not (step > 0 and math.isfinite(step)):
        raise InputError(f"what-if grid: the step must be a positive number of pp (got {step}).")
    if not (lo <= 0.0 <= hi) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(
            f"what-if grid: the range must contain 0, from --lo <= 0 to --hi >= 0 pp (got {lo:g} to {hi:g})."
        )
    points = (hi - lo) / step + 1  # a float first: -1e308 to 1e308 is inf, which no integer can hold
    if not points <= MAX_GRID_POINTS + 1:
        raise InputError(
            f"what-if grid: {lo:g} to {hi:g} pp in steps of {step:g} is {points:.0f} points per cell; "
            f"keep it to {MAX_GRID_POINTS} (a larger --step or a narrower range)."
        )
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    if last - first + 1 > MAX_GRID_POINTS:
        raise InputError(
            f"what-if grid: {lo:g} to {hi:g} pp in steps of {step:g} is {last - first + 1} points per cell; "
            f"keep it to {MAX_GRID_POINTS} (a larger --step or a narrower range)."
        )
    return np.arange(first, last + 1, dtype=np.int64)


@dataclass(frozen=True)
class CellCurves:
    """Every region's amount, tier and route in every staircase cell at each grid improvement."""

    result: Payout  # the baseline payout (rules, panel, population and every other block's amounts)
    regions: tuple[str, ...]
    cells: tuple[tuple[int, str, str], ...]  # (block, month, group), in the rules' order
    routes: tuple[tuple[str, ...], ...]  # per cell: the names of route codes 0, 1, 2
    step: float
    k: np.ndarray  # (K,) int64: grid point k adds k * step pp
    amount: np.ndarray  # (R, C, K) float64 kronor
    tier: np.ndarray  # (R, C, K) int8
    route: np.ndarray  # (R, C, K) int8: codes into ``routes``
    share: np.ndarray  # (R, C) the measure in the measurement month, before any improvement
    previous: np.ndarray  # (R, C) the measure in the comparison month
    fixed: np.ndarray  # (R,) the region's amount from every other block (improvements do not change it)
    no_data: tuple[str, ...] = ()  # regions left out: without rows for some cell (a payout with allow_missing)

    @property
    def improve_pp(self) -> np.ndarray:
        """The improvement at each grid point, rounded as :func:`~kommiljard.analysis.levers.improved_share` rounds."""
        return np.round(self.k * self.step, SHARE_DECIMALS)

    def index(self, improve_pp: float) -> int:
        """The grid position of an improvement; an :class:`InputError` if it is not on the grid."""
        k = round(improve_pp / self.step)
        if abs(k * self.step - improve_pp) > 1e-9 or not self.k[0] <= k <= self.k[-1]:
            raise InputError(
                f"{improve_pp:g} pp is not on the grid "
                f"({self.k[0] * self.step:g} to {self.k[-1] * self.step:g} pp in steps of {self.step:g})."
            )
        return int(k - self.k[0])

    def total(self, region: str, improve: float | Mapping[tuple[str, str], float] = 0.0) -> float:
        """The region's total over the scheme with ``improve`` pp in every cell, or per (month, group)."""
        r = self.regions.index(region)
        amounts = [
            self.amount[r, c, self.index(improve if not isinstance(improve, Mapping) else improve.get((m, g), 0.0))]
            for c, (_, m, g) in enumerate(self.cells)
        ]
        return float(sum(amounts) + self.fixed[r])


def cell_curves(
    result: Payout, lo: float = DEFAULT_LO, hi: float = DEFAULT_HI, step: float | None = None
) -> CellCurves:
    """Each region's amount in each staircase cell as it adds ``k * step`` pp there, ``lo <= k * step <= hi``.

    ``result`` is the baseline payout; its rules, panel and population are used, and the amounts
    of its other blocks are kept as they are. ``step`` defaults to the panel's precision
    (:func:`default_step`). Grid point k equals ``whatif(panel, region, k * step, months=month,
    groups=group)`` in that cell, to the bit: the same shares (rounded and clamped as a what-if
    does, the target's measure capped) go through the same kernel. A payout computed with
    ``allow_missing_regions`` gives curves of the regions with every cell's rows; the others
    (``no_data``) take no part in the cells they lack, as in the payout, and have no curves.
    """
    rules, panel, population = result.rules, result.panel, result.population
    blocks = staircase_blocks(rules)
    check_additive(rules)
    step = default_step(result) if step is None else float(step)
    k = grid_indices(lo, hi, step)
    grid = np.round(k * step, SHARE_DECIMALS)
    allow_missing = bool(result.provenance.get("allow_missing_regions"))
    inputs = [(b, staircase_input(panel, b, population, allow_missing)) for b in blocks]
    lacking = set().union(
        *(np.asarray(inp.regions)[inp.missing.any(axis=0)] for _, inp in inputs if inp.missing is not None)
    )
    no_data = tuple(r for r in inputs[0][1].regions if r in lacking)
    regions = tuple(r for r in inputs[0][1].regions if r not in lacking)
    cells = tuple((b.number, m, g) for b, inp in inputs for m, g in inp.cells)
    shape = (len(regions), len(cells), len(k))
    amount, tier, route = np.empty(shape), np.empty(shape, np.int8), np.empty(shape, np.int8)
    share, previous = np.empty(shape[:2]), np.empty(shape[:2])
    start = 0
    for block, inp in inputs:
        params, n = StaircaseParams.from_block(block), len(inp.cells)
        every = list(range(n))
        prev = np.repeat(inp.previous[None], len(k), axis=0)
        for r, region in enumerate(inp.regions):
            if region in lacking:
                continue
            current, target = improved_arrays(inp, block, r, every, inp.current[:, r][None] + grid[:, None])
            res = run_staircase(params, current, prev, target, inp.weights, inp.pots)
            j = regions.index(region)
            amount[j, start : start + n] = res.amount[:, :, r].T
            tier[j, start : start + n] = res.tier[:, :, r].T
            route[j, start : start + n] = res.route[:, :, r].T
            share[j, start : start + n], previous[j, start : start + n] = inp.current[:, r], inp.previous[:, r]
        start += n
    numbers = {b.number for b in blocks}
    others = result.table[~result.table["block"].isin(numbers)]
    fixed = others.groupby("region")["amount_sek"].sum().reindex(list(regions), fill_value=0.0).to_numpy(np.float64)
    routes = tuple(route_names(b) for b, inp in inputs for _ in inp.cells)
    return CellCurves(result, regions, cells, routes, step, k, amount, tier, route, share, previous, fixed, no_data)
