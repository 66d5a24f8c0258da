"""`kommiljard payout`: every block of a scheme for a panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..money import kronor
from ..rules import DEFAULT_RULES
from .app import (
    AllowMissingOpt,
    BackendChoice,
    BackendOpt,
    ConditionsOpt,
    Dialect,
    DialectOpt,
    ExactOpt,
    Format,
    FormatOpt,
    PanelArg,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    err,
    out,
    overrides_of,
    reports_errors,
)
from .render import cell_months_text, narrate, print_frame
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
    dialect: DialectOpt = Dialect.en,
    exact: ExactOpt = False,
) -> None:
    """Compute every block of a scheme for a panel: who gets how much.

    Example: `kommiljard payout data/sample_panel_2019.parquet --out payout.xlsx`

    With `--set block1.sharing=equal` (repeatable) any rule parameter can be changed without editing the rule file.
    `--out payout.csv --csv-dialect sv` writes the detail for a Swedish spreadsheet (semicolons, decimal commas,
    whole kronor that add up).
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
    summary = whole.summary
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
    elif fmt is Format.csv:
        if dialect is Dialect.sv and not exact:  # whole kronor in every amount, as total_sek (not 48202000,0)
            whole = [c for c in summary.columns if c.startswith("block") and summary[c].notna().all()]
            summary = summary.astype(dict.fromkeys(whole, "int64"))
        print_frame(summary, fmt, "", dialect=dialect.value, exact=exact)
    else:
        money = [c for c in summary.columns if c.startswith("block") or c == "total_sek"]
        synthetic = " - SYNTHETIC panel, not real data" if result.panel.synthetic else ""
        print_frame(summary, fmt, f"Payout per region, kronor ({result.rules.id}){synthetic}", money, keys=2)
        _print_cells(result, whole, fmt)
    if out_file is not None:
        frame = payout_csv_frame(result, dialect.value, exact)
        written = write_output(out_file, frame, result.provenance, lambda: payout_sheets(result), dialect.value, exact)
        err.print(f"wrote {', '.join(map(str, written))}", highlight=False)


def _kind_money(cells):
    """The cells with the money columns of some kinds only (earned and bonus, what went to the top regions) as
    text: kronor, and "-" in a block whose kind has no such money (not "no data")."""
    from ..money import format_kronor

    own = [c for c in cells.columns if c.endswith("_sek") and c not in ("pot_sek", "paid_sek", "lapsed_sek")]
    cells = cells.copy()
    for c in own:
        cells[c] = [format_kronor(v) if v == v else "-" for v in cells[c]]
    return cells, own


def _print_cells(result, whole, fmt: Format) -> None:
    """Each cell's pot, paid and lapsed (and its kind's money), and the totals (paid: of which to the top
    regions, where a kind passes money on to them)."""
    cells = whole.cells if whole.cells["no_data"].any() else whole.cells.drop(columns="no_data")
    cells, own = _kind_money(cells)
    cells["month"] = cell_months_text(result.rules, cells["block"], cells["month"], cells["group"])
    print_frame(
        cells.rename(columns={"no_data": "no data"}),
        fmt,
        "Per block, month and group: pot, paid, lapsed (kronor)",
        ["pot_sek", "paid_sek", "lapsed_sek"],
        keys=3,
        numbers=own,
    )
    top = whole.cells.get("to_top_regions_sek")
    of_which = f" (of which {kronor(top.sum())} to the top regions)" if top is not None else ""
    out.print(
        f"Paid {kronor(whole.cells['paid_sek'].sum())}{of_which}, lapsed {kronor(whole.cells['lapsed_sek'].sum())}, of "
        f"{kronor(result.rules.ruleset.total_sek)}.",
        highlight=False,
    )
