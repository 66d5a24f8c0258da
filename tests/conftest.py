"""Shared fixtures: the bundled rules, population and sample panel."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
# Captured output is as wide as COLUMNS says (200 when unset): tests that care set it themselves, so that
# neither the developer's shell nor a pytest-xdist worker (which sets 80) changes what they read.
os.environ.pop("COLUMNS", None)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PANEL = ROOT / "data" / "sample_panel_2019.parquet"


@pytest.fixture(scope="session")
def rules():
    from kommiljard.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def population():
    from kommiljard.inputs.population import read_population

    return read_population()


@pytest.fixture(scope="session")
def sample_panel_path() -> Path:
    return SAMPLE_PANEL
