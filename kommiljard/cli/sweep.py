"""`kommiljard sweep`: N synthetic trajectories through the rules."""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from ..errors import KommiljardError
from ..inputs.options import number_list
from ..money import format_number, pp
from ..rules import DEFAULT_RULES, changes_text, load_rules
from . import options as opt
from .app import (
    AlternativesOpt,
    Dialect,
    DialectOpt,
    Format,
    FormatOpt,
    GroupsOpt,
    LangOpt,
    Language,
    MonthsOpt,
    PopulationOpt,
    RuleSetsOpt,
    SeedOpt,
    SetOpt,
    VariantOpt,
    app,
    chosen_lever,
    dialect_of,
    err,
    lever_options,
    many,
    overrides_of,
    reports_errors,
)
from .app import lang as current_lang
from .app import say as cli_say
from .compare import print_variant_sweep
from .render import print_frame, print_lever_grid, print_sweep, say, say_done, say_sweep
from .terminal import write_out

OutDirOpt = Annotated[
    Path,
    typer.Option(
        "--out", "-o", help="Output directory: trajectories/part-*.parquet, summary.csv/.parquet/.xlsx, manifest.json."
    ),
]
ScenarioArg = Annotated[
    str | None, typer.Argument(help="A bundled scenario (default: default-2019) or a scenario .toml file.")
]
TrajectoriesOpt = Annotated[
    int,
    typer.Option(
        "--n", "-n", help="Number of trajectories (1 to 10^9).", parser=opt.in_range("trajectories", "--n", True)
    ),
]
ChunkSizeOpt = Annotated[
    int,
    typer.Option(
        "--chunk-size",
        help="Trajectories per Parquet part (results do not depend on it).",
        parser=opt.in_range("chunk_size", "--chunk-size", whole=True),
    ),
]
LeverRegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Lever: the region whose own lever is set (with its option, e.g. --improve).",
        parser=opt.region(),
    ),
]
ObservedOpt = Annotated[
    Path | None,
    typer.Option(
        "--observed", help="A panel with the months already known: its cells are kept, the others drawn given them."
    ),
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        "--threads",
        help="Threads (default: numba's); results do not depend on it.",
        parser=opt.in_range("threads", "--threads", whole=True),
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Start again if --out holds a sweep with other arguments (deletes that sweep's files)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run the chunks as Dask tasks: a running scheduler's address (tcp://HOST:8786; --out on a filesystem "
        "every worker shares) or local:N (N worker processes here). Same results. Needs kommiljard[distributed].",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


@app.command()
@lever_options(str)
@reports_errors
def sweep(
    *,
    out_dir: OutDirOpt,
    scenario: ScenarioArg = None,
    n: TrajectoriesOpt = 10_000,
    seed: SeedOpt = 0,
    chunk_size: ChunkSizeOpt = 100_000,
    region: LeverRegionOpt = None,
    months: MonthsOpt = None,
    groups: GroupsOpt = None,
    observed: ObservedOpt = None,
    rules: RuleSetsOpt = None,
    variant: VariantOpt = None,
    with_alternatives: AlternativesOpt = False,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    threads: ThreadsOpt = None,
    force: ForceOpt = False,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    fmt: FormatOpt = Format.table,
    dialect: DialectOpt = None,
    lang: LangOpt = Language.en,
    **levers,
) -> None:
    """Run N synthetic trajectories through the rules: what each region can expect to get.

    Example: `kommiljard sweep --n 1000000 --seed 1 --out sweep-2019 --region 06 --improve 3`

    Prints per region the mean and 5/50/95 % percentiles of its block-1 amount and the chance of reaching each bar;
    with a lever (--region and its option, --improve for a staircase) also the gain; `--improve 0,1,2,3` sweeps each
    value on the same draws (a lever grid for `kommiljard page --sweep`). A sweep stopped resumes when rerun alike.

    With `--variant`, `--alternatives` or several `--rules`, every rule variant is allocated on the same trajectories
    (a variant sweep): per variant the expected payout per region and the scheme-level outcomes (lapsed money, kronor
    per pp of improvement, spread per inhabitant, chance that a month pays nothing), e.g. `kommiljard sweep --n 10000
    --alternatives --variant equal:block1.sharing=equal --out variants-2019`.
    """
    from ..forecasting.forecast_model import load_any_scenario
    from ..sweeps.arguments import check_sweep_arguments
    from ..sweeps.run import Sweep

    (option, improve), _ = chosen_lever(levers), check_sweep_arguments(n, seed, chunk_size, threads)
    if scheduler is not None:
        from ..sweeps.distributed import check_scheduler

        check_scheduler(scheduler)
    base = Sweep(scenario, n, seed, out_dir, chunk_size, observed_panel=observed, population=population)
    base = replace(base, threads=threads, force=force)
    if variant or with_alternatives or len(rules or ()) > 1:
        if set_:
            raise KommiljardError(cli_say("refuse.variant_sweep_set"))
        if region is not None or improve is not None or months or groups:
            raise KommiljardError(cli_say("refuse.variant_sweep_lever"))
        from .compare import rule_variants

        variants = rule_variants(rules, variant, with_alternatives)
        variant_sweep(replace(base, variants=variants), quiet=quiet, fmt=fmt, scheduler=scheduler)
        for_people(lang, dialect, [out_dir])
        return
    rules = rules[0] if rules else DEFAULT_RULES
    rule_set = load_rules(rules, overrides_of(set_))
    levers = _levers(region, improve, months, groups, swept=lambda: swept_lever(rule_set, option), option=option)
    loaded = replace(base, scenario=load_any_scenario(scenario))
    if len(levers) > 1:
        with _connected(scheduler) as client:  # one cluster for every sweep of the grid
            grid = replace(loaded, rules=rule_set)
            lever_grid(levers, grid, rules=rules, quiet=quiet, fmt=fmt, scheduler=client, option=option)
        for_people(lang, dialect, [out_dir / f"improve{lv.improve_pp:+g}" for lv in levers])
        return
    lever = levers[0] if levers else None
    change = (region, change_text(lever.improve_pp, option)) if lever else None
    say_sweep(loaded.scenario.origin, rules, seed, n, change, observed)
    with progress_bars(quiet, remaining=True) as bar, resumable(out_dir):
        settings = replace(loaded, lever=lever, rules=rule_set)
        result = settings.run(progress=tracker(bar, cli_say("progress.sweep"), n), scheduler=scheduler)
    _print_run(result, n, out_dir)
    for_people(lang, dialect, [out_dir])
    _print_sweep(result, loaded.scenario.name, lever, fmt, option)


def _levers(region: str | None, improve: str | None, months, groups, *, swept=None, option: str | None = None) -> list:
    """The lever of each size ``--improve`` gives (none without a lever), checked with its cells (and by ``swept()``,
    which refuses an option that is not the swept block's lever)."""
    from ..sweeps.run import Lever

    if improve is not None and swept is not None:
        swept()
    if (region is None) != (improve is None):
        raise KommiljardError(cli_say("refuse.lever_needs_both", option=option or "improve"))
    if (months or groups) and region is None:
        raise KommiljardError(cli_say("refuse.cells_need_lever", option=option or "improve"))
    sizes = lever_sizes(improve, f"--{option or 'improve'}") if improve is not None else []
    return [Lever(region, x, tuple(many(months) or ()) or None, tuple(many(groups) or ()) or None) for x in sizes]


@contextlib.contextmanager
def _connected(scheduler: str | None):
    """A Dask client for ``scheduler`` (None without one), closed on leaving."""
    if scheduler is None:
        yield None
        return
    from ..sweeps.distributed import connected

    with connected(scheduler) as client:
        yield client


def _print_run(result, n: int, out_dir: Path) -> None:
    """What a sweep kept of the observed panel, what it forecast, and how long it took (on stderr)."""
    m = result.manifest
    if m.get("observed"):
        kept = format_number(m["observed"]["cells_used"], lang=current_lang())
        err.print(say("sweep_kept", n=kept, source=m["observed"]["source"]), highlight=False)
    forecast = (m.get("observed") or {}).get("forecast_from")
    if forecast:  # a fitted scenario: each region drawn from its own forecast
        o = m["observed"]
        drawn = ", ".join(o["months_forecast"]) or say("sweep_nothing_drawn")
        known = ", ".join(o["months_known"]) or say("sweep_none_known")
        said = say("sweep_forecast", source=forecast, until=o["fit_until"], drawn=drawn, known=known)
        err.print(said, markup=False, highlight=False)
    say_done(result, n, out_dir)


def _print_sweep(result, name: str, lever, fmt: Format, option: str | None = None) -> None:
    """A sweep's summary: per region the amount's mean and percentiles and the chance of each bar, by
    month for a forecast, and the lever's gain."""

    summary, m = result.summary, result.manifest
    if fmt is Format.json:
        doc = {"summary": summary.to_dict(orient="records"), "manifest": {k: v for k, v in m.items() if k != "parts"}}
        write_out(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        print_frame(summary, fmt, "")
        return
    region = lever.region if lever is not None else None
    print_sweep(summary, m, name, region, fmt, change_text(lever.improve_pp, option) if lever is not None else None)


def change_text(value: float, option: str | None) -> str:
    """A lever's change as the terminal writes it: ``+3 pp``, ``+200 operations``."""
    from ..analysis.levers import every_lever
    from ..kinds import word

    lever, language = every_lever().get(option or ""), current_lang()
    if lever is None or lever.unit == "pp":
        return pp(value, None, lang=language)
    return f"{format_number(value, None, True, language)} {word(lever.words, 'unit', language)}"


def swept_lever(rules, option: str) -> None:
    """Refuse a lever option that is not the swept block's lever."""
    from ..kinds import kind_of
    from ..sweeps.outcomes import sweep_block

    block = sweep_block(rules)
    actions = kind_of(block).lever(block)
    if actions is None or actions.lever.option != option:
        if actions is not None:
            theirs = cli_say("refuse.their_lever", option=actions.lever.option)
        else:
            theirs = cli_say("refuse.no_lever")
        said = cli_say("refuse.no_such_lever", option=option, number=block.number, name=block.title, theirs=theirs)
        raise KommiljardError(said)


def for_people(lang: Language, dialect: Dialect | None, folders: list[Path]) -> None:
    """Each sweep folder's summary.xlsx in the language and its CSV tables in the dialect (``--lang sv``'s is
    Swedish unless ``--csv-dialect en``), whatever the command that last wrote them."""
    from ..outputs.exports import sweep_for_people

    for folder in folders:
        sweep_for_people(folder, lang.value, dialect_of(dialect))


def lever_sizes(text: str, option: str) -> list[float]:
    """``--improve 3``, ``--improve 0,1,2,3`` or ``0;1,5;3``: the lever's sizes, each once (each within the
    lever's range: checked as the option was read, :func:`kommiljard.cli.options.lever_sizes`)."""
    return number_list(text, option)


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

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(cli_say("progress.trajectories")),
    ]
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
        err.print(say("interrupted", where=where), highlight=False, markup=False)
        raise typer.Exit(130) from None


def lever_grid(
    levers: list, settings, *, rules: str, quiet: bool, fmt: Format, scheduler=None, option: str | None = None
) -> None:
    """One sweep per lever size, each in ``settings.out_dir/improve<+x>`` (``settings``: a
    :class:`~kommiljard.sweeps.run.Sweep` without its lever), all on the same draws (the same seed and
    arguments): the gain per size, for the lever's region."""
    import pandas as pd

    from ..outputs.ownership import LEVER_GRID, claim_folder

    claim_folder(settings.out_dir, LEVER_GRID)  # a lever grid's folder holds its sweeps' folders, nothing else
    from ..outputs.wording import provenance_value

    language = current_lang()
    origin = provenance_value(settings.scenario.origin, language)
    said = say("grid_line", origin=origin, rules=rules, seed=settings.seed, n=format_number(settings.n, lang=language))
    sizes = ", ".join(change_text(lv.improve_pp, option) for lv in levers)
    err.print(f"{said}; " + say("lever_grid", region=levers[0].region, sizes=sizes), highlight=False)
    results, n = [], settings.n
    with progress_bars(quiet) as bar:
        for lever in levers:
            where = Path(settings.out_dir) / f"improve{lever.improve_pp:+g}"
            with resumable(where):
                progress = tracker(bar, cli_say("progress.lever", change=change_text(lever.improve_pp, option)), n)
                results.append(
                    replace(settings, out_dir=where, lever=lever).run(progress=progress, scheduler=scheduler)
                )
    m = results[0].manifest
    code = m["lever"]["region"]
    rows = pd.DataFrame(
        [
            {"improve_pp": r.manifest["lever"]["improve_pp"], **r.summary.set_index("region", drop=False).loc[code]}
            for r in results
        ]
    )
    computed, reused = sum(r.computed_parts for r in results), sum(r.reused_parts for r in results)
    outs = ", ".join(str(r.out_dir) for r in results)
    err.print(say("grid_done", k=len(results), n=format_number(n, lang=current_lang()), computed=computed,
                  reused=reused, out=outs), highlight=False)  # fmt: skip
    if fmt is Format.json:
        doc = {"region": code, "levels": [{**row, "out_dir": str(r.out_dir)} for row, r in
                                          zip(rows.to_dict(orient="records"), results)]}  # fmt: skip
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(rows.to_csv(index=False))
        return
    print_lever_grid(rows, m, code, n, fmt)


def variant_sweep(settings, *, quiet: bool, fmt: Format, scheduler: str | None = None) -> None:
    """Every variant on the same trajectories (``settings``: a :class:`~kommiljard.sweeps.run.Sweep` with its
    variants): run, then print the variants' outcomes."""
    from ..forecasting.forecast_model import load_any_scenario
    from ..outputs.plots.variants import read_variant_sweep

    settings = replace(settings, scenario=load_any_scenario(settings.scenario))
    n, variants, out_dir = settings.n, settings.variants, settings.out_dir
    from ..outputs.wording import provenance_value
    from ..rules.texts import alternative_name

    language = current_lang()
    named = ", ".join(
        f"{alternative_name(name, language)} ({r.id}{': ' + changes_text(r.overrides) if r.overrides else ''})"
        for name, r in variants.items()
    )
    origin = provenance_value(settings.scenario.origin, language)
    seeds = {"seed": settings.seed, "n": format_number(n, lang=language), "k": len(variants)}
    err.print(say("variants_line", origin=origin, variants=named, **seeds), highlight=False, markup=False)
    with progress_bars(quiet) as bar, resumable(out_dir):
        result = settings.run(progress=tracker(bar, cli_say("progress.sweep"), n), scheduler=scheduler)
    say_done(result, n, out_dir, variants=len(variants))
    by_region, scheme, manifest = read_variant_sweep(out_dir)
    if manifest.get("observed"):
        known = manifest["observed"]
        kept = format_number(known.get("cells_used"), lang=current_lang())
        err.print(say("sweep_kept", n=kept, source=known.get("source")), highlight=False)
    print_variant_sweep(by_region, scheme, manifest, fmt)
