"""Are the fitted forecasts calibrated? Backtests on held-out SYNTHETIC histories of every family.

For each family of :mod:`kommiljard.forecasting.families` and each of its generators, ``--histories``
histories with seeds from ``--seeds-from`` (by default :data:`~kommiljard.forecasting.families.HELD_OUT_FROM`,
seeds never used while the model was built) are backtested as of ``--as-of`` (2019-08: the scheme's
months all ahead) with ``--n`` trajectories: :func:`kommiljard.forecasting.backtest.backtest` fits each
history up to then, sweeps the fitted scenario, and scores each region's payout forecast against what
the history paid. Printed per family: the 50 % and 90 % intervals' coverage of the realised region payouts
(the expected coverage of the randomised PIT, which is exact where payouts have atoms; in brackets the
plain share inside the sample percentiles), its standard error over the histories (regions of one
history share the national factor, so histories, not regions, are the independent units), and the mean
CRPS of the fitted forecast, the naive forecast and the default scenario's. ``--picture`` draws the PIT
histogram of every family; ``--json`` keeps everything.

``python benchmarks/forecast_calibration.py --picture docs/images/forecast-calibration.png`` (12 histories per
generator, 288 backtests: about 15 minutes on two cores); ``--quick``: one history per generator, 1 000 trajectories
(24 backtests, about a minute: the machinery, not the calibration).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads: one BLAS thread per job
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

LEVELS = (50, 90)
BINS = 10
QUICK_N = 1000  # trajectories per backtest with --quick
PARTS = ("correlation", "breaks", "season-change", "response-spread", "carried-error")  # what --without can leave out


def without(part: str) -> dict:
    """Leave one part of the model out (for measuring what it adds): patches the fit in this process, or the
    backtest's arguments."""
    from kommiljard.forecasting import fit, forecast

    if part == "correlation":  # each region's groups only: none between regions beyond the national factor
        fit._own_correlation = lambda innovations, params, grid, within: (None, 1.0)
    elif part == "breaks":
        fit._level_break = lambda y, x, months: None
    elif part == "season-change":
        fit.season_change = lambda residuals, fitted_season=True: (0.0, 1.0)
    elif part == "carried-error":  # the fitted means' error a prior again, learnt from the months known twice
        covariance = forecast.Joint.covariance

        def learnt(self, kind):
            cov, error = covariance(self, kind)
            return cov + error, np.zeros_like(error)

        forecast.Joint.covariance = learnt
    elif part == "response-spread":
        return {"response_cv": 0.0}
    elif part:
        raise SystemExit(f"--without {part!r}: one of {', '.join(PARTS)}")
    return {}


def one(job: tuple[str, int, int, str, int, str]) -> dict:
    """One backtest of generator ``index`` of a family with a seed: per-region PIT bounds and scores."""
    from kommiljard.forecasting.backtest import backtest
    from kommiljard.forecasting.families import FAMILIES, family_history

    family, index, seed, as_of, n, part = job
    arguments = without(part)
    generator = FAMILIES[family][index]
    history = family_history(generator, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = backtest(history.panel(), as_of, n=n, seed=seed, borrow=True, **arguments)
    t = result.regions
    return {
        "family": family,
        "generator": generator.name,
        "seed": seed,
        "pit_lo": t["pit_lo"].tolist(),
        "pit_hi": t["pit_hi"].tolist(),
        **{f"inside_{a}": t[f"inside_{a}"].astype(float).tolist() for a in LEVELS},
        "crps": float(t["crps_sek"].mean()),
        "crps_naive": float(t["crps_naive_sek"].mean()),
        "crps_default": float(t["crps_default_sek"].mean()),
    }


def summarise(rows: list[dict]) -> dict:
    """Per family: coverage (expected and plain) with its standard error over histories, mean CRPS, PIT histogram."""
    from kommiljard.forecasting.scores import expected_coverage, pit_histogram

    out = {}
    for family in dict.fromkeys(r["family"] for r in rows):
        mine = [r for r in rows if r["family"] == family]
        lo, hi = np.array([r["pit_lo"] for r in mine]), np.array([r["pit_hi"] for r in mine])
        entry = {"histories": len(mine), "regions": int(lo.size), "generators": sorted({r["generator"] for r in mine})}
        for a in LEVELS:
            per_history = expected_coverage(lo, hi, a / 100).mean(axis=1)
            entry[f"coverage_{a}"] = float(per_history.mean())
            entry[f"coverage_{a}_se"] = float(per_history.std(ddof=1) / np.sqrt(len(mine))) if len(mine) > 1 else None
            entry[f"inside_{a}"] = float(np.mean([r[f"inside_{a}"] for r in mine]))
        for key in ("crps", "crps_naive", "crps_default"):
            entry[key] = float(np.mean([r[key] for r in mine]))
        entry["pit_histogram"] = (pit_histogram(lo, hi, BINS) / lo.size).tolist()
        out[family] = entry
    return out


def picture(summary: dict, path: Path) -> None:
    """One PIT histogram per family (a calibrated forecast's is flat at 1), with its coverage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(summary)
    cols = 4
    rows = -(-len(families) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.5 * rows + 0.7), sharey=True, squeeze=False)
    for ax, family in zip(axes.ravel(), families):
        s = summary[family]
        density = np.array(s["pit_histogram"]) * BINS
        ax.bar((np.arange(BINS) + 0.5) / BINS, density, width=1 / BINS, color="#2f6db5", alpha=0.75, edgecolor="white")
        ax.axhline(1.0, color="#222222", linewidth=0.8, linestyle="--")
        ax.set_title(family, fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 2.0)
        ax.text(
            0.5, 1.93, f"50 %: {s['coverage_50']:.1%}  90 %: {s['coverage_90']:.1%}\n{s['histories']} histories",
            ha="center", va="top", fontsize=7.5,
        )  # fmt: skip
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(families) :]:
        ax.axis("off")
    fig.supxlabel("PIT of the realised region payout (where it fell in its forecast)", fontsize=9)
    fig.supylabel("density (flat at 1: calibrated)", fontsize=9)
    fig.suptitle("Fitted forecasts of the 2019 block-1 payouts, held-out SYNTHETIC histories", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(summary: dict) -> str:
    head = (
        f"{'family':<20} {'hist':>4} {'50 % (plain)':>15} {'90 % (plain)':>15}  "
        f"{'CRPS mnkr':>9} {'naive':>6} {'default':>7}"
    )
    lines = [head, "-" * len(head)]
    for family, s in summary.items():
        cov = [f"{s[f'coverage_{a}']:.1%}±{s[f'coverage_{a}_se'] or 0:.1%} ({s[f'inside_{a}']:.0%})" for a in LEVELS]
        lines.append(
            f"{family:<20} {s['histories']:>4} {cov[0]:>15} {cov[1]:>15}  "
            f"{s['crps'] / 1e6:>9.2f} {s['crps_naive'] / 1e6:>6.2f} {s['crps_default'] / 1e6:>7.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    from kommiljard.forecasting.families import FAMILIES, HELD_OUT_FROM

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--histories", type=int, default=12, help="histories per generator")
    parser.add_argument("--seeds-from", type=int, default=HELD_OUT_FROM)
    parser.add_argument("--as-of", default="2019-08")
    parser.add_argument("--n", type=int, default=2000, help="trajectories per backtest")
    parser.add_argument(
        "--quick", action="store_true", help=f"one history per generator of {QUICK_N} trajectories (a smoke run)"
    )
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    parser.add_argument("--without", default="", help=f"leave a part of the model out: {', '.join(PARTS)}")
    parser.add_argument("--picture", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.histories, args.n = 1, QUICK_N
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    jobs = [
        (family, index, args.seeds_from + 1000 * index + k, args.as_of, args.n, args.without)
        for family in families
        for index in range(len(FAMILIES[family]))
        for k in range(args.histories)
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one, jobs, chunksize=4))
    summary = summarise(rows)
    print(table(summary))
    print(f"{len(jobs)} backtests of {args.n} trajectories in {time.perf_counter() - started:.0f} s ({args.jobs} jobs)")
    if args.quick:
        print("quick: the machinery runs; coverage over so few histories says little (the full run: --histories 12)")
    if args.picture:
        picture(summary, args.picture)
        print(f"wrote {args.picture}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "arguments": vars(args) | {"picture": str(args.picture), "json": str(args.json)},
                    "summary": summary,
                    "rows": rows,
                },
                indent=1,
            )
        )
    return summary


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
