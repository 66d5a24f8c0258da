"""benchmarks/run.py --quick runs to the end, and every fast function, reference and contender
it times agrees (the run fails otherwise).

Only agreement and completeness are asserted, never a time: timings on a shared machine are
not a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from comparisons import COMPARISONS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_and_everything_it_times_agrees(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert [r["name"] for r in result["results"]] == [c.name for c in COMPARISONS]  # the sweep's kernel is timed
    for r in result["results"]:
        assert {"fast", *next(c for c in COMPARISONS if c.name == r["name"]).references} <= set(r["jobs"])
        assert all(j["cells_per_s_wall"] > 0 and j["cells_per_s_cpu"] > 0 for j in r["jobs"].values())
