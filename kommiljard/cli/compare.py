"""`kommiljard compare`: payouts under several rule sets or parameter changes, side by side."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ..errors import KommiljardError
from ..rules import DEFAULT_RULES, load_rules
from .app import BackendChoice, Format, FormatOpt, PopulationOpt, app, err, out, reports_errors
from .render import write_figure

if TYPE_CHECKING:
    import pandas as pd


def _variants(rules: list[str] | None, variant: list[str] | None, with_alternatives: bool) -> dict:
    """Name -> rule set, in the order given: each --rules, then each --variant and alternative of the first."""
    from ..analysis.compare import parse_variant

    rule_sets = [load_rules(r) for r in rules or [DEFAULT_RULES]]
    out: dict = {}
    for r in rule_sets:
        name, n = r.id, 2
        while name in out:
            name, n = f"{r.id}#{n}", n + 1
        out[name] = r
    base = rule_sets[0]
    for text in variant or []:
        name, overrides = parse_variant(text)
        if name in out:
            raise KommiljardError(f"variant name {name!r} is used twice; give each --variant its own name")
        out[name] = base.with_overrides(overrides)
    if with_alternatives:
        if not base.ruleset.alternatives:
            raise KommiljardError(
                f"{base.origin} has no named alternatives ([[alternatives]]); use --variant NAME:KEY=VALUE instead"
            )
        for alt in base.ruleset.alternatives:
            out.setdefault(alt.name, base.with_alternative(alt.name))
    return out


def _with_diff(amount: float, diff: float | None) -> str:
    """``365.4 (-17.6)`` in mnkr; no bracket for the baseline or a difference that rounds to 0."""
    text = f"{amount / 1e6:,.1f}"
    return text if diff is None or round(diff / 1e6, 1) == 0 else f"{text} ({diff / 1e6:+,.1f})"


def _compare_table(frame: pd.DataFrame, title: str) -> Table:
    """Amounts in mnkr; each variant after the first shows its difference from the first in brackets."""
    from ..analysis.compare import DIFF_PREFIX, variant_columns

    names = variant_columns(frame)
    rows = [
        [
            r["region"],
            r["region_name"],
            _with_diff(r[names[0]], None),
            *(_with_diff(r[n], r[DIFF_PREFIX + n]) for n in names[1:]),
        ]
        for _, r in frame.iterrows()
    ]
    totals = frame.attrs["totals"]
    for what in ("paid_sek", "lapsed_sek"):
        base = totals[names[0]][what]
        rows.append(
            [
                "",
                what.removesuffix("_sek"),
                _with_diff(base, None),
                *(_with_diff(totals[n][what], totals[n][what] - base) for n in names[1:]),
            ]
        )
    table = Table(title=title, title_justify="left")
    table.add_column("region", no_wrap=True)
    table.add_column("name", no_wrap=True)
    for i, name in enumerate(names):  # long names wrap at their hyphens, the amounts never
        table.add_column(name.replace("-", " "), justify="right", min_width=max(len(r[i + 2]) for r in rows))
    for i, row in enumerate(rows):
        if i == len(frame):
            table.add_section()
        table.add_row(*row)
    return table


@app.command()
@reports_errors
def compare(
    panel: Annotated[
        Path, typer.Argument(help="Waiting-time panel (.parquet or .csv) that covers every rule set compared.")
    ],
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rules",
            "-r",
            help="A rule set (bundled name or .toml file); repeatable. The first is the baseline. Default: "
            "kommiljard-2019.",
        ),
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            "-V",
            help="NAME:KEY=VALUE[,KEY=VALUE...]: the first rule set with these parameter changes; repeatable.",
        ),
    ] = None,
    with_alternatives: Annotated[
        bool,
        typer.Option("--alternatives", "-a", help="Add every named interpretation alternative of the first rule set."),
    ] = False,
    population: PopulationOpt = None,
    conditions: Annotated[
        Path | None, typer.Option(help="Which regions met the population blocks' conditions; default: all did.")
    ] = None,
    backend: Annotated[
        BackendChoice,
        typer.Option(
            help="auto (the readable reference: one panel needs no compiler), the numba kernel, the reference, or "
            "check (both, must agree)."
        ),
    ] = BackendChoice.auto,
    fmt: FormatOpt = Format.table,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw each variant's difference per region to this image (.png, .svg, .pdf)."),
    ] = None,
) -> None:
    """Payouts per region under several rule sets or parameter changes, side by side, with the differences.

    Examples:

    `kommiljard compare data/sample_panel_2019.parquet --alternatives`

    `kommiljard compare data/sample_panel_2019.parquet --variant
    "blue-from-0:block1.bars.blue.min_improvement=0,block1.bars.blue.inclusive=false" --variant
    "equal:block1.sharing=equal" --plot compare.png`

    `kommiljard compare data/sample_panel_2013.parquet --rules kommiljard-2013 --alternatives --format csv`

    `kommiljard compare my_panel.csv --rules kommiljard-2019 --rules my-draft-rules.toml`

    The table is in mnkr; each column after the first shows its difference from the first in brackets. CSV and JSON
    give kronor with `diff_<name>` columns.
    """
    from ..analysis.compare import compare as compute_compare

    variants = _variants(rules, variant, with_alternatives)
    for name, r in variants.items():
        err.print(f"{name}: {r.origin}" + (f" with {dict(r.overrides)}" if r.overrides else ""), highlight=False)
    if len(variants) == 1:
        err.print("[yellow]note: one variant only; add --rules, --variant or --alternatives to compare[/]")
    frame = compute_compare(panel, variants, population, conditions, backend.value)
    if frame.attrs["synthetic_panel"]:
        err.print("[yellow]note: this panel is SYNTHETIC (made for trying the tool), not real regional data[/]")
    if fmt is Format.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is Format.json:
        sys.stdout.write(
            json.dumps({**frame.attrs, "regions": frame.to_dict(orient="records")}, ensure_ascii=False, indent=2) + "\n"
        )
    else:
        synthetic = " - SYNTHETIC panel, not real data" if frame.attrs["synthetic_panel"] else ""
        out.print(_compare_table(frame, f"Payout per region, mnkr (difference from {next(iter(variants))}){synthetic}"))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..outputs.plots.compare import plot_compare

        ax = plot_compare(frame)
        write_figure(ax.figure, plot)
        err.print(f"wrote {plot}", highlight=False)
