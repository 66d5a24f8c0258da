"""The engine's part for absolute-threshold blocks: backends and output rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .allocate.threshold import ROUTE_NAMES, ThresholdCell, allocate_period
from .allocate.threshold_kernels import ThresholdParams, ThresholdResult, run_threshold
from .cube_threshold import ThresholdInput
from .money import check_conserved
from .rules.models import AbsoluteThreshold


def period_cells(block: AbsoluteThreshold, inp: ThresholdInput, p: int) -> tuple[dict[str, int], dict[str, ThresholdCell]]:
    """The reference outcome of period ``p``: each group's cell index and :class:`ThresholdCell`."""
    rows = {g: c for c, ((_, g), cp) in enumerate(zip(inp.cells, inp.cell_period)) if cp == p}
    gate = {g: inp.gate[c].tolist() for g, c in rows.items()} if block.gate else None
    values = {g: inp.value[c].tolist() for g, c in rows.items()}
    return rows, allocate_period(block, block.periods[p], list(inp.regions), values, gate, inp.weights.tolist())


def threshold_reference(block: AbsoluteThreshold, inp: ThresholdInput) -> ThresholdResult:
    """Run the reference period by period, returning the kernel's array layout."""
    shape = inp.value.shape
    out = ThresholdResult(np.empty(shape), np.empty(shape, np.int8), np.empty(shape, np.int8), np.empty(shape[0]))
    for p in range(len(block.periods)):
        rows, cells = period_cells(block, inp, p)
        for g, c in rows.items():
            out.amount[c] = [r.amount for r in cells[g].regions]
            out.tier[c] = [r.tier for r in cells[g].regions]
            out.route[c] = [r.route for r in cells[g].regions]
            out.lapsed[c] = cells[g].lapsed
    return out


def allocate_threshold(block: AbsoluteThreshold, inp: ThresholdInput, backend: str) -> ThresholdResult:
    """The block's allocation by the chosen backend (``check``: both, and they must agree)."""
    from .engine import compare_backends

    if backend == "reference":
        return threshold_reference(block, inp)
    if backend not in ("numba", "check"):
        raise ValueError(f"unknown backend {backend!r}: use numba, reference or check")
    fast = run_threshold(ThresholdParams.from_block(block), inp.value, inp.gate, inp.cell_period, inp.weights, inp.pots)
    if backend == "check":
        compare_backends(threshold_reference(block, inp), fast, inp)
    return fast


def threshold_rows(block: AbsoluteThreshold, inp: ThresholdInput, res: ThresholdResult, names: dict) -> tuple[list[pd.DataFrame], list[dict]]:
    """One row per region and cell (reported under the period's last month), and the cells' totals."""
    routes = np.array(ROUTE_NAMES)
    level_names = block.level_names
    rows, cells = [], []
    for c, (_, group) in enumerate(inp.cells):
        month, pot = inp.months[c], float(inp.pots[c].sum())
        tiers = res.tier[c].astype(int)
        levels = ["+".join(level_names[k] for k in range(len(level_names)) if (t >= k + 1 if block.cumulative else t == k + 1)) for t in tiers]
        paid = float(res.amount[c].sum())
        check_conserved(pot, paid, float(res.lapsed[c]), f"block {block.number} {month} {group}")
        rows.append(pd.DataFrame({
            "region": inp.regions, "region_name": [names.get(r, "") for r in inp.regions],
            "block": block.number, "month": month, "group": group, "tier": tiers, "route": routes[res.route[c]],
            "bars": levels, "improvement_pp": np.nan, "share_current": inp.value[c], "share_previous": np.nan,
            "share_60": np.nan, "population": inp.population, "amount_sek": res.amount[c], "cell_pot_sek": pot,
            "cell_lapsed_sek": res.lapsed[c], "conditions_met": pd.NA, "gate_value": inp.gate[c],
        }))  # fmt: skip
        cells.append({"block": block.number, "month": month, "group": group, "pot_sek": pot,
                      "paid_sek": paid, "lapsed_sek": float(res.lapsed[c]), "qualifiers": int((tiers > 0).sum())})  # fmt: skip
    return rows, cells
