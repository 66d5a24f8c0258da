"""`kommiljard sweep`: N synthetic trajectories through the rules."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import KommiljardError
from ..rules import DEFAULT_RULES, load_rules
from .app import (
    Format,
    FormatOpt,
    GroupsOpt,
    MonthsOpt,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    err,
    many,
    out,
    overrides_of,
    reports_errors,
)


@app.command()
@reports_errors
def sweep(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Output directory: trajectories/part-*.parquet, summary.csv/.parquet, manifest.json."
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
        float | None,
        typer.Option(
            "--improve", "-x", help="Lever: percentage points added to the region's share_90 in every trajectory."
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
    rules: RulesOpt = DEFAULT_RULES,
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run N synthetic trajectories through the rules: what each region can expect to get.

    Example: `kommiljard sweep --n 1000000 --seed 1 --out sweep-2019 --region 06 --improve 3`

    Prints per region the mean and 5/50/95 % percentiles of its block-1 amount and the chance of reaching each bar;
    with a lever (--region and --improve) also the gain. An interrupted sweep resumes when rerun with the same
    arguments.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..inputs.regions import normalise_code
    from ..sweeps.run import Lever, run_sweep
    from ..sweeps.scenario import load_scenario

    if (region is None) != (improve is None):
        raise KommiljardError("a lever needs both --region and --improve")
    if (months or groups) and region is None:
        raise KommiljardError("--month and --group choose the lever's cells: give --region and --improve too")
    lever = (
        Lever(region, improve, tuple(many(months) or ()) or None, tuple(many(groups) or ()) or None)
        if region is not None
        else None
    )
    loaded = load_scenario(scenario)
    err.print(
        f"scenario: {loaded.origin}; rules: {rules}; seed {seed}; {n:,} trajectories".replace(",", " ")
        + (f"; lever: region {region} {improve:+g} pp" if lever else "")
        + (f"; observed: {observed}" if observed else ""),
        highlight=False,
    )
    columns = [
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trajectories"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err, disable=quiet or not err.is_terminal) as bar:
        task = bar.add_task("sweep", total=n)
        try:
            result = run_sweep(
                loaded,
                n,
                seed,
                out_dir,
                chunk_size,
                lever,
                observed,
                load_rules(rules, overrides_of(set_)),
                lambda done, total: bar.update(task, completed=done),
                population,
                None,
                threads,
                force,
            )
        except KeyboardInterrupt:
            err.print(
                f"interrupted: finished parts are kept in {out_dir}; run the same command again to resume.",
                highlight=False,
            )
            raise typer.Exit(130) from None
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
        f"{n:,} trajectories".replace(",", " ")
        + f" in {result.elapsed_s:.1f} s ({result.computed_parts} part(s) computed, {result.reused_parts} reused); "
        f"wrote {out_dir}/",
        highlight=False,
    )
    summary = result.summary
    if fmt is Format.json:
        sys.stdout.write(
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
        sys.stdout.write(summary.to_csv(index=False))
        return
    groups, bars = m["block"]["groups"], m["block"]["bars"]  # from the rules, never parsed out of column names

    def mnkr(x: float) -> str:
        return f"{x / 1e6:,.1f}".replace(",", " ")

    table = Table(
        title=f"{loaded.name}, {n:,} trajectories: block-1 amount per region, mnkr".replace(",", " "),
        title_justify="left",
    )
    table.add_column("region", no_wrap=True)
    table.add_column("name", overflow="ellipsis", max_width=12, no_wrap=True)
    for col in ("mean", "p5", "p50", "p95"):
        table.add_column(col, justify="right", no_wrap=True)
    for g in groups:
        table.add_column(f"{g} %", justify="right", no_wrap=True)
    if lever is not None:
        table.add_column("gain", justify="right", no_wrap=True)
        table.add_column("p5 to p95", justify="right", no_wrap=True)
    for _, r in summary.iterrows():
        cells = [r["region"], r["region_name"], *(mnkr(r[c]) for c in ("mean_sek", "p5_sek", "p50_sek", "p95_sek"))]
        cells += ["/".join(f"{100 * r[f'p_{b}_{g}']:.0f}" for b in bars) for g in groups]
        if lever is not None:
            cells += [mnkr(r["mean_gain_sek"]), f"{mnkr(r['p5_gain_sek'])} to {mnkr(r['p95_gain_sek'])}"]
        table.add_row(*cells)
    out.print(table)
    out.print(
        f"<group> %: the chance to reach the {'/'.join(bars)} bar in that group in at least one measurement month.",
        highlight=False,
    )
    if forecast:
        by_month = Table(title=f"Chance (%) to reach at least the {bars[0]} bar, by month", title_justify="left")
        by_month.add_column("region", no_wrap=True)
        cells = [(month, g) for month in m["block"]["months"] for g in groups]
        short = {g: "".join(w[0] for w in g.split("_")) if "_" in g else g[:2] for g in groups}
        for month, g in cells:
            by_month.add_column(f"{dt.date(int(month[:4]), int(month[5:]), 1):%b} {short[g]}", justify="right")
        for _, r in summary.iterrows():
            by_month.add_row(r["region"], *(f"{100 * r[f'p_{bars[0]}_{g}_{month}']:.0f}" for month, g in cells))
        out.print(by_month)
        out.print(
            ", ".join(f"{a}: {g}" for g, a in short.items())
            + f"; months of {', '.join(sorted({month[:4] for month, _ in cells}))}. summary.csv has every bar "
            "(p_<bar>_<group>_<YYYY-MM>).",
            highlight=False,
        )
    if lever is not None:
        row = summary.set_index("region").loc[normalise_code(region)]

        def chances(suffix: str, g: str) -> str:
            return "/".join(f"{100 * row[f'p_{b}_{g}{suffix}']:.0f}" for b in bars)

        moves = "; ".join(f"{g} {'/'.join(bars)} {chances('_baseline', g)} % -> {chances('', g)} %" for g in groups)
        out.print(
            f"Lever {normalise_code(region)} {improve:+g} pp: expected gain {mnkr(row['mean_gain_sek'])} mnkr "
            f"(5-95 %: {mnkr(row['p5_gain_sek'])} to {mnkr(row['p95_gain_sek'])}); {moves}",
            highlight=False,
        )
