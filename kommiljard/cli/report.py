"""`kommiljard report`: one self-contained HTML report of a payout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..rules import DEFAULT_RULES
from .app import PopulationOpt, RulesOpt, SetOpt, app, err, overrides_of, reports_errors
from .render import narrate


@app.command()
@reports_errors
def report(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The report to write (.html).")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: Annotated[
        Path | None, typer.Option(help="Which regions met the population block's conditions; default: all did.")
    ] = None,
) -> None:
    """Write one self-contained HTML report of a payout, to open in any browser, print or e-mail.

    Example: `kommiljard report data/sample_panel_2019.parquet --out report.html`

    It holds the payout per region, the staircase of every month and group, what lapsed, the rule set with every
    parameter and its source, and the provenance. Figures are embedded: viewing it needs no network.
    """
    from rich.progress import Progress

    from ..engine import payout as compute_payout
    from ..outputs.report import report_steps, write_report

    if out_file.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{out_file}: --out must end in .html")
    result = compute_payout(panel, rules, population, conditions, "auto", overrides_of(set_))
    narrate(result)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("drawing", total=report_steps(result))
        write_report(result, out_file, lambda step: progress.update(task, advance=1, description=f"drawing {step}"))
    err.print(
        f"wrote {out_file} ({out_file.stat().st_size / 1e6:.1f} MB, self-contained: open it in a browser)",
        highlight=False,
    )
