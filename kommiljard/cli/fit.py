"""`kommiljard fit`: every region fitted to its own monthly history, written as a fitted scenario."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from . import options as opt
from .app import Format, FormatOpt, Language, app, err, out, reports_errors

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


LangOpt = Annotated[
    Language, typer.Option("--lang", help="en (English) or sv (Swedish headers, groups and numbers; same values).")
]


def print_fit_table(fitted, history: str, lang: str) -> None:
    """Each region's level and trend per group, the months its fit used and whether it borrowed, in a table
    that fits the terminal (names never cut)."""
    import pandas as pd

    from ..forecasting.fit import expit_pct
    from ..inputs.regions import region_names
    from ..money import format_number
    from ..outputs.wording import group_name, word
    from .render import print_frame

    names, p = region_names(), fitted.region
    data = fitted.data.set_index(["region", "group"])
    rows = []
    for ri, code in enumerate(fitted.regions):
        row = {"region": code, word("name", lang): names.get(code, "")}
        for gi, group in enumerate(fitted.groups):
            pct = float(expit_pct(p.level[ri, gi]))
            trend = p.trend[ri, gi] * pct * (100 - pct) / 100
            row[group_name(group, lang)] = f"{format_number(pct, 1, lang=lang)} {format_number(trend, 1, True, lang)}"
        used = data.loc[code]
        missing = int(used["missing_months"].max())
        row[word("fit_months", lang)] = f"{int(used['n_months'].min())}" + (f" ({missing})" if missing else "")
        row[word("fit_borrowed", lang)] = word("yes", lang) if fitted.borrowed[ri].any() else ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    title = word("fit_title", lang, history=history, year=fitted.baseline_year)
    print_frame(frame, Format.table, title, keys=2, numbers=list(frame.columns[2:]), wrap=(word("name", lang),))
    out.print(word("fit_note", lang), highlight=False)


def print_warnings(notes) -> None:
    for note in notes:
        err.print(f"warning: {note}", style="yellow", markup=False, highlight=False)


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

    from ..forecasting.fit import HistoryWarning, fit_history
    from ..forecasting.fitted import fitted_scenario, scenario_text
    from ..forecasting.histories import as_history
    from ..outputs.files import check_out_path, write_text

    check_out_path(out_file, (".toml",))
    panel = as_history(history).panel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HistoryWarning)  # printed below from the fit
        fitted = fit_history(panel, until=until, min_months=min_months, borrow=borrow)
    text = scenario_text(
        fitted_scenario(fitted, panel.synthetic, response_source(response_from), response_sd, min_months, response_cv)
    )
    write_text(out_file, text)

    frame = panel.frame
    err.print(
        f"history: {panel.source} ({len(frame)} rows, {frame['month'].min()} to {frame['month'].max()})",
        markup=False,
        highlight=False,
    )
    if panel.synthetic:
        err.print("note: this history is SYNTHETIC (made for trying the tool), not real regional data", style="yellow")
    first, last = fitted.national_months
    err.print(
        f"fitted {len(fitted.regions)} regions x {len(fitted.groups)} groups on {first} to {last} "
        f"(baseline year {fitted.baseline_year}); response: "
        + (f"assumed from {response_from}" if response_source(response_from) else "none assumed"),
        markup=False,
        highlight=False,
    )
    print_warnings(fitted.warnings)
    table = fitted.regions_table()
    if fmt is Format.json:
        payload = {"regions": table.to_dict(orient="records"), "pooled": fitted.pooled.to_dict(orient="records")}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(table.to_csv(index=False))
    else:
        print_fit_table(fitted, Path(str(panel.source)).name, lang.value)
    observed = history if str(frame["month"].max()) == fitted.until else f"PANEL (the history up to {fitted.until})"
    err.print(
        f"wrote {out_file}; next: kommiljard sweep {out_file} --observed {observed} --out sweep-fitted",
        markup=False,
        highlight=False,
    )
