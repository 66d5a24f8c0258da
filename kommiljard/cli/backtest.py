"""`kommiljard backtest`: how good a fitted forecast of the payouts would have been, on a history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..rules import DEFAULT_RULES
from . import options as opt
from .app import Format, FormatOpt, Language, PopulationOpt, RulesOpt, app, err, out, reports_errors
from .fit import (
    RESPONSE_CV,
    BorrowOpt,
    LangOpt,
    MinMonthsOpt,
    ResponseCvOpt,
    ResponseFromOpt,
    ResponseSdOpt,
    print_warnings,
    response_source,
)

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
SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        help="Seed (0 to 2**63 - 1): the same seed and arguments give the same result.",
        parser=opt.in_range("seed", "--seed", whole=True),
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
    each region was paid. Prints per region the forecast mean, its 50 % and 90 % intervals, the realised payout and
    whether it fell inside; and over all regions how often it did (the coverage: 50 % and 90 % for a calibrated
    forecast) and the mean absolute error against a naive forecast (last year's shares plus the national trend).
    """
    from ..forecasting.backtest import backtest as run_backtest
    from ..outputs.files import check_destination
    from ..outputs.ownership import BACKTEST, claim_folder
    from ..outputs.plots.figures import FORMATS

    if plot_file is not None and plot_file.suffix.lower() not in FORMATS:
        raise InputError(f"{plot_file}: --plot must end in .png or .svg (or .pdf)")
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
    _write_files(result, out_dir, plot_file)
    if fmt is Format.json:
        payload = {"summary": s, "regions": result.regions.to_dict(orient="records"), "provenance": p}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(result.regions.to_csv(index=False))
    else:
        print_backtest_table(result, lang.value)


def _write_files(result, out_dir: Path | None, plot_file: Path | None) -> None:
    """The backtest's table (with its provenance), summary and fitted scenario in ``out_dir``, and its picture."""
    from ..outputs.files import write_table, write_text

    s, p = result.summary, result.provenance
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


def print_backtest_table(result, lang: str) -> None:
    """Per region the forecast's mean and intervals, the realised payout and where it fell, in a table that fits
    the terminal (names never cut), then the scores over the regions."""
    import pandas as pd

    from ..money import format_number, format_percent
    from ..outputs.wording import word
    from .render import print_frame

    def mnkr(x: float) -> str:
        return format_number(x / 1e6, 1, lang=lang)

    rows = []
    for r in result.regions.itertuples(index=False):
        inside = "50, 90" if r.inside_50 else "90" if r.inside_90 else word("bt_out", lang)
        rows.append({
            "region": f"{r.region} {r.region_name}", word("bt_mean", lang): mnkr(r.mean_sek),
            "50 %": f"{mnkr(r.p25_sek)}–{mnkr(r.p75_sek)}", "90 %": f"{mnkr(r.p5_sek)}–{mnkr(r.p95_sek)}",
            word("bt_real", lang): mnkr(r.realised_sek), word("bt_in", lang): inside,
            word("bt_naive", lang): mnkr(r.naive_sek),
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    s = result.summary
    print_frame(
        frame, Format.table, word("backtest_title", lang, as_of=s["as_of"]), keys=1,
        numbers=[c for c in frame.columns[1:] if c != word("bt_in", lang)], wrap=("region",),
    )  # fmt: skip
    k = s["regions"]
    default = s.get("crps_default_sek")
    out.print(
        word(
            "backtest_lead", lang, k=k, in50=round(s["coverage_50"] * k), in90=round(s["coverage_90"] * k),
            c50=format_percent(100 * s["coverage_50"], 0, lang), c90=format_percent(100 * s["coverage_90"], 0, lang),
            mae=mnkr(s["mae_sek"]), naive=mnkr(s["mae_naive_sek"]), crps=mnkr(s["crps_sek"]),
            crps_naive=mnkr(s["crps_naive_sek"]), crps_default=mnkr(default) if default is not None else "–",
        ),
        highlight=False,
    )  # fmt: skip
