"""Property tests of the 2019 staircase over random panels (hypothesis).

Shares are drawn on the 0.1 grid the published data uses, and on purpose at the edges of
the rules: improvements of exactly 1.0, 3.0 and 5.0 pp (written both as two one-decimal
numbers, 74.3 vs 71.3, and as a float sum, x + 3.0), their neighbours 0.9/2.9/3.1/4.9/5.1,
and share_60 at exactly 71.0 or 70.9. Properties:

(a) the numba kernel equals the readable reference (tiers, routes, amounts), with the
    default rules and with every interpretation alternative switched on by override;
(b) every month and group conserves its pot (paid + lapsed), and under the default rules a
    pot lapses whole exactly when nobody qualifies, otherwise not at all;
(c) raising one region's own share_90 never lowers its amount in that month and group;
(d) the order of the regions does not matter;
(e) the engine's ``check`` backend agrees with itself on random full panels;
(f) tiers and routes match an independent exact-decimal reading of the rules.
"""

from __future__ import annotations

import itertools
import os
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kommiljard.engine import payout
from kommiljard.inputs.population import read_population
from kommiljard.inputs.regions import region_codes
from kommiljard.kinds.staircase.kernel import StaircaseParams, run_staircase
from kommiljard.kinds.staircase.reference import allocate_cell
from kommiljard.kinds.staircase.units import ROUTE_IMPROVEMENT, ROUTE_NONE, ROUTE_TARGET
from kommiljard.rules import load_rules

pytestmark = pytest.mark.slow  # the slow tier (pytest -m 'not slow' leaves it out)

REGIONS = list(region_codes())
R = len(REGIONS)
POPULATION = read_population()
WEIGHTS = POPULATION.of(REGIONS).astype(np.float64)
RULES = load_rules()
BLOCK = RULES.ruleset.block(1)
CELLS = [(m, g) for m in BLOCK.months for g in BLOCK.group_names]  # month-major, like the engine
ALL_POTS = np.array([BLOCK.pot_sek(g) for _, g in CELLS])
TOL = 0.01  # kronor, the spec's tolerance

OVERRIDES = {
    "equal": {"block1.sharing": "equal"},
    "exclusive": {"block1.cumulative": False},
    "blue_above_0": {"block1.bars.blue.min_improvement": 0.0, "block1.bars.blue.inclusive": False},
    "relative": {"block1.improvement_unit": "relative_pct"},
    "one_decimal": {"block1.improvement_decimals": 1},
    "lapse": {"block1.cascade": "lapse"},
    "down_then_up": {"block1.cascade": "down_then_up"},
    "literal": {"block1.target.entry": "not_improved", "block1.target.needs_improver": True},
}

# KOMMILJARD_PROPERTY_EXAMPLES=1000 runs a deeper search (the default keeps the file well under a minute).
EXAMPLES = int(os.environ.get("KOMMILJARD_PROPERTY_EXAMPLES", "40"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the first call compiles the numba kernel
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ----------------------------------------------------------------------------- strategies

BOUNDS_TENTHS = (10, 30, 50)  # 1.0, 3.0 and 5.0 pp
NEAR_TENTHS = (9, 11, 29, 31, 49, 51)


@st.composite
def share_pair(draw, max_tenths: int | None = None) -> tuple[float, float]:
    """(previous, current) share_90 on the 0.1 grid, often exactly at a bar's bound.

    ``max_tenths`` caps the improvement (in tenths of a pp) so that a cell can be made to
    leave the upper bars, or every bar, empty.
    """
    ok = [d for d in BOUNDS_TENTHS if max_tenths is None or d <= max_tenths]
    near = [d for d in NEAR_TENTHS if max_tenths is None or d <= max_tenths]
    kind = draw(st.sampled_from(["grid", "grid", "decimal", "added", "near"]))
    if kind == "decimal" and ok:  # 71.3 and 74.3, both as written in a file
        d = draw(st.sampled_from(ok))
        j = draw(st.integers(0, 1000 - d))
        return j / 10, (j + d) / 10
    if kind == "added" and ok:  # x and x + 3.0 computed in float
        d = draw(st.sampled_from(ok))
        x = draw(st.integers(0, 1000 - d)) / 10
        return x, x + d / 10
    if kind == "near" and near:
        d = draw(st.sampled_from(near))
        j = draw(st.integers(0, 1000 - d))
        return j / 10, (j + d) / 10
    prev = draw(st.integers(0, 1000))
    hi = 1000 if max_tenths is None else max(0, min(1000, prev + max_tenths))
    return prev / 10, draw(st.integers(0, hi)) / 10


def level_strategy(max_level: float = 100.0):
    """share_60: the grid, or exactly at the 71 % target (71.0 in, 70.9 out)."""
    specials = [v for v in (71.0, 70.9, 71.1, 70.9 + 0.1) if v <= max_level]
    grid = st.integers(0, int(round(max_level * 10))).map(lambda i: i / 10)
    return st.one_of(grid, st.sampled_from(specials)) if specials else grid


REGIMES = ("any", "any", "nobody", "no_orange", "no_red")


@st.composite
def cell_rows(draw) -> list[tuple[float, float, float]]:
    """One month and group: (previous, current, share_60) for every region.

    A regime per cell makes the rare cases common: nobody qualifies (the pot lapses), or
    the orange or red bar stays empty (the cascade).
    """
    regime = draw(st.sampled_from(REGIMES))
    if regime == "nobody":
        pair, level = share_pair(max_tenths=9), level_strategy(70.9)
    elif regime == "no_orange":
        pair, level = share_pair(max_tenths=50), level_strategy()
    elif regime == "no_red":
        pair, level = share_pair(max_tenths=29), level_strategy()
    else:
        pair, level = share_pair(), level_strategy()
    rows = draw(st.lists(st.tuples(pair, level), min_size=R, max_size=R))
    return [(p, c, lv) for (p, c), lv in rows]


@st.composite
def arrays(draw, max_cells: int = len(CELLS)):
    """(current, previous, level, pots) of shape (C, R), (C, R), (C, R), (C,)."""
    n = draw(st.integers(1, max_cells))
    cells = [draw(cell_rows()) for _ in range(n)]
    prev = np.array([[r[0] for r in cell] for cell in cells])
    cur = np.array([[r[1] for r in cell] for cell in cells])
    lev = np.array([[r[2] for r in cell] for cell in cells])
    return cur, prev, lev, ALL_POTS[:n].copy()


override_sets = st.sets(st.sampled_from(sorted(OVERRIDES)), min_size=1, max_size=3).filter(
    lambda names: len({k for n in names for k in OVERRIDES[n]}) == sum(len(OVERRIDES[n]) for n in names)
)  # no two sets change the same parameter


def rules_with(names) -> object:
    merged = {}
    for name in sorted(names):
        merged.update(OVERRIDES[name])
    return RULES.with_overrides(merged)


def value_at(node, parts):
    """Follow a dotted override path (without ``block1``) through a dumped block."""
    for part in parts:
        node = next(i for i in node if i["name"] == part) if isinstance(node, list) else node[part]
    return node


def weights_of(block) -> np.ndarray:
    return WEIGHTS.copy() if block.sharing == "population" else np.ones(R)


# ----------------------------------------------------------------------------- helpers


def reference(block, cur, prev, lev, weights, pots, regions=REGIONS):
    """The reference allocation of every cell, as arrays like the kernel's."""
    outs = [
        allocate_cell(
            block, list(regions), cur[c].tolist(), prev[c].tolist(), lev[c].tolist(), weights.tolist(), float(pots[c])
        )
        for c in range(cur.shape[0])
    ]
    amount = np.array([[r.amount for r in o.regions] for o in outs])
    tier = np.array([[r.tier for r in o.regions] for o in outs])
    route = np.array([[r.route for r in o.regions] for o in outs])
    lapsed = np.array([o.lapsed for o in outs])
    return amount, tier, route, lapsed


def kernel(block, cur, prev, lev, weights, pots):
    return run_staircase(StaircaseParams.from_block(block), cur, prev, lev, weights, pots)


def assert_backends_agree(block, cur, prev, lev, pots):
    weights = weights_of(block)
    amount, tier, route, lapsed = reference(block, cur, prev, lev, weights, pots)
    fast = kernel(block, cur, prev, lev, weights, pots)
    np.testing.assert_array_equal(fast.tier, tier)
    np.testing.assert_array_equal(fast.route, route)
    assert np.max(np.abs(fast.amount - amount)) <= TOL
    assert np.max(np.abs(fast.lapsed - lapsed)) <= TOL
    # The kernel does the reference's floating-point operations in the same order:
    # it should agree to the bit, not just to the öre.
    np.testing.assert_array_equal(fast.amount, amount)
    np.testing.assert_array_equal(fast.lapsed, lapsed)
    return fast


def exact_units(value: float) -> Decimal:
    """The exact binary value rounded to 6 decimals, half away from zero (as a share is published)."""
    return Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def expected_tier_route(prev: float, cur: float, level: float) -> tuple[int, int]:
    """The 2019 default rules read independently, in exact decimals: the improvement is the
    difference of the shares at 6 decimals; share_60 is compared with 71 as given."""
    imp = exact_units(cur) - exact_units(prev)
    tier = (imp >= 1) + (imp >= 3) + (imp > 5)
    if tier:
        return int(tier), ROUTE_IMPROVEMENT
    if Decimal(level) >= 71:
        return 1, ROUTE_TARGET
    return 0, ROUTE_NONE


# ----------------------------------------------------------------------------- (a) kernel == reference


@PROFILE
@given(arrays())
def test_kernel_equals_reference_default_rules(data):
    cur, prev, lev, pots = data
    assert_backends_agree(BLOCK, cur, prev, lev, pots)


@PROFILE
@given(arrays(), override_sets)
def test_kernel_equals_reference_with_overrides(data, names):
    cur, prev, lev, pots = data
    block = rules_with(names).ruleset.block(1)
    dumped = block.model_dump(mode="json")
    for name in names:  # the overrides really took effect
        for path, value in OVERRIDES[name].items():
            assert value_at(dumped, path.split(".")[1:]) == value
    assert_backends_agree(block, cur, prev, lev, pots)


@settings(PROFILE, max_examples=max(1, EXAMPLES * 3 // 8))
@given(st.lists(arrays(max_cells=2), min_size=2, max_size=4), st.booleans())
def test_kernel_many_trajectories_equals_reference(trajectories, equal):
    """The (T, C, R) path of the kernel (parallel over trajectories) agrees per trajectory."""
    n = min(t[0].shape[0] for t in trajectories)
    cur = np.stack([t[0][:n] for t in trajectories])
    prev = np.stack([t[1][:n] for t in trajectories])
    lev = np.stack([t[2][:n] for t in trajectories])
    pots = ALL_POTS[:n]
    block = rules_with(["equal"]).ruleset.block(1) if equal else BLOCK
    fast = kernel(block, cur, prev, lev, weights_of(block), pots)
    assert fast.amount.shape == cur.shape and fast.lapsed.shape == cur.shape[:2]
    for t in range(len(trajectories)):
        amount, tier, route, lapsed = reference(block, cur[t], prev[t], lev[t], weights_of(block), pots)
        np.testing.assert_array_equal(fast.tier[t], tier)
        np.testing.assert_array_equal(fast.route[t], route)
        assert np.max(np.abs(fast.amount[t] - amount)) <= TOL
        assert np.max(np.abs(fast.lapsed[t] - lapsed)) <= TOL


# ----------------------------------------------------------------------------- (f) exact decimal tiers


@PROFILE
@given(arrays(max_cells=2))
def test_tiers_follow_exact_decimal_rules(data):
    cur, prev, lev, pots = data
    fast = kernel(BLOCK, cur, prev, lev, WEIGHTS, pots)
    for c, r in itertools.product(range(cur.shape[0]), range(R)):
        tier, route = expected_tier_route(prev[c, r], cur[c, r], lev[c, r])
        assert (fast.tier[c, r], fast.route[c, r]) == (tier, route), (prev[c, r], cur[c, r], lev[c, r])


@pytest.mark.parametrize(
    ("prev", "cur", "level", "tier", "route"),
    [
        (71.3, 74.3, 0.0, 2, ROUTE_IMPROVEMENT),  # exactly 3.0 pp in decimal: red
        (71.3, 71.3 + 3.0, 0.0, 2, ROUTE_IMPROVEMENT),
        (70.1, 71.1, 0.0, 1, ROUTE_IMPROVEMENT),  # exactly 1.0 pp: blue
        (70.1, 70.1 + 1.0, 0.0, 1, ROUTE_IMPROVEMENT),
        (80.2, 85.2, 0.0, 2, ROUTE_IMPROVEMENT),  # exactly 5.0 pp: red, not orange
        (80.2, 80.2 + 5.0, 0.0, 2, ROUTE_IMPROVEMENT),
        (80.2, 85.3, 0.0, 3, ROUTE_IMPROVEMENT),  # 5.1 pp: orange
        (50.0, 50.9, 71.0, 1, ROUTE_TARGET),  # 0.9 pp but share_60 at 71.0: blue by target
        (50.0, 50.9, 70.9, 0, ROUTE_NONE),
        (50.0, 50.9, 70.9 + 0.1, 1, ROUTE_TARGET),
        (50.0, 50.9, 70.9999996, 0, ROUTE_NONE),  # share_60 is compared as given: just below 71 is below
        (50.0, 51.0 - 4e-7, 0.0, 1, ROUTE_IMPROVEMENT),  # 50.9999996 is 51.000000 at 6 decimals: +1.0 pp
        (50.0, 53.0, 90.0, 2, ROUTE_IMPROVEMENT),  # no double pay: improvement wins
    ],
)
def test_boundary_examples(prev, cur, level, tier, route):
    cur_a, prev_a, lev_a = (np.full((1, R), v) for v in (cur, prev, level))
    fast = assert_backends_agree(BLOCK, cur_a, prev_a, lev_a, ALL_POTS[:1])
    assert (fast.tier == tier).all() and (fast.route == route).all()
    assert expected_tier_route(prev, cur, level) == (tier, route)


# ----------------------------------------------------------------------------- (b) conservation


@PROFILE
@given(arrays())
def test_pot_conserved_and_lapses_whole_only_when_nobody_qualifies(data):
    cur, prev, lev, pots = data
    fast = kernel(BLOCK, cur, prev, lev, WEIGHTS, pots)
    assert (fast.amount >= 0).all()
    for c in range(cur.shape[0]):
        paid, lapsed = fast.amount[c].sum(), fast.lapsed[c]
        assert abs(paid + lapsed - pots[c]) <= TOL
        nobody = not (fast.tier[c] > 0).any()
        if nobody:
            assert lapsed == pots[c] and paid == 0.0
        else:
            assert lapsed == 0.0
        assert (fast.amount[c][fast.tier[c] == 0] == 0).all()
        assert (fast.amount[c][fast.tier[c] > 0] > 0).all()


@PROFILE
@given(arrays(), override_sets)
def test_pot_conserved_with_overrides(data, names):
    cur, prev, lev, pots = data
    block = rules_with(names).ruleset.block(1)
    fast = kernel(block, cur, prev, lev, weights_of(block), pots)
    for c in range(cur.shape[0]):
        assert abs(fast.amount[c].sum() + fast.lapsed[c] - pots[c]) <= TOL
        assert -TOL <= fast.lapsed[c] <= pots[c] + TOL


# ----------------------------------------------------------------------------- (c) monotonicity


@st.composite
def raise_one(draw):
    cur, prev, lev, pots = draw(arrays(max_cells=2))
    c = draw(st.integers(0, cur.shape[0] - 1))
    r = draw(st.integers(0, R - 1))
    kind = draw(st.sampled_from(["step", "to_bound"]))
    if kind == "step":
        new = min(100.0, (round(cur[c, r] * 10) + draw(st.integers(1, 120))) / 10)
    else:  # exactly onto a bound, written as a float sum
        new = prev[c, r] + draw(st.sampled_from([1.0, 3.0, 5.0, 5.1]))
    assume(cur[c, r] < new <= 100.0 + 1e-9)
    return cur, prev, lev, pots, c, r, new


@PROFILE
@given(raise_one())
def test_raising_own_share_never_lowers_own_amount(case):
    cur, prev, lev, pots, c, r, new = case
    before = kernel(BLOCK, cur, prev, lev, WEIGHTS, pots)
    raised = cur.copy()
    raised[c, r] = new
    after = kernel(BLOCK, raised, prev, lev, WEIGHTS, pots)
    assert after.tier[c, r] >= before.tier[c, r]
    assert after.amount[c, r] >= before.amount[c, r] - 1e-6
    others = [k for k in range(cur.shape[0]) if k != c]  # other cells untouched
    np.testing.assert_array_equal(after.amount[others], before.amount[others])
    # the reference agrees on the raised panel too
    amount, *_ = reference(BLOCK, raised, prev, lev, WEIGHTS, pots)
    assert amount[c, r] >= reference(BLOCK, cur, prev, lev, WEIGHTS, pots)[0][c, r] - 1e-6


# ----------------------------------------------------------------------------- (d) permutation


@PROFILE
@given(arrays(max_cells=3), st.permutations(range(R)), st.booleans())
def test_region_order_does_not_matter(data, perm, equal):
    cur, prev, lev, pots = data
    perm = np.array(perm)
    block = rules_with(["equal"]).ruleset.block(1) if equal else BLOCK
    w = weights_of(block)
    base = kernel(block, cur, prev, lev, w, pots)
    shuffled = kernel(block, cur[:, perm], prev[:, perm], lev[:, perm], w[perm], pots)
    np.testing.assert_array_equal(shuffled.tier, base.tier[:, perm])
    np.testing.assert_array_equal(shuffled.route, base.route[:, perm])
    np.testing.assert_allclose(shuffled.amount, base.amount[:, perm], rtol=0, atol=1e-4)
    np.testing.assert_allclose(shuffled.lapsed, base.lapsed, rtol=0, atol=1e-4)
    ref_amount, *_ = reference(
        block, cur[:, perm], prev[:, perm], lev[:, perm], w[perm], pots, [REGIONS[i] for i in perm]
    )
    np.testing.assert_allclose(ref_amount, base.amount[:, perm], rtol=0, atol=1e-4)


# ----------------------------------------------------------------------------- (e) engine, check backend


@st.composite
def full_panel(draw) -> pd.DataFrame:
    """A complete 2019 panel (21 regions x 6 months x 2 groups) as a DataFrame."""
    cells = [draw(cell_rows()) for _ in CELLS]
    rows = []
    for (month, group), cell in zip(CELLS, cells):
        last_year = f"{int(month[:4]) - 1}{month[4:]}"
        for region, (prev, cur, level) in zip(REGIONS, cell):
            rows.append(
                {"region": region, "month": month, "group": group, "share_90": cur, "share_60": min(level, cur)}
            )
            rows.append(
                {"region": region, "month": last_year, "group": group, "share_90": prev, "share_60": prev * 0.9}
            )
    frame = pd.DataFrame(rows)
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)].reset_index(drop=True)


@settings(PROFILE, max_examples=max(1, EXAMPLES * 3 // 10))
@given(full_panel(), st.sampled_from([None, "equal", "exclusive", "lapse", "one_decimal"]))
def test_engine_check_backend_on_random_panels(frame, override):
    overrides = OVERRIDES[override] if override else None
    result = payout(frame, backend="check", overrides=overrides)  # raises BackendMismatchError on any difference
    cells = result.cells
    assert np.allclose(cells["paid_sek"] + cells["lapsed_sek"], cells["pot_sek"], rtol=0, atol=TOL)
    block1 = result.table[result.table["block"] == 1]
    assert len(block1) == R * len(CELLS)
    # the reference backend gives the same table to the öre
    ref = payout(frame, backend="reference", overrides=overrides).table
    np.testing.assert_allclose(result.table["amount_sek"], ref["amount_sek"], rtol=0, atol=TOL)
    assert (result.table["tier"].to_numpy() == ref["tier"].to_numpy()).all()
    assert (result.table["route"].to_numpy() == ref["route"].to_numpy()).all()
    # the engine's table matches the inputs it was given
    cur = frame.set_index(["region", "month", "group"])["share_90"]
    for row in block1.sample(5, random_state=0).itertuples():
        assert row.share_current == cur[(row.region, row.month, row.group)]
