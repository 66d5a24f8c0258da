"""Every fast function equals its references (``tests/comparisons.py``): to the bit against the
package's readable reference, to the öre with the same tiers and routes against the naive one.

Cases are drawn by hypothesis (a seed, a rule variant, a number of trajectories) with many
shares exactly on the rules' bounds, and regimes where bars stay empty or nobody qualifies.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommiljard.kinds.staircase.kernel import Outcomes, StaircaseParams, staircase_outcomes

from comparisons import (
    COMPARISONS,
    REGIONS,
    assert_agree,
    outcomes_fast,
    staircase_case,
    staircase_fast,
    sweep_sources,
)

pytestmark = pytest.mark.kernels  # CI runs these again with NUMBA_DISABLE_JIT=1 (see .ci/run)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(comparison, data):
    variant = data.draw(st.sampled_from(comparison.variants), label="variant")
    n_traj = data.draw(st.integers(1, comparison.max_traj), label="trajectories")
    case = comparison.make(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed")), variant, n_traj)
    fast = comparison.fast(case)
    for name, (reference, bitwise) in comparison.references.items():
        assert_agree(fast, reference(case), bitwise, f"{comparison.name} vs {name} ({variant})")


def _run(comparison, examples: int) -> None:
    @settings(SETTINGS, max_examples=examples)
    @given(data=st.data())
    def run(data):
        _check(comparison, data)

    run()


IDS = [c.name.split(":")[0] + ":" + c.name.split(":")[1].split("(")[0].strip() for c in COMPARISONS]
SHORTENED = [c for c in COMPARISONS if c.fast_examples is not None]


@pytest.mark.parametrize("comparison", COMPARISONS, ids=IDS)
def test_fast_function_equals_its_references(comparison):
    _run(comparison, comparison.fast_examples or SETTINGS.max_examples)


@pytest.mark.slow
@pytest.mark.parametrize("comparison", SHORTENED, ids=[IDS[COMPARISONS.index(c)] for c in SHORTENED])
def test_fast_function_equals_its_references_at_full_count(comparison):
    """The comparisons the fast tier runs on fewer examples (slow references), at the full count."""
    _run(comparison, SETTINGS.max_examples)


@pytest.mark.parametrize("variant", ["default", "exclusive-bars", "relative"])
def test_sweep_kernel_does_not_depend_on_threads(variant):
    case = staircase_case(np.random.default_rng(11), variant, 400)
    one, two = outcomes_fast(case, threads=1), outcomes_fast(case, threads=2)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])


def test_cases_hit_every_bound_and_empty_bars():
    """The generator is worth something only if it reaches the edges the rules care about."""
    case = staircase_case(np.random.default_rng(3), "default", 200)
    diff = np.round(case.current - case.previous, 6)
    for bound in (1.0, 3.0, 5.0):
        assert (diff == bound).any()
    assert (case.target == 71.0).any()
    fast = staircase_fast(case)
    assert (fast["lapsed"] > 0).any() and (fast["lapsed"] == 0).any()  # some cells where nobody qualified
    assert set(np.unique(fast["tier"])) == {0, 1, 2, 3} and fast["amount"].shape[-1] == len(REGIONS)


@pytest.mark.slow
def test_sweep_kernel_fills_given_arrays_or_refuses_them():
    case = staircase_case(np.random.default_rng(5), "default", 6)
    current, previous, target, groups = sweep_sources(case)
    params = StaircaseParams.from_block(case.block)
    args = (params, current, previous, target, case.weights, case.pots, groups)
    expected = staircase_outcomes(*args)
    shape = expected.amount.shape
    out = Outcomes(np.full(shape, np.nan), np.full(shape, -1, np.int8))
    assert staircase_outcomes(*args, out=out) is out
    np.testing.assert_array_equal(out.amount, expected.amount)
    np.testing.assert_array_equal(out.tier, expected.tier)
    for wrong in (Outcomes(np.empty(shape[::-1]), out.tier), Outcomes(out.amount, np.empty(shape))):
        with pytest.raises(ValueError, match="C-contiguous"):
            staircase_outcomes(*args, out=wrong)


def test_requirements_sweep_kernel_does_not_depend_on_threads():
    from comparisons import requirement_outcomes_fast, requirements_sweep_case

    case = requirements_sweep_case(np.random.default_rng(12), "default", 40)
    one, two = requirement_outcomes_fast(case, threads=1), requirement_outcomes_fast(case, threads=2)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])
