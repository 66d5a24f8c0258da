"""`kommiljard page`: the what-if page, one self-contained HTML file a region opens and shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..money import format_number
from ..rules import DEFAULT_RULES
from . import options as opt
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
from .render import narrate, say, wrote


@app.command()
@reports_errors
def page(
    panel: PanelArg,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The page to write (.html).")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: ConditionsOpt = None,
    sweep_dirs: Annotated[
        list[Path] | None,
        typer.Option(
            "--sweep",
            help="A `kommiljard sweep ... --region R --improve X` directory, or a lever grid (`--improve 0,1,2,3`): "
            "the gain's distribution when the other regions are uncertain. Repeatable.",
        ),
    ] = None,
    lang: LangOpt = Language.en,
    lo: Annotated[
        float | None,
        typer.Option(
            help="Lowest change on the page (<= 0; default: the lever's, -20 pp for a share).",
            parser=opt.in_range("change_lo", "--lo"),
        ),
    ] = None,
    hi: Annotated[
        float | None,
        typer.Option(
            help="Highest change on the page (>= 0; default: the lever's, 20 pp for a share).",
            parser=opt.in_range("change_hi", "--hi"),
        ),
    ] = None,
    step: Annotated[
        float | None,
        typer.Option(
            help="Step of the change; default: the panel's precision, e.g. 0.1 pp for one decimal.",
            parser=opt.in_range("change_step", "--step"),
        ),
    ] = None,
    allow_missing: AllowMissingOpt = False,
) -> None:
    """Write the what-if page: one self-contained HTML file where a region sets an improvement and sees its kronor.

    Example: `kommiljard page data/sample_panel_2019.parquet --out whatif.html --lang sv`

    Pick a region, move a slider per month and group (or one for all) and read the tiers and kronor before and after,
    exactly as `kommiljard whatif` gives them on the page's grid (from --lo to --hi pp in steps of --step). The view is
    kept in the link (`whatif.html#region=06&improve=3`). It opens from disk in any current browser and makes no
    network request. With `--allow-missing-regions` a region without rows for some month and group is left off the
    page (named in its provenance) and takes no part in the cells it lacks, as in `kommiljard payout`.
    """
    from ..engine import payout as compute_payout
    from ..inputs.regions import region_label
    from ..outputs.files import check_out_path
    from ..outputs.page import write_page

    check_out_path(out_file, (".html", ".htm"))
    result = compute_payout(
        panel, rules, population, conditions, "auto", overrides_of(set_), allow_missing_regions=allow_missing
    )
    narrate(result)
    if gone := result.no_data():
        err.print(say("left_off", regions=", ".join(map(region_label, gone))), highlight=False, markup=False)
    write_page(result, out_file, lang.value, sweep_dirs or None, lo, hi, step)
    wrote(out_file, what=say("page_written", kb=format_number(out_file.stat().st_size / 1e3, 0, lang=lang.value)))
