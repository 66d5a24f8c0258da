"""`kommiljard validate`: check a panel without computing."""

from __future__ import annotations

from ..rules import DEFAULT_RULES
from .app import AllowMissingOpt, LangOpt, Language, PanelArg, PopulationOpt, RulesOpt, app, out, reports_errors
from .render import say, warn_no_data


@app.command()
@reports_errors
def validate(
    panel: PanelArg,
    rules: RulesOpt = DEFAULT_RULES,
    population: PopulationOpt = None,
    allow_missing: AllowMissingOpt = False,
    lang: LangOpt = Language.en,
) -> None:
    """Check a panel against the schema and what a rule set needs; print every problem at once.

    Example: `kommiljard validate data/sample_panel_2019.parquet`

    A panel must cover every region of the population table in every month a block needs. With
    `--allow-missing-regions` the regions (or months) it lacks are listed as 'no data' instead of refused.
    """
    from ..engine import coverage_checks, missing_cells
    from ..inputs.panel import known_groups, read_panel
    from ..inputs.population import read_population
    from ..kinds.naming import regions_count
    from ..money import format_number
    from ..outputs.wording import group_name, month_range
    from ..rules import load_rules

    ruleset = load_rules(rules)
    pop = read_population(population)
    p = read_panel(
        panel,
        known_groups(ruleset.ruleset.group_names),  # a panel may hold groups the rule set does not read
        coverage_checks(ruleset, pop, allow_missing),
        ruleset.ruleset.measure_columns(),
        complete=False,  # each block checks its measures in the rows it reads
    )
    f = p.frame
    gaps = missing_cells(_needed_rows(ruleset, p, pop), ruleset) if allow_missing else {}
    covers = say("validate_lacks", regions=regions_count(len(gaps), lang.value)) if gaps else say("validate_covers")
    out.print(
        say("validate_ok", panel=panel, rows=format_number(len(f), lang=lang.value), regions=f["region"].nunique(),
            months=month_range(sorted(f["month"].unique()), lang.value),
            groups=", ".join(group_name(g, lang.value) for g in sorted(f["group"].unique())), covers=covers,
            rules=ruleset.id) + (say("synthetic_title") if p.synthetic else "") + ".",
        highlight=False,
    )  # fmt: skip
    warn_no_data(gaps, computed=False)


def _needed_rows(rules, panel, population):
    """Every region's row of every cell, with ``data`` saying whether the panel has what the cell needs."""
    import pandas as pd

    from ..kinds import kind_of

    parts = []
    for block in rules.ruleset.blocks:
        kind = kind_of(block)
        arrays = kind.arrays(panel, block, population, allow_missing=True)
        missing = getattr(arrays, "missing", None)
        if missing is None:
            continue
        for (month, group), gone in zip(kind.cells(block), missing):
            parts.append(
                pd.DataFrame(
                    {
                        "region": arrays.regions,
                        "block": block.number,
                        "month": month,
                        "group": group,
                        "data": ["missing" if g else "ok" for g in gone],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["region", "block", "data"])
