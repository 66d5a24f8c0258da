"""`kommiljard whatif`: a region's payout before and after its own improvement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import KommiljardError
from ..rules import DEFAULT_RULES
from .app import (
    AllowMissingOpt,
    ConditionsOpt,
    DialectOpt,
    ExactOpt,
    Format,
    FormatOpt,
    GroupsOpt,
    LangOpt,
    Language,
    MonthsOpt,
    PanelArg,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    dialect_of,
    many,
    overrides_of,
    reports_errors,
)
from .render import narrate, print_curve, print_frame, print_whatif, wrote
from .terminal import write_out


@app.command()
@reports_errors
def whatif(
    panel: PanelArg,
    region: Annotated[str, typer.Option("--region", help="County code, e.g. 06.")],
    improve: Annotated[
        float | None,
        typer.Option(
            "--improve",
            "-x",
            help="Percentage points added to the region's share_90 (negative: worse); shares are clamped to 0-100.",
        ),
    ] = None,
    months: MonthsOpt = None,
    groups: GroupsOpt = None,
    curve: Annotated[
        bool,
        typer.Option(
            "--curve",
            help="The payout curve: the region's amount in the chosen cells as its own improvement runs from --lo to "
            "--hi pp, others fixed.",
        ),
    ] = False,
    lo: Annotated[float, typer.Option(help="Curve: lowest improvement (pp).")] = -5.0,
    hi: Annotated[float, typer.Option(help="Curve: highest improvement (pp).")] = 10.0,
    step: Annotated[float, typer.Option(help="Curve: step (pp).")] = 0.1,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: ConditionsOpt = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the cells table (with --curve: the curve) to .parquet or .csv, or a workbook (.xlsx).",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    allow_missing: AllowMissingOpt = False,
    dialect: DialectOpt = None,
    exact: ExactOpt = False,
    lang: LangOpt = Language.en,
) -> None:
    """What if a region improves by X percentage points? Its payout before and after, cell by cell.

    Example: `kommiljard whatif data/sample_panel_2019.parquet --region 06 --improve 3 --month 2019-10 --group
    operation`

    Every other region stays as in the panel. Per month and group: the tier before and after, the pp still needed for
    the next bar, and what one more pp would bring. `--format json` prints `baseline_sek`, `scenario_sek` and
    `delta_sek` (the region's totals over the scheme). `--curve` gives the payout curve from --lo to --hi pp
    (`--format csv` prints every point).
    """
    from ..analysis.whatif import payout_curve
    from ..analysis.whatif import whatif as compute_whatif
    from ..engine import payout as compute_payout
    from ..inputs.regions import normalise_code, region_names
    from ..outputs.exports import check_out, curve_sheets, whatif_cells_whole, whatif_sheets, write_output

    if improve is None and not curve:
        raise KommiljardError("give --improve X (percentage points), or --curve for the payout curve")
    if out_file is not None:
        check_out(out_file)
    overrides = overrides_of(set_)
    months_, groups_ = many(months), many(groups)
    result = (
        compute_whatif(
            panel,
            region,
            improve or 0.0,
            months_,
            groups_,
            rules,
            population,
            overrides,
            conditions,
            allow_missing_regions=allow_missing,
        )
        if improve is not None
        else None
    )
    points = (
        payout_curve(
            panel,
            region,
            months_,
            groups_,
            rules,
            population,
            lo,
            hi,
            step,
            overrides,
            allow_missing_regions=allow_missing,
        )
        if curve
        else None
    )
    first = (
        result.baseline
        if result is not None
        else compute_payout(panel, rules, population, conditions, "auto", overrides, allow_missing)
    )
    narrate(first)
    code = result.region if result is not None else normalise_code(region)
    name = region_names().get(code, "")
    if fmt is Format.json:
        doc = result.as_dict() if result is not None else {"region": code, "region_name": name}
        if points is not None:
            doc["curve"] = points.to_dict(orient="records")
        write_out(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        table = points if points is not None else result.cells
        print_frame(table, fmt, "", dialect=dialect_of(dialect), exact=exact, rules=first.rules,
                    synthetic=first.panel.synthetic)  # fmt: skip
    else:
        if result is not None:
            print_whatif(result, fmt)
        if points is not None:
            print_curve(points, code, name, (lo, hi), fmt)
    if out_file is not None:
        provenance = {
            **first.provenance,
            "whatif": {"region": code, "improve_pp": improve, "months": months_, "groups": groups_, "curve": curve},
        }
        language, csv = lang.value, dialect_of(dialect)
        if points is not None:
            table, sheets = points, (lambda: curve_sheets(points, f"{code} {name}", provenance, language))
        else:
            cells = result.cells if csv == "en" or exact else whatif_cells_whole(result.cells)
            table, sheets = cells, (lambda: whatif_sheets(result, language))
        wrote(*write_output(out_file, table, provenance, sheets, csv, exact, lang=language, rules=first.rules))
