"""`kommiljard explain`: one region's amount in one cell, step by step."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..errors import InputError
from ..rules import DEFAULT_RULES
from . import options as opt
from .app import (
    AllowMissingOpt,
    Format,
    LangOpt,
    Language,
    PanelArg,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    out,
    overrides_of,
    reports_errors,
)
from .render import terminal_width
from .terminal import write_out


@app.command()
@reports_errors
def explain(
    panel: PanelArg,
    region: Annotated[str, typer.Option("--region", help="County code or name, e.g. 06.", parser=opt.region())],
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help="Measurement month, e.g. 2019-10 or okt 2019 (not needed for a one-cell block).",
            parser=opt.month_names(),
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "--procedure", help="first_visit or operation; a procedure (cataract) for a price."),
    ] = None,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table (readable text) or json.")] = Format.table,
    allow_missing: AllowMissingOpt = False,
    *,
    lang: LangOpt = Language.en,
) -> None:
    """Explain one region's amount in one month and group, step by step, with the rule lines used.

    Example: `kommiljard explain data/sample_panel_2019.parquet --region 06 --month 2019-10 --group operation`

    A price per operation has one cell over its months: `kommiljard explain data/sample_operations_2022_2026.parquet
    --rules kommiljard-2026 --region 03`.
    """
    from ..analysis.explain import explain as compute_explain

    if fmt is Format.csv:
        raise InputError("--format csv: an explanation is text; give --format table (the default) or json")

    e = compute_explain(panel, region, month, group, rules, population, overrides_of(set_), allow_missing)
    if fmt is Format.json:
        write_out(json.dumps(e.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(e.render(lang.value, terminal_width()), highlight=False, markup=False, soft_wrap=True)
