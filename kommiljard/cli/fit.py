"""`kommiljard fit`: every region fitted to its own monthly history, written as a fitted scenario."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from ..money import format_number
from . import options as opt
from .app import Format, FormatOpt, LangOpt, Language, app, err, reports_errors
from .app import lang as current_lang
from .render import print_fit, say

ResponseFromOpt = Annotated[
    str,
    typer.Option(
        "--response-from",
        help="The scenario whose scheme response (pp per month) is assumed, or `none`. Not fitted: a history before "
        "the scheme cannot show how regions react to the money.",
    ),
]
ResponseSdOpt = Annotated[
    float,
    typer.Option(
        "--response-sd",
        help="Each region's own response around it (SD in pp, 0-50; assumed, default 0).",
        parser=opt.in_range("response_sd", "--response-sd"),
    ),
]
RESPONSE_CV = 0.5  # kommiljard.forecasting.fit.RESPONSE_CV (the CLI imports no numpy before it runs)
ResponseCvOpt = Annotated[
    float,
    typer.Option(
        "--response-cv",
        help="How unequally regions respond: each region's response is the month's times 1 + CV x its own draw "
        "(assumed, default 0.5; 0: all alike; at most 5).",
        parser=opt.in_range("response_cv", "--response-cv"),
    ),
]
BorrowOpt = Annotated[
    bool,
    typer.Option(
        "--borrow",
        help="A region with fewer than --min-months months of data borrows its season, trend and noise from the "
        "other regions (partial pooling; the output says which) instead of being refused.",
    ),
]
MinMonthsOpt = Annotated[
    int,
    typer.Option(
        "--min-months",
        help="Months with data a region needs up to --until (2 to 1200; at most three quarters of the history's "
        "are asked); fewer: --borrow.",
        parser=opt.in_range("min_months", "--min-months", whole=True),
    ),
]


def response_source(value: str) -> str | None:
    return None if value.strip().lower() == "none" else value


def print_warnings(notes) -> None:
    for note in notes:
        err.print(f"{say('warning')}: {note}", style="yellow", markup=False, highlight=False)


HistoryArg = Annotated[
    Path,
    typer.Argument(
        help="A panel of monthly rows for every region (.parquet or .csv): at least 12 months, best several years; "
        "a suppressed cell (N, .., -, blank, <5) is a missing month."
    ),
]
OutFileOpt = Annotated[
    Path, typer.Option("--out", "-o", help="The fitted scenario to write (.toml); sweep it with --observed.")
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until", help="Fit the months up to this one (YYYY-MM; default: the last).", parser=opt.month("--until")
    ),
]


@app.command()
@reports_errors
def fit(
    *,
    history: HistoryArg,
    out_file: OutFileOpt,
    until: UntilOpt = None,
    response_from: ResponseFromOpt = "default-2019",
    response_sd: ResponseSdOpt = 0.0,
    response_cv: ResponseCvOpt = RESPONSE_CV,
    borrow: BorrowOpt = False,
    min_months: MinMonthsOpt = 24,
    fmt: FormatOpt = Format.table,
    lang: LangOpt = Language.en,
) -> None:
    """Fit every region to its own monthly history and write a fitted scenario.

    Example: `kommiljard fit history.parquet --until 2019-08 --out fitted.toml`

    Per region and group: the level, the seasonal pattern, the trend, the month-to-month (AR(1)) noise and the
    share_60 gap, around a national factor shared by every region; every region's parameters shrunk towards the
    pooled pattern where its data are thin (empirical Bayes). The scheme's response to the money is an assumption
    (--response-from), and the file says so. Prints each region's level and trend in percentage points; the file
    holds every parameter with its standard error, shrinkage and the months it came from.
    Next: `kommiljard sweep fitted.toml --observed history.parquet --out DIR`. See docs/forecasting.md.
    """

    from ..forecasting.fit import GROUPS, HistoryWarning, fit_history
    from ..forecasting.fitted import fitted_scenario, scenario_text
    from ..forecasting.histories import as_history
    from ..outputs.files import check_out_path, write_text

    check_out_path(out_file, (".toml",))
    panel = as_history(history, GROUPS).panel  # a group the fit does not know is refused, not passed over
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HistoryWarning)  # printed below from the fit
        fitted = fit_history(panel, until=until, min_months=min_months, borrow=borrow)
    text = scenario_text(
        fitted_scenario(fitted, panel.synthetic, response_source(response_from), response_sd, min_months, response_cv)
    )
    write_text(out_file, text)

    frame = panel.frame
    err.print(say("fit_history", source=panel.source, rows=format_number(len(frame), lang=current_lang()),
                  first=frame["month"].min(),
                  last=frame["month"].max()), markup=False, highlight=False)  # fmt: skip
    if panel.synthetic:
        err.print(say("synthetic_history"), style="yellow")
    first, last = fitted.national_months
    response = say("fit_assumed", source=response_from) if response_source(response_from) else say("fit_none")
    err.print(say("fit_done", regions=len(fitted.regions), groups=len(fitted.groups), first=first, last=last,
                  year=fitted.baseline_year, response=response), markup=False, highlight=False)  # fmt: skip
    print_warnings(fitted.warnings)
    table = fitted.regions_table()
    if fmt is Format.json:
        payload = {"regions": table.to_dict(orient="records"), "pooled": fitted.pooled.to_dict(orient="records")}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(table.to_csv(index=False))
    else:
        print_fit(fitted, Path(str(panel.source)).name, fmt)
    observed = history if str(frame["month"].max()) == fitted.until else say("fit_observed_until", until=fitted.until)
    err.print(say("fit_next", out=out_file, observed=observed), markup=False, highlight=False)
