"""Every fast function of the package beside its references: one table for the tests and the benchmarks.

An entry says how to make a random case (shares on the 0.1 grid, with many exactly on the
rules' bounds, and regimes where bars stay empty or nobody qualifies), how to run the fast
function on it, and its references: the package's readable reference (which it must match
to the bit) and the naive one of ``tests/naive.py`` (which it must match to the öre, with
the same tiers and routes). ``tests/test_kernels.py`` runs every entry under hypothesis;
``benchmarks/run.py`` times every entry's fast function against its references.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from kommiljard.inputs.population import read_population
from kommiljard.inputs.regions import region_codes
from kommiljard.kinds.price_per_operation.kernel import PriceParams, run_price
from kommiljard.kinds.price_per_operation.reference import allocate_price_cell
from kommiljard.kinds.price_per_operation.rules import PROCEDURES
from kommiljard.kinds.requirements.arrays import RequirementsInput, cell_months
from kommiljard.kinds.requirements.kernel import RequirementsParams, requirements_outcomes, run_requirements
from kommiljard.kinds.requirements.reference import allocate_requirements
from kommiljard.kinds.staircase.kernel import StaircaseParams, run_staircase, staircase_outcomes
from kommiljard.kinds.staircase.reference import allocate_cell
from kommiljard.kinds.threshold.arrays import ThresholdInput
from kommiljard.kinds.threshold.kernel import ThresholdParams, run_threshold
from kommiljard.kinds.threshold.reference import period_cells
from kommiljard.rules import load_rules

import naive

REGIONS = region_codes()
TOLERANCE_SEK = 0.01

STAIRCASE_VARIANTS = {
    "default": {},
    "exclusive-bars": {"block1.cumulative": False},
    "cascade-lapse": {"block1.cascade": "lapse"},
    "equal-sharing": {"block1.sharing": "equal"},
    "5.0-orange-71-exclusive": {"block1.bars.orange.inclusive": True, "block1.target.inclusive": False},
    "blue-above-0": {"block1.bars.blue.min_improvement": 0.0, "block1.bars.blue.inclusive": False},
    "1-decimal": {"block1.improvement_decimals": 1, "block1.target.decimals": 1},
    "1-decimal-improvement-only": {"block1.improvement_decimals": 1},
    "whole-percent": {"block1.improvement_decimals": 0},  # shares on the 0.1 grid: many ties, half away from zero
    "relative": {"block1.improvement_unit": "relative_pct"},  # previous shares of 0 included: undefined
    "literal-4.4.1": {"block1.target.entry": "not_improved", "block1.target.needs_improver": True},
    "exclusive-down-then-up": {"block1.cumulative": False, "block1.cascade": "down_then_up"},
}
THRESHOLD_VARIANTS = {
    "2013-gate-per-group": ("kommiljard-2013", {}),
    "2013-gate-all-groups": ("kommiljard-2013", {"block1.gate.scope": "all_groups"}),
    "2011-exclusive-cascade-down": ("kommiljard-2011", {"block1.cumulative": False, "block1.cascade": "down"}),
    "2009-equal-1-decimal": ("kommiljard-2009", {"block1.sharing": "equal", "block1.decimals": 1}),
    "2012-whole-percent": ("kommiljard-2012", {"block1.decimals": 0}),  # 79.5 is 80: half away from zero
}

REQUIREMENT_VARIANTS = {
    "default": {},
    "bonus-met-population": {"block1.bonus": "met_population"},
    "bonus-per-requirement": {"block1.bonus": "per_requirement"},
    "no-bonus-pot": {"block1.bonus": "lapse"},
    "equal-parts": {"block1.sharing": "equal"},
    "all-or-nothing": "all-or-nothing",  # the rule file's alternative
    "relative-exclusive-1-decimal": {  # a relative change from 0 is undefined; exclusive bounds; ties at 1 decimal
        "block1.requirements.sc_first_visit.improvement.unit": "relative_pct",
        "block1.requirements.sc_first_visit_150.improvement.unit": "relative_pct",
        "block1.requirements.pc_assessment.improvement.steps.1pp.inclusive": False,
        "block1.requirements.sc_revisit.fulfilment.inclusive": False,
        "block1.requirements.sc_operation_150.fulfilment.inclusive": False,
        "block1.requirements.bup_first_visit.decimals": 1,
        "block1.requirements.sc_operation.decimals": 0,
        "block1.requirements.bup_treatment.fulfilment.fraction": 0.6,  # a partial level: the better route pays
    },
}


@cache
def weights(equal: bool) -> np.ndarray:
    return np.ones(len(REGIONS)) if equal else read_population().of(REGIONS).astype(np.float64)


@cache
def staircase_block(variant: str):
    return load_rules("kommiljard-2019", STAIRCASE_VARIANTS[variant]).ruleset.block(1)


@cache
def requirements_block(variant: str):
    overrides = REQUIREMENT_VARIANTS[variant]
    rules = load_rules("kommiljard-2023")
    rules = rules.with_alternative(overrides) if isinstance(overrides, str) else rules.with_overrides(overrides)
    return rules.ruleset.block(1)


@cache
def threshold_block(variant: str):
    name, overrides = THRESHOLD_VARIANTS[variant]
    return load_rules(name, overrides).ruleset.block(1)


REGIMES = np.array(["any", "any", "nobody", "no-top"])


def shares_on_bounds(rng: np.random.Generator, shape: tuple[int, ...], regime: np.ndarray) -> tuple[np.ndarray, ...]:
    """(previous, current, target) shares in percent on the 0.1 grid, for a regime per cell
    (``regime`` broadcasts to ``shape``): a quarter of the differences exactly on a bound
    (0, 1.0, 3.0, 5.0 pp) or a tenth beside one, a fifth of share_60 at 71.0 or a tenth beside
    it. "nobody" keeps every difference below 1.0 pp and share_60 below 71, "no-top" every
    difference below 5.0 pp."""
    nobody = regime == "nobody"
    top = np.where(nobody, 9, np.where(regime == "no-top", 49, 1000))
    previous = rng.integers(0, 1001, shape)
    diff = rng.integers(-300, 1001, shape) % (top + 301) - 300
    bounds = rng.choice([0, 9, 10, 11, 29, 30, 31, 49, 50, 51], shape)
    diff = np.where(rng.random(shape) < 0.25, np.minimum(bounds, top), diff)
    current = np.clip(previous + diff, 0, 1000)
    target = np.where(rng.random(shape) < 0.2, rng.choice([709, 710, 711], shape), rng.integers(0, 1001, shape))
    target = np.where(nobody, np.minimum(target, 709), target)
    return previous / 10.0, current / 10.0, np.minimum(target, current) / 10.0


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class StaircaseCase:
    block: object
    current: np.ndarray  # (T, C, R)
    previous: np.ndarray
    target: np.ndarray
    weights: np.ndarray
    pots: np.ndarray  # (C,)

    @property
    def region_cells(self) -> int:
        return self.current.size


def staircase_case(rng: np.random.Generator, variant: str, n_traj: int = 1) -> StaircaseCase:
    block = staircase_block(variant)
    cells = [(m, g) for m in block.months for g in block.group_names]
    shape = (n_traj, len(cells), len(REGIONS))
    previous, current, target = shares_on_bounds(rng, shape, rng.choice(REGIMES, size=(n_traj, len(cells), 1)))
    pots = np.array([block.pot_sek(g) for _, g in cells])
    return StaircaseCase(block, current, previous, target, weights(block.sharing == "equal"), pots)


def staircase_fast(case: StaircaseCase) -> dict[str, np.ndarray]:
    res = run_staircase(
        StaircaseParams.from_block(case.block), case.current, case.previous, case.target, case.weights, case.pots
    )
    return {"amount": res.amount, "tier": res.tier, "route": res.route, "lapsed": res.lapsed}


def staircase_reference(case: StaircaseCase) -> dict[str, np.ndarray]:
    """The package's readable reference, cell by cell."""
    out = {k: [] for k in ("amount", "tier", "route", "lapsed")}
    for t in range(case.current.shape[0]):
        cells = [
            allocate_cell(
                case.block,
                list(REGIONS),
                case.current[t, c].tolist(),
                case.previous[t, c].tolist(),
                case.target[t, c].tolist(),
                case.weights.tolist(),
                float(case.pots[c]),
            )
            for c in range(case.current.shape[1])
        ]
        out["amount"].append([[r.amount for r in cell.regions] for cell in cells])
        out["tier"].append([[r.tier for r in cell.regions] for cell in cells])
        out["route"].append([[r.route for r in cell.regions] for cell in cells])
        out["lapsed"].append([cell.lapsed for cell in cells])
    return {k: np.array(v) for k, v in out.items()}


def staircase_naive(case: StaircaseCase) -> dict[str, np.ndarray]:
    runs = [
        naive.staircase(case.block, case.current[t], case.previous[t], case.target[t], case.weights, case.pots)
        for t in range(case.current.shape[0])
    ]
    return {k: np.array([r[k] for r in runs]) for k in runs[0]}


def sweep_sources(case: StaircaseCase) -> tuple:
    """The case as a sweep's kernel reads it: (T, X, G, R) sources and month indexes (X = 2 M:
    the measurement months, then their comparison months)."""
    n_traj, n_cells, n_regions = case.current.shape
    groups = len(case.block.group_names)
    months = n_cells // groups
    cur = case.current.reshape(n_traj, months, groups, n_regions)
    prev = case.previous.reshape(n_traj, months, groups, n_regions)
    source = np.concatenate([cur, prev], axis=1)
    target = case.target.reshape(n_traj, months, groups, n_regions)
    return (source, np.arange(months)), (source, np.arange(months, 2 * months)), (target, np.arange(months)), groups


def outcomes_fast(case: StaircaseCase, threads: int = 1) -> dict[str, np.ndarray]:
    current, previous, target, groups = sweep_sources(case)
    res = staircase_outcomes(
        StaircaseParams.from_block(case.block),
        current,
        previous,
        target,
        case.weights,
        case.pots,
        groups,
        threads,
        months=True,
    )
    return {"amount": res.amount, "tier": res.tier, "month_tier": res.month_tier}


def by_group(per_cell: dict[str, np.ndarray], groups: int) -> dict[str, np.ndarray]:
    """Per cell results (T, M * G, R) as a sweep keeps them: amounts summed over the months in
    month order, the highest tier, each month's tier (T, M, G, R)."""
    amount, tier = per_cell["amount"], per_cell["tier"]
    n_traj, n_cells, n_regions = amount.shape
    amount = amount.reshape(n_traj, n_cells // groups, groups, n_regions)
    total = amount[:, 0].copy()
    for m in range(1, amount.shape[1]):
        total += amount[:, m]
    month_tier = tier.reshape(amount.shape)
    return {"amount": total, "tier": month_tier.max(axis=1), "month_tier": month_tier}


@dataclass(frozen=True)
class ThresholdCase:
    block: object
    value: np.ndarray  # (C, R), cells period-major
    gate: np.ndarray
    cell_period: np.ndarray
    weights: np.ndarray
    pots: np.ndarray  # (C, levels)

    @property
    def region_cells(self) -> int:
        return self.value.size


def threshold_case(rng: np.random.Generator, variant: str, n_traj: int = 1) -> ThresholdCase:
    """One panel: period figures on the 0.1 grid, many exactly on a level or the gate."""
    block = threshold_block(variant)
    cells = [(p, g) for p in block.periods for g in block.group_names]
    shape = (len(cells), len(REGIONS))
    specials = [lv.threshold + d for lv in block.levels for d in (-0.1, 0.0, 0.1)]
    value = np.where(rng.random(shape) < 0.4, rng.choice(specials, shape), rng.integers(400, 1001, shape) / 10.0)
    gate_specials = [block.gate.threshold + d for d in (-0.1, 0.0, 0.1)] if block.gate else [0.0]
    gate = np.where(rng.random(shape) < 0.4, rng.choice(gate_specials, shape), rng.integers(400, 1001, shape) / 10.0)
    if block.gate is None:
        gate = np.full(shape, np.nan)
    pots = np.array([[block.pot_sek(lv, p, g) for lv in block.levels] for p, g in cells])
    cell_period = np.array([block.periods.index(p) for p, _ in cells])
    return ThresholdCase(block, value, gate, cell_period, weights(block.sharing == "equal"), pots)


def threshold_fast(case: ThresholdCase) -> dict[str, np.ndarray]:
    res = run_threshold(
        ThresholdParams.from_block(case.block), case.value, case.gate, case.cell_period, case.weights, case.pots
    )
    return {"amount": res.amount, "tier": res.tier, "route": res.route, "lapsed": res.lapsed}


def threshold_reference(case: ThresholdCase) -> dict[str, np.ndarray]:
    b = case.block
    cells = tuple((p.name, g) for p in b.periods for g in b.group_names)
    inp = ThresholdInput(REGIONS, cells, (), case.cell_period, case.value, case.gate, None, case.weights, case.pots)
    out = {k: [None] * len(case.value) for k in ("amount", "tier", "route", "lapsed")}
    for p in range(len(case.block.periods)):
        rows, cells = period_cells(case.block, inp, p)
        for g, c in rows.items():
            cell = cells[g]
            out["amount"][c] = [r.amount for r in cell.regions]
            out["tier"][c] = [r.tier for r in cell.regions]
            out["route"][c] = [r.route for r in cell.regions]
            out["lapsed"][c] = cell.lapsed
    return {k: np.array(v) for k, v in out.items()}


def threshold_naive(case: ThresholdCase) -> dict[str, np.ndarray]:
    return naive.threshold(case.block, case.value, case.gate, case.cell_period, case.weights, case.pots)


PRICE_VARIANTS = {
    "2026": ("kommiljard-2026", 1, {}),
    "2026-max": ("kommiljard-2026", 1, {"block1.baseline_statistic": "max"}),
    # whole mnkr prices: the caps (whole mnkr) are reached exactly by whole numbers of operations
    "2026-round-prices": (
        "kommiljard-2026",
        1,
        {f"block1.procedures.{p}.price_sek": 1_000_000 for p in PROCEDURES},
    ),
    "2026-fractional": ("kommiljard-2026", 1, {"block1.whole_operations": False}),
    "2026-no-cap": ("kommiljard-2026", 1, {"block1.cap.key": "none"}),
    "2026-every-operation-equal-cap": (
        "kommiljard-2026",
        1,
        {"block1.counting": "every_operation", "block1.cap.key": "equal"},
    ),
    "2025-jun-oct": ("kommiljard-2025-jun-oct", 1, {}),
    "2025-jun-oct-cap-population": ("kommiljard-2025-jun-oct", 1, {"block1.cap.key": "population"}),
    "2025-feb-oct": ("kommiljard-2025-feb-oct", 2, {}),
    "2025-feb-oct-top-by-operations": ("kommiljard-2025-feb-oct", 2, {"block2.unearned.sharing": "operations"}),
    "2025-feb-oct-top-equal-one": (
        "kommiljard-2025-feb-oct",
        2,
        {"block2.unearned.sharing": "equal", "block2.unearned.regions": 1},
    ),
    "2025-feb-oct-within-cap": ("kommiljard-2025-feb-oct", 2, {"block2.unearned.within_cap": True}),
    "2025-feb-oct-no-cap": ("kommiljard-2025-feb-oct", 2, {"block2.cap.key": "none"}),
    "2025-feb-oct-every-operation-max": (
        "kommiljard-2025-feb-oct",
        2,
        {"block2.counting": "every_operation", "block2.baseline_statistic": "max"},
    ),
}
PRICE_REGIMES = ("random", "on-baseline", "far-above", "zero", "at-cap")


@cache
def price_block(variant: str):
    name, number, overrides = PRICE_VARIANTS[variant]
    return load_rules(name, overrides).ruleset.block(number)


@dataclass(frozen=True)
class PriceCase:
    block: object
    operations: np.ndarray  # (T, R, P) in the period
    history: np.ndarray  # (Y, R, P) in each earlier year's same months
    population: np.ndarray  # (R,)
    cap_key: np.ndarray  # (R,)

    @property
    def region_cells(self) -> int:
        """Regions x procedures x trajectories: one region in one procedure of one trajectory is a cell."""
        return self.operations.size

    @property
    def n_traj(self) -> int:
        return self.operations.shape[0]

    def head(self, n: int) -> PriceCase:
        """The first ``n`` trajectories."""
        return PriceCase(self.block, self.operations[:n], self.history, self.population, self.cap_key)


def cap_key(block, population: np.ndarray) -> np.ndarray:
    """Each region's number in the block's cap key (what the kind's arrays hold)."""
    if block.cap.key == "table":
        return np.array([block.cap.table[r] for r in REGIONS])
    return population.astype(np.float64) if block.cap.key == "population" else np.ones(len(REGIONS))


def _on_baseline(block, history: np.ndarray) -> np.ndarray:
    """(R, P) the operations exactly at the baseline: the first count that is paid nothing."""
    base = history.max(axis=0) if block.baseline_statistic == "max" else history.sum(axis=0) / len(history)
    return np.ceil(base) if block.whole_operations else base


def price_case(rng: np.random.Generator, variant: str, n_traj: int = 1) -> PriceCase:
    """Counts on whole operations around each region's baseline, per trajectory a regime for each region
    and procedure: random, exactly on the baseline (or one either side), far above (past any cap), none,
    or exactly at the cap (whole-mnkr prices: the increase in one procedure is the cap in mnkr). Populations
    from a small set in half the cases, and shared rates, so that the top regions tie at the last place."""
    block = price_block(variant)
    n_regions, n_procs, n_years = len(REGIONS), len(block.procedures), max(len(block.baseline_years), 1)
    small = rng.random() < 0.5
    population = (
        rng.choice([100_000, 200_000, 300_000, 1_000_000], n_regions) if small else weights(False).astype(np.int64)
    )
    level = rng.integers(0, 3000, (n_regions, n_procs))
    history = np.maximum(level + rng.integers(-200, 201, (n_years, n_regions, n_procs)), 0).astype(np.float64)
    on = np.maximum(_on_baseline(block, history), 0)
    regime = rng.choice(PRICE_REGIMES, (n_traj, n_regions, n_procs), p=[0.4, 0.25, 0.1, 0.1, 0.15])
    key = cap_key(block, population)
    at_cap = np.zeros((n_traj, n_regions, n_procs))
    first = np.arange(n_procs) == 0
    at_cap[..., :] = np.where(first, (key * 750 / key.sum())[:, None], 0.0)  # whole mnkr with the 2026 table
    ops = np.select(
        [regime == "random", regime == "on-baseline", regime == "far-above", regime == "zero"],
        [
            np.floor(on) + rng.integers(-300, 600, regime.shape),
            np.floor(on) + rng.integers(-1, 2, regime.shape),
            np.floor(on) + 100_000,
            np.zeros(regime.shape),
        ],
        np.floor(on) + np.round(at_cap),
    )
    if small and rng.random() < 0.5:  # shared rates: operations proportional to population
        chosen = rng.random(n_regions) < 0.5
        ops[:, chosen, :] = (population[chosen] // 100_000 * rng.integers(1, 50))[None, :, None]
    return PriceCase(block, np.maximum(ops, 0).astype(np.float64), history, population, key)


def price_fast(case: PriceCase) -> dict[str, np.ndarray]:
    res = run_price(PriceParams.from_block(case.block), case.operations, case.history, case.population, case.cap_key)
    return {
        "amount": res.amount,
        "paid": res.paid,
        "top": res.top,
        "lapsed": res.lapsed,
        "by_procedure": res.by_procedure,
    }


def price_reference(case: PriceCase) -> dict[str, np.ndarray]:
    """The package's readable reference, one trajectory at a time."""
    out = {k: [] for k in ("amount", "paid", "top", "lapsed", "by_procedure")}
    for t in range(case.operations.shape[0]):
        cell = allocate_price_cell(
            case.block,
            REGIONS,
            case.operations[t].tolist(),
            case.history.tolist(),
            case.population.astype(np.float64).tolist(),
            case.cap_key.tolist(),
        )
        out["amount"].append([r.amount for r in cell.regions])
        out["paid"].append([r.paid for r in cell.regions])
        out["top"].append([r.top for r in cell.regions])
        out["lapsed"].append(cell.lapsed)
        out["by_procedure"].append([[p.amount for p in r.procedures] for r in cell.regions])
    return {k: np.array(v, dtype=np.float64) for k, v in out.items()}


def price_naive(case: PriceCase) -> dict[str, np.ndarray]:
    runs = [
        naive.price_per_operation(case.block, REGIONS, case.operations[t], case.history, case.population)
        for t in range(case.operations.shape[0])
    ]
    return {k: np.array([r[k] for r in runs]) for k in runs[0]}


@dataclass(frozen=True)
class RequirementsCase:
    block: object
    current: np.ndarray  # (T, C, R)
    previous: np.ndarray
    level: np.ndarray
    cell_requirement: np.ndarray  # (C,)
    weights: np.ndarray
    pots: np.ndarray  # (C,)
    missing: np.ndarray  # (C, R) bool

    @property
    def region_cells(self) -> int:
        return self.current.size

    def head(self, n: int) -> RequirementsCase:
        """The first ``n`` trajectories."""
        return dataclasses.replace(self, current=self.current[:n], previous=self.previous[:n], level=self.level[:n])


def requirement_figures(rng: np.random.Generator, req, shape: tuple[int, ...], regime: str) -> tuple[np.ndarray, ...]:
    """(current, previous, level) on the 0.1 grid for the cells of one requirement: a third of the changes
    exactly on a step's bound or a tenth beside it, a third of the levels on the threshold or beside it.
    "nobody": every change worse than the lowest step and every level short of the threshold;
    "everyone": every level at the threshold (all fulfil: nothing unearned)."""
    imp, ful = req.improvement, req.fulfilment
    sign = -1 if imp is not None and imp.better == "lower" else 1
    previous = rng.integers(0, 1001, shape)
    bounds = [round(s.min_improvement * 10) + d for s in (imp.steps if imp else ()) for d in (-1, 0, 1)] or [0]
    change = np.where(rng.random(shape) < 0.35, rng.choice(bounds, shape), rng.integers(-40, 41, shape))
    if regime == "nobody":
        change = -np.abs(change) - 1
    current = np.clip(previous + sign * change, 0, 1000)
    level = np.full(shape, np.nan)
    if ful is not None:
        t = round(ful.threshold * 10)
        lsign = -1 if ful.better == "lower" else 1
        level = np.where(rng.random(shape) < 0.35, t + rng.choice([-1, 0, 1], shape), rng.integers(0, 1001, shape))
        if regime == "nobody":
            level = t - lsign * rng.integers(1, 200, shape)
        elif regime == "everyone":
            level = np.full(shape, t)
        level = np.clip(level, 0, 1000) / 10.0
    return current / 10.0, previous / 10.0, level


def requirements_case(
    rng: np.random.Generator, variant: str, n_traj: int = 1, with_missing: bool = True
) -> RequirementsCase:
    """Trajectories of the 2023 block (nine requirements, 90 cells), each in a regime: any, nobody, everyone;
    in some cases a few regions without data in a few cells (``with_missing``)."""
    block = requirements_block(variant)
    index = [j for j, req in enumerate(block.requirements) for _ in cell_months(req)]
    shape = (n_traj, len(index), len(REGIONS))
    current, previous, level = (np.empty(shape) for _ in range(3))
    for t in range(n_traj):
        regime = rng.choice(["any", "any", "nobody", "everyone"])
        for j, req in enumerate(block.requirements):
            cells = [c for c, k in enumerate(index) if k == j]
            figures = requirement_figures(rng, req, (len(cells), len(REGIONS)), regime)
            for a, f in zip((current, previous, level), figures):
                a[t, cells] = f
    missing = rng.random(shape[1:]) < (0.05 if with_missing and rng.random() < 0.3 else 0.0)
    for a in (current, previous, level):
        a[:, missing] = np.nan
    pots = np.array([block.cell_pot_sek(block.requirements[j]) for j in index])
    return RequirementsCase(
        block, current, previous, level, np.array(index), weights(block.sharing == "equal"), pots, missing
    )


def requirements_fast(case: RequirementsCase) -> dict[str, np.ndarray]:
    res = run_requirements(
        RequirementsParams.from_block(case.block),
        case.current,
        case.previous,
        case.level,
        cell_requirement=case.cell_requirement,
        pots=case.pots,
        weights=case.weights,
        missing=case.missing,
    )
    return {k: getattr(res, k) for k in ("amount", "earned", "bonus", "tier", "route", "lapsed")}


def requirements_reference(case: RequirementsCase) -> dict[str, np.ndarray]:
    """The package's readable reference, trajectory by trajectory."""
    out = {k: [] for k in ("amount", "earned", "bonus", "tier", "route", "lapsed")}
    cells = tuple((str(c), case.block.requirements[j].name) for c, j in enumerate(case.cell_requirement))
    for t in range(case.current.shape[0]):
        inp = RequirementsInput(
            REGIONS,
            cells,
            case.cell_requirement,
            case.pots,
            case.current[t],
            case.previous[t],
            case.level[t],
            None,
            case.weights,
            case.missing,
        )
        result = allocate_requirements(case.block, inp)
        rows = [[r for r in cell.regions] for cell in result.cells]
        out["amount"].append([[r.earned + r.bonus for r in row] for row in rows])
        out["earned"].append([[r.earned for r in row] for row in rows])
        out["bonus"].append([[r.bonus for r in row] for row in rows])
        out["tier"].append([[r.tier for r in row] for row in rows])
        out["route"].append([[r.route for r in row] for row in rows])
        out["lapsed"].append([cell.lapsed for cell in result.cells])
    return {k: np.array(v) for k, v in out.items()}


def requirements_naive(case: RequirementsCase) -> dict[str, np.ndarray]:
    runs = [
        naive.requirements(
            case.block,
            (case.current[t], case.previous[t], case.level[t]),
            cell_requirement=case.cell_requirement,
            weights=case.weights,
            pots=case.pots,
            missing=case.missing,
        )
        for t in range(case.current.shape[0])
    ]
    return {k: np.array([r[k] for r in runs]) for k in runs[0]}


def requirements_sweep_case(rng: np.random.Generator, variant: str, n_traj: int = 1) -> RequirementsCase:
    """As :func:`requirements_case`, every region with data (a sweep draws every figure)."""
    return requirements_case(rng, variant, n_traj, with_missing=False)


def outcomes_by_requirement(per_cell: Callable[[RequirementsCase], dict]) -> Callable[[RequirementsCase], dict]:
    """Per-cell results as the sweep keeps them: each region's amount per requirement (cells added in order)."""

    def outcomes(case: RequirementsCase) -> dict[str, np.ndarray]:
        res = per_cell(case)
        n_traj, _, n_regions = res["amount"].shape
        amount = np.zeros((n_traj, len(case.block.requirements), n_regions))
        for c, j in enumerate(case.cell_requirement):
            amount[:, j] += res["amount"][:, c]
        return {"amount": amount, "tier": res["tier"]}

    return outcomes


def requirement_outcomes_fast(case: RequirementsCase, threads: int = 1) -> dict[str, np.ndarray]:
    res = requirements_outcomes(
        RequirementsParams.from_block(case.block),
        case.current,
        case.previous,
        case.level,
        threads=threads,
        cell_requirement=case.cell_requirement,
        pots=case.pots,
        weights=case.weights,
    )
    return {"amount": res.amount, "tier": res.tier}


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Comparison:
    """A fast function, how to make its input, and its references (name -> (function, exact to the bit))."""

    name: str
    variants: tuple[str, ...]
    make: Callable[[np.random.Generator, str, int], object]
    fast: Callable[[object], dict[str, np.ndarray]]
    references: dict[str, tuple[Callable[[object], dict[str, np.ndarray]], bool]]
    max_traj: int  # trajectories per case the function takes (1: one panel)
    bench_traj: int | None = None  # at most this many trajectories in a benchmark (None: the benchmark's size)
    fast_examples: int | None = None  # hypothesis examples in the fast tier (None: all; fewer: the rest run as slow)


def _outcomes_of(per_cell):
    return lambda case: by_group(per_cell(case), len(case.block.group_names))


COMPARISONS = (
    Comparison(
        "staircase: run_staircase (payout, what-if curves)",
        tuple(STAIRCASE_VARIANTS),
        staircase_case,
        staircase_fast,
        {"reference": (staircase_reference, True), "naive": (staircase_naive, False)},
        4,
    ),
    Comparison(
        "staircase: staircase_outcomes (kommiljard sweep)",
        tuple(STAIRCASE_VARIANTS),
        staircase_case,
        outcomes_fast,
        {"reference": (_outcomes_of(staircase_reference), True), "naive": (_outcomes_of(staircase_naive), False)},
        8,
    ),
    Comparison(
        "threshold: run_threshold (payout)",
        tuple(THRESHOLD_VARIANTS),
        threshold_case,
        threshold_fast,
        {"reference": (threshold_reference, True), "naive": (threshold_naive, False)},
        1,
    ),
    Comparison(
        "price per operation: run_price (payout, what-if curves, sweep)",
        tuple(PRICE_VARIANTS),
        price_case,
        price_fast,
        {"reference": (price_reference, True), "naive": (price_naive, False)},
        6,
    ),
    Comparison(
        "requirements: run_requirements (payout, what-if curves, sweep)",
        tuple(REQUIREMENT_VARIANTS),
        requirements_case,
        requirements_fast,
        {"reference": (requirements_reference, True), "naive": (requirements_naive, False)},
        3,
        500,  # 90 cells of 21 regions a trajectory: 500 are a million region-cells
        8,  # the references take about 0.1 s a case; the slow tier runs the full count
    ),
    Comparison(
        "requirements: requirements_outcomes (kommiljard sweep)",
        tuple(REQUIREMENT_VARIANTS),
        requirements_sweep_case,
        requirement_outcomes_fast,
        {
            "reference": (outcomes_by_requirement(requirements_reference), True),
            "naive": (outcomes_by_requirement(requirements_naive), False),
        },
        6,
        500,
        6,
    ),
)


def assert_agree(fast: dict[str, np.ndarray], ref: dict[str, np.ndarray], bitwise: bool, what: str) -> None:
    """Tiers and routes equal; money to the öre (to the bit against the package's reference)."""
    for key, expected in ref.items():
        got = fast[key]
        assert got.shape == expected.shape, f"{what}: {key} shape {got.shape} != {expected.shape}"
        if key in ("tier", "month_tier", "route") or bitwise:
            np.testing.assert_array_equal(got, expected, err_msg=f"{what}: {key}")
        else:
            assert np.max(np.abs(got - expected), initial=0.0) <= TOLERANCE_SEK, (
                f"{what}: {key} differs by more than 0.01 kr"
            )
