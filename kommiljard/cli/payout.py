"""`kommiljard payout`: every block of a scheme for a panel."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..money import format_kronor as kr
from ..rules import DEFAULT_RULES
from .app import (
    BackendChoice,
    Format,
    FormatOpt,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    err,
    out,
    overrides_of,
    reports_errors,
)
from .render import narrate, print_frame


@app.command()
@reports_errors
def payout(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: Annotated[
        Path | None,
        typer.Option(
            help="Which regions met the population block's conditions (region + one column per condition); default: "
            "all did."
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write one row per region, block, month and group (.parquet or .csv)."),
    ] = None,
    backend: Annotated[
        BackendChoice,
        typer.Option(
            help="auto (the readable reference: one panel needs no compiler), the numba kernel, the reference, or "
            "check (both, must agree)."
        ),
    ] = BackendChoice.auto,
    fmt: FormatOpt = Format.table,
) -> None:
    """Compute every block of a scheme for a panel: who gets how much.

    Example: `kommiljard payout data/sample_panel_2019.parquet --out payout.parquet`

    With `--set block1.sharing=equal` (repeatable) any rule parameter can be changed without editing the rule file.
    """
    from ..engine import payout as compute_payout
    from ..outputs.files import check_out_path, write_table

    if out_file is not None:
        check_out_path(out_file)
    result = compute_payout(panel, rules, population, conditions, backend.value, overrides_of(set_))
    narrate(result)
    summary = result.summary(whole_kronor=True)
    cells = result.cells.copy()
    if fmt is Format.json:
        sys.stdout.write(
            json.dumps(
                {
                    "summary": result.summary().to_dict(orient="records"),
                    "cells": cells.to_dict(orient="records"),
                    "paid_sek": result.paid_sek,
                    "lapsed_sek": result.lapsed_sek,
                    "provenance": result.provenance,
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            + "\n"
        )
    else:
        money = [c for c in summary.columns if c.startswith("block") or c == "total_sek"]
        synthetic = " - SYNTHETIC panel, not real data" if result.panel.synthetic else ""
        print_frame(summary, fmt, f"Payout per region, kronor ({result.rules.id}){synthetic}", money)
        if fmt is Format.table:
            print_frame(
                cells,
                fmt,
                "Per block, month and group: pot, paid, lapsed (kronor)",
                ["pot_sek", "paid_sek", "lapsed_sek"],
            )
            out.print(
                f"Paid {kr(result.paid_sek)} kr, lapsed {kr(result.lapsed_sek)} kr, of "
                f"{kr(result.rules.ruleset.total_sek)} kr."
            )
    if out_file is not None:
        written = write_table(result.table, out_file, result.provenance)
        err.print(f"wrote {', '.join(map(str, written))}", highlight=False)
