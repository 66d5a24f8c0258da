"""What reading a big input costs against the cost of parsing it: ``kommiljard import`` and ``kommiljard
validate`` of a panel CSV of about 20 MB, and import of hostile files, each as a fresh process.

    .venv/bin/python benchmarks/inputs.py [--mb 20] [--rounds 1] [--json FILE]

The panel is drawn here (21 regions, both groups, about 12 000 months up to 2019-12, so that it covers
the 2019 rules; about 540 000 rows, 1.6 million values). Floors, measured in the same run: reading the
file with the csv module (what ``import`` parses it with) and with pandas (what ``validate`` reads it
with), each in a fresh process, interpreter start and imports included. The hostile files: the same
panel with a third of its shares unreadable (every problem counted, a few hundred collected), a
Kontaktkort table of 8 000 hospitals beside one region (rows left aside, looked up once each), and the
panel at a quarter of the size (time grows linearly: the ratio per MB stays). Target: importing or
validating the 20 MB panel in under 15 s of CPU. Nothing is asserted: the figures and the load average
are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from commands import script
from floors import least, machine, run_child

TARGET_CPU_S = 15.0
REGIONS = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20", "21",
           "22", "23", "24", "25"]  # fmt: skip


def panel_csv(path: Path, mb: float, bad: bool = False) -> Path:
    """A panel CSV of about ``mb`` MB whose months end in 2019-12; ``bad``: every third share_90 unreadable."""
    months_n = int(mb * 1e6 / 37.5) // 42 + 1  # about 37.5 bytes a row
    end = 2020 * 12
    months = [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(end - months_n, end)]
    rng = np.random.default_rng(0)
    r, m, g = (a.ravel() for a in np.meshgrid(np.arange(21), np.arange(months_n), np.arange(2), indexing="ij"))
    s90 = np.round(rng.uniform(60, 90, r.size), 1)
    frame = pd.DataFrame({
        "region": np.array(REGIONS)[r], "month": np.array(months)[m],
        "group": np.array(["first_visit", "operation"])[g],
        "share_90": s90.astype(object), "share_60": np.round(s90 - rng.uniform(0, 10, r.size), 1),
        "n_waiting": rng.integers(100, 100_000, r.size),
    })  # fmt: skip
    if bad:
        frame.loc[::3, "share_90"] = "x"
    frame.to_csv(path, index=False)
    return path


def hospitals_csv(path: Path, hospitals: int) -> Path:
    """A Kontaktkort table: one region and many hospitals (rows left aside)."""
    lines = ["Kontaktkort, förstabesök, väntande", "", "Id;Enhet;Mått;Sep 2018;Sep 2019"]
    measures = ("Andel väntande inom 90 dagar", "Andel väntande inom 60 dagar")
    lines += [f"10;Stockholm;{m};70 %;71 %" for m in measures]
    lines += [f"{1000 + i};Sjukhus nummer {i};{m};64 %;65 %" for i in range(hospitals) for m in measures]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(cmd: list[str], rounds: int, ok: tuple[int, ...] = (0,)) -> dict:
    """Median CPU and wall seconds of a fresh process (exit status 2 allowed where a refusal is expected)."""
    runs = []
    for _ in range(rounds):
        try:
            runs.append(run_child(cmd)[0])
        except RuntimeError as exc:  # run_child insists on exit 0: a refusal is timed by hand
            if 2 not in ok or "failed (2)" not in str(exc):
                raise
            runs.append(_refusal(cmd))
    return least(runs).s()


def _refusal(cmd: list[str]):
    import subprocess
    import time

    from floors import Timing

    w0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return Timing(usage.ru_utime + usage.ru_stime, time.perf_counter() - w0)


def measure(mb: float, rounds: int, folder: Path) -> dict:
    big = panel_csv(folder / "panel.csv", mb)
    quarter = panel_csv(folder / "quarter.csv", mb / 4)
    bad = panel_csv(folder / "bad.csv", mb, bad=True)
    hospitals = hospitals_csv(folder / "hospitals.csv", 8000)
    py, k = sys.executable, script()
    floors = {
        "csv module": [py, "-c", f"import csv; list(csv.reader(open({str(big)!r}, newline='')))"],
        "pandas.read_csv": [py, "-c", f"import pandas; pandas.read_csv({str(big)!r}, dtype=str)"],
    }
    jobs = {
        "import": ([k, "import", str(big), "--out", str(folder / "out.parquet")], (0,)),
        "validate": ([k, "validate", str(big)], (0,)),
        "import, a quarter of the size": ([k, "import", str(quarter), "--out", str(folder / "q.parquet")], (0,)),
        "import, a third of the shares unreadable": ([k, "import", str(bad), "--out", str(folder / "b.parquet")], (2,)),
        "validate, a third of the shares unreadable": ([k, "validate", str(bad)], (2,)),
        "import, 8 000 hospitals beside one region": (
            [k, "import", str(hospitals), "--out", str(folder / "h.parquet")],
            (0,),
        ),
    }
    sizes = {name: path.stat().st_size / 1e6 for name, path in (("panel", big), ("quarter", quarter), ("bad", bad),
                                                                 ("hospitals", hospitals))}  # fmt: skip
    result = {"sizes_mb": sizes, "floors": {n: timed(c, rounds) for n, c in floors.items()}}
    result["jobs"] = {name: timed(cmd, rounds, ok) for name, (cmd, ok) in jobs.items()}
    return result


def render(r: dict) -> str:
    m, sizes, floor = r["machine"], r["sizes_mb"], r["floors"]["csv module"]["cpu"]
    lines = [
        f"benchmarks/inputs.py: {m['cpu']}, {m['cpus']} CPUs, load average {m['load_average']} before, "
        f"{r['load_average_after']} after",
        f"panel CSV {sizes['panel']:.1f} MB (a quarter: {sizes['quarter']:.1f} MB; hospitals "
        f"{sizes['hospitals']:.1f} MB)",
        "",
        f"  {'':46}{'CPU s':>9}{'wall s':>9}{'x floor':>9}{'CPU s/MB':>10}",
    ]
    for name, t in r["floors"].items():
        lines.append(f"  floor: {name:39}{t['cpu']:9.2f}{t['wall']:9.2f}")
    for name, t in r["jobs"].items():
        mb = sizes["quarter" if "quarter" in name else "hospitals" if "hospitals" in name else "panel"]
        lines.append(f"  {name:46}{t['cpu']:9.2f}{t['wall']:9.2f}{t['cpu'] / floor:9.1f}{t['cpu'] / mb:10.2f}")
    worst = max(r["jobs"]["import"]["cpu"], r["jobs"]["validate"]["cpu"])
    lines += ["", f"target: import and validate of the panel under {TARGET_CPU_S:g} s CPU: "
              f"{'met' if worst < TARGET_CPU_S else 'NOT met'} ({worst:.1f} s)"]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the panel CSV (MB)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each job (the least is reported)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kommiljard-inputs-") as folder:
        result = {"machine": machine(), **measure(args.mb, args.rounds, Path(folder))}
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
