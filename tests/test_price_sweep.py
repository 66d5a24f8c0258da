"""Sweeps of a price per operation: counts drawn around each region's own earlier years (the ``counts`` draw
model), allocated by the kernel. A fully observed period draws nothing and gives the payout exactly; the
results do not depend on threads or chunks; a lever of more operations gains what whatif says; the CLI runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kommiljard.analysis.whatif import whatif
from kommiljard.cli import app
from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.sweeps.run import run_sweep

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "data" / "sample_operations_2022_2026.parquet"
OBSERVED = ROOT / "examples" / "sample_operations_until_july_2026.parquet"
UNTIL_JULY = ROOT / "examples" / "sample_operations_until_july_2026.parquet"


def parts(out: Path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in sorted((out / "trajectories").glob("*.parquet"))])


def test_a_fully_observed_period_draws_nothing_and_gives_the_payout(tmp_path):
    run_sweep(None, 300, 7, tmp_path / "s", rules="kommiljard-2026", observed_panel=OPERATIONS, threads=1)
    amounts = parts(tmp_path / "s").groupby("region", observed=True)["amount_sek"].agg(["min", "max"])
    expected = payout(OPERATIONS, "kommiljard-2026").table.set_index("region")["amount_sek"]
    assert (amounts["min"] == amounts["max"]).all()
    np.testing.assert_allclose(amounts["min"].loc[expected.index], expected, atol=1e-6)


@pytest.mark.slow
def test_draws_do_not_depend_on_threads_or_chunks(tmp_path):
    common = {"rules": "kommiljard-2026", "observed_panel": UNTIL_JULY}
    run_sweep(None, 2_500, 3, tmp_path / "a", threads=1, chunk_size=2_500, **common)
    run_sweep(None, 2_500, 3, tmp_path / "b", threads=2, chunk_size=1_000, **common)
    a, b = (parts(tmp_path / x).sort_values(["trajectory", "region"], ignore_index=True) for x in "ab")
    np.testing.assert_array_equal(a["amount_sek"], b["amount_sek"])
    assert a.groupby("region", observed=True)["amount_sek"].std().max() > 0  # August-December are drawn


@pytest.mark.slow
def test_the_drawn_months_centre_on_the_payout_and_caps_hold(tmp_path):
    """Observed until July, the sample's own 2026 payout is an ordinary draw: each region's p5-p95 holds it, and no
    trajectory pays a region more than its cap."""
    run_sweep(None, 4_000, 11, tmp_path / "s", rules="kommiljard-2026", observed_panel=UNTIL_JULY, threads=2)
    frame = parts(tmp_path / "s")
    q = frame.groupby("region", observed=True)["amount_sek"].quantile([0.02, 0.98]).unstack()
    actual = payout(OPERATIONS, "kommiljard-2026").table.set_index("region")
    inside = (q[0.02] <= actual["amount_sek"] + 1) & (actual["amount_sek"] <= q[0.98] + 1)
    assert inside.mean() >= 0.8
    caps = actual["cap_sek"]
    assert (frame.groupby("region", observed=True)["amount_sek"].max() <= caps.loc[q.index] + 1e-6).all()


@pytest.mark.slow
def test_a_lever_of_more_operations_gains_what_whatif_says_when_nothing_is_drawn(tmp_path):
    lever = {"region": "03", "improve_pp": 200, "groups": ["cataract"]}
    run_sweep(None, 200, 5, tmp_path / "s", rules="kommiljard-2026", observed_panel=OPERATIONS, lever=lever)
    gain = parts(tmp_path / "s").query("region == '03'")["gain_sek"]
    w = whatif(OPERATIONS, "03", 200, groups="cataract", rules="kommiljard-2026", lever="more")
    assert (gain == w.delta_sek).all() and w.delta_sek == 200 * 19_000


def test_a_counts_sweep_needs_an_observed_panel(tmp_path):
    with pytest.raises(InputError, match="give --observed PANEL"):
        run_sweep(None, 100, 1, tmp_path / "s", rules="kommiljard-2026")


@pytest.mark.slow
def test_the_sweep_command_of_a_price_scheme(tmp_path):
    args = ["sweep", "--rules", "kommiljard-2025-jun-oct", "--observed", str(OPERATIONS), "--n", "500"]
    done = CliRunner().invoke(app, [*args, "--seed", "2", "--out", str(tmp_path / "s")])
    assert done.exit_code == 0, done.output
    assert "Stockholm" in done.output and (tmp_path / "s" / "summary.parquet").exists()
    said = " ".join(done.stdout.split())  # the footnote is the kind's: no bar in a price scheme
    assert "the chance of payment for operations in that group, in % of the trajectories" in said
    assert "bar" not in said and "block-1 amount per region" in said


def test_a_price_levers_text_says_operations_and_its_procedure_never_pp_or_none():
    from kommiljard.kinds.look import lever_text

    cells = [{"month": "2026-12", "group": None}]
    lever = {"region": "03", "improve_pp": 200.0, "unit": "operations", "groups": ["cataract"], "cells": cells}
    assert lever_text(lever) == "lever: 03 Uppsala +200 operations in cataract"
    assert lever_text({**lever, "groups": None}) == "lever: 03 Uppsala +200 operations in every group"
    old = {"region": "06", "improve_pp": 3, "cells": [{"month": "2019-10", "group": "operation"}]}
    assert lever_text(old) == "lever: 06 Jönköping +3.0 pp in Oct 2019 operations and treatments"  # no unit: pp


@pytest.mark.slow
def test_a_price_lever_is_named_by_its_option_and_unit_in_the_sweeps_messages(tmp_path):
    args = ["sweep", "--rules", "kommiljard-2026", "--observed", str(OBSERVED), "--n", "20"]
    alone = CliRunner().invoke(app, [*args, "--more", "200", "--out", str(tmp_path / "a")])
    assert alone.exit_code == 2 and "a lever needs both --region and --more" in alone.stderr
    grid = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, [*args, "--region", "03", "--more", "0;50", "--out", str(tmp_path / "g")]
    )
    assert grid.exit_code == 0, grid.output
    assert "lever grid: region 03 +0 operations, +50 operations" in grid.stderr and "lever, operations" in grid.stdout
