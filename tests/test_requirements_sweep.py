"""Sweeps of a block of requirements: the drift draw around the observed panel, reproducible whatever the chunks
and threads, observed months kept as they are, a lever that never costs its region, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.engine import payout
from kommiljard.errors import InputError
from kommiljard.sweeps.run import Lever, run_sweep, trajectory_panel

ROOT = Path(__file__).resolve().parents[1]
RULES = "kommiljard-2023"
pytestmark = pytest.mark.slow  # sweeps of the 90-cell block


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    """The 2023 sample panel as known at the end of May 2023: all of 2022, February-May 2023."""
    frame = pd.read_parquet(ROOT / "data" / "sample_panel_2023.parquet")
    path = tmp_path_factory.mktemp("obs") / "until_may.parquet"
    frame[frame["month"] < "2023-06"].to_parquet(path, index=False)
    return path


def sweep(tmp_path, name, observed, **kwargs):
    return run_sweep(None, kwargs.pop("n", 1500), 5, tmp_path / name, observed_panel=observed, rules=RULES, **kwargs)


def test_the_same_whatever_the_chunks_and_threads_and_the_block_is_conserved(tmp_path, observed):
    one = sweep(tmp_path, "a", observed, chunk_size=1500, threads=1)
    two = sweep(tmp_path, "b", observed, chunk_size=600, threads=2)
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    t = one.trajectories()
    totals = t.groupby("trajectory")["amount_sek"].sum()
    np.testing.assert_allclose(totals, 2_500_000_000, atol=1.0)  # someone always earns: the bonus pot pays out
    assert t.groupby("region")["amount_sek"].std().gt(0).all()  # June-November are drawn


def test_observed_months_are_kept_and_the_others_drawn_around_a_year_earlier(observed):
    panel = trajectory_panel(None, 5, 3, rules=RULES, observed_panel=observed)
    known = pd.read_parquet(observed).set_index(["region", "month", "group"])
    mine = panel.set_index(["region", "month", "group"])
    shared = mine.index.intersection(known.index)
    for column in ("share_90", "performed_30", "assessment_3d"):
        a, b = mine.loc[shared, column], known.loc[shared, column]
        both = a.notna() & b.notna()
        np.testing.assert_array_equal(a[both].to_numpy(), b[both].to_numpy())
    drawn = mine.xs("2023-09", level="month")["performed_30"].dropna()
    assert len(drawn) == 21 * 3 and drawn.between(0, 100).all()
    result = payout(panel, RULES)  # a drawn trajectory is a panel the engine takes
    assert result.paid_sek == pytest.approx(2_940_000_000, abs=0.05)


def test_a_lever_never_costs_its_region(tmp_path, observed):
    result = sweep(tmp_path, "lever", observed, n=1000, lever=Lever("06", 2.0, None, ("sc_first_visit",)))
    t = result.trajectories()
    mine = t[t["region"] == "06"]
    assert (mine["gain_sek"] >= -0.01).all() and mine["gain_sek"].mean() > 0


def test_without_an_observed_panel_the_sweep_says_what_it_needs(tmp_path):
    with pytest.raises(InputError, match="--observed PANEL"):
        run_sweep(None, 100, 1, tmp_path / "x", rules=RULES)


def test_an_observed_panel_without_the_year_before_is_refused(tmp_path, observed):
    frame = pd.read_parquet(observed)
    gap = frame[~((frame["month"] == "2022-07") & (frame["group"] == "bup_treatment"))]
    path = tmp_path / "gap.parquet"
    gap.to_parquet(path, index=False)
    with pytest.raises(InputError, match=r"lacks the figures a year earlier.*performed_30 bup_treatment"):
        run_sweep(None, 100, 1, tmp_path / "y", rules=RULES, observed_panel=path)
