"""`kommiljard fit`: every region fitted to its own monthly history, written as a fitted scenario."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from .app import Format, FormatOpt, app, err, out, reports_errors

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
        min=0,
        max=50,
    ),
]
BorrowOpt = Annotated[
    bool,
    typer.Option(
        "--borrow",
        help="A region with fewer than --min-months months borrows its season, trend and noise from the pooled "
        "estimate (with a warning) instead of being refused.",
    ),
]
MinMonthsOpt = Annotated[
    int, typer.Option("--min-months", help="Months of history a region needs (consecutive, up to --until).", min=2)
]


def response_source(value: str) -> str | None:
    return None if value.strip().lower() == "none" else value


def print_warnings(notes) -> None:
    for note in notes:
        err.print(f"warning: {note}", style="yellow", markup=False, highlight=False)


@app.command()
@reports_errors
def fit(
    history: Annotated[
        Path, typer.Argument(help="A panel with several years of monthly rows for every region (.parquet or .csv).")
    ],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The fitted scenario to write (.toml); sweep it with --observed.")
    ],
    until: Annotated[
        str | None, typer.Option("--until", help="Fit the months up to this one (YYYY-MM; default: the last).")
    ] = None,
    response_from: ResponseFromOpt = "default-2019",
    response_sd: ResponseSdOpt = 0.0,
    borrow: BorrowOpt = False,
    min_months: MinMonthsOpt = 24,
    fmt: FormatOpt = Format.table,
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

    from ..forecasting.fit import HistoryWarning, expit_pct, fit_history
    from ..forecasting.fitted import fitted_scenario, scenario_text
    from ..inputs.panel import as_panel, normalise_month
    from ..outputs.files import check_out_path, write_text

    check_out_path(out_file, (".toml",))
    panel = as_panel(history)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HistoryWarning)  # printed below from the fit
        fitted = fit_history(
            panel, until=normalise_month(until) or until if until else None, min_months=min_months, borrow=borrow
        )
    text = scenario_text(
        fitted_scenario(fitted, panel.synthetic, response_source(response_from), response_sd, min_months)
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
        from rich.table import Table

        from ..inputs.regions import region_names

        names = region_names()
        t = Table(
            title=f"Fitted to {Path(str(panel.source)).name}: share_90 level in {fitted.baseline_year} (%) "
            "and trend (pp a year)",
            title_justify="left",
        )
        for col, justify in (("region", "left"), ("name", "left"), *((g, "right") for g in fitted.groups)):
            width = 12 if col == "name" else None
            t.add_column(col, justify=justify, no_wrap=True, overflow="ellipsis", max_width=width)
        t.add_column("months", justify="right")
        p = fitted.region
        for ri, code in enumerate(fitted.regions):
            cells = []
            for gi in range(len(fitted.groups)):
                pct = float(expit_pct(p.level[ri, gi]))
                cells.append(f"{pct:.1f} {p.trend[ri, gi] * pct * (100 - pct) / 100:+.1f}")
            months = fitted.data[fitted.data["region"] == code]["n_months"].min()
            borrowed = " b" if fitted.borrowed[ri].any() else ""
            t.add_row(code, names.get(code, ""), *cells, f"{months}{borrowed}")
        out.print(t)
        out.print("b: thin history, parameters borrowed from the pooled estimate.", highlight=False)
    observed = history if str(frame["month"].max()) == fitted.until else f"PANEL (the history up to {fitted.until})"
    err.print(
        f"wrote {out_file}; next: kommiljard sweep {out_file} --observed {observed} --out sweep-fitted",
        markup=False,
        highlight=False,
    )
