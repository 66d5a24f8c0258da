"""Compile time of every numba kernel, measured in fresh processes.

One fresh interpreter runs with ``NUMBA_CACHE_DIR`` set to an empty temporary folder (**cold**:
numba compiles each kernel and writes its cache there, as the first command after installing
does), then a second with the same folder (**warm**: every later command, which must load the
kernels, never compile them again). In each, the inputs are prepared first; then each kernel is
called twice on small inputs, and the first call's CPU and wall time minus the second's is what
compiling (or loading) cost. The package's own ``__pycache__`` is not read or written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PREPARE = f"""
import json, time
import numpy as np
import numba
import pandas as pd
from kommiljard.inputs.panel import as_panel
from kommiljard.inputs.population import read_population
from kommiljard.kinds.staircase.kernel import StaircaseParams, run_staircase, staircase_outcomes
from kommiljard.kinds.threshold.kernel import ThresholdParams, run_threshold
from kommiljard.rules import load_rules
from kommiljard.sweeps.model import draw
from kommiljard.sweeps.outcomes import setup_sweep
from kommiljard.sweeps.quantiles import Means, Quantiles, local_passes
from kommiljard.sweeps.scenario import load_scenario

rng = np.random.default_rng(0)
weights = rng.integers(50_000, 2_000_000, 21).astype(np.float64)
staircase = StaircaseParams.from_block(load_rules().ruleset.block(1))
cur, prev, lev = (rng.integers(500, 950, (6, 21)) / 10.0 for _ in range(3))
s90, s60 = rng.integers(500, 950, (10, 6, 2, 21)) / 10.0, rng.integers(500, 950, (10, 3, 2, 21)) / 10.0
months = np.arange(3)
block = next(b for b in load_rules("kommiljard-2011").ruleset.blocks if b.kind == "absolute_threshold")
threshold = ThresholdParams.from_block(block)
value = rng.integers(500, 950, (2, 21)) / 10.0
setup, _ = setup_sweep(load_scenario(None), load_rules(), read_population(), None, None)
observed = pd.read_parquet({str(ROOT / "data" / "sample_panel_2019.parquet")!r})
conditioned, _ = setup_sweep(
    load_scenario(None), load_rules(), read_population(), None, as_panel(observed[observed["month"] == "2019-09"])
)
amounts = rng.random((1000, 21))
"""
# name -> the call compiled (or loaded) on its first run
KERNELS = {
    "numba start-up (a trivial function, first in the process)": "numba.njit(lambda x: x + 1)(1)",
    "staircase_kernel (run_staircase: what-if curves, --backend numba)": (
        "run_staircase(staircase, cur, prev, lev, weights, np.full(6, 2.0e8))"
    ),
    "sweep_kernel (staircase_outcomes: sweeps)": (
        "staircase_outcomes(staircase, (s90, months + 3), (s90, months), (s60, months), weights, np.full(6, 1e8), 2)"
    ),
    "threshold_kernel (run_threshold: --backend numba)": (
        "run_threshold(threshold, value, value, np.zeros(2, np.int64), weights, np.full((2, len(block.levels)), 1e8))"
    ),
    "draw kernels (normals, logits, shares)": "draw(setup.model, 1, 0, 10)",
    "draw kernels given observed cells": "draw(conditioned.model, 1, 0, 10)",
    "summary kernels (histogram, block sums, selection)": (
        "q = Quantiles(21); q.add(amounts); Means(1000, 21).add(0, amounts); "
        "q.percentiles([5, 50], local_passes(lambda: [lambda: amounts]))"
    ),
}

TIMER = """
out = {}
for name, call in KERNELS.items():
    times = []
    for _ in range(2):
        c0, w0 = time.process_time(), time.perf_counter()
        exec(call)
        times.append((time.process_time() - c0, time.perf_counter() - w0))
    out[name] = [times[0][0] - times[1][0], times[0][1] - times[1][1]]
print(json.dumps(out))
"""


def first_calls(cache_dir: str) -> dict[str, dict[str, float]]:
    """Each kernel's first call above its second, in a fresh interpreter using ``cache_dir``."""
    env = os.environ | {"NUMBA_CACHE_DIR": cache_dir}
    code = PREPARE + f"KERNELS = {KERNELS!r}\n" + TIMER
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return {k: {"cpu": v[0], "wall": v[1]} for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def measure() -> dict[str, dict]:
    """Cold (empty cache) and warm (the cache the cold run left) first-call cost of every kernel."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache_dir:
        cold = first_calls(cache_dir)
        warm = first_calls(cache_dir)
    return {name: {"cold_s": cold[name], "warm_s": warm[name]} for name in KERNELS}
