"""`kommiljard history`: a SYNTHETIC multi-year history of every region, to try `fit` and `backtest` on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..money import format_number
from . import options as opt
from .app import LangOpt, Language, app, err, reports_errors
from .app import lang as current_lang
from .app import say as cli_say
from .fit import ResponseFromOpt, ResponseSdOpt, response_source
from .render import say


@app.command()
@reports_errors
def history(
    *,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The panel to write (.parquet: it records SYNTHETIC).")],
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed (0 to 2**63 - 1): the same seed gives the same history.",
            parser=opt.in_range("seed", "--seed", whole=True),
        ),
    ] = 0,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Keep the months up to this one (YYYY-MM, 2014-01 to 2019-12; the rest are the same).",
            parser=opt.month("--until"),
        ),
    ] = None,
    response_from: ResponseFromOpt = "default-2019",
    response_sd: ResponseSdOpt = 0.0,
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="Also write the parameters every region was drawn from (.csv or .parquet)."),
    ] = None,
    lang: LangOpt = Language.en,
) -> None:
    """Write a SYNTHETIC monthly history of all 21 regions (2014-01 to 2019-12), drawn from known parameters.

    Example: `kommiljard history --seed 1 --out history.parquet`

    Not real data: regions differ in level, seasonal swing, trend and month-to-month noise around the real national
    series of 2018; the scheme months of 2019 carry the response of --response-from (`none`: no response). For
    trying `kommiljard fit` and `kommiljard backtest`, whose results can then be checked against --truth.
    --until keeps the months up to then (the same values as the whole history).
    """
    from ..forecasting.forecast_model import response_by_month
    from ..forecasting.history import HistoryParams, synthetic_history
    from ..inputs import options
    from ..outputs.files import check_out_path, write_panel, write_table
    from ..sweeps.scenario import load_scenario

    if out_file.suffix.lower() != ".parquet":
        raise InputError(cli_say("refuse.history_out", file=out_file))
    if truth is not None:
        check_out_path(truth)
    params = HistoryParams()
    response, recorded, said = {}, "none", say("history_response_none")
    if (name := response_source(response_from)) is not None:
        scenario = load_scenario(name)
        response = {m: pp for m, pp in response_by_month(scenario.spec).items() if params.start <= m <= params.end}
        months = ", ".join(response)
        recorded = f"scenario {scenario.name}'s response_pp in {months or 'no month of the history'}"  # data
        said = say("history_response", name=scenario.name, months=months or say("history_no_month"))
    drawn = synthetic_history(seed, HistoryParams(response_pp=response, response_sd_pp=response_sd))
    frame = drawn.frame
    if until is not None:  # a month of the history: an earlier one would leave it empty
        among = cli_say("history_months", first=params.start, last=params.end)
        frame = drawn.until(options.month(until, "--until", options.months_between(params.start, params.end), among))
    metadata = {
        "kommiljard.synthetic": "true",
        "kommiljard.generator": f"kommiljard history --seed {seed} (kommiljard.forecasting.history)",
        "kommiljard.response": recorded,
    }
    write_panel(frame, out_file, metadata, synthetic=True)
    if truth is not None:
        write_table(drawn.truth.table(), truth, {"synthetic": True, "generator": metadata["kommiljard.generator"]})
    rows = format_number(len(frame), lang=current_lang())
    err.print(
        say("history_wrote", out=out_file, first=frame["month"].min(), last=frame["month"].max(), rows=rows,
            seed=seed, said=said) + (say("history_truth", truth=truth) if truth else ""),
        markup=False,
        highlight=False,
    )  # fmt: skip
    err.print(say("history_next", out=out_file), markup=False, highlight=False)
