"""`kommiljard whatif`: a region's payout before and after moving its own lever (its kind's: pp of a share, ...)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ..errors import KommiljardError
from ..rules import DEFAULT_RULES
from . import options as opt
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
    chosen_lever,
    dialect_of,
    lever_options,
    many,
    overrides_of,
    reports_errors,
)
from .app import say as cli_say
from .render import narrate, print_curve, print_frame, print_whatif, wrote
from .terminal import write_out


@app.command()
@lever_options(float)
@reports_errors
@opt.option_rules(
    opt.exclusive(opt.LEVER, "--curve", why="lever_or_curve"),
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
    dialect: DialectOpt = None,
    exact: ExactOpt = False,
    lang: LangOpt = Language.en,
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
    option, change = chosen_lever(levers)
    if change is None and not curve:
        raise KommiljardError(cli_say("refuse.whatif_no_change"))
    if out_file is not None:
        from ..outputs.exports import check_out  # the exports' modules only where a file is written

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
        table = points if points is not None else result.cells
        print_frame(table, fmt, "", dialect=dialect_of(dialect), exact=exact, rules=first.rules,
                    synthetic=first.panel.synthetic)  # fmt: skip
    else:
        if result is not None:
            print_whatif(result, _actions(first, asked), fmt)
        if points is not None:
            print_curve(points, f"{asked.code} {asked.name}", fmt)
    if out_file is not None:
        _write(out_file, asked, (result, points, first), curve, (lang.value, dialect_of(dialect)), exact)


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


def _actions(first, a: Asked):
    """The lever's actions of the first block the asked lever moves."""
    from ..analysis.levers import lever_blocks

    return lever_blocks(first.rules, a.option)[0].actions


def _write(out_file: Path, a: Asked, computed: tuple, curve: bool, languages: tuple[str, str], exact: bool) -> None:
    """The cells table (or the curve) with the payout's provenance, in ``languages`` (words, CSV dialect): Parquet,
    CSV or a workbook."""
    from ..outputs.exports import curve_sheets, whatif_cells_whole, whatif_sheets, write_output

    result, points, first = computed
    language, csv = languages
    asked = {"region": a.code, "months": a.months, "groups": a.groups, "curve": curve}
    change_key = f"{a.option}_{result.lever.unit}" if result is not None and a.option else "improve_pp"
    provenance = {**first.provenance, "whatif": {"region": a.code, change_key: a.change, **asked}}
    if points is not None:
        table, sheets = points, (lambda: curve_sheets(points, f"{a.code} {a.name}", provenance, language))
    else:
        cells = result.cells if csv == "en" or exact else whatif_cells_whole(result.cells)
        table, sheets = cells, (lambda: whatif_sheets(result, language))
    wrote(*write_output(out_file, table, provenance, sheets, csv, exact, lang=language, rules=first.rules))
