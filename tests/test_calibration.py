"""Calibration of the default scenario against the real national series and the 2019 counts.

Averages are over 2 000 trajectories of one seed (``calibration_table``); the bounds are
wide enough not to depend on the seed and narrow enough to catch a mis-set parameter.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommiljard.sweeps.calibration import calibration_table, published_2019, reference_series
from kommiljard.sweeps.scenario import load_scenario

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PACKAGED = Path(__file__).resolve().parents[1] / "kommiljard" / "data"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return calibration_table(n=2000, seed=0)


def rows(table: pd.DataFrame, check: str) -> pd.DataFrame:
    return table[table["check"] == check]


@pytest.mark.slow
def test_published_counts_are_reproduced_on_average(table):
    counts = rows(table, "published_count").set_index(["month", "group", "measure"])
    published = counts.dropna(subset=["real"])
    assert len(published) == len(published_2019()) == 9
    for key, row in published.iterrows():
        tolerance = 1.0 if key[2] == "improved" else 2.5  # the response is set from the improved counts
        assert abs(row["model_mean"] - row["real"]) <= tolerance, key
        assert row["model_p5"] <= row["real"] <= row["model_p95"], key


def test_national_levels_follow_the_real_series(table):
    levels = rows(table, "national_level").dropna(subset=["real"])
    baseline = levels[levels["month"].str.startswith("2018")]
    assert len(baseline) == 24
    assert (baseline["model_mean"] - baseline["real"]).abs().max() <= 1.0
    later = levels[levels["month"].str.startswith("2019")]
    assert len(later) == 14 and (later["model_mean"] - later["real"]).abs().max() <= 2.5
    assert ((later["model_p5"] - 1.5 <= later["real"]) & (later["real"] <= later["model_p95"] + 1.5)).all()


def test_seasonal_pattern_and_share_60_gap(table):
    season = rows(table, "season")
    assert len(season) == 24 and (season["model_mean"] - season["real"]).abs().max() <= 0.5
    gap = rows(table, "national_gap")
    assert len(gap) >= 8 and (gap["model_mean"] - gap["real"]).abs().max() <= 1.0


def test_size_of_year_on_year_changes(table):
    size = rows(table, "yoy_size").set_index(["group", "measure"])
    for group in ("first_visit", "operation"):
        within = size.loc[(group, "within_year_sd")]
        assert 0.6 <= within["model_mean"] / within["real"] <= 1.6, group
        years = size.loc[(group, "year_mean_sd")]
        assert 0.5 <= years["model_mean"] / years["real"] <= 2.0, group
    largest = rows(table, "regional_change").iloc[0]
    assert largest["model_p5"] <= largest["real"] <= largest["model_p95"]


def test_default_scenario_numbers_match_the_data_they_cite():
    spec = load_scenario().spec
    series = reference_series().dropna(subset=["share_90"])
    for group, n in spec.national.items():
        s = series[series["group"] == group].set_index("month")["share_90"]
        assert n.level_pct == pytest.approx(s[s.index.str.startswith("2018")].mean(), abs=0.05)
        full = pd.DataFrame({y: s[s.index.str.startswith(y)].to_numpy() for y in ("2017", "2018")})
        assert np.allclose(n.season_pp, (full - full.mean()).mean(axis=1), atol=0.05)
        later = [s[f"2019-{m:02d}"] - s[f"2018-{m:02d}"] for m in range(1, 9) if f"2019-{m:02d}" in s.index]
        assert n.trend_pp == pytest.approx(np.mean(later), abs=0.05)


def recorded_hashes() -> dict[str, str]:
    lines = (FIXTURES / "reference_data.sha256").read_text(encoding="utf-8").splitlines()
    return {name: sha for sha, name in (line.split() for line in lines if line and not line.startswith("#"))}


@pytest.mark.parametrize(
    "name", ["waits_national_2016_2019.csv", "waits_national_breakdown_counts.csv", "outcome_2019_published.csv"]
)
def test_packaged_copies_are_the_reference_data_byte_for_byte(name):
    assert hashlib.sha256((PACKAGED / name).read_bytes()).hexdigest() == recorded_hashes()[name]
