"""`kommiljard explain`: one region's amount in one cell, step by step."""

from __future__ import annotations

import json
import re
import textwrap
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
from .app import say as cli_say
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
        raise InputError(cli_say("refuse.explain_csv"))

    e = compute_explain(
        panel,
        region,
        month,
        group,
        rules,
        population,
        overrides=overrides_of(set_),
        allow_missing_regions=allow_missing,
    )
    if fmt is Format.json:
        write_out(json.dumps(e.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        width = terminal_width()
        out.print(fit_lines(e.render(lang.value, width), width), highlight=False, markup=False, soft_wrap=True)


NUMBER = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?(?: kr)?")


def fit_lines(text: str, width: int) -> str:
    """``text`` with each line longer than ``width`` wrapped between words, indented as it was (and two more), a
    number never broken at its thousands' spaces (``22 441 000.00 kr``)."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()))
        glued = NUMBER.sub(lambda m: m.group(0).replace(" ", "\x00"), line)
        wrapped = textwrap.wrap(
            glued, width, initial_indent="", subsequent_indent=indent + "  ", break_long_words=False
        )
        lines += [w.replace("\x00", " ") for w in wrapped] or [""]
    return "\n".join(lines)
