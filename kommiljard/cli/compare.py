"""`kommiljard compare`: payouts under several rule sets or parameter changes, side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import KommiljardError
from ..money import format_mnkr, format_number
from ..rules import DEFAULT_RULES, changes_text, load_rules
from .app import (
    AllowMissingOpt,
    AlternativesOpt,
    BackendChoice,
    BackendOpt,
    ConditionsOpt,
    DialectOpt,
    ExactOpt,
    Format,
    FormatOpt,
    LangOpt,
    Language,
    PopulationOpt,
    RuleSetsOpt,
    VariantOpt,
    app,
    dialect_of,
    err,
    lang,
    out,
    reports_errors,
)
from .app import say as cli_say
from .render import print_frame, say, warn_no_data, write_figure, wrote
from .terminal import write_out

if TYPE_CHECKING:
    import pandas as pd


def rule_variants(rules: list[str] | None, variant: list[str] | None, with_alternatives: bool) -> dict:
    """Name -> rule set, in the order given: each --rules, then each --variant and alternative of the first."""
    from ..analysis.compare import name_problem, parse_variant

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
            raise KommiljardError(cli_say("refuse.variant_twice", name=name))
        out[name] = base.with_overrides(overrides)
    if problem := next(filter(None, map(name_problem, out)), None):
        raise KommiljardError(problem)
    if with_alternatives:
        if not base.ruleset.alternatives:
            from ..outputs.wording import provenance_value

            origin = provenance_value(base.origin, lang())
            raise KommiljardError(cli_say("refuse.no_alternatives", origin=origin))
        for alt in base.ruleset.alternatives:
            out.setdefault(alt.name, base.with_alternative(alt.name))
    return out


def _with_diff(amount: float, diff: float | None) -> str:
    """``365.4 (-17.6)`` in mnkr; no bracket for the baseline or a difference that rounds to 0."""
    text = format_mnkr(amount, lang=lang())
    if diff is None or round(diff / 1e6, 1) == 0:
        return text
    return f"{text} ({format_mnkr(diff, signed=True, lang=lang())})"


def _gap(what) -> str:
    from ..outputs.wording import no_data_text

    return no_data_text(what, lang()) if isinstance(what, str) and what else ""


def alternative_name(name: str, language: str) -> str:
    from ..rules.texts import alternative_name as named

    return named(name, language)


def column_header(column: str, language: str) -> str:
    from ..outputs.wording import column_header as header

    return header(column, language)


def compare_view(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The comparison as text in mnkr, each variant after the first with its difference from the first in
    brackets, then the paid and lapsed totals; and the row where the totals start. Variant names are
    headers whose hyphens may wrap."""
    import pandas as pd

    from ..analysis.compare import DIFF_PREFIX, variant_columns

    names = variant_columns(frame)
    rows = [
        {
            "region": f"{r['region']} {r['region_name']}",
            names[0]: _with_diff(r[names[0]], None),
            **{n: _with_diff(r[n], r[DIFF_PREFIX + n]) for n in names[1:]},
            **({"no_data": _gap(r["no_data"])} if "no_data" in frame.columns else {}),
        }
        for _, r in frame.iterrows()
    ]
    totals = frame.attrs["totals"]
    for what in ("paid_sek", "lapsed_sek"):
        base = totals[names[0]][what]
        rows.append(
            {
                "region": column_header(what, lang()),
                names[0]: _with_diff(base, None),
                **{n: _with_diff(totals[n][what], totals[n][what] - base) for n in names[1:]},
            }
        )
    view = pd.DataFrame(rows).fillna("")
    shown = {n: alternative_name(n, lang()) for n in names}  # a named alternative by its short name
    return view.rename(columns=shown), len(frame)


def sweep_frame(by_region: pd.DataFrame, scheme: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """A variant sweep as a comparison (the frame :func:`~kommiljard.analysis.compare.compare` returns): each
    variant's expected amount per region, the differences from the first, its expected paid and lapsed money."""
    from ..analysis.compare import DIFF_PREFIX

    names = list(scheme["variant"])
    frame = by_region.pivot(index=["region", "region_name"], columns="variant", values="mean_sek")
    frame = frame[names].reset_index().rename_axis(columns=None)
    for name in names[1:]:
        frame[DIFF_PREFIX + name] = frame[name] - frame[names[0]]
    frame.attrs = {
        "variants": {
            v["name"]: {"rules": v["rules"], "origin": v["origin"], "overrides": v["overrides"]}
            for v in manifest["variants"]
        },
        "totals": {
            r["variant"]: {
                "paid_sek": r["mean_paid_sek"],
                "lapsed_sek": r["mean_lapsed_sek"],
                "total_sek": r["pot_sek"],
            }
            for _, r in scheme.iterrows()
        },
        "synthetic_panel": True,
        "no_data": {},
    }
    return frame


def print_variant_sweep(
    by_region: pd.DataFrame, scheme: pd.DataFrame, manifest: dict, fmt: Format, dialect: str = "en", exact: bool = False
) -> None:
    """A variant sweep's outcomes: per variant the scheme-level outcomes, per region the expected amounts."""
    import pandas as pd

    def records(table: pd.DataFrame) -> list[dict]:
        return table.astype(object).where(table.notna(), None).to_dict(orient="records")

    from ..outputs.exports import compare_csv_frame

    frame = sweep_frame(by_region, scheme, manifest)
    if fmt is Format.csv:
        print_frame(compare_csv_frame(frame, dialect, exact), fmt, "", dialect=dialect, exact=exact)
        return
    if fmt is Format.json:
        doc = {
            "variant_outcomes": records(scheme),
            "variants": records(by_region),
            "manifest": {k: v for k, v in manifest.items() if k != "parts"},
        }
        write_out(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    language = lang()
    n = format_number(manifest.get("n"), lang=language)
    view = pd.DataFrame({
        "variant": [alternative_name(v, language) for v in scheme["variant"]],
        "paid_sek": [format_mnkr(v, lang=language) for v in scheme["mean_paid_sek"]],
        "lapsed_sek": [format_mnkr(v, lang=language) for v in scheme["mean_lapsed_sek"]],
        "p95_lapsed_sek": [format_mnkr(v, lang=language) for v in scheme["p95_lapsed_sek"]],
        "sek_per_pp": [format_mnkr(v, lang=language) for v in scheme["sek_per_pp"]],
        "gini_per_inhabitant": [format_number(v, 3, lang=language) for v in scheme["gini_per_inhabitant"]],
        "p_cell_pays_nothing": [format_number(100 * v, 1, lang=language) for v in scheme["p_cell_pays_nothing"]],
    })  # fmt: skip
    print_frame(view, fmt, say("variants_title", n=n), keys=1, numbers=list(view.columns[1:]))
    out.print(say("variants_note"), highlight=False, markup=False)
    view, totals_at = compare_view(frame)
    title = say("variants_per_region", base=alternative_name(scheme["variant"].iloc[0], language))
    numbers = [c for c in view.columns if c not in ("region", "no_data")]
    print_frame(view, fmt, title, keys=1, sections=[totals_at], numbers=numbers, wrap=["no_data"])


@app.command()
@reports_errors
def compare(
    panel: Annotated[
        Path | None,
        typer.Argument(help="Waiting-time panel (.parquet or .csv) that covers every rule set compared."),
    ] = None,
    rules: RuleSetsOpt = None,
    variant: VariantOpt = None,
    with_alternatives: AlternativesOpt = False,
    population: PopulationOpt = None,
    conditions: ConditionsOpt = None,
    backend: BackendOpt = BackendChoice.auto,
    fmt: FormatOpt = Format.table,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw each variant's difference per region to this image (.png, .svg, .pdf)."),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Also write the comparison (kronor, with diff_<name> columns) to .parquet, .csv or .xlsx (a workbook "
            "with the variants and provenance).",
        ),
    ] = None,
    allow_missing: AllowMissingOpt = False,
    dialect: DialectOpt = None,
    exact: ExactOpt = False,
    sweep: Annotated[
        Path | None,
        typer.Option(
            "--sweep",
            help="Instead of a panel: a variant sweep's folder (`kommiljard sweep --variant ...`): its variants' "
            "expected payouts and scheme-level outcomes under uncertainty.",
        ),
    ] = None,
    *,
    lang: LangOpt = Language.en,
) -> None:
    """Payouts per region under several rule sets or parameter changes, side by side, with the differences.

    Examples:

    `kommiljard compare data/sample_panel_2019.parquet --alternatives`

    `kommiljard compare data/sample_panel_2019.parquet --variant
    "blue-from-0:block1.bars.blue.min_improvement=0,block1.bars.blue.inclusive=false" --variant
    "equal:block1.sharing=equal" --plot compare.png`

    `kommiljard compare data/sample_panel_2013.parquet --rules kommiljard-2013 --alternatives --format csv`

    `kommiljard compare my_panel.csv --rules kommiljard-2019 --rules my-draft-rules.toml`

    `kommiljard compare --sweep variants-2019` (a folder written by `kommiljard sweep --variant ...`)

    The table is in mnkr; each column after the first shows its difference from the first in brackets. CSV, JSON
    and `--out` give kronor with `diff_<name>` columns.
    """
    from ..analysis.compare import compare as compute_compare
    from ..engine import base_provenance
    from ..outputs.exports import check_out, compare_csv_frame, write_comparison

    if out_file is not None:
        check_out(out_file)
    if plot is not None:
        from ..outputs.files import check_out_path

        check_out_path(plot, (".png", ".svg", ".pdf"), "--plot")
    if sweep is not None:
        given = {cli_say("a_panel"): panel, "--rules": rules, "--variant": variant, "--alternatives": with_alternatives}
        given |= {"--population": population, "--conditions": conditions, "--allow-missing-regions": allow_missing}
        given["--backend"] = backend is not BackendChoice.auto
        return compare_sweep(sweep, given, fmt, plot, out_file, dialect_of(dialect), exact)
    if panel is None:
        raise KommiljardError(cli_say("refuse.compare_needs_panel"))
    variants = rule_variants(rules, variant, with_alternatives)
    say_variants(variants)
    frame = compute_compare(panel, variants, population, conditions, backend.value, allow_missing)
    if frame.attrs["synthetic_panel"]:
        err.print(say("synthetic_panel"), style="yellow")
    warn_no_data(frame.attrs["no_data"])
    if fmt is Format.csv:
        csv_frame = compare_csv_frame(frame, dialect_of(dialect), exact)  # sv: whole kronor, diffs of rounded columns
        synthetic = frame.attrs["synthetic_panel"]
        print_frame(csv_frame, fmt, "", dialect=dialect_of(dialect), exact=exact, synthetic=synthetic)
    elif fmt is Format.json:
        doc = {**frame.attrs, "regions": frame.astype(object).where(frame.notna(), None).to_dict(orient="records")}
        write_out(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    else:
        synthetic = say("synthetic_title") if frame.attrs["synthetic_panel"] else ""
        view, totals_at = compare_view(frame)
        title = say("compare_title", base=alternative_name(next(iter(variants)), lang.value), synthetic=synthetic)
        numbers = [c for c in view.columns if c not in ("region", "no_data")]
        print_frame(view, fmt, title, keys=1, sections=[totals_at], numbers=numbers, wrap=["no_data"])
    if out_file is not None:
        provenance = {**base_provenance(), **frame.attrs, "panel": str(panel)}
        wrote(*write_comparison(out_file, frame, provenance, dialect_of(dialect), exact, lang.value))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..outputs.plots.compare import plot_compare

        write_figure(plot_compare(frame, lang=lang.value).figure, plot)
        wrote(plot)


def say_variants(variants: dict) -> None:
    """Each variant compared, with its rules and changes; a warning if there is only one."""
    from ..outputs.wording import provenance_value

    for name, r in variants.items():
        changes = changes_text(r.overrides)
        origin = provenance_value(r.origin, lang())
        shown = alternative_name(name, lang())  # a named alternative by its name for people, then as typed
        named = name if shown == name else f"{shown} ({name})"
        err.print(f"{named}: " + say("rules_with" if changes else "rules", origin=origin, changes=changes),
                  highlight=False)  # fmt: skip
    if len(variants) == 1:
        err.print(say("one_variant"), style="yellow")


def compare_sweep(
    sweep: Path, given: dict, fmt: Format, plot: Path | None, out_file: Path | None, dialect: str, exact: bool
) -> None:
    """`kommiljard compare --sweep DIR`: a variant sweep's variants, read from its folder (``given``: the options
    that do not go with it, by name)."""
    from ..outputs.plots.variants import read_variant_sweep

    if clash := [name for name, value in given.items() if value]:
        raise KommiljardError(cli_say("refuse.sweep_clash", clash=", ".join(clash)))
    by_region, scheme, manifest = read_variant_sweep(sweep)
    n = format_number(manifest.get("n"), lang=lang())
    err.print(say("sweep_variants", sweep=sweep, k=len(scheme), n=n), highlight=False)
    print_variant_sweep(by_region, scheme, manifest, fmt, dialect, exact)
    if out_file is not None:
        from ..engine import base_provenance
        from ..outputs.exports import write_comparison

        frame = sweep_frame(by_region, scheme, manifest)
        provenance = {**base_provenance(), "sweep": str(sweep), "variants": manifest["variants"]}
        wrote(*write_comparison(out_file, frame, provenance, dialect, exact, lang()))
    if plot is not None:
        from ..outputs.plots.figures import save_figure
        from ..outputs.plots.variants import plot_variants

        save_figure(plot_variants(by_region, scheme, manifest, lang()), plot)
        wrote(plot)
