"""`kommiljard rules`: a rule set with every parameter and its source."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..errors import InputError
from ..rules import DEFAULT_RULES, bundled_rule_names, load_rules
from .app import Format, LangOpt, Language, SetOpt, app, lang, overrides_of, reports_errors
from .app import say as cli_say
from .render import print_rules, say
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
    lang: LangOpt = Language.en,
) -> None:
    """Show a rule set: every parameter with its source; without a name, list the bundled rule sets.

    Example: `kommiljard rules kommiljard-2019 --set block1.cumulative=false`
    """
    if rules is None and not set_:
        _list_rule_sets(fmt)
        return
    if fmt is Format.csv:
        raise InputError(cli_say("refuse.rules_csv"))
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
    print_rules(r)


def _list_rule_sets(fmt: Format) -> None:
    """Every bundled rule set: name, years, kinds of block, total and title."""
    import pandas as pd

    from ..kinds import kind_of, kind_word
    from ..money import format_mnkr
    from .render import print_frame

    rows = []
    for name in bundled_rule_names():
        rs = load_rules(name).ruleset
        years = sorted({m[:4] for b in rs.blocks for m in getattr(b, "months", ()) or ()} | _period_years(rs))
        rows.append(
            {
                "rule set": name + (say("default") if name == DEFAULT_RULES else ""),
                "years": "–".join(dict.fromkeys([years[0], years[-1]])) if years else "",
                "kinds": ", ".join(dict.fromkeys(kind_word(kind_of(b), "kind", lang()) for b in rs.blocks)),
                "mnkr": format_mnkr(rs.total_sek, lang=lang()),
                "title": rs.title,
            }
        )
    frame = pd.DataFrame(rows)
    if fmt is Format.json:
        write_out(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    frame.columns = [say(f"rules_{c.replace(' ', '_')}") for c in frame.columns]
    print_frame(frame, fmt, say("rules_list"), numbers=[frame.columns[3]], wrap=list(frame.columns[2:]))


def _period_years(ruleset) -> set[str]:
    return {m[:4] for b in ruleset.blocks for p in getattr(b, "periods", ()) for m in p.months}
