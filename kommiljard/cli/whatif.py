"""`kommiljard whatif`: a region's payout before and after its own improvement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ..money import format_number, format_pp, kronor
from ..rules import DEFAULT_RULES
from . import options as opt
from .app import (
    AllowMissingOpt,
    ConditionsOpt,
    Dialect,
    DialectOpt,
    ExactOpt,
    Format,
    FormatOpt,
    GroupsOpt,
    MonthsOpt,
    PanelArg,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    err,
    many,
    out,
    overrides_of,
    reports_errors,
)
from .render import narrate, print_frame
from .terminal import write_out


@app.command()
@reports_errors
@opt.option_rules(
    opt.exclusive("--improve", "--curve", why="--improve X: one what-if; --curve: the payout curve"),
    opt.one_of("--improve", "--curve", why="--improve X: percentage points; --curve: the payout curve"),
    *(opt.needs(o, "--curve") for o in ("--lo", "--hi", "--step")),
)
def whatif(
    panel: PanelArg,
    region: Annotated[str, typer.Option("--region", help="County code or name, e.g. 06.", parser=opt.region())],
    improve: Annotated[
        float | None,
        typer.Option(
            "--improve",
            "-x",
            help="Percentage points added to the region's share_90 (negative: worse); shares are clamped to 0-100.",
            parser=opt.pp("--improve"),
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
    lo: Annotated[float, typer.Option(help="Curve: lowest improvement (pp).", parser=opt.pp("--lo"))] = -5.0,
    hi: Annotated[float, typer.Option(help="Curve: highest improvement (pp).", parser=opt.pp("--hi"))] = 10.0,
    step: Annotated[float, typer.Option(help="Curve: step (pp).", parser=opt.in_range("pp_step", "--step"))] = 0.1,
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
    dialect: DialectOpt = Dialect.en,
    exact: ExactOpt = False,
) -> None:
    """What if a region improves by X percentage points? Its payout before and after, cell by cell.

    Example: `kommiljard whatif data/sample_panel_2019.parquet --region 06 --improve 3 --month 2019-10 --group
    operation`

    Every other region stays as in the panel. Per month and group: the tier before and after, the pp still needed for
    the next bar, and what one more pp would bring. `--format json` prints `baseline_sek`, `scenario_sek` and
    `delta_sek` (the region's totals over the scheme). `--curve` gives the payout curve from --lo to --hi pp
    (`--format csv` prints every point).
    """
    import pandas as pd

    from ..analysis.whatif import payout_curve
    from ..analysis.whatif import whatif as compute_whatif
    from ..engine import payout as compute_payout
    from ..inputs.regions import normalise_code, region_names
    from ..outputs.exports import check_out, curve_sheets, whatif_cells_whole, whatif_sheets, write_output

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
        print_frame(points if points is not None else result.cells, fmt, "", dialect=dialect.value, exact=exact)
    else:
        if result is not None:
            synthetic = " - SYNTHETIC panel, not real data" if first.panel.synthetic else ""
            changed = ", ".join(f"{m} {g}" for _, m, g in result.chosen)
            out.print(
                Text.assemble(
                    (f"What if {code} {name} improves share_90 by {result.improve_pp:+g} pp", "bold"),
                    f" in {changed}{synthetic}",
                ),
                highlight=False,
            )
            out.print(
                f"total over the scheme: {kronor(result.baseline_sek)} -> {kronor(result.scenario_sek)} "
                f"({kronor(result.delta_sek, signed=True)})",
                highlight=False,
            )
            c = result.cells
            view = pd.DataFrame(
                {
                    "month": c["month"],
                    "group": c["group"],
                    "changed": c["changed"].map({True: "yes", False: ""}),
                    "share_90": [
                        f"{format_number(b, None)} -> {format_number(a, None)}" + (" (clamped)" if cl else "")
                        for b, a, cl in zip(c["share_before"], c["share_after"], c["clamped"])
                    ],
                    "improvement_pp": [
                        f"{format_pp(b)} -> {format_pp(a)}"
                        for b, a in zip(c["improvement_before_pp"], c["improvement_after_pp"])
                    ],
                    "tier": [
                        f"{b} -> {a} ({r})" for b, a, r in zip(c["tier_before"], c["tier_after"], c["route_after"])
                    ],
                    "before_sek": c["amount_before_sek"],
                    "after_sek": c["amount_after_sek"],
                    "delta_sek": c["delta_sek"],
                    "to_next_tier_pp": [
                        "top" if pd.isna(v) else format_pp(v, None, signed=False) for v in c["to_next_tier_pp"]
                    ],
                    "sek_per_extra_pp": c["sek_per_extra_pp"],
                }
            )
            print_frame(
                view,
                fmt,
                "Per month and group (kronor)",
                ["before_sek", "after_sek", "delta_sek", "sek_per_extra_pp"],
                keys=2,
            )
        if points is not None:
            steps = points[(points["amount_sek"].diff() != 0) | (points["tier"].diff() != 0)]
            steps = pd.concat([steps, points.tail(1)]).drop_duplicates("improvement_pp")
            out.print(
                f"Payout curve of {code} {name}: its amount in the chosen cells where it changes ({len(points)} "
                f"points from {lo:g} to {hi:g} pp; --format csv prints all)",
                highlight=False,
            )
            print_frame(steps, fmt, "", ["amount_sek"])
    if out_file is not None:
        provenance = {
            **first.provenance,
            "whatif": {"region": code, "improve_pp": improve, "months": months_, "groups": groups_, "curve": curve},
        }
        if points is not None:
            table, sheets = points, (lambda: curve_sheets(points, f"{code} {name}", provenance))
        else:
            cells = result.cells if dialect is Dialect.en or exact else whatif_cells_whole(result.cells)
            table, sheets = cells, (lambda: whatif_sheets(result))
        written = write_output(out_file, table, provenance, sheets, dialect.value, exact)
        err.print(f"wrote {', '.join(map(str, written))}", highlight=False)
