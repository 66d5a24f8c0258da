"""A price block's outcome as the engine's allocation and rows, the same way from the reference and the kernel.

Both backends are first brought to one :class:`PriceDetail` (per pot and region: what was paid for the
region's own operations and as a top region; per pot what lapsed; per region and procedure the
operations counted and the amount): from the reference's :class:`~.reference.PriceCell` or the kernel's
:class:`~.kernel.PriceResult`. Everything else (cells, steps, routes, the rows' columns) is computed from
the detail by the same code, so ``--backend check`` compares the two backends' details to the bit.

Cells: the block's one pot is one cell (its last month, no group); with one pot per procedure, each
procedure is a cell. Steps: ``operations`` (paid for the regions' own operations) and ``top_regions``
(what the operations step left, paid to the top regions or lapsing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..steps import BASE, COUNT, FLOWS, LAPSED, PASSED_UP, POT, RECEIVED, WEIGHT
from .arrays import PriceInput
from .pay import baseline
from .rules import PricePerOperation

STEPS = ("operations", "top_regions")
ROUTE_NAMES = ("none", "increase", "capped", "top_regions")
ROUTE_NONE, ROUTE_INCREASE, ROUTE_CAPPED, ROUTE_TOP = range(len(ROUTE_NAMES))


@dataclass(frozen=True)
class PriceDetail:
    """What a backend computed of one panel."""

    paid: np.ndarray  # (S, R) for the region's own operations, per pot
    top: np.ndarray  # (S, R) as one of a pot's top regions
    lapsed: np.ndarray  # (S,)
    counted: np.ndarray  # (R, P) operations paid for
    by_procedure: np.ndarray  # (R, P) each procedure's amount (a share of the pot's pay, in one pot)
    amount: np.ndarray  # (R,) the region's amount from the block


def detail_of_cell(cell) -> PriceDetail:
    """The reference's :class:`~.reference.PriceCell` as a detail."""
    regions = cell.regions
    by_pot = len(cell.pots) > 1 or cell.pots[0].name != "all"
    if by_pot:
        paid = np.array([[r.procedures[s].paid for r in regions] for s in range(len(cell.pots))])
        top = np.array([[r.procedures[s].top for r in regions] for s in range(len(cell.pots))])
    else:
        paid, top = np.array([[r.paid for r in regions]]), np.array([[r.top for r in regions]])
    return PriceDetail(
        paid,
        top,
        np.array([p.lapsed for p in cell.pots], dtype=np.float64),
        np.array([[p.counted for p in r.procedures] for r in regions], dtype=np.float64),
        np.array([[p.amount for p in r.procedures] for r in regions], dtype=np.float64),
        np.array([r.amount for r in regions], dtype=np.float64),
    )


def detail_of_result(res) -> PriceDetail:
    """The kernel's :class:`~.kernel.PriceResult` of one panel as a detail."""
    return PriceDetail(res.pot_paid, res.pot_top, res.pot_lapsed, res.counted, res.by_procedure, res.amount)


def caps_of(block: PricePerOperation, inp: PriceInput) -> np.ndarray:
    """(S, R) each region's cap in each pot (inf without caps), as the reference computes them."""
    from .reference import region_caps

    key_sum = 0.0
    for k in inp.cap_key:
        key_sum += float(k)
    return np.array([region_caps(block, pot, inp.cap_key.tolist(), key_sum) for pot in block.pot_sek()])


def cell_values(block: PricePerOperation, inp: PriceInput, d: PriceDetail) -> dict[str, np.ndarray]:
    """Each cell's (C, R) values: the money of its steps, the region's cap and earnings there, and the counts."""
    prices = [p.price_sek for p in block.procedures]
    earned_rp = d.counted * np.array(prices)[None, :]
    caps = caps_of(block, inp)
    if block.pot_by == "procedure":
        members = [[p] for p in range(len(prices))]
    else:
        members = [list(range(len(prices)))]
    total = lambda values, ps: [_sum(values[r, p] for p in ps) for r in range(values.shape[0])]  # noqa: E731
    bases = base_values(block, inp)
    return {
        "paid": d.paid,
        "top": d.top,
        "amount": np.array([[d.paid[s, r] + d.top[s, r] for r in range(d.paid.shape[1])] for s in range(len(members))]),
        "cap": caps,
        "earned": np.array([total(earned_rp, ps) for ps in members]),
        "operations": np.array([total(inp.operations, ps) for ps in members]),
        "baseline": np.array([total(bases, ps) for ps in members]),
        "counted": np.array([total(d.counted, ps) for ps in members]),
    }


def base_values(block: PricePerOperation, inp: PriceInput) -> np.ndarray:
    """(R, P) each region's baseline per procedure (NaN when every operation counts)."""
    if block.counting != "above_baseline":
        return np.full(inp.operations.shape, np.nan)
    use_max = block.baseline_statistic == "max"
    values = [
        [float(baseline([h[r][p] for h in inp.history.tolist()], use_max)) for p in range(inp.operations.shape[1])]
        for r in range(inp.operations.shape[0])
    ]
    return np.array(values, dtype=np.float64)


def routes(values: dict[str, np.ndarray], has_cap: bool) -> np.ndarray:
    """(C, R) route codes: capped (its own money reached its cap), paid for its operations, only as a top
    region, or none."""
    paid, top = values["paid"], values["top"]
    capped = (paid >= values["cap"]) & (paid > 0) if has_cap else np.zeros(paid.shape, bool)
    return np.select([capped, paid > 0, top > 0], [ROUTE_CAPPED, ROUTE_INCREASE, ROUTE_TOP], ROUTE_NONE).astype(np.int8)


def flows_of(block: PricePerOperation, values: dict[str, np.ndarray], lapsed: np.ndarray) -> np.ndarray:
    """(C, FLOWS, 2): the operations step pays the regions' own money and hands the rest of the pot to the top
    regions' step, which pays them or lets it lapse."""
    pots = np.array(block.pot_sek())
    flows = np.zeros((len(pots), len(FLOWS), len(STEPS)))
    for c, pot in enumerate(pots):
        paid, top = _sum(values["paid"][c]), _sum(values["top"][c])
        flows[c, BASE, 0], flows[c, POT, 0] = pot, paid
        flows[c, PASSED_UP, 0] = pot - paid
        flows[c, RECEIVED, 1], flows[c, POT, 1], flows[c, LAPSED, 1] = pot - paid, top, lapsed[c]
        flows[c, WEIGHT, 0] = _sum(values["counted"][c])
        flows[c, COUNT, 0] = float((values["paid"][c] > 0).sum())
        flows[c, COUNT, 1] = float((values["top"][c] > 0).sum())
        flows[c, WEIGHT, 1] = flows[c, COUNT, 1]
    return flows


def share_of_max(values: dict[str, np.ndarray]) -> np.ndarray:
    """(C, R) what the region was paid for its own operations as a percentage of its cap (NaN without one)."""
    paid, cap = values["paid"], values["cap"]
    out = np.full(paid.shape, np.nan)
    for index in np.ndindex(paid.shape):
        if math.isfinite(cap[index]):
            out[index] = paid[index] / cap[index] * 100.0
    return out


def _sum(values) -> float:
    """Left to right, from 0.0."""
    total = 0.0
    for v in values:
        total += float(v)
    return total
