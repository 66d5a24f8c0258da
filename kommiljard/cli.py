"""The ``kommiljard`` command line: results to stdout, narration and errors to stderr."""

from __future__ import annotations

import functools
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .cube import rule_checks
from .engine import Payout, payout as compute_payout
from .errors import InputError, KommiljardError
from .explain import explain as compute_explain
from .money import format_kronor as kr
from .outputs import check_out_path, write_table
from .panel import read_panel
from .population import read_population
from .rules import DEFAULT_RULES, bundled_rule_names, load_rules, parse_override
from .rules.describe import parameter_rows

app = typer.Typer(
    help="Simulate the Swedish kömiljard: who gets how much for shorter waiting times, and why.\n\n"
    "Example: `kommiljard report data/sample_panel_2019.parquet --out report.html` (every command's --help starts with one).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
if not out.is_terminal:  # piped or captured: do not wrap tables at 80 columns
    out = Console(width=200)
if not err.is_terminal:
    err = Console(stderr=True, width=200)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class BackendChoice(str, Enum):
    numba = "numba"
    reference = "reference"
    check = "check"


RulesOpt = Annotated[str, typer.Option("--rules", "-r", help=f"A bundled rule set ({', '.join(bundled_rule_names())}) or a .toml file.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a rule parameter, e.g. `block1.sharing=equal` or `block1.bars.blue.min_improvement=0`. Repeatable."),
]
PopulationOpt = Annotated[Path | None, typer.Option("--population", "-p", help="Population table (region, population); default SCB 31 Dec 2018.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="How to print the result.")]


def reports_errors(func):
    """Turn a :class:`KommiljardError` into a clear message on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KommiljardError as exc:
            err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def overrides_of(values: list[str] | None) -> dict:
    return dict(parse_override(v) for v in values or [])


def _print_frame(frame: pd.DataFrame, fmt: Format, title: str, money: list[str]) -> None:
    if fmt is Format.csv:
        sys.stdout.write(frame.to_csv(index=False))
        return
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="right" if col in money or pd.api.types.is_numeric_dtype(frame[col]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[kr(v) if c in money else ("" if pd.isna(v) else str(v)) for c, v in zip(frame.columns, row)])
    out.print(table)


def _narrate(result: Payout) -> None:
    p = result.provenance
    err.print(f"rules: {p['rules']['origin']}" + (f" with {p['rules']['overrides']}" if p["rules"]["overrides"] else ""), highlight=False)
    err.print(f"panel: {p['panel']['source']}", highlight=False)
    if result.panel.synthetic:
        err.print("[yellow]note: this panel is SYNTHETIC (made for trying the tool), not real regional data[/]")
    err.print(f"population: {p['population']['source']}; block-2 conditions: {p['conditions']}", highlight=False)


@app.command()
@reports_errors
def payout(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: Annotated[Path | None, typer.Option(help="Which regions met the population block's conditions (region + one column per condition); default: all did.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write one row per region, block, month and group (.parquet or .csv).")] = None,
    backend: Annotated[BackendChoice, typer.Option(help="numba kernel, the readable reference, or check (both, must agree).")] = BackendChoice.numba,
    fmt: FormatOpt = Format.table,
) -> None:
    """Compute every block of a scheme for a panel: who gets how much.

    Example: `kommiljard payout data/sample_panel_2019.parquet --out payout.parquet`

    With `--set block1.sharing=equal` (repeatable) any rule parameter can be changed without editing the rule file.
    """
    if out_file is not None:
        check_out_path(out_file)
    result = compute_payout(panel, rules, population, conditions, backend.value, overrides_of(set_))
    _narrate(result)
    summary = result.summary(whole_kronor=True)
    cells = result.cells.copy()
    if fmt is Format.json:
        sys.stdout.write(json.dumps({
            "summary": result.summary().to_dict(orient="records"), "cells": cells.to_dict(orient="records"),
            "paid_sek": result.paid_sek, "lapsed_sek": result.lapsed_sek, "provenance": result.provenance,
        }, ensure_ascii=False, indent=2, default=str) + "\n")  # fmt: skip
    else:
        money = [c for c in summary.columns if c.startswith("block") or c == "total_sek"]
        synthetic = " - SYNTHETIC panel, not real data" if result.panel.synthetic else ""
        _print_frame(summary, fmt, f"Payout per region, kronor ({result.rules.id}){synthetic}", money)
        if fmt is Format.table:
            _print_frame(cells, fmt, "Per block, month and group: pot, paid, lapsed (kronor)", ["pot_sek", "paid_sek", "lapsed_sek"])
            out.print(f"Paid {kr(result.paid_sek)} kr, lapsed {kr(result.lapsed_sek)} kr, of {kr(result.rules.ruleset.total_sek)} kr.")
    if out_file is not None:
        written = write_table(result.table, out_file, result.provenance)
        err.print(f"wrote {', '.join(map(str, written))}", highlight=False)


@app.command()
@reports_errors
def explain(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    region: Annotated[str, typer.Option("--region", help="County code, e.g. 06.")],
    month: Annotated[str, typer.Option("--month", help="Measurement month, e.g. 2019-10.")],
    group: Annotated[str, typer.Option("--group", help="first_visit or operation.")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table (readable text) or json.")] = Format.table,
) -> None:
    """Explain one region's amount in one month and group, step by step, with the rule lines used.

    Example: `kommiljard explain data/sample_panel_2019.parquet --region 06 --month 2019-10 --group operation`
    """
    e = compute_explain(panel, region, month, group, rules, population, overrides_of(set_))
    if fmt is Format.json:
        sys.stdout.write(json.dumps(e.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(e.render(), highlight=False, markup=False)


@app.command()
@reports_errors
def validate(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    rules: RulesOpt = DEFAULT_RULES,
    population: PopulationOpt = None,
) -> None:
    """Check a panel against the schema and what a rule set needs; print every problem at once.

    Example: `kommiljard validate data/sample_panel_2019.parquet`
    """
    ruleset = load_rules(rules)
    pop = read_population(population)
    p = read_panel(panel, ruleset.ruleset.group_names, rule_checks(ruleset, pop), ruleset.ruleset.measure_columns())
    f = p.frame
    out.print(
        f"{panel}: OK: {len(f)} rows, {f['region'].nunique()} regions, months {', '.join(sorted(f['month'].unique()))}, "
        f"groups {', '.join(sorted(f['group'].unique()))}; covers every block of {ruleset.id}."
        + (" (SYNTHETIC panel)" if p.synthetic else ""),
        highlight=False,
    )


@app.command("rules")
@reports_errors
def show_rules(
    rules: Annotated[str, typer.Argument(help="A bundled rule set or a .toml file.")] = DEFAULT_RULES,
    set_: SetOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Show a rule set: every parameter with its source.

    Example: `kommiljard rules kommiljard-2019 --set block1.cumulative=false`
    """
    r = load_rules(rules, overrides_of(set_))
    data = r.ruleset.model_dump(mode="json")
    if fmt is Format.json:
        sys.stdout.write(json.dumps({"origin": r.origin, "sha256": r.sha256, "overrides": dict(r.overrides), "rules": data}, ensure_ascii=False, indent=2) + "\n")
        return
    valid = f", valid {r.ruleset.valid_from} to {r.ruleset.valid_to}" if r.ruleset.valid_from else ""
    out.print(f"[bold]{r.ruleset.title}[/] ({r.id}, version {r.ruleset.version}{valid})\n{r.ruleset.agreement}\nfrom {r.origin}, sha256 {r.sha256[:12]}", highlight=False)
    if r.overrides:
        out.print(f"overrides: {dict(r.overrides)}", highlight=False)
    for block in r.ruleset.blocks:
        table = Table(title=f"block {block.number}: {block.name}", title_justify="left", show_lines=False)
        for col in ("parameter", "value", "source / note"):
            table.add_column(col, overflow="fold")
        for row in parameter_rows(block):
            table.add_row(*row)
        out.print(table)
    if r.ruleset.alternatives:
        table = Table(title="named alternatives (`kommiljard compare PANEL --rules ... --alternatives`)", title_justify="left")
        for col in ("alternative", "changes", "source"):
            table.add_column(col, overflow="fold")
        for alt in r.ruleset.alternatives:
            table.add_row(f"{alt.name}: {alt.label}", json.dumps(alt.overrides, ensure_ascii=False), alt.source)
        out.print(table)


def _variants(rules: list[str] | None, variant: list[str] | None, with_alternatives: bool) -> dict:
    """Name -> rule set, in the order given: each --rules, then each --variant and alternative of the first."""
    from .compare import parse_variant

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
            raise KommiljardError(f"{base.origin} has no named alternatives ([[alternatives]]); use --variant NAME:KEY=VALUE instead")
        for alt in base.ruleset.alternatives:
            out.setdefault(alt.name, base.with_alternative(alt.name))
    return out


def _with_diff(amount: float, diff: float | None) -> str:
    """``365.4 (-17.6)`` in mnkr; no bracket for the baseline or a difference that rounds to 0."""
    text = f"{amount / 1e6:,.1f}"
    return text if diff is None or round(diff / 1e6, 1) == 0 else f"{text} ({diff / 1e6:+,.1f})"


def _compare_table(frame: pd.DataFrame, title: str) -> Table:
    """Amounts in mnkr; each variant after the first shows its difference from the first in brackets."""
    from .compare import DIFF_PREFIX, variant_columns

    names = variant_columns(frame)
    rows = [[r["region"], r["region_name"], _with_diff(r[names[0]], None), *(_with_diff(r[n], r[DIFF_PREFIX + n]) for n in names[1:])] for _, r in frame.iterrows()]
    totals = frame.attrs["totals"]
    for what in ("paid_sek", "lapsed_sek"):
        base = totals[names[0]][what]
        rows.append(["", what.removesuffix("_sek"), _with_diff(base, None), *(_with_diff(totals[n][what], totals[n][what] - base) for n in names[1:])])
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
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv) that covers every rule set compared.")],
    rules: Annotated[list[str] | None, typer.Option("--rules", "-r", help="A rule set (bundled name or .toml file); repeatable. The first is the baseline. Default: kommiljard-2019.")] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", "-V", help="NAME:KEY=VALUE[,KEY=VALUE...]: the first rule set with these parameter changes; repeatable."),
    ] = None,
    with_alternatives: Annotated[bool, typer.Option("--alternatives", "-a", help="Add every named interpretation alternative of the first rule set.")] = False,
    population: PopulationOpt = None,
    conditions: Annotated[Path | None, typer.Option(help="Which regions met the population blocks' conditions; default: all did.")] = None,
    backend: Annotated[BackendChoice, typer.Option(help="numba kernel, the readable reference, or check (both, must agree).")] = BackendChoice.numba,
    fmt: FormatOpt = Format.table,
    plot: Annotated[Path | None, typer.Option("--plot", help="Also draw each variant's difference per region to this image (.png, .svg, .pdf).")] = None,
) -> None:
    """Payouts per region under several rule sets or parameter changes, side by side, with the differences.

    Examples:

    `kommiljard compare data/sample_panel_2019.parquet --alternatives`

    `kommiljard compare data/sample_panel_2019.parquet --variant "blue-from-0:block1.bars.blue.min_improvement=0,block1.bars.blue.inclusive=false" --variant "equal:block1.sharing=equal" --plot compare.png`

    `kommiljard compare data/sample_panel_2013.parquet --rules kommiljard-2013 --alternatives --format csv`

    `kommiljard compare my_panel.csv --rules kommiljard-2019 --rules my-draft-rules.toml`

    The table is in mnkr; each column after the first shows its difference from the first in brackets. CSV and JSON give kronor with `diff_<name>` columns.
    """
    from .compare import compare as compute_compare, plot_compare

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
        sys.stdout.write(json.dumps({**frame.attrs, "regions": frame.to_dict(orient="records")}, ensure_ascii=False, indent=2) + "\n")
    else:
        synthetic = " - SYNTHETIC panel, not real data" if frame.attrs["synthetic_panel"] else ""
        out.print(_compare_table(frame, f"Payout per region, mnkr (difference from {next(iter(variants))}){synthetic}"))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        ax = plot_compare(frame)
        write_figure(ax.figure, plot)
        err.print(f"wrote {plot}", highlight=False)


def write_figure(figure, path: Path) -> None:
    """Save a figure atomically (the suffix chooses the format)."""
    from .outputs import atomic_path

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "png", bbox_inches="tight", dpi=120)


@app.command()
@reports_errors
def plot(
    kind: Annotated[str, typer.Argument(help="staircase, payouts, curve or sweep.", show_default=False)],
    source: Annotated[Path, typer.Argument(help="A panel (staircase, payouts), a payout-curve file (curve) or a sweep directory (sweep).")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The picture to write: .png or .svg (or .pdf).")],
    month: Annotated[str | None, typer.Option(help="staircase: the month, e.g. 2019-10 (default: every month).")] = None,
    group: Annotated[str | None, typer.Option(help="staircase: the group, e.g. operation (default: every group).")] = None,
    region: Annotated[str | None, typer.Option(help="curve: whose curve it is; sweep: whose gain to draw (default: the sweep's lever).")] = None,
    current: Annotated[float | None, typer.Option(help="curve: mark the region's actual improvement (pp).")] = None,
    violin: Annotated[bool, typer.Option("--violin", help="sweep: violin plots instead of box plots.")] = False,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
) -> None:
    """Draw a picture and write it as PNG or SVG.

    Example: `kommiljard plot staircase data/sample_panel_2019.parquet --month 2019-10 --group operation --out staircase.png`

    Kinds: **staircase** (one month and group as in the agreement's diagram: the bars after the cascade and who shares them;
    every month and group without --month/--group), **payouts** (per region, stacked by month, group and bar, block 2 beside),
    **curve** (kronor against a region's own improvement, from a CSV/Parquet with improvement_pp, amount_sek, tier),
    **sweep** (from a `kommiljard sweep` directory: each region's payout distribution, and the lever region's gain).
    """
    from .plots.figures import check_figure_path, check_kind, curve_figure, payouts_figure, save_figure, staircases_figure, sweep_figure

    kind = check_kind(kind)
    check_figure_path(out_file)
    what = kind
    if kind in ("staircase", "payouts"):
        result = compute_payout(source, rules, population, None, "numba", overrides_of(set_))
        _narrate(result)
        fig = staircases_figure(result, month, group) if kind == "staircase" else payouts_figure(result)
    elif kind == "curve":
        fig = curve_figure(source, region, current)
    else:
        fig, what = sweep_figure(source, region, "violin" if violin else "box")
    save_figure(fig, out_file)
    err.print(f"wrote {out_file} ({what})", highlight=False)


@app.command()
@reports_errors
def report(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The report to write (.html).")],
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: Annotated[Path | None, typer.Option(help="Which regions met the population block's conditions; default: all did.")] = None,
) -> None:
    """Write one self-contained HTML report of a payout, to open in any browser, print or e-mail.

    Example: `kommiljard report data/sample_panel_2019.parquet --out report.html`

    It holds the payout per region, the staircase of every month and group, what lapsed, the rule set with every
    parameter and its source, and the provenance. Figures are embedded: viewing it needs no network.
    """
    from rich.progress import Progress

    from .report import report_steps, write_report

    if out_file.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{out_file}: --out must end in .html")
    result = compute_payout(panel, rules, population, conditions, "numba", overrides_of(set_))
    _narrate(result)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("drawing", total=report_steps(result))
        write_report(result, out_file, lambda step: progress.update(task, advance=1, description=f"drawing {step}"))
    err.print(f"wrote {out_file} ({out_file.stat().st_size / 1e6:.1f} MB, self-contained: open it in a browser)", highlight=False)


@app.command("import")
@reports_errors
def import_(
    exports: Annotated[list[Path], typer.Argument(metavar="FILE", help="The exports (.csv, .xlsx or a .parquet panel) that make the panel.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The canonical panel to write (.parquet, or .csv).")],
    group: Annotated[str | None, typer.Option(help="The phase of files that do not say it: first_visit or operation.")] = None,
    measure: Annotated[str | None, typer.Option(help="The measure of files that do not say it: share_90, share_60 or n_waiting.")] = None,
    sheet: Annotated[str | None, typer.Option(help="The sheet of .xlsx files (default: the first in a known layout).")] = None,
    synthetic: Annotated[bool, typer.Option("--synthetic", help="Mark the panel as synthetic (also if a title says so).")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Turn exports of the waiting-time statistics into one canonical panel.

    Example: `kommiljard import examples/exports/socialstyrelsen_*.csv --out my_panel.parquet`

    Reads **Socialstyrelsen statistics database** exports (title line with *Kontaktstatus: Väntande*, *Fas* and the
    measure; a year row; `Region;Juli;Augusti;…`; `N` for suppressed cells), **SKR vantetider.se Kontaktkort** tables
    (`Okt 2018` or `Sep2015` columns, `64 %`, `128 017 st`, vantetider.se county-council ids in an *Id* column), and
    kommiljard's own **wide** (*Region*, *Vårdkontakt*, *Mått*, one column per month) and **long** (*Region*, *Månad*,
    *Vårdkontakt*, one column per measure) layouts. A panel needs share_90 and share_60 of both phases: give the four
    exports together. `--group`/`--measure` say what a file without a title holds; a file that says otherwise is an
    error. Prints, per file, the layout, phase, measure, months, regions and the rows left aside.
    See docs/data-formats.md.
    """
    from .importer import import_exports, import_summary, write_panel

    check_out_path(out_file)
    imported = import_exports(exports, group, measure, sheet, synthetic)
    write_panel(imported, out_file)
    for reading in imported.files:
        for line in reading.report():
            err.print(line, markup=False, highlight=False)
    f = imported.frame
    months = ", ".join(sorted(f["month"].unique()))
    err.print(f"panel: {len(f)} rows, {f['region'].nunique()} regions, months {months}", markup=False, highlight=False)
    if imported.left_out:
        more = f"; and {len(imported.left_out) - 5} more" if len(imported.left_out) > 5 else ""
        shown = "; ".join(imported.left_out[:5]) + more
        err.print(f"left out {imported.dropped_rows} region-month-group(s) with no share: {shown}", markup=False, highlight=False)
    for warning in imported.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False, highlight=False)
    if imported.synthetic:
        err.print("[yellow]note: marked SYNTHETIC (not real regional data)[/]")
    summary = import_summary(imported)
    if fmt is Format.json:
        payload = {"regions": summary.to_dict(orient="records"), "metadata": imported.metadata}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        from rich.markup import escape

        if fmt is Format.table:  # region names as the files wrote them are user text
            summary["written_as"] = summary["written_as"].map(escape)
        _print_frame(summary, fmt, escape(f"Imported from {', '.join(p.name for p in exports)}"), [])
    err.print(f"wrote {out_file}; next: kommiljard report {out_file} --out report.html", highlight=False, markup=False)


def _many(values: list[str] | None) -> list[str] | None:
    """Repeatable options that also accept comma-separated values."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()] if values else None


MonthsOpt = Annotated[list[str] | None, typer.Option("--month", "--months", "-m", help="Measurement month(s) to change, e.g. 2019-10 (repeatable or comma-separated; default: all).")]
GroupsOpt = Annotated[list[str] | None, typer.Option("--group", "--groups", "-g", help="Group(s) to change: first_visit, operation (repeatable or comma-separated; default: all).")]


@app.command()
@reports_errors
def whatif(
    panel: Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")],
    region: Annotated[str, typer.Option("--region", help="County code, e.g. 06.")],
    improve: Annotated[float | None, typer.Option("--improve", "-x", help="Percentage points added to the region's share_90 (negative: worse); shares are clamped to 0-100.")] = None,
    months: MonthsOpt = None,
    groups: GroupsOpt = None,
    curve: Annotated[bool, typer.Option("--curve", help="The payout curve: the region's amount in the chosen cells as its own improvement runs from --lo to --hi pp, others fixed.")] = False,
    lo: Annotated[float, typer.Option(help="Curve: lowest improvement (pp).")] = -5.0,
    hi: Annotated[float, typer.Option(help="Curve: highest improvement (pp).")] = 10.0,
    step: Annotated[float, typer.Option(help="Curve: step (pp).")] = 0.1,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    conditions: Annotated[Path | None, typer.Option(help="Which regions met the population block's conditions; default: all did.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write the cells table (with --curve: the curve) to .parquet or .csv.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """What if a region improves by X percentage points? Its payout before and after, cell by cell.

    Example: `kommiljard whatif data/sample_panel_2019.parquet --region 06 --improve 3 --month 2019-10 --group operation`

    Every other region stays as in the panel. Per month and group: the tier before and after, the pp still needed for the next bar, and what one more pp would bring. `--format json` prints `baseline_sek`, `scenario_sek` and `delta_sek` (the region's totals over the scheme). `--curve` gives the payout curve from --lo to --hi pp (`--format csv` prints every point).
    """
    from .regions import normalise_code, region_names
    from .whatif import payout_curve, whatif as compute_whatif

    if improve is None and not curve:
        raise KommiljardError("give --improve X (percentage points), or --curve for the payout curve")
    overrides = overrides_of(set_)
    months_, groups_ = _many(months), _many(groups)
    result = compute_whatif(panel, region, improve or 0.0, months_, groups_, rules, population, overrides, conditions) if improve is not None else None
    points = payout_curve(panel, region, months_, groups_, rules, population, lo, hi, step, overrides) if curve else None
    first = result.baseline if result is not None else compute_payout(panel, rules, population, conditions, "numba", overrides)
    _narrate(first)
    code = result.region if result is not None else normalise_code(region)
    name = region_names().get(code, "")
    if fmt is Format.json:
        doc = result.as_dict() if result is not None else {"region": code, "region_name": name}
        if points is not None:
            doc["curve"] = points.to_dict(orient="records")
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write((points if points is not None else result.cells).to_csv(index=False))
    else:
        if result is not None:
            synthetic = " - SYNTHETIC panel, not real data" if first.panel.synthetic else ""
            changed = ", ".join(f"{m} {g}" for _, m, g in result.chosen)
            out.print(f"[bold]What if {code} {name} improves share_90 by {result.improve_pp:+g} pp[/] in {changed}{synthetic}", highlight=False)
            out.print(f"total over the scheme: {kr(result.baseline_sek)} kr -> {kr(result.scenario_sek)} kr ({'+' if result.delta_sek >= 0 else '-'}{kr(abs(result.delta_sek))} kr)", highlight=False)
            c = result.cells
            view = pd.DataFrame({
                "month": c["month"], "group": c["group"], "changed": c["changed"].map({True: "yes", False: ""}),
                "share_90": [f"{b:g} -> {a:g}" + (" (clamped)" if cl else "") for b, a, cl in zip(c["share_before"], c["share_after"], c["clamped"])],
                "improvement_pp": [f"{b:+.1f} -> {a:+.1f}" for b, a in zip(c["improvement_before_pp"], c["improvement_after_pp"])],
                "tier": [f"{b} -> {a} ({r})" for b, a, r in zip(c["tier_before"], c["tier_after"], c["route_after"])],
                "before_sek": c["amount_before_sek"], "after_sek": c["amount_after_sek"], "delta_sek": c["delta_sek"],
                "to_next_tier_pp": ["top" if pd.isna(v) else f"{v:.6g}" for v in c["to_next_tier_pp"]],
                "sek_per_extra_pp": c["sek_per_extra_pp"],
            })  # fmt: skip
            _print_frame(view, fmt, "Per month and group (kronor)", ["before_sek", "after_sek", "delta_sek", "sek_per_extra_pp"])
        if points is not None:
            steps = points[(points["amount_sek"].diff() != 0) | (points["tier"].diff() != 0)]
            steps = pd.concat([steps, points.tail(1)]).drop_duplicates("improvement_pp")
            out.print(f"Payout curve of {code} {name}: its amount in the chosen cells where it changes ({len(points)} points from {lo:g} to {hi:g} pp; --format csv prints all)", highlight=False)
            _print_frame(steps, fmt, "", ["amount_sek"])
    if out_file is not None:
        table = points if points is not None else result.cells
        provenance = {**first.provenance, "whatif": {"region": code, "improve_pp": improve, "months": months_, "groups": groups_, "curve": curve}}
        written = write_table(table, out_file, provenance)
        err.print(f"wrote {', '.join(map(str, written))}", highlight=False)


@app.command()
@reports_errors
def sweep(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output directory: trajectories/part-*.parquet, summary.csv/.parquet, manifest.json.")],
    scenario: Annotated[str | None, typer.Argument(help="A bundled scenario (default: default-2019) or a scenario .toml file.")] = None,
    n: Annotated[int, typer.Option("--n", "-n", help="Number of trajectories.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed and arguments give the same results.")] = 0,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Trajectories per Parquet part (results do not depend on it).")] = 100_000,
    region: Annotated[str | None, typer.Option("--region", help="Lever: the region whose own improvement is set (with --improve).")] = None,
    improve: Annotated[float | None, typer.Option("--improve", "-x", help="Lever: percentage points added to the region's share_90 in every trajectory.")] = None,
    months: MonthsOpt = None,
    groups: GroupsOpt = None,
    observed: Annotated[Path | None, typer.Option("--observed", help="A panel with the months already known: its cells are kept, the others drawn given them.")] = None,
    rules: RulesOpt = DEFAULT_RULES,
    set_: SetOpt = None,
    population: PopulationOpt = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Threads (default: numba's); results do not depend on it.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Start again if --out holds a sweep with other arguments (deletes that sweep's files).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run N synthetic trajectories through the rules: what each region can expect to get.

    Example: `kommiljard sweep --n 1000000 --seed 1 --out sweep-2019 --region 06 --improve 3`

    Prints per region the mean and 5/50/95 % percentiles of its block-1 amount and the chance of reaching each bar; with a lever (--region and --improve) also the gain. An interrupted sweep resumes when rerun with the same arguments.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .regions import normalise_code
    from .scenario import load_scenario
    from .sweep import Lever, run_sweep

    if (region is None) != (improve is None):
        raise KommiljardError("a lever needs both --region and --improve")
    if (months or groups) and region is None:
        raise KommiljardError("--month and --group choose the lever's cells: give --region and --improve too")
    lever = Lever(region, improve, tuple(_many(months) or ()) or None, tuple(_many(groups) or ()) or None) if region is not None else None
    loaded = load_scenario(scenario)
    err.print(f"scenario: {loaded.origin}; rules: {rules}; seed {seed}; {n:,} trajectories".replace(",", " ")
              + (f"; lever: region {region} {improve:+g} pp" if lever else "") + (f"; observed: {observed}" if observed else ""), highlight=False)  # fmt: skip
    columns = [TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TextColumn("trajectories"), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, disable=quiet or not err.is_terminal) as bar:
        task = bar.add_task("sweep", total=n)
        try:
            result = run_sweep(loaded, n, seed, out_dir, chunk_size, lever, observed, load_rules(rules, overrides_of(set_)),
                               lambda done, total: bar.update(task, completed=done), population, None, threads, force)  # fmt: skip
        except KeyboardInterrupt:
            err.print(f"interrupted: finished parts are kept in {out_dir}; run the same command again to resume.", highlight=False)
            raise typer.Exit(130) from None
    m = result.manifest
    if m.get("observed"):
        err.print(f"observed: {m['observed']['cells_used']} cells kept as in {m['observed']['source']}", highlight=False)
    err.print(f"{n:,} trajectories".replace(",", " ") + f" in {result.elapsed_s:.1f} s ({result.computed_parts} part(s) computed, {result.reused_parts} reused); wrote {out_dir}/", highlight=False)
    summary = result.summary
    if fmt is Format.json:
        sys.stdout.write(json.dumps({"summary": summary.to_dict(orient="records"), "manifest": {k: v for k, v in m.items() if k != "parts"}}, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(summary.to_csv(index=False))
        return
    groups = [c.removeprefix("p_blue_") for c in summary.columns if c.startswith("p_blue_") and not c.endswith("_baseline")]
    bars = [c.removeprefix("p_").removesuffix(f"_{groups[0]}") for c in summary.columns if c.startswith("p_") and c.endswith(f"_{groups[0]}")]

    def mnkr(x: float) -> str:
        return f"{x / 1e6:,.1f}".replace(",", " ")

    table = Table(title=f"{loaded.name}, {n:,} trajectories: block-1 amount per region, mnkr".replace(",", " "), title_justify="left")
    table.add_column("region", no_wrap=True)
    table.add_column("name", overflow="ellipsis", max_width=12, no_wrap=True)
    for col in ("mean", "p5", "p50", "p95"):
        table.add_column(col, justify="right", no_wrap=True)
    for g in groups:
        table.add_column(f"{g} %", justify="right", no_wrap=True)
    if lever is not None:
        table.add_column("gain", justify="right", no_wrap=True)
        table.add_column("p5 to p95", justify="right", no_wrap=True)
    for _, r in summary.iterrows():
        cells = [r["region"], r["region_name"], *(mnkr(r[c]) for c in ("mean_sek", "p5_sek", "p50_sek", "p95_sek"))]
        cells += ["/".join(f"{100 * r[f'p_{b}_{g}']:.0f}" for b in bars) for g in groups]
        if lever is not None:
            cells += [mnkr(r["mean_gain_sek"]), f"{mnkr(r['p5_gain_sek'])} to {mnkr(r['p95_gain_sek'])}"]
        table.add_row(*cells)
    out.print(table)
    out.print(f"<group> %: the chance to reach the {'/'.join(bars)} bar in that group in at least one measurement month.", highlight=False)
    if lever is not None:
        row = summary.set_index("region").loc[normalise_code(region)]

        def chances(suffix: str, g: str) -> str:
            return "/".join(f"{100 * row[f'p_{b}_{g}{suffix}']:.0f}" for b in bars)

        moves = "; ".join(f"{g} {'/'.join(bars)} {chances('_baseline', g)} % -> {chances('', g)} %" for g in groups)
        out.print(f"Lever {normalise_code(region)} {improve:+g} pp: expected gain {mnkr(row['mean_gain_sek'])} mnkr "
                  f"(5-95 %: {mnkr(row['p5_gain_sek'])} to {mnkr(row['p95_gain_sek'])}); {moves}", highlight=False)  # fmt: skip


def main() -> None:  # pragma: no cover - console entry point
    app()
