"""`kommiljard sweep`: N synthetic trajectories through the rules."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import KommiljardError
from ..money import format_mnkr, format_number, mnkr, pp
from ..rules import DEFAULT_RULES, load_rules
from .app import (
    AlternativesOpt,
    Format,
    FormatOpt,
    GroupsOpt,
    MonthsOpt,
    PopulationOpt,
    RuleSetsOpt,
    SetOpt,
    VariantOpt,
    app,
    err,
    many,
    out,
    overrides_of,
    reports_errors,
)
from .compare import print_variant_sweep
from .render import print_frame
from .terminal import write_out


@app.command()
@reports_errors
def sweep(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output directory: trajectories/part-*.parquet, summary.csv/.parquet/.xlsx, manifest.json.",
        ),
    ],
    scenario: Annotated[
        str | None, typer.Argument(help="A bundled scenario (default: default-2019) or a scenario .toml file.")
    ] = None,
    n: Annotated[int, typer.Option("--n", "-n", help="Number of trajectories.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed and arguments give the same results.")] = 0,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Trajectories per Parquet part (results do not depend on it).")
    ] = 100_000,
    region: Annotated[
        str | None, typer.Option("--region", help="Lever: the region whose own improvement is set (with --improve).")
    ] = None,
    improve: Annotated[
        str | None,
        typer.Option(
            "--improve",
            "-x",
            help="Lever: percentage points added to the region's share_90 in every trajectory. Several, e.g. 0,1,2,3: "
            "a lever grid, one sweep per value in --out/improve+1 ... on the same draws.",
        ),
    ] = None,
    months: MonthsOpt = None,
    groups: GroupsOpt = None,
    observed: Annotated[
        Path | None,
        typer.Option(
            "--observed", help="A panel with the months already known: its cells are kept, the others drawn given them."
        ),
    ] = None,
    rules: RuleSetsOpt = None,
    variant: VariantOpt = None,
    with_alternatives: AlternativesOpt = False,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    threads: Annotated[
        int | None, typer.Option("--threads", help="Threads (default: numba's); results do not depend on it.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Start again if --out holds a sweep with other arguments (deletes that sweep's files)."
        ),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run the chunks as Dask tasks: a running scheduler's address (tcp://HOST:8786; --out on a filesystem "
            "every worker shares) or local:N (N worker processes here). Same results. Needs kommiljard[distributed].",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run N synthetic trajectories through the rules: what each region can expect to get.

    Example: `kommiljard sweep --n 1000000 --seed 1 --out sweep-2019 --region 06 --improve 3`

    Prints per region the mean and 5/50/95 % percentiles of its block-1 amount and the chance of reaching each bar;
    with a lever (--region and --improve) also the gain. `--improve 0,1,2,3` runs one sweep per value on the same draws
    (a lever grid for `kommiljard page --sweep`) and prints the gain per value. An interrupted sweep resumes when rerun
    with the same arguments.

    With `--variant`, `--alternatives` or several `--rules`, every rule variant is allocated on the same trajectories
    (a variant sweep): per variant the expected payout per region and the scheme-level outcomes (lapsed money, kronor
    per pp of improvement, spread per inhabitant, chance that a month pays nothing), e.g. `kommiljard sweep --n 10000
    --alternatives --variant equal:block1.sharing=equal --out variants-2019`.
    """
    import pandas as pd

    from ..forecasting.forecast_model import load_any_scenario
    from ..inputs.regions import normalise_code
    from ..sweeps.arguments import check_sweep_arguments
    from ..sweeps.run import Lever, run_sweep

    check_sweep_arguments(n, seed, chunk_size, threads)
    if scheduler is not None:
        from ..sweeps.distributed import check_scheduler, connected

        check_scheduler(scheduler)
    if variant or with_alternatives or len(rules or ()) > 1:
        if set_:
            raise KommiljardError("--set changes one rule set: in a variant sweep, put the changes in a --variant")
        if region is not None or improve is not None or months or groups:
            raise KommiljardError(
                "a variant sweep has no lever: leave out --region, --improve, --month and --group (or sweep the lever "
                "for one rule set)"
            )
        from .compare import rule_variants

        variants = rule_variants(rules, variant, with_alternatives)
        variant_sweep(
            variants,
            scenario,
            n,
            seed,
            out_dir,
            chunk_size,
            observed,
            population,
            threads,
            force,
            quiet,
            fmt,
            scheduler,
        )
        return
    rules = rules[0] if rules else DEFAULT_RULES
    if (region is None) != (improve is None):
        raise KommiljardError("a lever needs both --region and --improve")
    if (months or groups) and region is None:
        raise KommiljardError("--month and --group choose the lever's cells: give --region and --improve too")
    sizes = lever_sizes(improve) if improve is not None else []
    levers = [Lever(region, x, tuple(many(months) or ()) or None, tuple(many(groups) or ()) or None) for x in sizes]
    loaded = load_any_scenario(scenario)
    if len(levers) > 1:
        rule_set = load_rules(rules, overrides_of(set_))
        with connected(scheduler) if scheduler is not None else contextlib.nullcontext() as client:  # one cluster
            lever_grid(
                levers,
                out_dir,
                functools.partial(
                    run_sweep,
                    loaded,
                    n,
                    seed,
                    chunk_size=chunk_size,
                    observed_panel=observed,
                    rules=rule_set,
                    population=population,
                    threads=threads,
                    force=force,
                    scheduler=client,
                ),
                f"scenario: {loaded.origin}; rules: {rules}; seed {seed}; {n:,} trajectories each".replace(",", " "),
                n,
                quiet,
                fmt,
            )
        return
    lever = levers[0] if levers else None
    improve = sizes[0] if sizes else None
    err.print(
        f"scenario: {loaded.origin}; rules: {rules}; seed {seed}; {format_number(n)} trajectories"
        + (f"; lever: region {region} {pp(improve, None)}" if lever else "")
        + (f"; observed: {observed}" if observed else ""),
        highlight=False,
    )
    with progress_bars(quiet, remaining=True) as bar, resumable(out_dir):
        result = run_sweep(
            loaded,
            n,
            seed,
            out_dir,
            chunk_size,
            lever,
            observed,
            load_rules(rules, overrides_of(set_)),
            tracker(bar, "sweep", n),
            population,
            None,
            threads,
            force,
            scheduler=scheduler,
        )
    m = result.manifest
    if m.get("observed"):
        err.print(
            f"observed: {m['observed']['cells_used']} cells kept as in {m['observed']['source']}", highlight=False
        )
    forecast = (m.get("observed") or {}).get("forecast_from")
    if forecast:  # a fitted scenario: each region drawn from its own forecast
        o = m["observed"]
        err.print(
            f"forecast from {forecast} with each region's own fit (up to {o['fit_until']}): drawn "
            f"{', '.join(o['months_forecast']) or 'nothing (every month is known)'}; known "
            f"{', '.join(o['months_known']) or 'none'}",
            markup=False,
            highlight=False,
        )
    err.print(
        f"{format_number(n)} trajectories"
        + f" in {result.elapsed_s:.1f} s ({result.computed_parts} part(s) computed, {result.reused_parts} reused"
        + (f"; Dask: {m['dask']['workers']} worker(s)" if result.computed_parts and m.get("dask") else "")
        + "); "
        f"wrote {out_dir}/",
        highlight=False,
    )
    summary = result.summary
    if fmt is Format.json:
        write_out(
            json.dumps(
                {
                    "summary": summary.to_dict(orient="records"),
                    "manifest": {k: v for k, v in m.items() if k != "parts"},
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            + "\n"
        )
        return
    if fmt is Format.csv:
        print_frame(summary, fmt, "")
        return
    groups, bars = m["block"]["groups"], m["block"]["bars"]  # from the rules, never parsed out of column names
    rows = []
    for _, r in summary.iterrows():
        row = {"region": r["region"], "name": r["region_name"]}
        row |= {c: format_mnkr(r[f"{c}_sek"]) for c in ("mean", "p5", "p50", "p95")}
        row |= {f"{g} %": "/".join(format_number(100 * r[f"p_{b}_{g}"]) for b in bars) for g in groups}
        if lever is not None:
            row |= {
                "gain": format_mnkr(r["mean_gain_sek"]),
                "p5 to p95": f"{format_mnkr(r['p5_gain_sek'])} to {format_mnkr(r['p95_gain_sek'])}",
            }
        rows.append(row)
    view = pd.DataFrame(rows)
    title = f"{loaded.name}, {format_number(n)} trajectories: block-1 amount per region, mnkr"
    print_frame(view, fmt, title, keys=2, numbers=[c for c in view.columns if c not in ("region", "name")])
    out.print(
        f"<group> %: the chance to reach the {'/'.join(bars)} bar in that group in at least one measurement month.",
        highlight=False,
    )
    if forecast:
        cells = [(month, g) for month in m["block"]["months"] for g in groups]
        short = {g: "".join(w[0] for w in g.split("_")) if "_" in g else g[:2] for g in groups}
        header = {(month, g): f"{dt.date(int(month[:4]), int(month[5:]), 1):%b} {short[g]}" for month, g in cells}
        by_month = pd.DataFrame({
            "region": summary["region"],
            **{header[c]: [format_number(100 * v) for v in summary[f"p_{bars[0]}_{c[1]}_{c[0]}"]] for c in cells},
        })  # fmt: skip
        title = f"Chance (%) to reach at least the {bars[0]} bar, by month"
        print_frame(by_month, fmt, title, keys=1, numbers=list(header.values()))
        out.print(
            ", ".join(f"{a}: {g}" for g, a in short.items())
            + f"; months of {', '.join(sorted({month[:4] for month, _ in cells}))}. summary.csv has every bar "
            "(p_<bar>_<group>_<YYYY-MM>).",
            highlight=False,
        )
    if lever is not None:
        row = summary.set_index("region").loc[normalise_code(region)]

        def chances(suffix: str, g: str) -> str:
            return "/".join(format_number(100 * row[f"p_{b}_{g}{suffix}"]) for b in bars)

        moves = "; ".join(f"{g} {'/'.join(bars)} {chances('_baseline', g)} % -> {chances('', g)} %" for g in groups)
        out.print(
            f"Lever {normalise_code(region)} {pp(improve, None)}: expected gain {mnkr(row['mean_gain_sek'])} "
            f"(5-95 %: {format_mnkr(row['p5_gain_sek'])} to {mnkr(row['p95_gain_sek'])}); {moves}",
            highlight=False,
        )


def lever_sizes(text: str) -> list[float]:
    """``--improve 3`` or ``--improve 0,1,2,3``: the lever's sizes in pp, each once."""
    sizes = []
    for item in (v.strip() for v in text.split(",")):
        try:
            x = float(item)
        except ValueError:
            raise KommiljardError(f"--improve {text!r}: {item!r} is not a number of pp (e.g. 3, or 0,1,2,3)") from None
        if not math.isfinite(x) or x in sizes:
            raise KommiljardError(f"--improve {text!r}: {item} is {'given twice' if x in sizes else 'not finite'}")
        sizes.append(x)
    return sizes


def progress_bars(quiet: bool, remaining: bool = False):
    """Progress bars of trajectories on stderr (none when quiet or not a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("trajectories")]
    columns += [TimeElapsedColumn(), *([TimeRemainingColumn()] if remaining else [])]
    return Progress(*columns, console=err, disable=quiet or not err.is_terminal)


def tracker(bar, description: str, n: int):
    """A sweep's ``progress(done, total)`` that moves a new bar of ``bar``."""
    task = bar.add_task(description, total=n)
    return lambda done, total: bar.update(task, completed=done)


@contextlib.contextmanager
def resumable(where: Path):
    """Ctrl-C: say that the finished parts in ``where`` are kept and how to resume, and exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(
            f"interrupted: finished parts are kept in {where}; run the same command again to resume.",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(130) from None


def lever_grid(levers: list, out_dir: Path, run, said: str, n: int, quiet: bool, fmt: Format) -> None:
    """One sweep per lever size, each in ``out_dir/improve<+x>`` (``run(out_dir=, lever=, progress=)`` runs one),
    all on the same draws (the same seed and arguments): the gain per size, for the lever's region."""
    import pandas as pd

    err.print(
        f"{said}; lever grid: region {levers[0].region} {', '.join(f'{lv.improve_pp:+g}' for lv in levers)} pp",
        highlight=False,
    )
    results = []
    with progress_bars(quiet) as bar:
        for lever in levers:
            where = out_dir / f"improve{lever.improve_pp:+g}"
            with resumable(where):
                progress = tracker(bar, f"lever {lever.improve_pp:+g} pp", n)
                results.append(run(out_dir=where, lever=lever, progress=progress))
    m = results[0].manifest
    code = m["lever"]["region"]
    rows = pd.DataFrame(
        [
            {"improve_pp": r.manifest["lever"]["improve_pp"], **r.summary.set_index("region", drop=False).loc[code]}
            for r in results
        ]
    )
    computed, reused = sum(r.computed_parts for r in results), sum(r.reused_parts for r in results)
    err.print(
        f"{len(results)} sweeps of {format_number(n)} trajectories ({computed} part(s) computed, {reused} reused); "
        f"wrote {', '.join(str(r.out_dir) for r in results)}",
        highlight=False,
    )
    if fmt is Format.json:
        doc = {"region": code, "levels": [{**row, "out_dir": str(r.out_dir)} for row, r in
                                          zip(rows.to_dict(orient="records"), results)]}  # fmt: skip
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(rows.to_csv(index=False))
        return
    groups, bars = m["block"]["groups"], m["block"]["bars"]
    gains = ("mean_gain_sek", "p5_gain_sek", "p50_gain_sek", "p95_gain_sek")
    chances = {g: ["/".join(f"{100 * r[f'p_{b}_{g}']:.0f}" for b in bars) for _, r in rows.iterrows()] for g in groups}
    view = pd.DataFrame({
        "lever pp": [f"{v:+g}" for v in rows["improve_pp"]],
        **{c.removesuffix("_gain_sek"): [format_mnkr(v) for v in rows[c]] for c in gains},
        **{f"{g} %": chances[g] for g in groups},
    })  # fmt: skip
    title = f"Lever grid for {code}, {format_number(n)} trajectories each: block-1 gain, mnkr"
    print_frame(view, fmt, title, keys=1, numbers=list(view.columns))
    out.print(
        f"<group> %: the chance to reach the {'/'.join(bars)} bar in that group in at least one measurement month, "
        "with the lever.",
        highlight=False,
        markup=False,
    )


def variant_sweep(variants: dict, scenario, n, seed, out_dir, chunk_size, observed, population, threads, force, quiet,
                  fmt: Format, scheduler: str | None = None) -> None:  # fmt: skip
    """Every variant on the same trajectories: run, then print the variants' outcomes."""
    from ..forecasting.forecast_model import load_any_scenario
    from ..outputs.plots.variants import read_variant_sweep
    from ..sweeps.run import run_sweep

    loaded = load_any_scenario(scenario)
    err.print(
        f"scenario: {loaded.origin}; seed {seed}; {format_number(n)} trajectories; {len(variants)} variants: "
        + ", ".join(
            f"{name} ({r.id}{' with ' + str(dict(r.overrides)) if r.overrides else ''})" for name, r in variants.items()
        ),
        highlight=False,
        markup=False,
    )
    with progress_bars(quiet) as bar, resumable(out_dir):
        result = run_sweep(
            loaded,
            n,
            seed,
            out_dir,
            chunk_size,
            observed_panel=observed,
            progress=tracker(bar, "sweep", n),
            population=population,
            threads=threads,
            force=force,
            variants=variants,
            scheduler=scheduler,
        )
    err.print(
        f"{format_number(n)} trajectories x {len(variants)} variants in {result.elapsed_s:.1f} s "
        f"({result.computed_parts} part(s) computed, {result.reused_parts} reused"
        + (
            f"; Dask: {result.manifest['dask']['workers']} worker(s)"
            if result.computed_parts and result.manifest.get("dask")
            else ""
        )
        + f"); wrote {out_dir}/",
        highlight=False,
    )
    by_region, scheme, manifest = read_variant_sweep(out_dir)
    if manifest.get("observed"):
        known = manifest["observed"]
        err.print(f"observed: {known.get('cells_used')} cells kept as in {known.get('source')}", highlight=False)
    print_variant_sweep(by_region, scheme, manifest, fmt)
