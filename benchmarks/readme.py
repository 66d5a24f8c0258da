"""Write the README's benchmark figures from a JSON of ``benchmarks/run.py``.

    .venv/bin/python benchmarks/run.py --json benchmarks/results.json
    .venv/bin/python benchmarks/readme.py benchmarks/results.json

Everything between the two marker lines of README.md (``<!-- benchmarks:begin -->`` and
``<!-- benchmarks:end -->``) is replaced; nothing else is touched.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"


def _us(t: dict) -> str:
    return f"{t['cpu']:.2f} µs ({t['wall']:.2f} µs wall)"


def section(r: dict, source: str) -> str:
    """The generated Markdown: the machine, every target with its figure, then the details."""
    m, f, s = r["machine"], r["floors"], r["sweep"]
    load = ", ".join(f"{x:.1f}" for x in m["load_average"])
    lines = [
        f"Figures of `benchmarks/run.py{' --quick' if r['mode'] == 'quick' else ''}` ({source}), on {m['cpu']} with "
        f"{m['cpus']} CPUs, shared with other work (load average {load} at the start): Python {m['python']}, numpy "
        f"{m['numpy']}, numba {m['numba']}, pyarrow {m['pyarrow']}. CPU time is the process's, all threads; each "
        "figure is a ratio to a floor measured in the same run.",
        "",
        "| target | measured | ratio | met |",
        "|---|---|---|---|",
    ]
    for t in r["targets"]:
        ratio = f"{t['ratio']:.2f} ({t['target']})" if t["ratio"] is not None else t["target"]
        met = {True: "yes", False: "**no**", None: "(no goal)"}[t["met"]]
        lines.append(f"| {t['what']} | {t['figure']:.3g} | {ratio} | {met} |")
    lines += [
        "",
        f"Floors: `import numpy, pandas, pyarrow` {f['import_s']['cpu']:.2f} s CPU; numpy SFC64 normals for one "
        f"trajectory ({f['sizes']['normals']}) {_us(f['normals_us'])}; numpy exp of its "
        f"{f['sizes']['logits']} logits {_us(f['exp_us'])}; pyarrow writing its {f['sizes']['rows']} rows "
        f"{_us(f['write_us'])}.",
        "",
    ]
    floor = r["commands_floor"]["median_cpu"]
    if again := r.get("commands_measured"):  # the commands measured again (with their floor) after the run
        load = ", ".join(f"{x:.1f}" for x in again["load_average"])
        when = again["utc"].replace("T", " ").removesuffix("+00:00")
        lines += [f"The commands were measured again on {when} UTC (load average {load}), "
                  "in rounds with the import floor as the run measures them.", ""]  # fmt: skip
    lines += [
        "| command (sample panel; median of the rounds) | CPU s | wall s | × import floor (its median in the same "
        f"rounds: {floor:.2f} s CPU) |",
        "|---|---|---|---|",
    ]
    for c in r["commands"].values():
        lines.append(
            f"| `{c['command']}` | {c['median_cpu']:.2f} | {c['median_wall']:.2f} | {c['median_cpu'] / floor:.2f} |"
        )
    normals = s["normals_floor_us"]["cpu"]
    lines += [
        "",
        f"| sweep, per trajectory (the least of {s['end_to_end_rounds']} rounds; floor {normals:.2f} µs, measured "
        "before each) | CPU µs | wall µs | × normals floor |",
        "|---|---|---|---|",
    ]
    for name, t in s["end_to_end_us"].items():
        lines.append(
            f"| `run_sweep`, {s['end_to_end_trajectories']:,} trajectories, {name} | {t['cpu']:.2f} | {t['wall']:.2f} "
            f"| {t['cpu'] / normals:.2f} |"
        )
    for name, t in s["stages_us"].items():
        lines.append(f"| stage: {name} (1 thread) | {t['cpu']:.2f} | {t['wall']:.2f} | {t['cpu'] / normals:.2f} |")
    race = s["race"]
    lines += [
        "",
        f"Allocation of {race['trajectories']:,} drawn trajectories on one thread: the kernel "
        f"{race['kernel_us']['cpu']:.2f} µs per trajectory, the tuned numpy contender {race['numpy_us']['cpu']:.2f} µs "
        f"({race['numpy_us']['cpu'] / race['kernel_us']['cpu']:.1f}×), one numpy pass over the shares they read "
        f"{race['read_floor_us']['cpu']:.2f} µs.",
    ]
    if s["memory"]:
        sizes = "; ".join(
            f"{mem['trajectories']:,} trajectories: {mem['peak_rss_mib']:.0f} MiB ({mem['wall_s']:.0f} s wall)"
            for mem in s["memory"]
        )
        lines += ["", f"Peak memory of `run_sweep` in a fresh process (2 threads): {sizes}."]
    if "dask" in r:
        lines += ["", *dask_lines(r["dask"])]
    if "compile" in r:
        lines += ["", "| kernel | compile, first process (CPU s) | load, next process (CPU s) |", "|---|---|---|"]
        for name, t in r["compile"].items():
            lines.append(f"| {name} | {t['cold_s']['cpu']:.2f} | {t['warm_s']['cpu']:.3f} |")
    return "\n".join(lines)


def dask_lines(d: dict) -> list[str]:
    """The sweep on a Dask LocalCluster: one row per run, then the efficiency and the driver's share."""
    size = d["sizes"]
    lines = [
        f"| sweep of {size['n']:,} in parts of {size['chunk']:,} | wall s | trajectories/s | driver CPU s | workers' "
        "CPU s |",
        "|---|---|---|---|---|",
    ]
    rows = {"local, one thread": d["local"]["one thread"]}
    rows |= {f"Dask, {w} worker process{'es' * (int(w) > 1)}": row for w, row in d["dask"].items()}
    for name, row in rows.items():
        workers = f"{row['workers_cpu_s']:.2f}" if "workers_cpu_s" in row else "-"
        speed = f"{row['trajectories_per_s']:,.0f}"
        lines.append(f"| {name} | {row['wall_s']:.2f} | {speed} | {row['driver_cpu_s']:.2f} | {workers} |")
    largest = d["largest_workers"]
    lines += [
        "",
        f"Dask at {largest} worker processes: parallel efficiency {d['efficiency']:.2f} (throughput over {largest} "
        f"times one worker's), the driver's CPU {100 * d['driver_share']:.1f} % of the workers', the workers' CPU "
        f"on one worker process {d.get('cpu_efficiency', float('nan')):.2f} of that on {largest} for the same work.",
    ]
    return lines


def rewrite(readme: Path, generated: str) -> None:
    text = readme.read_text(encoding="utf-8")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"{readme}: needs one {BEGIN} line and one {END} line after it")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    readme.write_text(f"{head}{BEGIN}\n{generated}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a JSON written by benchmarks/run.py --json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    result = json.loads(args.results.read_text(encoding="utf-8"))
    source = args.results.resolve().relative_to(ROOT) if args.results.resolve().is_relative_to(ROOT) else args.results
    rewrite(args.readme, section(result, f"`{source}`"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
