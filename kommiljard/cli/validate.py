"""`kommiljard validate`: check a panel without computing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..rules import DEFAULT_RULES
from .app import PopulationOpt, RulesOpt, app, out, reports_errors


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
    from ..engine import coverage_checks
    from ..inputs.panel import read_panel
    from ..inputs.population import read_population
    from ..rules import load_rules

    ruleset = load_rules(rules)
    pop = read_population(population)
    p = read_panel(panel, ruleset.ruleset.group_names, coverage_checks(ruleset, pop), ruleset.ruleset.measure_columns())
    f = p.frame
    out.print(
        f"{panel}: OK: {len(f)} rows, {f['region'].nunique()} regions, months "
        f"{', '.join(sorted(f['month'].unique()))}, "
        f"groups {', '.join(sorted(f['group'].unique()))}; covers every block of {ruleset.id}."
        + (" (SYNTHETIC panel)" if p.synthetic else ""),
        highlight=False,
    )
