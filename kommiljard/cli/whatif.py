"""`kommiljard whatif`: a region's payout before and after moving its own lever (its kind's: pp of a share, ...)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ..errors import KommiljardError
from ..money import kronor
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
    chosen_lever,
    err,
    lever_options,
    many,
    out,
    overrides_of,
    reports_errors,
)
from .render import cell_months_text, narrate, print_frame
from .terminal import write_out


@app.command()
@lever_options(float)
@reports_errors
@opt.option_rules(
    opt.exclusive(opt.LEVER, "--curve", why="a lever's change: one what-if; --curve: the payout curve"),
    *(opt.needs(o, "--curve") for o in ("--lo", "--hi", "--step")),
)
def whatif(
    panel: PanelArg,
    region: Annotated[str, typer.Option("--region", help="County code or name, e.g. 06.", parser=opt.region())],
    months: MonthsOpt = None,
    groups: GroupsOpt = None,
    curve: Annotated[
        bool,
        typer.Option(
            "--curve",
            help="The payout curve: the region's amount in the chosen cells as its own lever runs from --lo to --hi, "
            "others fixed.",
        ),
    ] = False,
    lo: Annotated[
        float | None,
        typer.Option(help="Curve: lowest value (default: the lever's; -5 pp).", parser=opt.in_range("change", "--lo")),
    ] = None,
    hi: Annotated[
        float | None,
        typer.Option(help="Curve: highest value (default: the lever's; 10 pp).", parser=opt.in_range("change", "--hi")),
    ] = None,
    step: Annotated[
        float | None,
        typer.Option(help="Curve: step (default: the lever's; 0.1 pp).", parser=opt.in_range("change_step", "--step")),
    ] = None,
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
    **levers,
) -> None:
    """What if a region improves by X percentage points? Its payout before and after, cell by cell.

    Example: `kommiljard whatif data/sample_panel_2019.parquet --region 06 --improve 3 --month 2019-10 --group
    operation`

    The change is the option of the scheme's lever: `--improve` (percentage points of a share) for an improvement
    staircase; each kind of rule block brings its own. Every other region stays as in the panel. Per month and
    group: the tier before and after, how far the next step is, and what one more unit would bring. `--format json`
    prints `baseline_sek`, `scenario_sek` and `delta_sek` (the region's totals over the scheme). `--curve` gives the
    payout curve from --lo to --hi (`--format csv` prints every point).
    """
    from ..outputs.exports import check_out

    option, change = chosen_lever(levers)
    if change is None and not curve:
        raise KommiljardError("give the change, e.g. --improve X (percentage points), or --curve for the payout curve")
    if out_file is not None:
        check_out(out_file)
    asked = Asked(panel, region, change, option, many(months), many(groups), rules, population, overrides_of(set_))
    result, points, first = _compute(asked, conditions, (lo, hi, step) if curve else None, allow_missing)
    narrate(first)
    if fmt is Format.json:
        doc = result.as_dict() if result is not None else {"region": asked.code, "region_name": asked.name}
        if points is not None:
            doc["curve"] = points.to_dict(orient="records")
        write_out(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        print_frame(points if points is not None else result.cells, fmt, "", dialect=dialect.value, exact=exact)
    else:
        if result is not None:
            _print_whatif(result, asked, first, fmt)
        if points is not None:
            _print_curve(points, asked, fmt)
    if out_file is not None:
        _write(out_file, asked, (result, points, first), curve, dialect, exact)


@dataclass(frozen=True)
class Asked:
    """What a ``whatif`` command asks."""

    panel: Path
    region: str
    change: float | None
    option: str | None
    months: list[str] | None
    groups: list[str] | None
    rules: str
    population: Path | None
    overrides: dict

    @property
    def code(self) -> str:
        from ..inputs.regions import normalise_code

        return normalise_code(self.region)

    @property
    def name(self) -> str:
        from ..inputs.regions import region_names

        return region_names().get(self.code, "")


def _compute(a: Asked, conditions, span: tuple | None, allow_missing: bool):
    """The what-if (if a change is given), the payout curve (with a ``span``: lo, hi, step) and the baseline."""
    from ..analysis.whatif import payout_curve, whatif
    from ..engine import payout

    where = {"months": a.months, "groups": a.groups, "rules": a.rules, "population": a.population}
    result = None
    if a.change is not None:
        result = whatif(
            a.panel, a.region, a.change, **where, overrides=a.overrides, conditions=conditions,
            allow_missing_regions=allow_missing, lever=a.option,
        )  # fmt: skip
    points = None
    if span is not None:
        lo, hi, step = span
        points = payout_curve(
            a.panel, a.region, a.months, a.groups, a.rules, a.population, lo=lo, hi=hi, step=step,
            overrides=a.overrides, allow_missing_regions=allow_missing, lever=a.option,
        )  # fmt: skip
    first = result.baseline if result is not None else None
    first = first or payout(
        a.panel, a.rules, a.population, conditions, "auto", a.overrides, allow_missing_regions=allow_missing
    )
    return result, points, first


def _print_whatif(result, a: Asked, first, fmt: Format) -> None:
    """The region's totals before and after, and its cells as the lever's kind shows them."""
    import pandas as pd

    from ..analysis.levers import lever_blocks

    actions = lever_blocks(first.rules, a.option)[0].actions
    lever = actions.lever
    synthetic = " - SYNTHETIC panel, not real data" if first.panel.synthetic else ""
    changed = chosen_text(result.chosen)
    what = lever.words["whatif"][0] if "whatif" in lever.words else "changes {measure} by {change} " + lever.unit
    headline = f"What if {result.region} {a.name} " + what.format(measure=actions.measures[0], change=f"{a.change:+g}")
    out.print(Text.assemble((headline, "bold"), f": {changed}{synthetic}"), highlight=False)
    out.print(
        f"total over the scheme: {kronor(result.baseline_sek)} -> {kronor(result.scenario_sek)} "
        f"({kronor(result.delta_sek, signed=True)})",
        highlight=False,
    )
    c = result.cells
    state, following = actions.view(c)
    extra = f"sek_per_extra_{lever.unit}"
    view = pd.DataFrame(
        {
            "month": cell_months_text(first.rules, c["block"], c["month"], c["group"]),
            "group": c["group"],
            "changed": c["changed"].map({True: "yes", False: ""}),
            **state,
            "tier": [f"{b} -> {t} ({r})" for b, t, r in zip(c["tier_before"], c["tier_after"], c["route_after"])],
            "before_sek": c["amount_before_sek"],
            "after_sek": c["amount_after_sek"],
            "delta_sek": c["delta_sek"],
            **following,
            extra: c[extra],
        }
    )
    keys = 2
    if c["group"].isna().all():  # a block's one cell over its period (a price's one pot): no group to show
        view, keys = view.drop(columns="group"), 1
    print_frame(view, fmt, "Per month and group (kronor)", ["before_sek", "after_sek", "delta_sek", extra], keys=keys)


def chosen_text(chosen) -> str:
    """The panel rows a what-if moved, compactly: the groups moved in the same months together, consecutive months
    as a range (``cataract in 2026-01 to 2026-12``; ``first_visit, operation in 2019-10``)."""
    from ..inputs.options import months_between

    months: dict[str, list[str]] = {}
    for _, month, group in chosen:
        months.setdefault(group or "", []).append(month)
    together: dict[tuple, list[str]] = {}
    for group, listed in months.items():
        together.setdefault(tuple(sorted(set(listed))), []).append(group)
    parts = []
    for listed, groups in together.items():
        run = len(listed) > 2 and list(listed) == months_between(listed[0], listed[-1])
        when = f"{listed[0]} to {listed[-1]}" if run else ", ".join(listed)
        parts.append(f"{', '.join(g for g in groups if g)} in {when}".strip())
    return "; ".join(parts)


def _print_curve(points, a: Asked, fmt: Format) -> None:
    """Where the payout curve changes, and how many points it has."""
    import pandas as pd

    axis = points.columns[0]
    steps = points[(points["amount_sek"].diff() != 0) | (points["tier"].diff() != 0)]
    steps = pd.concat([steps, points.tail(1)]).drop_duplicates(axis)
    lo, hi = points[axis].iloc[0], points[axis].iloc[-1]
    out.print(
        f"Payout curve of {a.code} {a.name}: its amount in the chosen cells where it changes ({len(points)} "
        f"points from {lo:g} to {hi:g}{' pp' if axis.endswith('_pp') else ''}; --format csv prints all)",
        highlight=False,
    )
    print_frame(steps, fmt, "", ["amount_sek"])


def _write(out_file: Path, a: Asked, computed: tuple, curve: bool, dialect: Dialect, exact: bool) -> None:
    """The cells table (or the curve) with the payout's provenance: Parquet, CSV or a workbook."""
    from ..outputs.exports import curve_sheets, whatif_cells_whole, whatif_sheets, write_output

    result, points, first = computed
    asked = {"region": a.code, "months": a.months, "groups": a.groups, "curve": curve}
    change_key = f"{a.option}_{result.lever.unit}" if result is not None and a.option else "improve_pp"
    provenance = {**first.provenance, "whatif": {"region": a.code, change_key: a.change, **asked}}
    if points is not None:
        table, sheets = points, (lambda: curve_sheets(points, f"{a.code} {a.name}", provenance))
    else:
        cells = result.cells if dialect is Dialect.en or exact else whatif_cells_whole(result.cells)
        table, sheets = cells, (lambda: whatif_sheets(result))
    written = write_output(out_file, table, provenance, sheets, dialect.value, exact)
    err.print(f"wrote {', '.join(map(str, written))}", highlight=False)
