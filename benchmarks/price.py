"""A price per operation against the staircase, in what a user waits for and in what a sweep spends per trajectory.

    .venv/bin/python benchmarks/price.py [--quick]

1. **One panel.** ``kommiljard payout`` of the 2026 and February-October 2025 price schemes on the sample
   operations panel, beside the 2019 staircase on its sample panel, each as a fresh process (CPU and wall),
   as a ratio to the import floor (``python -c "import numpy, pandas, pyarrow"``) measured in the same run;
   the target is at most 2.0 (the one-panel bar).
2. **Sweep.** CPU per trajectory of a sweep's draws and allocation (:class:`~kommiljard.sweeps.outcomes.Batches`,
   one thread, batches of 10 000): the 2019 staircase (the default scenario), the 2026 price scheme with the
   sample observed until July 2026 (August-December drawn, negative binomial) and June-October 2025 with the
   months until May observed; then ``run_sweep`` end to end (parts written, summary) of each. The target: a
   price trajectory costs no more than a staircase trajectory.

Nothing is asserted; the figures and the machine's load are printed, and written as JSON with ``--json``
(``benchmarks/price.json``: the last full run, on 2 cores shared with other work at a load average of about 7.5,
where the staircase's own payout was 2.6 times the floor).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

from floors import Timing, import_floor, least, run_child, timed

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = "data/sample_operations_2022_2026.parquet"
UNTIL_JULY = "examples/sample_operations_until_july_2026.parquet"
PAYOUTS = {
    "staircase 2019": ["payout", "data/sample_panel_2019.parquet"],
    "price 2026": ["payout", OPERATIONS, "--rules", "kommiljard-2026"],
    "price 2025 Feb-Oct": ["payout", OPERATIONS, "--rules", "kommiljard-2025-feb-oct"],
}


def sweeps() -> dict[str, tuple]:
    """Each sweep measured: (rules, observed panel or None)."""
    import pandas as pd

    may = pd.read_parquet(ROOT / OPERATIONS)
    may = may[may["month"] <= "2025-05"]
    return {
        "staircase 2019": ("kommiljard-2019", None),
        "price 2026": ("kommiljard-2026", ROOT / UNTIL_JULY),
        "price 2025 Jun-Oct": ("kommiljard-2025-jun-oct", may),
    }


def payouts(rounds: int) -> dict[str, dict]:
    """The least CPU and wall seconds of each payout command as a fresh process."""
    script = str(Path(sys.executable).with_name("kommiljard"))
    env = os.environ | {"COLUMNS": "80"}
    runs: dict[str, list[Timing]] = {name: [] for name in PAYOUTS}
    for _ in range(rounds):
        for name, args in PAYOUTS.items():
            runs[name].append(run_child([script, *args], env=env, cwd=ROOT)[0])
    return {name: least(t).s() for name, t in runs.items()}


def batches(rules: str, observed, n: int, rounds: int) -> dict:
    """CPU per trajectory of drawing and allocating ``n`` trajectories in batches of 10 000, one thread."""
    from kommiljard.forecasting.forecast_model import load_any_scenario
    from kommiljard.inputs.panel import as_panel
    from kommiljard.inputs.population import read_population
    from kommiljard.rules import load_rules
    from kommiljard.sweeps.outcomes import Batches, setup_sweep

    panel = as_panel(observed, measures=(), complete=False) if observed is not None else None
    setup, _ = setup_sweep(load_any_scenario(None), load_rules(rules), read_population(), None, panel)
    batch = Batches(setup, 2019, 1)
    batch(0, 10_000)  # the kernels loaded outside the clock
    times = []
    for _ in range(rounds):
        _, t = timed(lambda: [batch(s, s + 10_000) for s in range(0, n, 10_000)])
        times.append(t)
    return least(times).per(n).us()


def end_to_end(rules: str, observed, n: int, out_dir: Path) -> dict:
    """``run_sweep`` of ``n`` trajectories in this process: CPU of all its threads (getrusage) per trajectory."""
    from kommiljard.sweeps.run import run_sweep

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    run_sweep(None, 2_000, 1, out_dir / f"warm-{rules}", rules=rules, observed_panel=observed, threads=1)
    c0 = cpu()
    _, t = timed(lambda: run_sweep(None, n, 1, out_dir / rules, rules=rules, observed_panel=observed, threads=1))
    return Timing(cpu() - c0, t.wall_s).per(n).us()


def measure(quick: bool) -> dict:
    n = 20_000 if quick else 200_000
    floor = import_floor(3 if quick else 5)
    commands = payouts(1 if quick else 3)
    found = {"import_floor_s": floor.s(), "payouts_s": commands, "payout_ratio": {}}
    found["payout_ratio"] = {k: v["cpu"] / floor.cpu_s for k, v in commands.items()}
    found["sweep_trajectories"] = n
    found["sweep_us"] = {name: batches(rules, obs, n, 1 if quick else 3) for name, (rules, obs) in sweeps().items()}
    with tempfile.TemporaryDirectory(prefix="bench-price-") as tmp:
        found["end_to_end_us"] = {name: end_to_end(rules, obs, n, Path(tmp)) for name, (rules, obs) in sweeps().items()}
    found["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return found


def render(r: dict) -> str:
    lines = [f"import floor: {r['import_floor_s']['cpu']:.3f} s CPU, {r['import_floor_s']['wall']:.3f} s wall"]
    for name, t in r["payouts_s"].items():
        ratio = r["payout_ratio"][name]
        lines.append(f"  payout {name:24} {t['cpu']:7.3f} s CPU {t['wall']:7.3f} s wall  {ratio:5.2f}x floor (<= 2.0)")
    staircase = r["sweep_us"]["staircase 2019"]["cpu"]
    lines.append(f"sweep, draws + allocation, {r['sweep_trajectories']:,} trajectories, 1 thread (us per trajectory):")
    for name, t in r["sweep_us"].items():
        lines.append(f"  {name:24} {t['cpu']:7.2f} CPU {t['wall']:7.2f} wall  {t['cpu'] / staircase:5.2f}x staircase")
    staircase = r["end_to_end_us"]["staircase 2019"]["cpu"]
    lines.append("sweep end to end (run_sweep, parts and summary), 1 thread (us per trajectory):")
    for name, t in r["end_to_end_us"].items():
        lines.append(f"  {name:24} {t['cpu']:7.2f} CPU {t['wall']:7.2f} wall  {t['cpu'] / staircase:5.2f}x staircase")
    lines.append(f"load average after: {r['load_average']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.quick)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
