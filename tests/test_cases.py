"""Every worked example of ``tests/cases/*.toml``, one runner for every kind of rule block.

A case file names its rule set, four regions' populations (A-D, as county codes 01 03 04 05)
and cases; a case gives each region's figures (per kind: ``improvement`` and ``share_60`` for
a staircase, or last year's and this year's ``previous`` and ``current`` share_90 instead of
the improvement; the period's measure and the gate's for a threshold, written into each
period's last month, or into the months a ``rows`` table names; per group where a group has
its own table), optionally an ``alternative`` or ``overrides``, and what every cell of the
rule set's staircase or threshold blocks must pay each region (``expected``) and lapse
(``lapsed``; per month in a ``cells`` table where the cells differ), or what it must pay and lapse as
shares of the cell's pot (``expected_of_pot``, ``lapsed_of_pot``). For a block of requirements a
group's table is a requirement's (by its name): ``current`` and ``previous`` (its measure, this month
and a year earlier, in every month it measures) and optionally ``level`` (its fulfilment measure;
default ``current``). For a price block, a case gives each procedure's ``operations`` (A-D) and
``baseline`` (every earlier year alike, or one list per year), and what the block pays each region over
its cells (``expected``), lets lapse (``lapsed``) and, optionally, each region's ``share_of_max_pct``.
``population_blocks``
(in the file, or in a case) gives what population blocks pay; ``conditions_not_met`` names
the regions (A-D) that failed a population block's conditions. A case's name says why the
numbers are right. Each case runs through the engine with both backends and ``check``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.engine import payout
from kommiljard.inputs.panel import shift_month
from kommiljard.kinds import kind_of
from kommiljard.rules import load_rules

CASES_DIR = Path(__file__).parent / "cases"
CODES = ["01", "03", "04", "05"]  # stand for A, B, C, D
BASE = 92.0  # staircase cases: last year's share_90 (above every share_60); this year's is BASE + improvement


def figures(case: dict, group: str, month: str | None = None) -> dict:
    """The case's figures and expectations for one group (and month, where the case's ``cells`` give one)."""
    return {
        **{k: v for k, v in case.items() if not isinstance(v, dict)},
        **case.get(group, {}),
        **case.get("cells", {}).get(month, {}),
    }


def staircase_rows(block, case: dict) -> list[dict]:
    rows = []
    for month in block.months:
        for g in block.group_names:
            d = figures(case, g)
            previous = d.get("previous", [BASE] * len(CODES))
            current = d.get("current") or [BASE + imp for imp in d["improvement"]]
            for code, prev, cur, s60 in zip(CODES, previous, current, d["share_60"]):
                rows.append({"region": code, "month": month, "group": g, "share_90": cur, "share_60": s60})
                rows.append(
                    {
                        "region": code,
                        "month": shift_month(month, -block.compare_lag_months),
                        "group": g,
                        "share_90": prev,
                        "share_60": s60,
                    }
                )
    return rows


def threshold_rows(block, case: dict) -> list[dict]:
    """The case's figures in the row of each period's last month (the bundled files read ``last``), or in
    the months its ``rows`` table names."""
    months = case.get("rows") or {p.months[-1]: {} for p in block.periods}
    return [
        {
            "region": code,
            "month": month,
            "group": g,
            **{m: {**figures(case, g), **given}[m][i] for m in block.measure_columns()},
        }
        for month, given in months.items()
        for g in block.group_names
        for i, code in enumerate(CODES)
    ]


def price_rows(block, case: dict) -> list[dict]:
    """Each procedure's operations in the block's first month (the other months 0), and its baseline (one list
    for every earlier year, or one per year) in the first of each year's same months; a procedure the case does
    not give performs none."""
    years = block.baseline_years if block.counting == "above_baseline" else ()
    rows = []
    for procedure in block.procedure_names:
        done = case.get("operations", {}).get(procedure, [0] * len(CODES))
        base = np.array(case.get("baseline", {}).get(procedure, [0] * len(CODES)), dtype=np.int64)
        history = base if base.ndim == 2 else np.repeat(base[None], len(years), axis=0)
        periods = [(block.months, done), *((block.baseline_months(y), history[i]) for i, y in enumerate(years))]
        for months, counts in periods:
            rows += [
                {"region": code, "month": m, "group": procedure, "operations": int(n) if k == 0 else 0}
                for k, m in enumerate(months)
                for code, n in zip(CODES, counts)
            ]
    return rows


def check_price_block(result, block, case: dict) -> None:
    """A price block's amounts per region (summed over its cells), what lapsed, and each region's percentage of
    its maximum where the case gives it."""
    rows = result.table[result.table["block"] == block.number]
    paid = rows.groupby("region")["amount_sek"].sum().loc[CODES]
    np.testing.assert_allclose(paid, case["expected"], atol=0.01, rtol=0)
    lapsed = result.cells.loc[result.cells["block"] == block.number, "lapsed_sek"].sum()
    assert lapsed == pytest.approx(case["lapsed"], abs=0.01)
    if "share_of_max_pct" in case:
        pct = rows.set_index("region").loc[CODES, "share_of_max_pct"]
        np.testing.assert_allclose(pct, case["share_of_max_pct"], atol=1e-9, rtol=0)


def requirement_rows(block, case: dict) -> list[dict]:
    """Each requirement's figures (its table, else the case's) in every month it measures: ``current`` (its
    measure, and its level unless ``level`` is given) and ``previous`` (the same month a year earlier)."""
    rows: dict[tuple, dict] = {}
    for req in block.requirements:
        d = figures(case, req.name)
        for month in req.months:
            for i, code in enumerate(CODES):
                row = rows.setdefault((code, month, req.group), {"region": code, "month": month, "group": req.group})
                if req.improvement is not None:
                    row[req.measure] = d["current"][i]
                    before = shift_month(month, -req.improvement.compare_lag_months)
                    earlier = rows.setdefault(
                        (code, before, req.group), {"region": code, "month": before, "group": req.group}
                    )
                    earlier[req.measure] = d["previous"][i]
                if req.fulfilment is not None:
                    row[req.level_measure] = d.get("level", d["current"])[i]
    return list(rows.values())


PANEL_ROWS = {
    "improvement_staircase": staircase_rows,
    "absolute_threshold": threshold_rows,
    "population_share": lambda block, case: [],
    "price_per_operation": price_rows,
    "requirements_bonus": requirement_rows,
}


def panel_for(rules, case: dict) -> pd.DataFrame:
    rows = [row for block in rules.ruleset.blocks for row in PANEL_ROWS[block.kind](block, case)]
    return pd.DataFrame(rows).drop_duplicates(["region", "month", "group"])


def conditions_for(rules, case: dict) -> pd.DataFrame | None:
    """Every population block's conditions met, except by the regions the case names (A-D); None without any."""
    failed = case.get("conditions_not_met")
    if failed is None:
        return None
    names = [c.name for b in rules.ruleset.blocks for c in getattr(b, "conditions", ())]
    met = pd.DataFrame(True, index=CODES, columns=names)
    met.loc[[CODES["ABCD".index(x)] for x in failed]] = False
    return met


def all_cases():
    for path in sorted(CASES_DIR.glob("*.toml")):
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in spec["case"]:
            yield pytest.param(spec, case, id=f"{spec['rules']}:{case['name']}")


def test_every_rule_set_has_worked_examples():
    from kommiljard.rules import bundled_rule_names

    covered = {tomllib.loads(p.read_text(encoding="utf-8"))["rules"] for p in CASES_DIR.glob("*.toml")}
    assert covered == set(bundled_rule_names())


# The fast tier runs every case through ``check`` (both backends, which must agree); the full suite each alone too.
BACKENDS = [pytest.param("numba", marks=pytest.mark.slow), pytest.param("reference", marks=pytest.mark.slow), "check"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("spec", "case"), list(all_cases()))
def test_worked_example(spec, case, backend, tmp_path):
    rules = load_rules(spec["rules"], case.get("overrides"))
    rules = rules.with_alternative(case["alternative"]) if "alternative" in case else rules
    population = tmp_path / "population.csv"
    pd.DataFrame({"region": CODES, "population": spec["population"]}).to_csv(population, index=False)
    result = payout(
        panel_for(rules, case), rules, population=population, conditions=conditions_for(rules, case), backend=backend
    )
    t, cells = result.table, result.cells
    for block in rules.ruleset.blocks:
        rows = t[t["block"] == block.number]
        if kind_of(block).cells(block) == [(None, None)]:
            expected = case.get("population_blocks", spec.get("population_blocks", {})).get(str(block.number))
            if expected is not None:
                np.testing.assert_allclose(
                    rows.set_index("region").loc[CODES, "amount_sek"], expected, atol=0.01, rtol=0
                )
            continue
        if block.kind == "price_per_operation":
            check_price_block(result, block, case)
            continue
        for (month, group), cell in rows.groupby(["month", "group"]):
            d = figures(case, group, month)
            pot = float(cell["cell_pot_sek"].iloc[0])
            if "expected" not in d:  # amounts as shares of the cell's pot (population shares are exact)
                d = {**d, "expected": [pot * x for x in d["expected_of_pot"]], "lapsed": pot * d["lapsed_of_pot"]}
            np.testing.assert_allclose(
                cell.set_index("region").loc[CODES, "amount_sek"],
                d["expected"],
                atol=0.01,
                rtol=0,
                err_msg=f"{month} {group}",
            )
            lapsed = cells[(cells["block"] == block.number) & (cells["month"] == month) & (cells["group"] == group)][
                "lapsed_sek"
            ]
            assert float(lapsed.iloc[0]) == pytest.approx(d["lapsed"], abs=0.01), f"{month} {group}"
    assert result.paid_sek + result.lapsed_sek == pytest.approx(rules.ruleset.total_sek, abs=0.05)


SAMPLES = {
    **{
        f"kommiljard-{y}": f"sample_panel_{y}.parquet"
        for y in (2009, 2011, 2012, 2013, 2014, 2019, 2020, 2022, 2023, 2024)
    },
    **{name: "sample_operations_2022_2026.parquet" for name in ("kommiljard-2025-feb-oct", "kommiljard-2025-jun-oct")},
    "kommiljard-2026": "sample_operations_2022_2026.parquet",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_bundled_rule_set_runs_on_its_sample_panel(name, sample_panel_path):
    result = payout(sample_panel_path.with_name(SAMPLES[name]), name, backend="check")
    assert result.panel.synthetic
    assert result.paid_sek + result.lapsed_sek == pytest.approx(load_rules(name).ruleset.total_sek, abs=0.05)
    assert (result.table["amount_sek"] >= 0).all()
