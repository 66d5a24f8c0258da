"""`kommiljard rules`: a rule set with every parameter and its source."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..rules import DEFAULT_RULES, bundled_rule_names, load_rules
from ..rules.describe import parameter_rows
from .app import Format, SetOpt, app, out, overrides_of, reports_errors
from .terminal import write_out


@app.command("rules")
@reports_errors
def show_rules(
    rules: Annotated[
        str | None,
        typer.Argument(
            help="A bundled rule set or a .toml file; none: list the bundled rule sets (with --set: the default)."
        ),
    ] = None,
    set_: SetOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Show a rule set: every parameter with its source; without a name, list the bundled rule sets.

    Example: `kommiljard rules kommiljard-2019 --set block1.cumulative=false`
    """
    if rules is None and not set_:
        _list_rule_sets(fmt)
        return
    if fmt is Format.csv:
        raise InputError("--format csv lists the bundled rule sets (no name); a rule set is shown as a table or json")
    r = load_rules(rules or DEFAULT_RULES, overrides_of(set_))
    data = r.ruleset.model_dump(mode="json")
    if fmt is Format.json:
        write_out(
            json.dumps(
                {"origin": r.origin, "sha256": r.sha256, "overrides": dict(r.overrides), "rules": data},
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        return
    valid = f", valid {r.ruleset.valid_from} to {r.ruleset.valid_to}" if r.ruleset.valid_from else ""
    out.print(
        Text.assemble(
            (r.ruleset.title, "bold"),
            f" ({r.id}, version {r.ruleset.version}{valid})\n{r.ruleset.agreement}\nfrom {r.origin}, "
            f"sha256 {r.sha256[:12]}",
        ),
        highlight=False,
    )
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
        table = Table(
            title="named alternatives (`kommiljard compare PANEL --rules ... --alternatives`)", title_justify="left"
        )
        for col in ("alternative", "changes", "source"):
            table.add_column(col, overflow="fold")
        for alt in r.ruleset.alternatives:
            table.add_row(f"{alt.name}: {alt.label}", json.dumps(alt.overrides, ensure_ascii=False), alt.source)
        out.print(table)


def _list_rule_sets(fmt: Format) -> None:
    """Every bundled rule set: name, years, kinds of block, total and title."""
    import pandas as pd

    from ..money import format_mnkr
    from .render import print_frame

    rows = []
    for name in bundled_rule_names():
        rs = load_rules(name).ruleset
        years = sorted({m[:4] for b in rs.blocks for m in getattr(b, "months", ()) or ()} | _period_years(rs))
        rows.append(
            {
                "rule set": name + (" (default)" if name == DEFAULT_RULES else ""),
                "years": "–".join(dict.fromkeys([years[0], years[-1]])) if years else "",
                "kinds": ", ".join(dict.fromkeys(b.kind.replace("_", " ") for b in rs.blocks)),
                "mnkr": format_mnkr(rs.total_sek),
                "title": rs.title,
            }
        )
    frame = pd.DataFrame(rows)
    if fmt is Format.json:
        write_out(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    title = "Bundled rule sets (`kommiljard rules NAME` shows one)"
    print_frame(frame, fmt, title, numbers=["mnkr"], wrap=["kinds", "title"])


def _period_years(ruleset) -> set[str]:
    return {m[:4] for b in ruleset.blocks for p in getattr(b, "periods", ()) for m in p.months}
