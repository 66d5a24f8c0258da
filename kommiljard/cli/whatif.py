"""`kommiljard whatif`: a region's payout before and after its own improvement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ..errors import KommiljardError
from ..kinds import word
from ..money import format_number, format_pp, kronor
from ..rules import DEFAULT_RULES
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
    more: Annotated[
        float | None,
        typer.Option(
            "--more",
            help="Operations added to the region's count of each chosen procedure over the block's months (a price "
            "per operation; negative: fewer).",
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
    lo: Annotated[
        float | None, typer.Option(help="Curve: lowest change (default: the lever's, -5 pp or -200 operations).")
    ] = None,
    hi: Annotated[
        float | None, typer.Option(help="Curve: highest change (default: the lever's, 10 pp or 1 000 operations).")
    ] = None,
    step: Annotated[float | None, typer.Option(help="Curve: step (default: 0.1 pp or 10 operations).")] = None,
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

    from ..analysis.whatif import payout_curve
    from ..analysis.whatif import whatif as compute_whatif
    from ..engine import payout as compute_payout
    from ..inputs.regions import normalise_code, region_names
    from ..outputs.exports import check_out, curve_sheets, whatif_cells_whole, whatif_sheets, write_output

    if improve is not None and more is not None:
        raise KommiljardError("give --improve (percentage points of a share) or --more (operations), not both")
    lever = "more" if more is not None else ("improve" if improve is not None else None)
    change = more if more is not None else improve
    if change is None and not curve:
        raise KommiljardError(
            "give --improve X (percentage points) or --more N (operations), or --curve for the payout curve"
        )
    if out_file is not None:
        check_out(out_file)
    overrides = overrides_of(set_)
    months_, groups_ = many(months), many(groups)
    result = (
        compute_whatif(
            panel,
            region,
            change,
            months_,
            groups_,
            rules,
            population,
            overrides,
            conditions,
            allow_missing_regions=allow_missing,
            lever=lever,
        )
        if change is not None
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
            lever=lever,
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
            _print_whatif(result, code, name, fmt)
        if points is not None:
            _print_curve(points, code, name, fmt)
    if out_file is not None:
        provenance = {
            **first.provenance,
            "whatif": {
                "region": code,
                **({"more_operations": more} if more is not None else {"improve_pp": improve}),
                "months": months_,
                "groups": groups_,
                "curve": curve,
            },
        }
        if points is not None:
            table, sheets = points, (lambda: curve_sheets(points, f"{code} {name}", provenance))
        else:
            cells = result.cells if dialect is Dialect.en or exact else whatif_cells_whole(result.cells)
            table, sheets = cells, (lambda: whatif_sheets(result))
        written = write_output(out_file, table, provenance, sheets, dialect.value, exact)
        err.print(f"wrote {', '.join(map(str, written))}", highlight=False)


def _print_whatif(result, code: str, name: str, fmt) -> None:
    """The what-if as text: the change, the region's total before and after, and its cells."""
    synthetic = " - SYNTHETIC panel, not real data" if result.baseline.panel.synthetic else ""
    lever = result.lever
    if lever is None or lever.option == "improve":
        what = f"improves share_90 by {result.improve_pp:+g} pp"
        changed = ", ".join(f"{m} {g}" for _, m, g in result.chosen)
    else:
        change = format_number(result.improve_pp, None, signed=True)
        what = (
            word(lever.words, "whatif", change=change)
            if "whatif" in lever.words
            else f"moves its {lever.option} lever by {change} {lever.unit}"
        )
        changed = _rows_text(result.chosen)
    out.print(Text.assemble((f"What if {code} {name} {what}", "bold"), f" in {changed}{synthetic}"), highlight=False)
    out.print(
        f"total over the scheme: {kronor(result.baseline_sek)} -> {kronor(result.scenario_sek)} "
        f"({kronor(result.delta_sek, signed=True)})",
        highlight=False,
    )
    view, money = _share_view(result.cells) if lever is None or lever.option == "improve" else _lever_view(result)
    title = "Per month and group (kronor)" if lever is None or lever.option == "improve" else "Per cell (kronor)"
    print_frame(view, fmt, title, money, keys=2)


def _rows_text(chosen) -> str:
    """The panel rows a what-if moved, per group: ``cataract 2026-01 - 2026-12``."""
    months: dict[str, list[str]] = {}
    for _, m, g in chosen:
        months.setdefault(g, []).append(m)
    return ", ".join(f"{g} {min(ms)} - {max(ms)}" if len(ms) > 1 else f"{g} {ms[0]}" for g, ms in months.items())


def _share_view(c) -> tuple:
    """The cells of a what-if of a share's improvement: the share, the improvement and the tier before and after."""
    import pandas as pd

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
            "tier": [f"{b} -> {a} ({r})" for b, a, r in zip(c["tier_before"], c["tier_after"], c["route_after"])],
            "before_sek": c["amount_before_sek"],
            "after_sek": c["amount_after_sek"],
            "delta_sek": c["delta_sek"],
            "to_next_tier_pp": [
                "top" if pd.isna(v) else format_pp(v, None, signed=False) for v in c["to_next_tier_pp"]
            ],
            "sek_per_extra_pp": c["sek_per_extra_pp"],
        }
    )
    return view, ["before_sek", "after_sek", "delta_sek", "sek_per_extra_pp"]


def _lever_view(result) -> tuple:
    """The cells of any other lever's what-if: each value its lever describes (``x_before``/``x_after`` as
    ``before -> after``), the route before and after, the amounts and what one more unit brings."""
    import pandas as pd

    c = result.cells
    skip = {"block", "month", "group", "changed", "tier_before", "tier_after", "route_before", "route_after"}
    money = ["amount_before_sek", "amount_after_sek", "delta_sek", f"sek_per_extra_{result.lever.unit}"]
    columns = {
        "month": c["month"],
        "group": c["group"].fillna(""),
        "changed": c["changed"].map({True: "yes", False: ""}),
    }
    for name in c.columns:
        if name in skip or name in money or name.endswith("_after"):
            continue
        after = name.removesuffix("_before") + "_after"
        if name.endswith("_before") and after in c.columns:
            columns[name.removesuffix("_before")] = [
                f"{format_number(b, None)} -> {format_number(a, None)}" for b, a in zip(c[name], c[after])
            ]
        else:
            decimals = 1 if name.endswith("_pct") else None
            columns[name] = [format_number(v, decimals) if isinstance(v, float) else v for v in c[name]]
    columns["route"] = [f"{b} -> {a}" for b, a in zip(c["route_before"], c["route_after"])]
    view = pd.DataFrame({**columns, **{m: c[m] for m in money}})
    return view, money


def _print_curve(points, code: str, name: str, fmt) -> None:
    """A payout curve as text: the points where the amount or the tier changes."""
    import pandas as pd

    axis = points.columns[0]
    steps = points[(points["amount_sek"].diff() != 0) | (points["tier"].diff() != 0)]
    steps = pd.concat([steps, points.tail(1)]).drop_duplicates(axis)
    lo, hi = points[axis].iloc[0], points[axis].iloc[-1]
    out.print(
        f"Payout curve of {code} {name}: its amount in the chosen cells where it changes ({len(points)} "
        f"points of {axis} from {lo:g} to {hi:g}; --format csv prints all)",
        highlight=False,
    )
    print_frame(steps, fmt, "", ["amount_sek"])
