"""The cost of k rule variants in one sweep against one: the trajectories are drawn once per batch and
allocated k times, then each variant's outcomes are read back from the parts.

``run_sweep`` of ``--n`` trajectories (default scenario; the 2019 rules, their named alternatives,
then the blue bar's bound moved by 0.01 pp at a time) on one thread, after a warm-up, the least of
``--rounds``; CPU of the process (all threads) and wall time, and each as a ratio to the sweep of
one rule set. ``python benchmarks/variants.py --n 20000 --variants 1,2,8,50``
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from floors import least, timed

from kommiljard.rules import load_rules
from kommiljard.sweeps.run import run_sweep

SEED = 2019


def variants(k: int) -> dict:
    """k variants of the 2019 rules: the rules, their named alternatives, then the blue bar's bound moved by
    0.01 pp at a time."""
    base = load_rules("kommiljard-2019")
    every = {"default": base, **{a.name: base.with_alternative(a.name) for a in base.ruleset.alternatives}}
    blue = base.ruleset.blocks[0].bars[0].min_improvement
    for i in range(1, k - len(every) + 1):
        every[f"blue{i:+d}"] = base.with_overrides({"block1.bars.blue.min_improvement": blue - 0.01 * i})
    return dict(list(every.items())[:k])


def measure(n: int, counts: list[int], rounds: int) -> dict:
    """Per number of variants: CPU and wall seconds of the sweep, and their ratios to one variant."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(None, 2000, SEED, Path(tmp) / "warm", threads=1, variants=variants(2))  # compile, load caches
        for k in counts:
            times = []
            for r in range(rounds):
                where = Path(tmp) / f"k{k}-{r}"
                if k == 1:
                    _, t = timed(lambda where=where: run_sweep(None, n, SEED, where, threads=1))
                else:
                    _, t = timed(
                        lambda where=where, k=k: run_sweep(None, n, SEED, where, threads=1, variants=variants(k))
                    )
                times.append(t)
            out[k] = least(times).s()
    one = out[counts[0]]
    return {
        "n": n,
        "load_average": os.getloadavg(),
        "by_variants": {
            k: {**t, "cpu_ratio": t["cpu"] / one["cpu"], "wall_ratio": t["wall"] / one["wall"]} for k, t in out.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--variants", default="1,2,4,8", help="numbers of variants, the first the reference (1)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.n, [int(v) for v in args.variants.split(",")], args.rounds)
    print(json.dumps(result, indent=2))
    for k, t in result["by_variants"].items():
        print(
            f"{k:>3} variant(s): CPU {t['cpu']:.2f} s ({t['cpu_ratio']:.2f} x), wall {t['wall']:.2f} s "
            f"({t['wall_ratio']:.2f} x)"
        )


if __name__ == "__main__":
    main()
