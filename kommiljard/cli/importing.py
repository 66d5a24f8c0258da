"""`kommiljard import`: exports of the waiting-time statistics (one or more files) into a canonical panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .app import Format, FormatOpt, app, err, reports_errors
from .render import print_frame
from .terminal import write_out


@app.command("import")
@reports_errors
def import_(
    exports: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="The exports (.csv, .xlsx or a .parquet panel) that make the panel."),
    ],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The canonical panel to write (.parquet, or .csv).")],
    group: Annotated[
        str | None, typer.Option(help="The phase of files that do not say it: first_visit or operation.")
    ] = None,
    measure: Annotated[
        str | None, typer.Option(help="The measure of files that do not say it: share_90, share_60 or n_waiting.")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="The sheet of .xlsx files (default: the first in a known layout).")
    ] = None,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Mark the panel as synthetic (also if a title says so).")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Turn exports of the waiting-time statistics into one canonical panel.

    Example: `kommiljard import examples/exports/socialstyrelsen_*.csv --out my_panel.parquet`

    Reads **Socialstyrelsen statistics database** exports (title line with *Kontaktstatus: Väntande*, *Fas* and the
    measure; a year row; `Region;Juli;Augusti;…`; `N` for suppressed cells), **SKR vantetider.se Kontaktkort** tables
    (`Okt 2018` or `Sep2015` columns, `64 %`, `128 017 st`, vantetider.se county-council ids in an *Id* column), and
    kommiljard's own **wide** (*Region*, *Vårdkontakt*, *Mått*, one column per month) and **long** (*Region*, *Månad*,
    *Vårdkontakt*, one column per measure) layouts. A panel needs share_90 and share_60 of both phases: give the four
    exports together. Counts of performed operations (the 2025 and 2026 price-per-operation schemes) come in
    kommiljard's **operations** layouts: long (*Region*, *Månad*, *Ingrepp*, *Antal operationer*) or wide (*Region*,
    *Ingrepp*, one column per month), procedures named `cataract` or *Katarakt*; they may be imported with the
    share exports into one panel. `--group`/`--measure` say what a file without a title holds; a file that says
    otherwise is an error. Prints, per file, the layout, phase, measure, months, regions and the rows left aside.
    See docs/data-formats.md.
    """
    from ..inputs.importer import import_exports, import_summary
    from ..outputs.files import check_out_path, write_panel

    check_out_path(out_file)
    imported = import_exports(exports, group, measure, sheet, synthetic)
    write_panel(imported.frame, out_file, imported.metadata, imported.synthetic)
    for reading in imported.files:
        for line in reading.report():
            err.print(line, markup=False, highlight=False)
    f = imported.frame
    months = ", ".join(sorted(f["month"].unique()))
    err.print(f"panel: {len(f)} rows, {f['region'].nunique()} regions, months {months}", markup=False, highlight=False)
    if imported.left_out:
        more = f"; and {len(imported.left_out) - 5} more" if len(imported.left_out) > 5 else ""
        shown = "; ".join(imported.left_out[:5]) + more
        err.print(
            f"left out {imported.dropped_rows} region-month-group(s) with no value "
            f"(no share, or no count of operations): {shown}",
            markup=False,
            highlight=False,
        )
    for warning in imported.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False, highlight=False)
    if imported.synthetic:
        err.print("note: marked SYNTHETIC (not real regional data)", style="yellow")
    summary = import_summary(imported)
    if fmt is Format.json:
        payload = {"regions": summary.to_dict(orient="records"), "metadata": imported.metadata}
        write_out(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:  # print_frame never reads cell text or titles as markup
        print_frame(summary, fmt, f"Imported from {', '.join(p.name for p in exports)}", [])
    shares = any(c in f.columns for c in ("share_90", "share_60"))
    nxt = f"report {out_file} --out report.html" if shares else f"payout {out_file} --rules kommiljard-2026"
    err.print(f"wrote {out_file}; next: kommiljard {nxt}", highlight=False, markup=False)
