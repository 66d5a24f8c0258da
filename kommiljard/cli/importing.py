"""`kommiljard import`: exports of the waiting-time statistics (one or more files) into a canonical panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .app import Format, FormatOpt, LangOpt, Language, app, err, reports_errors
from .render import print_import_summary, say, say_imported
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
    *,
    lang: LangOpt = Language.en,
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
    summary = import_summary(imported)
    say_imported(imported)
    if fmt is Format.json:
        payload = {"regions": summary.to_dict(orient="records"), "metadata": imported.metadata}
        write_out(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:  # print_frame never reads cell text or titles as markup
        print_import_summary(summary, [p.name for p in exports], fmt)
    err.print(say("imported_next", out=out_file, next=next_command(imported.frame, out_file)), highlight=False,
              markup=False)  # fmt: skip


def next_command(frame, out_file: Path) -> str:
    """What to run on the panel imported: a report under the newest bundled rule set it covers (``--rules`` unless
    it is the default); ``rules`` (the list to choose from) where it covers none."""
    from ..rules import DEFAULT_RULES
    from ..rules.loader import rule_sets_measured_in

    fitting = rule_sets_measured_in(frame["month"].unique(), frame["group"].unique(), frame.columns)
    if not fitting:
        return "rules"
    rules = "" if fitting[-1] == DEFAULT_RULES else f" --rules {fitting[-1]}"
    return f"report {out_file}{rules} --out report.html"
