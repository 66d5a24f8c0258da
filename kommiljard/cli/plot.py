"""`kommiljard plot`: draw a picture as PNG, SVG or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..rules import DEFAULT_RULES
from . import options as opt
from .app import AllowMissingOpt, PopulationOpt, RulesOpt, SetOpt, app, err, overrides_of, reports_errors
from .render import narrate

CELLS, PANELS = ("staircase", "cells"), ("staircase", "cells", "payouts")


def _known_kind(kind: object) -> str:
    from ..outputs.plots.figures import check_kind

    return check_kind(str(kind))


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
    kind: Annotated[
        str,
        typer.Argument(
            help="staircase (or cells), payouts, curve, sweep or variants.",
            show_default=False,
            parser=opt.read(lambda value, _: _known_kind(value), "KIND"),  # before the options that depend on it
        ),
    ],
    source: Annotated[
        Path,
        typer.Argument(
            help="A panel (staircase, payouts), a payout-curve file (curve) or a sweep directory (sweep, variants)."
        ),
    ],
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
) -> None:
    """Draw a picture and write it as PNG or SVG.

    Example: `kommiljard plot staircase data/sample_panel_2019.parquet --month 2019-10 --group operation --out
    staircase.png`

    Kinds: **staircase** or **cells** (one cell as its scheme's kind draws it: a staircase's bars after the cascade
    and who shares them, a price's money against each region's cap; every cell without --month/--group),
    **payouts** (per region, stacked by month or group and step, the other blocks beside),
    **curve** (kronor against a region's lever, from a CSV/Parquet with improvement_pp or more_operations,
    amount_sek, tier),
    **sweep** (from a `kommiljard sweep` directory: each region's payout distribution, and the lever region's gain),
    **variants** (from a sweep with --variant: each variant's payout range per region and its scheme-level outcomes).
    """
    from ..engine import payout as compute_payout
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

    kind = check_kind(kind)
    check_figure_path(out_file)
    what = kind
    if kind in ("staircase", "cells", "payouts"):
        result = compute_payout(
            source, rules, population, None, "auto", overrides_of(set_), allow_missing_regions=allow_missing
        )
        narrate(result)
        fig = payouts_figure(result) if kind == "payouts" else cells_figure(result, month, group)
    elif kind == "curve":
        fig = curve_figure(source, region, current)
    elif kind == "variants":
        fig, what = variants_figure(source)
    else:
        fig, what = sweep_figure(source, region, "violin" if violin else "box")
    save_figure(fig, out_file)
    err.print(f"wrote {out_file} ({what})", highlight=False)
