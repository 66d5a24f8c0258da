"""`kommiljard payout`: every block of a scheme for a panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..rules import DEFAULT_RULES
from .app import (
    AllowMissingOpt,
    BackendChoice,
    BackendOpt,
    ConditionsOpt,
    DialectOpt,
    ExactOpt,
    Format,
    FormatOpt,
    LangOpt,
    Language,
    PanelArg,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    dialect_of,
    overrides_of,
    reports_errors,
)
from .render import narrate, print_payout, wrote
from .terminal import write_out


@app.command()
@reports_errors
def payout(
    panel: PanelArg,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: ConditionsOpt = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write one row per region, block, month and group (.parquet or .csv), or a workbook (.xlsx: "
            "summary, detail, cells and provenance).",
        ),
    ] = None,
    backend: BackendOpt = BackendChoice.auto,
    fmt: FormatOpt = Format.table,
    allow_missing: AllowMissingOpt = False,
    dialect: DialectOpt = None,
    exact: ExactOpt = False,
    *,
    lang: LangOpt = Language.en,
) -> None:
    """Compute every block of a scheme for a panel: who gets how much.

    Example: `kommiljard payout data/sample_panel_2019.parquet --out payout.xlsx`

    With `--set block1.sharing=equal` (repeatable) any rule parameter can be changed without editing the rule file.
    `--out payout.csv --lang sv` writes the detail for a Swedish spreadsheet (semicolons, decimal commas,
    whole kronor that add up, Swedish headers); `--lang sv` also prints the tables in Swedish.
    """
    from ..engine import payout as compute_payout
    from ..outputs.exports import check_out, payout_csv_frame, payout_in_whole_kronor, payout_sheets, write_output

    if out_file is not None:
        check_out(out_file)
    result = compute_payout(
        panel, rules, population, conditions, backend.value, overrides_of(set_), allow_missing_regions=allow_missing
    )
    narrate(result)
    whole = payout_in_whole_kronor(result)  # the same whole kronor as the workbook and the report
    if fmt is Format.json:
        write_out(
            json.dumps(
                {
                    "summary": result.summary().to_dict(orient="records"),
                    "cells": result.cells.to_dict(orient="records"),
                    "paid_sek": result.paid_sek,
                    "lapsed_sek": result.lapsed_sek,
                    "no_data": result.no_data(),
                    "provenance": result.provenance,
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            + "\n"
        )
    else:
        print_payout(result, whole, fmt, dialect_of(dialect), exact)
    if out_file is not None:
        language, csv = lang.value, dialect_of(dialect)
        frame = payout_csv_frame(result, csv, exact)
        sheets = lambda: payout_sheets(result, language)  # noqa: E731 - built only for a workbook
        wrote(*write_output(out_file, frame, result.provenance, sheets, csv, exact, lang=language, rules=result.rules))
