"""benchmarks/run.py --quick runs to the end and its contenders agree on every payout.

Only agreement is asserted, never a time: timings on a shared machine are not a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_and_its_payouts_agree(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["agree"] is True
    assert all(diff <= 0.01 for diff in result["max_abs_diff_sek"].values())
    for key in ("kernel_cells_per_s", "numpy_cells_per_s", "pandas_cells_per_s", "read_floor_cells_per_s", "compile_s"):
        assert result[key] > 0
    assert set(result["threads"]) >= {"1"}
    assert "payouts agree to the öre: yes" in proc.stdout
