"""`kommiljard import`: spreadsheet exports into a canonical panel."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import Format, FormatOpt, app, err, reports_errors
from .render import print_frame


@app.command("import")
@reports_errors
def import_(
    export: Annotated[
        Path, typer.Argument(help="A spreadsheet export (.csv or .xlsx) of the waiting-time statistics.")
    ],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The canonical panel to write (.parquet, or .csv).")],
    group: Annotated[
        str | None,
        typer.Option(help="The group of every row, for an export without a group column (first_visit or operation)."),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="The sheet of an .xlsx file (default: the first).")] = None,
    synthetic: Annotated[
        bool,
        typer.Option(
            "--synthetic",
            help="Mark the panel as synthetic (also done when the title above the header says SYNTHETIC or syntetisk).",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Turn a spreadsheet export with Swedish column names into a canonical panel.

    Example: `kommiljard import data/sample_export_sv.csv --out my_panel.parquet`

    Reads a **wide** export (columns *Region*, *Vårdkontakt*, *Mått*, then one column per month: `2019-09`, `sep 2019`
    or `september 2019`; *Mått* is *Andel väntande inom 90 dagar*, *Andel väntande inom 60 dagar* or *Antal väntande*)
    or a **long** one (*Region*, *Månad*, *Vårdkontakt* and one column per measure). Regions as codes or names
    (`06`, `Jönköping`, `Region Jönköpings län`), decimal commas, `%` signs and title lines above the header are fine.
    Prints each region as read (code, name, how the file wrote it) and writes the panel for `payout`, `report` and
    `plot`.
    """
    from ..inputs.importer import import_export, import_summary
    from ..outputs.files import write_panel

    imported = import_export(export, group, sheet, synthetic)
    write_panel(imported.frame, out_file, imported.metadata, imported.synthetic)
    f = imported.frame
    err.print(
        f"read {export}: {imported.layout} layout, {len(f)} rows, {f['region'].nunique()} regions, months "
        f"{', '.join(sorted(f['month'].unique()))}",
        highlight=False,
    )
    if imported.dropped_rows:
        err.print(f"left out {imported.dropped_rows} region-month-group(s) with no value at all", highlight=False)
    if imported.synthetic:
        err.print("[yellow]note: marked SYNTHETIC (not real regional data)[/]")
    summary = import_summary(imported)
    if fmt is Format.json:
        sys.stdout.write(
            json.dumps(
                {"regions": summary.to_dict(orient="records"), "metadata": imported.metadata},
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        print_frame(summary, fmt, f"Imported from {export.name}", [])
    err.print(f"wrote {out_file}; next: kommiljard report {out_file} --out report.html", highlight=False)
