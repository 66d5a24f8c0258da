"""What a user waits for: each one-panel command on the sample panel, and ``--help``, as a fresh
process (the installed ``kommiljard`` script), CPU from ``getrusage`` of the child and wall time,
the least and the median over rounds, with the import floor run in the same rounds (interleaved: a
busy spell of the shared machine falls on the floor as on the commands). Output goes to /dev/null;
the terminal is 80 columns wide. Each command is run once first, untimed and with bytecode writing allowed,
as on a user's machine: that run writes the package's bytecode and its kept TOML tables (the floor's libraries
were compiled when they were installed), so a machine with ``PYTHONDONTWRITEBYTECODE`` set, or a fresh clone,
is timed as a user's second run, not as a compile of the whole package."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from floors import IMPORT_CODE, least, run_child

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


def figures(timings: list) -> dict[str, float]:
    """The least CPU and wall seconds over rounds (``cpu``, ``wall``) and their medians."""
    return {
        **least(timings).s(),
        "median_cpu": statistics.median(t.cpu_s for t in timings),
        "median_wall": statistics.median(t.wall_s for t in timings),
    }


def measure(rounds: int) -> tuple[dict[str, dict], dict[str, float]]:
    """Each command's CPU and wall seconds over rounds (:func:`figures`), the commands and the import floor
    interleaved round by round; and the floor's."""
    env = os.environ | {"COLUMNS": "80"}
    first = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for args in COMMANDS.values():  # a first run writes the package's bytecode and kept TOML tables (untimed)
        run_child([script(), *args], env=first, cwd=ROOT)
    runs: dict[str, list] = {name: [] for name in COMMANDS}
    floor = []
    for _ in range(rounds):
        floor.append(run_child([sys.executable, "-c", IMPORT_CODE])[0])
        for name, args in COMMANDS.items():
            runs[name].append(run_child([script(), *args], env=env, cwd=ROOT)[0])
    commands = {name: {"command": "kommiljard " + " ".join(COMMANDS[name]), **figures(t)} for name, t in runs.items()}
    return commands, figures(floor)
