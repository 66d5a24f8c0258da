"""`kommiljard report`: one self-contained HTML report of a payout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..money import format_number
from ..rules import DEFAULT_RULES
from .app import (
    AllowMissingOpt,
    ConditionsOpt,
    LangOpt,
    Language,
    PanelArg,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    err,
    overrides_of,
    reports_errors,
)
from .app import say as cli_say
from .render import narrate, say, wrote


@app.command()
@reports_errors
def report(
    panel: PanelArg,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The report to write (.html).")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: ConditionsOpt = None,
    with_page: Annotated[
        bool,
        typer.Option(
            "--page",
            help="Also write the what-if page beside the report (REPORT-whatif.html, as `kommiljard page`) and link "
            "it.",
        ),
    ] = False,
    lang: LangOpt = Language.en,
    allow_missing: AllowMissingOpt = False,
) -> None:
    """Write one self-contained HTML report of a payout, to open in any browser, print or e-mail.

    Example: `kommiljard report data/sample_panel_2019.parquet --out report.html`

    It holds the payout per region, the staircase of every month and group, what lapsed, the rule set with every
    parameter and its source, and the provenance. Figures are embedded: viewing it needs no network. `--lang sv`
    writes it in Swedish, pictures included (the same amounts, in Swedish number formats). `--page` also writes the
    what-if page (`kommiljard page`) beside it, e.g. report-whatif.html, in the same language, and links it from the
    report.
    """
    from rich.progress import Progress

    from ..engine import payout as compute_payout
    from ..outputs.files import check_destination
    from ..outputs.ownership import check_companion
    from ..outputs.report import report_steps, write_report

    if out_file.suffix.lower() not in (".html", ".htm"):
        raise InputError(cli_say("refuse.report_out", file=out_file))
    check_destination(out_file)
    page_file = out_file.with_name(f"{out_file.stem}-whatif.html") if with_page else None
    if page_file is not None:
        from ..outputs.page import write_page

        check_destination(page_file, "--page")
        check_companion(page_file, out_file)
    result = compute_payout(
        panel, rules, population, conditions, "auto", overrides_of(set_), allow_missing_regions=allow_missing
    )
    narrate(result)
    if page_file is not None:
        write_page(result, page_file, lang.value)
        wrote(page_file, what=say("page_linked"))
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(say("drawing"), total=report_steps(result))
        write_report(
            result,
            out_file,
            lambda step: progress.update(task, advance=1, description=f"{say('drawing')} {step}"),
            page_file.name if page_file else None,
            lang.value,
        )
    wrote(out_file, what=say("report_written", mb=format_number(out_file.stat().st_size / 1e6, 1, lang=lang.value)))
