"""The worked examples of the spec (section 3), as data cases, through every path.

Each case runs through the reference, the kernel and the whole engine with the CLI's
``payout`` on a panel built from it: four real county codes stand for A-D, with a population
table that gives them the example's populations.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.kinds.staircase.kernel import StaircaseParams, run_staircase
from kommiljard.kinds.staircase.reference import allocate_cell
from kommiljard.engine import payout
from kommiljard.rules import load_rules

CASES_FILE = Path(__file__).parent / "cases" / "kommiljard-2019.toml"
SPEC = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
CASES = SPEC["case"]
CODES = ["01", "03", "04", "05"]  # stand for A, B, C, D
BASE = 92.0  # last year's share_90, above every share_60 of the cases; this year's is BASE + improvement


def arrays(case):
    previous = [BASE] * 4
    current = [BASE + imp for imp in case["improvement"]]
    return current, previous, case["share_60"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reference(case):
    block = load_rules(SPEC["rules"]).ruleset.block(1)
    current, previous, level = arrays(case)
    cell = allocate_cell(block, CODES, current, previous, level, [float(p) for p in SPEC["population"]], block.pot_sek(SPEC["group"]))
    assert [r.amount for r in cell.regions] == pytest.approx(case["expected"], abs=0.01)
    assert cell.lapsed == pytest.approx(case["lapsed"], abs=0.01)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_kernel(case):
    block = load_rules(SPEC["rules"]).ruleset.block(1)
    current, previous, level = arrays(case)
    res = run_staircase(StaircaseParams.from_block(block), np.array([current]), np.array([previous]), np.array([level]), SPEC["population"], [block.pot_sek(SPEC["group"])])
    np.testing.assert_allclose(res.amount[0], case["expected"], atol=0.01, rtol=0)
    assert res.lapsed[0] == pytest.approx(case["lapsed"], abs=0.01)


def panel_for(case) -> pd.DataFrame:
    """A full 2019 panel where every month and group repeats the case."""
    current, previous, level = arrays(case)
    rows = []
    for month in ("09", "10", "11"):
        for group in ("first_visit", "operation"):
            for code, cur, prev, s60 in zip(CODES, current, previous, level):
                rows.append({"region": code, "month": f"2019-{month}", "group": group, "share_90": cur, "share_60": s60})
                rows.append({"region": code, "month": f"2018-{month}", "group": group, "share_90": prev, "share_60": s60})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("backend", ["numba", "reference", "check"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_engine(case, backend, tmp_path):
    pop = tmp_path / "population.csv"
    pd.DataFrame({"region": CODES, "population": SPEC["population"]}).to_csv(pop, index=False)
    result = payout(panel_for(case), population=pop, backend=backend)
    block1 = result.table[result.table["block"] == 1]
    for (month, group), cell in block1.groupby(["month", "group"]):
        amounts = cell.set_index("region").loc[CODES, "amount_sek"].to_numpy()
        np.testing.assert_allclose(amounts, case["expected"], atol=0.01, rtol=0, err_msg=f"{month} {group}")
    lapsed = result.cells[result.cells["block"] == 1]["lapsed_sek"]
    np.testing.assert_allclose(lapsed, case["lapsed"], atol=0.01)
    # Block 2 shares 320 mnkr by the same population: A gets half of it.
    block2 = result.table[result.table["block"] == 2].set_index("region")["amount_sek"]
    assert block2["01"] == pytest.approx(160_000_000.0, abs=0.01)

