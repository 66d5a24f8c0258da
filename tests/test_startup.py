"""What a command costs before it computes: the console script loads what its command needs and no more
(issue 25; ``benchmarks/commands.py`` times it), and the engine's tables are built as one frame per block."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.main import get_command_name

from kommiljard.cli import COMMANDS, app
from kommiljard.kinds.tables import stacked

ROOT = Path(__file__).resolve().parents[1]
PANEL = str(ROOT / "data" / "sample_panel_2019.parquet")
OPERATIONS = str(ROOT / "data" / "sample_operations_2022_2026.parquet")
# never needed to print help or to compute one panel: compilers, plots, statistics, validation libraries, Dask
HEAVY = ("numba", "llvmlite", "matplotlib", "scipy", "statsmodels", "pandera", "dask", "distributed", "hypothesis")
# the other stages a one-panel command does not reach
ELSEWHERE = ("kommiljard.sweeps", "kommiljard.forecasting", "kommiljard.outputs.plots", "kommiljard.outputs.report")


def test_every_command_is_listed_with_its_module_in_the_order_help_shows():
    registered = {
        (c.name or get_command_name(c.callback.__name__)): c.callback.__module__.rsplit(".", 1)[1]
        for c in app.registered_commands
    }
    assert list(registered.items()) == list(COMMANDS.items())


def loaded(args: list[str]) -> set[str]:
    """The modules a fresh ``kommiljard ARGS`` (the console script's function) has imported when it is done."""
    code = (
        "import sys, kommiljard\n"
        f"sys.argv = ['kommiljard', *{args!r}]\n"
        "try:\n    kommiljard.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return set(done.stderr.strip().splitlines()[-1].split())


def under(modules: set[str], names) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.slow
def test_help_loads_no_data_library_and_no_rule_kind():
    modules = loaded(["--help"])
    assert under(modules, (*HEAVY, "pandas", "pyarrow", "kommiljard.engine")) == []
    assert {f"kommiljard.cli.{m}" for m in COMMANDS.values()} <= modules  # it lists every command


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["payout", PANEL],
        ["payout", OPERATIONS, "--rules", "kommiljard-2026"],
        ["explain", PANEL, "--region", "06", "--month", "2019-10", "--group", "operation"],
        ["whatif", PANEL, "--region", "06", "--improve", "3", "--month", "2019-10", "--group", "operation"],
    ],
    ids=["payout", "payout-2026", "explain", "whatif"],
)
def test_a_one_panel_command_loads_only_its_own_command_and_nothing_heavy(args):
    modules = loaded(args)
    assert under(modules, HEAVY + ELSEWHERE) == []
    commands = {m for m in modules if m.removeprefix("kommiljard.cli.") in COMMANDS.values()}
    assert commands == {f"kommiljard.cli.{COMMANDS[args[0]]}"}


@pytest.mark.parametrize(
    "months", [["2019-09", "2019-10", "2019-11"], [None, None, None], ["2019-09", None, "2019-11"]]
)
def test_stacked_parts_are_the_frames_concatenated(months):
    regions = ["01", "03", "05"]
    parts = [
        {
            "region": regions,
            "block": 1,
            "month": month,
            "tier": np.array([0, 2, 1]),
            "route": np.array(["none", "staircase", "target"][: 1 + k]).repeat(3)[:3],
            "member": [True, False, True],
            "amount_sek": np.array([np.nan, 1.5, 2.25]),
            "pot_sek": float(k),
        }
        for k, month in enumerate(months)
    ]
    expected = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(stacked(parts, len(regions)), expected, check_exact=True)


def fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


KIND_MODULES = (
    "sorted(m.split('.')[2] for m in sys.modules if m.startswith('kommiljard.kinds.') and m.endswith('.kind'))"
)


@pytest.mark.slow
def test_a_rule_file_loads_only_its_own_kinds_until_all_are_asked_for():
    code = (
        "import sys\nfrom kommiljard.rules import load_rules\nfrom kommiljard.kinds import KINDS\n"
        f"load_rules('kommiljard-2019')\nprint({KIND_MODULES})\nload_rules('kommiljard-2026')\nprint({KIND_MODULES})\n"
        f"names = list(KINDS)\nprint({KIND_MODULES}, len(names))"
    )
    first, then, every = fresh(code).splitlines()
    assert first == "['population_share', 'staircase']"
    assert then == "['population_share', 'price_per_operation', 'staircase']"
    assert every.endswith(" 5") and every.count("'") == 10


@pytest.mark.slow
def test_a_misspelt_kind_is_answered_with_every_kind():
    text = (ROOT / "kommiljard" / "rules" / "kommiljard-2019.toml").read_text(encoding="utf-8")
    code = (
        "import sys, tempfile, pathlib\nfrom kommiljard.rules import load_rules\n"
        "p = pathlib.Path(tempfile.mkdtemp()) / 'r.toml'\n"
        f"p.write_text({text.replace('improvement_staircase', 'improvement_staircse')!r}, encoding='utf-8')\n"
        "try:\n    load_rules(p)\nexcept Exception as e:\n    print(e)"
    )
    said = fresh(code)
    assert "'improvement_staircse' found using 'kind'" in said
    for kind in ("population_share", "price_per_operation", "requirements_bonus", "improvement_staircase"):
        assert f"'{kind}'" in said


def test_every_kind_folder_declares_the_name_of_its_kind():
    from kommiljard.kinds import KINDS

    folders = {name: type(kind).__module__.rsplit(".", 1)[0] for name, kind in KINDS.items()}
    ours = {name: folder for name, folder in folders.items() if folder.startswith("kommiljard.kinds.")}
    assert len(ours) == 5
    for name, folder in ours.items():
        assert name == importlib.import_module(folder).KIND_NAME
