"""`kommiljard sweep`: N synthetic trajectories through the rules."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import KommiljardError
from ..money import format_number
from ..rules import DEFAULT_RULES, load_rules
from .app import (
    AlternativesOpt,
    Format,
    FormatOpt,
    GroupsOpt,
    LangOpt,
    Language,
    MonthsOpt,
    PopulationOpt,
    RuleSetsOpt,
    SetOpt,
    VariantOpt,
    app,
    err,
    lang,
    many,
    overrides_of,
    reports_errors,
)
from .compare import print_variant_sweep
from .render import print_frame, print_lever_grid, print_sweep, say, say_done, say_sweep
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
    lang: LangOpt = Language.en,
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

    from ..forecasting.forecast_model import load_any_scenario
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
        swedish_workbooks(lang, [out_dir])
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
        swedish_workbooks(lang, [out_dir / f"improve{lv.improve_pp:+g}" for lv in levers])
        return
    lever = levers[0] if levers else None
    improve = sizes[0] if sizes else None
    say_sweep(loaded.origin, rules, seed, n, (region, improve) if lever else None, observed)
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
    say_done(result, n, out_dir)
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
    swedish_workbooks(lang, [out_dir])
    if fmt is Format.csv:
        print_frame(summary, fmt, "")
        return
    print_sweep(summary, m, loaded.name, region if lever is not None else None, fmt)


def swedish_workbooks(lang: Language, folders: list[Path]) -> None:
    """With ``--lang sv``, each sweep folder's summary.xlsx written again in Swedish."""
    if lang is Language.sv:
        from ..outputs.exports import write_sweep_workbook

        for folder in folders:
            write_sweep_workbook(folder, lang.value)


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

    sizes = ", ".join(f"{lv.improve_pp:+g}" for lv in levers)
    err.print(f"{said}; {say('lever_grid', region=levers[0].region, sizes=sizes)}", highlight=False)
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
    err.print(say("grid_done", k=len(results), n=format_number(n, lang=lang()), computed=computed, reused=reused,
                  out=", ".join(str(r.out_dir) for r in results)), highlight=False)  # fmt: skip
    if fmt is Format.json:
        doc = {"region": code, "levels": [{**row, "out_dir": str(r.out_dir)} for row, r in
                                          zip(rows.to_dict(orient="records"), results)]}  # fmt: skip
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(rows.to_csv(index=False))
        return
    print_lever_grid(rows, m, code, n, fmt)


def variant_sweep(variants: dict, scenario, n, seed, out_dir, chunk_size, observed, population, threads, force, quiet,
                  fmt: Format, scheduler: str | None = None) -> None:  # fmt: skip
    """Every variant on the same trajectories: run, then print the variants' outcomes."""
    from ..forecasting.forecast_model import load_any_scenario
    from ..outputs.plots.variants import read_variant_sweep
    from ..sweeps.run import run_sweep

    loaded = load_any_scenario(scenario)
    listed = ", ".join(f"{name} ({r.id}{' ' + str(dict(r.overrides)) if r.overrides else ''})"
                       for name, r in variants.items())  # fmt: skip
    err.print(say("variants_line", origin=loaded.origin, seed=seed, n=format_number(n, lang=lang()), k=len(variants),
                  variants=listed), highlight=False, markup=False)  # fmt: skip
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
    say_done(result, n, out_dir, len(variants))
    by_region, scheme, manifest = read_variant_sweep(out_dir)
    if manifest.get("observed"):
        known = manifest["observed"]
        err.print(f"observed: {known.get('cells_used')} cells kept as in {known.get('source')}", highlight=False)
    print_variant_sweep(by_region, scheme, manifest, fmt)
