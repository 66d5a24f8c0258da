"""What a user waits for: each one-panel command on the sample panel, and ``--help``, as a fresh
process (the installed ``kommiljard`` script), CPU from ``getrusage`` of the child and wall time,
the least over rounds. Output goes to /dev/null; the terminal is 80 columns wide."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from floors import least, run_child

ROOT = Path(__file__).resolve().parents[1]
PANEL = "data/sample_panel_2019.parquet"
OPERATIONS = "data/sample_operations_2022_2026.parquet"
COMMANDS = {
    "--help": ["--help"],
    "validate": ["validate", PANEL],
    "explain": ["explain", PANEL, "--region", "06", "--month", "2019-10", "--group", "operation"],
    "payout": ["payout", PANEL],
    "whatif": ["whatif", PANEL, "--region", "06", "--improve", "3", "--month", "2019-10", "--group", "operation"],
    "compare": ["compare", PANEL, "--alternatives"],
    "payout 2023": ["payout", "data/sample_panel_2023.parquet", "--rules", "kommiljard-2023"],
    "explain 2023": [
        "explain",
        "data/sample_panel_2023.parquet",
        "--rules",
        "kommiljard-2023",
        "--region",
        "06",
        "--month",
        "2023-05",
        "--group",
        "sc_first_visit",
    ],
    # a price per operation (2026) on the sample operations panel
    "payout 2026": ["payout", OPERATIONS, "--rules", "kommiljard-2026"],
    "payout 2025 Feb-Oct": ["payout", OPERATIONS, "--rules", "kommiljard-2025-feb-oct"],
    "explain 2026": ["explain", OPERATIONS, "--rules", "kommiljard-2026", "--region", "03"],
    "whatif 2026": [
        "whatif",
        OPERATIONS,
        "--rules",
        "kommiljard-2026",
        "--region",
        "03",
        "--procedure",
        "cataract",
        "--more",
        "200",
    ],
}


def script() -> str:
    """The ``kommiljard`` command beside this interpreter (the one the package is installed in)."""
    path = Path(sys.executable).with_name("kommiljard")
    if not path.exists():
        raise FileNotFoundError(f"{path}: install the package (pip install -e .) to time its commands")
    return str(path)


def measure(rounds: int) -> dict[str, dict]:
    """The least CPU and wall seconds of each command over rounds, the commands interleaved round by round."""
    env = os.environ | {"COLUMNS": "80"}
    runs: dict[str, list] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            runs[name].append(run_child([script(), *args], env=env, cwd=ROOT)[0])
    return {name: {"command": "kommiljard " + " ".join(COMMANDS[name]), **least(t).s()} for name, t in runs.items()}
