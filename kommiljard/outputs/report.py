"""One self-contained HTML report of a payout: figures embedded, no network needed to view it.

It holds the summary per region, the payouts figure, the picture of every cell (a staircase's
month and group, a threshold block's period and group: each kind draws its own), what lapsed,
the rule set with every parameter and its source, and the provenance.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import __version__
from ..engine import Payout
from ..kinds import kind_of
from ..kinds.look import SYNTHETIC_NOTE
from ..money import format_kronor
from ..rules.describe import parameter_rows
from .files import write_text
from .plots.figures import png_bytes
from .plots.payout import plot_payouts

Progress = Callable[[str], None]

CSS = """
:root { --ink: #1d1d1d; --muted: #5b5b5b; --line: #d8d8d8; --warn: #a11d1d; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 62rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; } h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem;
     border-bottom: 1px solid var(--line); padding-bottom: .2rem; } h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.sub, figcaption, .note { color: var(--muted); font-size: .9rem; }
.synthetic { border: 2px solid var(--warn); color: var(--warn); padding: .5rem .8rem; margin: 1rem 0; font-weight:
600; }
nav ol { columns: 2; padding-left: 1.2rem; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space:
nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); } tr.lapsed td { color: var(--warn); font-weight:
600; }
figure { margin: 1rem 0 1.6rem; } figure img { width: 100%; height: auto; border: 1px solid var(--line); }
code { font-size: .85em; word-break: break-all; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; } h2, h3 { break-after: avoid; } figure, tr, .keep { break-inside: avoid; }
}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))


def _table(
    frame: pd.DataFrame, money: list[str] | None = None, row_class: Callable[[pd.Series], str] | None = None
) -> str:
    money = money or []
    head = "".join(f'<th class="num">{_e(c)}</th>' if c in money else f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cls = row_class(row) if row_class else ""
        cells = "".join(
            f'<td class="num">{format_kronor(row[c])}</td>' if c in money else f"<td>{_e(row[c])}</td>"
            for c in frame.columns
        )
        rows.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(fig, alt: str, caption: str) -> str:
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return (
        f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
    )


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _flatten(value, f"{name}.")
        else:
            rows.append((name, "" if value in ({}, None) else str(value)))
    return rows


def _column_title(column: str) -> str:
    """``block1_first_visit`` -> ``block 1 first_visit, kr``; ``total_sek`` -> ``total, kr``."""
    if column == "total_sek":
        return "total, kr"
    block, _, group = column.removeprefix("block").partition("_")
    return f"block {block} {group}, kr".replace("  ", " ")


def _summary_section(result: Payout) -> str:
    summary = result.summary(whole_kronor=True)
    summary.columns = ["code", "region", *(_column_title(c) for c in summary.columns[2:])]
    money = list(summary.columns[2:])
    total = pd.DataFrame([{"code": "", "region": "all regions", **{c: summary[c].sum() for c in money}}])
    table = _table(pd.concat([summary, total], ignore_index=True), money, lambda r: "total" if r["code"] == "" else "")
    r = result
    lead = (
        f"<p>Paid {format_kronor(r.paid_sek)} kr and lapsed {format_kronor(r.lapsed_sek)} kr of "
        f"{format_kronor(r.rules.ruleset.total_sek)} kr. Amounts in whole kronor, rounded so that every "
        "row and every column still adds up.</p>"
    )
    fig = _figure(
        plot_payouts(result).figure,
        "Payout per region, stacked by month, group and bar",
        "Each region's block 1 money stacked by month (lighter: later), group (hatched: the second group) and bar; "
        "block 2 beside it in green. Regions sorted by their total.",
    )
    return f'<section id="summary"><h2>Payout per region</h2>{lead}{table}{fig}</section>'


CELL_INTROS = {
    "bar": (
        "Staircases",
        "Staircase",
        "Drawn like the agreement's diagram 1: each bar starts at its improvement bound and shows its pot after "
        "the cascade with the regions that share it; an empty bar is dashed and says where its money went. Below the "
        "axis every region sits at its own improvement.",
    ),
    "level": (
        "Threshold levels",
        "Levels",
        "Each region's figure for the period, the levels as dashed lines with their pots after the cascade "
        "and their members; a region is coloured by the highest level it reached, hatched if it failed the gate.",
    ),
}


def _cell_sections(result: Payout, progress: Progress) -> list[tuple[str, str, str]]:
    """(anchor, title, html) of one section per kind of cell picture: every cell of every block that has cells."""
    parts: dict[str, list[str]] = {}
    cells = result.cells.set_index(["block", "month", "group"])
    for block in result.rules.ruleset.blocks:
        kind = kind_of(block)
        for month, group in kind.cells(block):
            if month is None:
                continue
            progress(f"block {block.number} {month} {group}")
            c = cells.loc[(block.number, month, group)]
            caption = (
                f"Block {block.number}, {_e(month)}, {_e(group)}: pot {format_kronor(c['pot_sek'])} kr, paid "
                f"{format_kronor(c['paid_sek'])} kr, lapsed {format_kronor(c['lapsed_sek'])} kr; "
                f"{int(c['qualifiers'])} region(s) reached a {kind.step_word}."
            )
            fig = kind.figure(result, block, (month, group)).figure
            anchor = f"cell-{block.number}-{month}-{group}"
            alt = CELL_INTROS.get(kind.step_word, ("", "Cell", ""))[1]
            parts.setdefault(kind.step_word, []).append(
                f'<div class="keep"><h3 id="{_e(anchor)}">Block {block.number}: {_e(month)} {_e(group)}</h3>'
                + _figure(fig, f"{alt} {month} {group}", caption)
                + "</div>"
            )
    sections = []
    for word, figures in parts.items():
        title, _, intro = CELL_INTROS.get(word, (f"Cells ({word}s)", "", ""))
        anchor = title.lower().replace(" ", "-")
        sections.append(
            (anchor, title, f'<section id="{anchor}"><h2>{title}</h2><p>{intro}</p>{"".join(figures)}</section>')
        )
    return sections


def _lapsed_section(result: Payout) -> str:
    cells = result.cells.copy()
    cells["month"] = cells["month"].fillna("")
    cells["group"] = cells["group"].fillna("")
    table = _table(cells, ["pot_sek", "paid_sek", "lapsed_sek"], lambda r: "lapsed" if r["lapsed_sek"] > 0.005 else "")
    lines = [
        f"<p>In all, {format_kronor(result.lapsed_sek)} kr lapsed: money that no region qualified for (a month and "
        "group "
        "where nobody reached the lowest bar) or that a region lost by failing a block's conditions. "
        "In every row, paid + lapsed = pot.</p>"
    ]
    failed = result.table[result.table["conditions_met"].eq(False)]
    if len(failed):
        who = ", ".join(f"{r.region} {_e(r.region_name)}" for r in failed.itertuples())
        lines.append(
            f"<p>Did not meet the conditions of block(s) {', '.join(map(str, sorted(failed['block'].unique())))}: "
            f"{who}.</p>"
        )
    return f'<section id="lapsed"><h2>What lapsed</h2>{"".join(lines)}{table}</section>'


def _rules_section(result: Payout) -> str:
    rs, r = result.rules.ruleset, result.rules
    head = (
        f"<p><strong>{_e(rs.title)}</strong> ({_e(rs.id)}, version {_e(rs.version)}). {_e(rs.agreement)}. "
        f"Source: {_e(rs.source)}. Total {format_kronor(rs.total_sek)} kr ({_e(rs.total_source)}).</p>"
        f'<p class="note">Rule file: {_e(r.origin)}, sha256 <code>{_e(r.sha256)}</code>.</p>'
    )
    if r.overrides:
        changed = ", ".join(f"<code>{_e(k)}={_e(v)}</code>" for k, v in r.overrides.items())
        head += f'<p class="synthetic">Parameters changed for this run: {changed}</p>'
    blocks = "".join(
        f"<h3>Block {b.number}: {_e(b.name)}</h3>"
        + _table(pd.DataFrame(parameter_rows(b), columns=["parameter", "value", "source / note"]))
        for b in rs.blocks
    )
    return f'<section id="rules"><h2>Rule set: every parameter and its source</h2>{head}{blocks}</section>'


def _provenance_section(result: Payout) -> str:
    table = _table(pd.DataFrame(_flatten(result.provenance), columns=["what", "value"]))
    note = '<p class="note">What produced this report, to reproduce it.</p>'
    return f'<section id="provenance"><h2>Provenance</h2>{note}{table}</section>'


def build_report(result: Payout, progress: Progress | None = None) -> str:
    """The report of a payout as one HTML document (a string)."""
    progress = progress or (lambda _step: None)
    p = result.provenance
    title = f"Kömiljard payout: {result.rules.id} on {Path(p['panel']['source']).name}"
    described = p["panel"].get("kommiljard.description")
    banner = (
        f'<div class="synthetic">{SYNTHETIC_NOTE}. No amount here says anything about a real region.'
        + (f" The panel says: “{_e(described)}”." if described else "")
        + "</div>"
        if result.panel.synthetic
        else ""
    )
    sub = (
        f'<p class="sub">Rules {_e(result.rules.id)} {_e(result.rules.ruleset.version)} · '
        f"panel {_e(p['panel']['source'])} · "
        f"population {_e(p['population']['source'])} · made {_e(p['created_utc'])} by kommiljard {_e(__version__)}</p>"
    )
    progress("payouts per region")
    summary = _summary_section(result)
    cell_sections = _cell_sections(result, progress)
    nav = "".join(
        f'<li><a href="#{a}">{t}</a></li>'
        for a, t in [
            ("summary", "Payout per region"),
            *((a, t) for a, t, _ in cell_sections),
            ("lapsed", "What lapsed"),
            ("rules", "Rule set"),
            ("provenance", "Provenance"),
        ]
    )
    nav = f"<nav><ol>{nav}</ol></nav>"
    sections = [
        summary,
        *(html for _, _, html in cell_sections),
        _lapsed_section(result),
        _rules_section(result),
        _provenance_section(result),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{_e(title)}</h1>{sub}{banner}</header>{nav}{''.join(sections)}"
        f'<footer class="note"><p>{_e(SYNTHETIC_NOTE) + ". " if result.panel.synthetic else ""}'
        f"Made with kommiljard {_e(__version__)}.</p></footer></body></html>\n"
    )


def report_steps(result: Payout) -> int:
    """How many progress steps :func:`build_report` reports (for a progress bar)."""
    return 1 + sum(sum(m is not None for m, _ in kind_of(b).cells(b)) for b in result.rules.ruleset.blocks)


def write_report(result: Payout, path: str | Path, progress: Progress | None = None) -> Path:
    """Write the report atomically to ``path`` (``.html``)."""
    path = Path(path)
    write_text(path, build_report(result, progress))
    return path
