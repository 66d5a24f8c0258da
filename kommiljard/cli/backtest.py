"""`kommiljard backtest`: how good a fitted forecast of the payouts would have been, on a history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..money import format_number
from ..rules import DEFAULT_RULES
from . import options as opt
from .app import Format, FormatOpt, LangOpt, Language, PopulationOpt, RulesOpt, SeedOpt, app, err, reports_errors
from .app import lang as current_lang
from .app import say as cli_say
from .fit import (
    RESPONSE_CV,
    BorrowOpt,
    MinMonthsOpt,
    ResponseCvOpt,
    ResponseFromOpt,
    ResponseSdOpt,
    print_warnings,
    response_source,
)
from .render import print_backtest, print_csv, say, wrote

HistoryArg = Annotated[
    Path, typer.Argument(help="A panel running past the scheme's months (.parquet or .csv): what happened.")
]
AsOfOpt = Annotated[
    str,
    typer.Option(
        "--as-of", help="Stand at this month (YYYY-MM): fit up to it, forecast after.", parser=opt.month("--as-of")
    ),
]
TrajectoriesOpt = Annotated[
    int,
    typer.Option(
        "--n",
        "-n",
        help="Trajectories drawn for the forecast (kept in memory; at most 1 000 000).",
        parser=opt.in_range("forecast_trajectories", "--n", whole=True),
    ),
]
OutDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Directory for backtest.csv (with provenance), summary.json and the fitted scenario."
    ),
]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", help="Draw each region's forecast against what happened (.png or .svg).")
]


@app.command()
@reports_errors
def backtest(
    *,
    history: HistoryArg,
    as_of: AsOfOpt,
    rules: RulesOpt = DEFAULT_RULES,
    n: TrajectoriesOpt = 2000,
    seed: SeedOpt = 0,
    out_dir: OutDirOpt = None,
    plot_file: PlotOpt = None,
    response_from: ResponseFromOpt = "default-2019",
    response_sd: ResponseSdOpt = 0.0,
    response_cv: ResponseCvOpt = RESPONSE_CV,
    borrow: BorrowOpt = False,
    min_months: MinMonthsOpt = 24,
    population: PopulationOpt = None,
    fmt: FormatOpt = Format.table,
    lang: LangOpt = Language.en,
) -> None:
    """Stand at a month of the past: fit every region up to it, forecast the payouts, compare with what happened.

    Example: `kommiljard backtest history.parquet --as-of 2019-08 --plot backtest.png`

    Forecasts the scheme's months after --as-of (the months before are taken from the history) with a fitted
    scenario, as `kommiljard fit` and `kommiljard sweep --observed` would have, and computes with the engine what
    each region was paid. Prints per region the forecast mean, its 90 % interval, the realised payout, which of the
    50 % and 90 % intervals it fell inside and the naive forecast (last year's shares plus the national trend); and
    over all regions how often it fell inside (the coverage: 50 % and 90 % for a calibrated forecast), the mean
    absolute error and the CRPS, against the naive forecast's and the default scenario's. --out DIR keeps every
    percentile.
    """
    from ..forecasting.backtest import backtest as run_backtest
    from ..outputs.files import check_destination
    from ..outputs.ownership import BACKTEST, claim_folder
    from ..outputs.plots.figures import FORMATS

    if plot_file is not None and plot_file.suffix.lower() not in FORMATS:
        raise InputError(cli_say("refuse.plot_suffix", file=plot_file))
    if plot_file is not None:
        check_destination(plot_file, "--plot")
    if out_dir is not None:
        claim_folder(out_dir, BACKTEST)  # new, empty, or a backtest's own: nothing else is replaced
    result = run_backtest(
        history, as_of, rules=rules, n=n, seed=seed, population=population,
        response_from=response_source(response_from), response_sd_pp=response_sd, borrow=borrow, min_months=min_months,
        response_cv=response_cv,
    )  # fmt: skip
    s, p = result.summary, result.provenance
    from ..outputs.wording import month_range

    err.print(say("backtest_line", source=p["history"]["source"], rules=p["rules"]["id"], as_of=s["as_of"],
                  known=month_range(s["months_known"], lang.value) or say("none"),
                  forecast=month_range(s["months_forecast"], lang.value), n=format_number(n, lang=lang.value),
                  seed=seed), markup=False, highlight=False)  # fmt: skip
    if p["synthetic"]:
        err.print(say("synthetic_history"), style="yellow")
    print_warnings(p["fit"]["warnings"])
    _write_files(result, out_dir, plot_file)
    if fmt is Format.json:
        payload = {"summary": s, "regions": result.regions.to_dict(orient="records"), "provenance": p}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:  # for programs in English; in Swedish for a spreadsheet, marked if synthetic
        print_csv(result.regions, current_lang(), exact=False, synthetic=bool(p["synthetic"]))
    else:
        print_backtest(result.regions, s, fmt)


def _write_files(result, out_dir: Path | None, plot_file: Path | None) -> None:
    """The backtest's table (with its provenance), summary and fitted scenario in ``out_dir``, and its picture."""
    from ..outputs.files import write_table, write_text

    s, p = result.summary, result.provenance
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_table(result.regions, out_dir / "backtest.csv", {**p, "summary": s})
        write_text(out_dir / "summary.json", json.dumps({"summary": s, "provenance": p}, indent=2, ensure_ascii=False))
        write_text(out_dir / "fitted-scenario.toml", result.scenario_text)
        wrote(f"{out_dir}/backtest.csv", "summary.json", "fitted-scenario.toml")
    if plot_file is not None:
        from ..outputs.plots.backtest import plot_backtest
        from ..outputs.plots.figures import save_figure

        save_figure(plot_backtest(result.regions, s, p, lang=current_lang()).figure, plot_file)
        wrote(plot_file)
