"""`kommiljard plot`: draw a picture as PNG, SVG or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..rules import DEFAULT_RULES
from . import options as opt
from .app import (
    AllowMissingOpt,
    LangOpt,
    Language,
    PopulationOpt,
    RulesOpt,
    SetOpt,
    app,
    overrides_of,
    reports_errors,
)
from .render import narrate, wrote

CELLS, PANELS = ("staircase", "cells"), ("staircase", "cells", "payouts")


def _known_kind(kind: object) -> str:
    from ..outputs.plots.figures import check_kind

    return check_kind(str(kind))


KindArg = Annotated[
    str,
    typer.Argument(
        help="staircase (or cells), payouts, curve, sweep, variants or backtest.",
        show_default=False,
        parser=opt.read(lambda value, _: _known_kind(value), "KIND"),  # before the options that depend on it
    ),
]
SourceArg = Annotated[
    Path,
    typer.Argument(
        help="A panel (staircase, payouts), a payout-curve file (curve), a sweep directory (sweep, variants) or a "
        "backtest's (backtest)."
    ),
]


@app.command()
@reports_errors
@opt.option_rules(
    *(opt.needs(o, "kind", CELLS) for o in ("--month", "--group")),
    opt.needs("--region", "kind", ("curve", "sweep")),
    opt.needs("--current", "kind", ("curve",)),
    opt.needs("--violin", "kind", ("sweep",)),
    *(opt.needs(o, "kind", PANELS) for o in ("--rules", "--set", "--population", "--allow-missing-regions")),
)
def plot(
    kind: KindArg,
    source: SourceArg,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The picture to write: .png or .svg (or .pdf).")],
    month: Annotated[
        str | None,
        typer.Option(help="staircase: the month, e.g. okt 2019 (default: every month).", parser=opt.month_names()),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="staircase: the group, e.g. operation (default: every group).")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            help="curve: whose curve it is; sweep: whose gain to draw (default: the sweep's lever).",
            parser=opt.region(),
        ),
    ] = None,
    current: Annotated[
        float | None,
        typer.Option(
            help="curve: mark the region's actual change (pp of a share).", parser=opt.in_range("change", "--current")
        ),
    ] = None,
    violin: Annotated[bool, typer.Option("--violin", help="sweep: violin plots instead of box plots.")] = False,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    allow_missing: AllowMissingOpt = False,
    *,
    lang: LangOpt = Language.en,
) -> None:
    """Draw a picture and write it as PNG or SVG.

    Example: `kommiljard plot staircase data/sample_panel_2019.parquet --month 2019-10 --group operation --out
    staircase.png`

    Kinds: **staircase** or **cells** (one cell as its scheme's kind draws it: a staircase's bars after the cascade
    and who shares them, a price's money against each region's cap; every cell without --month/--group),
    **payouts** (per region: each block's groups and block 2, the total after each bar), **curve** (kronor against a
    region's own change, from a CSV/Parquet with its lever's column, e.g. improvement_pp or more_operations,
    amount_sek and tier),
    **sweep** (from a `kommiljard sweep` directory: each region's payout distribution, and the lever region's gain),
    **variants** (from a sweep with --variant: each variant's payout range per region and its scheme-level outcomes),
    **backtest** (from a `kommiljard backtest --out` directory: each region's forecast against what happened).
    """
    from ..engine import payout as compute_payout
    from ..outputs.plots.backtest import backtest_figure
    from ..outputs.plots.figures import (
        cells_figure,
        check_figure_path,
        check_kind,
        curve_figure,
        payouts_figure,
        save_figure,
        sweep_figure,
        variants_figure,
    )
    from ..outputs.wording import word

    kind = check_kind(kind)
    check_figure_path(out_file)
    what = word(f"plot.drew_{kind}", lang.value)
    if kind in ("staircase", "cells", "payouts"):
        result = compute_payout(
            source, rules, population, None, "auto", overrides_of(set_), allow_missing_regions=allow_missing
        )
        narrate(result)
        language = lang.value
        fig = payouts_figure(result, language) if kind == "payouts" else cells_figure(result, month, group, language)
    elif kind == "curve":
        fig = curve_figure(source, region, current, lang.value)
    elif kind == "variants":
        fig, what = variants_figure(source, lang.value)
    elif kind == "backtest":
        fig, what = backtest_figure(source, lang.value)
    else:
        fig, what = sweep_figure(source, region, "violin" if violin else "box", lang.value)
    save_figure(fig, out_file)
    wrote(out_file, what=what)
