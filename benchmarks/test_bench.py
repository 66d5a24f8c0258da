"""pytest-benchmark versions of benchmarks/run.py's contenders (off in the normal test run).

    .venv/bin/python -m pytest benchmarks --benchmark-enable

Without ``--benchmark-enable`` (the default, from pyproject's addopts) each runs once, as a
plain test. The ratios in one run are what benchmarks/run.py prints.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from contenders import (
    by_trajectory,
    kernel_totals,
    long_table,
    numpy_totals,
    pandas_totals,
    read_floor,
    setup,
    synthetic_tenths,
)
from kommiljard.allocate.batch import LANES, Totals

N_BLOCKS = 400  # 102 400 trajectories, 12.9 million region-cells


@pytest.fixture(scope="module")
def case():
    s = setup()
    inputs = synthetic_tenths(N_BLOCKS, len(s.pots), len(s.regions), seed=2019)
    return s, inputs


@pytest.mark.parametrize("threads", [1, 2])
def test_kernel(benchmark, case, threads):
    s, inputs = case
    n = N_BLOCKS * LANES
    out = Totals(np.empty((len(s.regions), n)), np.empty(n))
    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        kernel_totals(s, *inputs, out=out)  # compile outside the timing
        benchmark(kernel_totals, s, *inputs, out=out)
    finally:
        numba.set_num_threads(before)


def test_read_floor(benchmark, case):
    benchmark(read_floor, *case[1])


def test_numpy(benchmark, case):
    s, inputs = case
    floats = [by_trajectory(a[:40]) for a in inputs]  # 10 240 trajectories
    result = benchmark(numpy_totals, s, *floats)
    np.testing.assert_allclose(result, kernel_totals(s, *(a[:40] for a in inputs)), atol=0.01, rtol=0)


def test_pandas(benchmark, case):
    s, inputs = case
    floats = [by_trajectory(a[:1])[:64] for a in inputs]  # 64 trajectories
    table = long_table(s, *floats)
    result = benchmark.pedantic(pandas_totals, args=(s, table), rounds=3)
    np.testing.assert_allclose(result, kernel_totals(s, *(a[:1] for a in inputs))[:64], atol=0.01, rtol=0)
