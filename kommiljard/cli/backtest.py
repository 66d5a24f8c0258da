"""`kommiljard backtest`: how good a fitted forecast of the payouts would have been, on a history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..rules import DEFAULT_RULES
from .app import Format, FormatOpt, PopulationOpt, RulesOpt, app, err, out, reports_errors
from .fit import BorrowOpt, MinMonthsOpt, ResponseFromOpt, ResponseSdOpt, print_warnings, response_source


@app.command()
@reports_errors
def backtest(
    history: Annotated[
        Path, typer.Argument(help="A panel running past the scheme's months (.parquet or .csv): what happened.")
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="Stand at this month (YYYY-MM): fit up to it, forecast after.")],
    rules: RulesOpt = DEFAULT_RULES,
    n: Annotated[
        int,
        typer.Option("--n", "-n", help="Trajectories drawn for the forecast (kept in memory).", min=1, max=1_000_000),
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed and arguments give the same result.")] = 0,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Directory for backtest.csv (with provenance), summary.json and the fitted scenario."
        ),
    ] = None,
    plot_file: Annotated[
        Path | None, typer.Option("--plot", help="Draw each region's forecast against what happened (.png or .svg).")
    ] = None,
    response_from: ResponseFromOpt = "default-2019",
    response_sd: ResponseSdOpt = 0.0,
    borrow: BorrowOpt = False,
    min_months: MinMonthsOpt = 24,
    population: PopulationOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Stand at a month of the past: fit every region up to it, forecast the payouts, compare with what happened.

    Example: `kommiljard backtest history.parquet --as-of 2019-08 --plot backtest.png`

    Forecasts the scheme's months after --as-of (the months before are taken from the history) with a fitted
    scenario, as `kommiljard fit` and `kommiljard sweep --observed` would have, and computes with the engine what
    each region was paid. Prints per region the forecast mean, its 50 % and 90 % intervals, the realised payout and
    whether it fell inside; and over all regions how often it did (the coverage: 50 % and 90 % for a calibrated
    forecast) and the mean absolute error against a naive forecast (last year's shares plus the national trend).
    """

    from ..forecasting.backtest import backtest as run_backtest
    from ..outputs.files import write_table, write_text
    from ..outputs.plots.figures import FORMATS

    if plot_file is not None and plot_file.suffix.lower() not in FORMATS:
        raise InputError(f"{plot_file}: --plot must end in .png or .svg (or .pdf)")
    result = run_backtest(
        history,
        as_of,
        rules,
        n,
        seed,
        population,
        response_source(response_from),
        response_sd,
        borrow,
        min_months,
    )
    s, p = result.summary, result.provenance
    err.print(
        f"history: {p['history']['source']}; rules: {p['rules']['id']}; fitted up to {s['as_of']}; "
        f"known: {', '.join(s['months_known']) or 'none'}; forecast: {', '.join(s['months_forecast'])}; "
        f"{n} trajectories, seed {seed}",
        markup=False,
        highlight=False,
    )
    if p["synthetic"]:
        err.print("note: this history is SYNTHETIC (made for trying the tool), not real regional data", style="yellow")
    print_warnings(p["fit"]["warnings"])
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_table(result.regions, out_dir / "backtest.csv", {**p, "summary": s})
        write_text(out_dir / "summary.json", json.dumps({"summary": s, "provenance": p}, indent=2, ensure_ascii=False))
        write_text(out_dir / "fitted-scenario.toml", result.scenario_text)
        err.print(f"wrote {out_dir}/backtest.csv, summary.json, fitted-scenario.toml", markup=False, highlight=False)
    if plot_file is not None:
        from ..outputs.plots.backtest import plot_backtest
        from ..outputs.plots.figures import save_figure

        save_figure(plot_backtest(result.regions, s, p).figure, plot_file)
        err.print(f"wrote {plot_file}", markup=False, highlight=False)

    if fmt is Format.json:
        payload = {"summary": s, "regions": result.regions.to_dict(orient="records"), "provenance": p}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(result.regions.to_csv(index=False))
        return
    from rich.table import Table
    from rich.text import Text

    def mnkr(x: float) -> str:
        return f"{x / 1e6:,.1f}".replace(",", " ")

    t = Table(
        title=f"Backtest as of {s['as_of']}: block-1 payout per region, mnkr (forecast against what happened)",
        title_justify="left",
    )
    t.add_column("region", overflow="ellipsis", max_width=14, no_wrap=True)
    for col in ("mean", "50 %", "90 %", "real", "in", "naive"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in result.regions.itertuples(index=False):
        inside = "50,90" if r.inside_50 else "90" if r.inside_90 else Text("out", style="bold red")
        t.add_row(
            f"{r.region} {r.region_name}",
            mnkr(r.mean_sek),
            f"{mnkr(r.p25_sek)}-{mnkr(r.p75_sek)}",
            f"{mnkr(r.p5_sek)}-{mnkr(r.p95_sek)}",
            mnkr(r.realised_sek),
            inside,
            mnkr(r.naive_sek),
        )
    out.print(t)
    k = s["regions"]
    out.print(
        f"Inside the 50 % interval: {round(s['coverage_50'] * k)} of {k} ({s['coverage_50']:.0%}); "
        f"inside the 90 %: {round(s['coverage_90'] * k)} of {k} ({s['coverage_90']:.0%}). "
        f"Mean absolute error {mnkr(s['mae_sek'])} mnkr; naive forecast {mnkr(s['mae_naive_sek'])} mnkr. "
        "in: the intervals the realised payout fell in.",
        highlight=False,
    )
