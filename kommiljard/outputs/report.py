"""One self-contained HTML report of a payout: figures embedded, no network needed to view it.

It holds the summary per region, the payouts figure, the picture of every cell (a staircase's
month and group, a threshold block's period and group: each kind draws its own), what lapsed,
the rule set with every parameter in words and kronor and its source, and the provenance. The
amounts are the payout in whole kronor that add up (:mod:`kommiljard.outputs.exports`), the same
as in a workbook. In English or Swedish (:mod:`kommiljard.outputs.wording`), the pictures too. A
synthetic panel is said so in one line at the top (and in every picture); the details are in the
provenance.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import __version__
from ..engine import Payout
from ..inputs.regions import region_label
from ..kinds import kind_of, kind_word
from ..kinds.naming import regions_count
from ..money import format_kronor, kronor
from ..rules.texts import text_in
from .exports import WholeKronor, payout_in_whole_kronor
from .files import write_text
from .plots.figures import png_bytes
from .plots.payout import plot_payouts
from .wording import (
    cell_heading,
    cell_when,
    check_lang,
    group_name,
    lapsed_why,
    no_data_text,
    provenance_rows,
    provenance_value,
    rule_rows,
    word,
)

Progress = Callable[[str], None]

CSS = """
:root { --ink: #1d1d1d; --muted: #5b5b5b; --line: #d8d8d8; --warn: #a11d1d; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 62rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; } h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem;
     border-bottom: 1px solid var(--line); padding-bottom: .2rem; } h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.sub, figcaption, .note { color: var(--muted); font-size: .9rem; }
.synthetic { border-left: 4px solid var(--warn); color: var(--warn); padding: .3rem .7rem; margin: .8rem 0;
font-weight: 600; } .synthetic a { color: inherit; font-weight: 400; margin-left: .4rem; }
nav ol { columns: 2; padding-left: 1.2rem; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); } tr.lapsed td { color: var(--warn); font-weight:
600; }
.wide { overflow-x: auto; } .wide table { font-size: .78rem; } .wide th, .wide td { padding: .2rem .3rem; }
figure { margin: 1rem 0 1.6rem; } figure img { width: 100%; height: auto; border: 1px solid var(--line); }
code { font-size: .85em; word-break: break-all; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; } h2, h3 { break-after: avoid; } figure, tr, .keep { break-inside: avoid; }
  .wide { overflow: visible; } .wide table { font-size: 8pt; }
}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))


def _num(text: str) -> str:
    """A formatted number that never breaks across lines (its thousands are separated by spaces)."""
    return _e(text).replace(" ", "&nbsp;")


def _unbroken(text: str) -> str:
    """Text whose numbers (``1 280 000 000 kr``) do not break across lines: no-break spaces inside them."""
    return re.sub(r"(?<=\d) (?=\d{3}\b)|(?<=\d) (?=kr\b)", "\u00a0", text)


def _kr(amount: float, lang: str) -> str:
    return _num(kronor(amount, lang=lang))


def _table(
    frame: pd.DataFrame,
    money: list[str] | None = None,
    row_class: Callable[[pd.Series], str] | None = None,
    lang: str = "en",
) -> str:
    money = money or []
    head = "".join(f'<th class="num">{_e(c)}</th>' if c in money else f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cls = row_class(row) if row_class else ""
        cells = "".join(
            f'<td class="num">{_num(format_kronor(row[c], lang=lang))}</td>' if c in money else f"<td>{_e(row[c])}</td>"
            for c in frame.columns
        )
        rows.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(fig, alt: str, caption: str) -> str:
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return (
        f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
    )


def _column_title(column: str, lang: str) -> str:
    """``block1_first_visit`` -> ``block 1, first visits, kr``; ``total_sek`` -> ``total, kr``."""
    if column == "total_sek":
        return f"{word('total', lang)}, kr"
    block, _, group = column.removeprefix("block").partition("_")
    return f"{word('block', lang)} {block}" + (f", {group_name(group, lang)}" if group else "") + ", kr"


def _summary_section(result: Payout, whole: WholeKronor, lang: str) -> str:
    summary = whole.summary.copy()
    gaps = summary.pop("no_data") if "no_data" in summary.columns else None
    money = [_column_title(c, lang) for c in summary.columns[2:]]
    summary.columns = [word("code", lang), word("region", lang), *money]
    total = pd.DataFrame(
        [
            {
                word("code", lang): "",
                word("region", lang): word("all_regions", lang),
                **{c: summary[c].sum() for c in money},
            }
        ]
    )
    frame = pd.concat([summary, total], ignore_index=True)
    if gaps is not None:
        frame[word("no_data_col", lang)] = [no_data_text(g, lang) for g in gaps] + [""]
    table = _table(frame, money, lambda r: "total" if r[word("code", lang)] == "" else "", lang)
    paid, lapsed = whole.cells["paid_sek"].sum(), whole.cells["lapsed_sek"].sum()
    lead = "<p>" + word(
        "lead", lang, paid=_kr(paid, lang), lapsed=_kr(lapsed, lang), total=_kr(result.rules.ruleset.total_sek, lang)
    )
    lead += "</p>"
    no_data = result.no_data()
    if no_data:
        regions = "; ".join(f"{region_label(r)} ({no_data_text(w, lang)})" for r, w in no_data.items())
        lead += f'<p class="synthetic">{_e(word("no_data_lead", lang, regions=regions))}</p>'
    fig = _figure(plot_payouts(result, lang=lang).figure, word("summary", lang), _e(word("figure_caption", lang)))
    return f'<section id="summary"><h2>{_e(word("summary", lang))}</h2>{lead}{table}{fig}</section>'


def _cell_sections(result: Payout, whole: WholeKronor, progress: Progress, lang: str) -> list[tuple[str, str, str]]:
    """(anchor, title, html) of one section per kind of cell picture: every cell of every block that has cells."""
    parts: dict[str, list[str]] = {}
    kinds = {}
    cells = whole.cells.set_index(["block", "month", "group"])
    for block in result.rules.ruleset.blocks:
        kind = kinds.setdefault(block.kind, kind_of(block))
        if hasattr(kind, "report_tables"):
            parts.setdefault(block.kind, []).append(_kind_tables(kind.report_tables(result, block, lang), lang))
        for month, group in report_cells(kind, block):
            if month is None and group is None:
                continue
            progress(cell_heading(block, month, group, lang))
            parts.setdefault(block.kind, []).append(_cell_figure(result, block, (month, group), cells, lang))
    sections = []
    for name, figures in parts.items():
        kind = kinds[name]
        has = kind.words.__contains__
        anchor = kind_word(kind, "cells_anchor") if has("cells_anchor") else f"cells-{name}"
        title = kind_word(kind, "cells_title", lang) if has("cells_title") else f"Cells ({kind.step_word}s)"
        intro = kind_word(kind, "cells_intro", lang) if has("cells_intro") else ""
        sections.append(
            (
                anchor,
                title,
                f'<section id="{_e(anchor)}"><h2>{_e(title)}</h2><p>{_e(intro)}</p>{"".join(figures)}</section>',
            )
        )
    return sections


def report_cells(kind, block) -> list:
    """The cells the report draws, one picture each: the kind's ``report_cells`` if it has them (a cell whose month is
    None stands for its group over every month), else every cell."""
    return kind.report_cells(block) if hasattr(kind, "report_cells") else kind.cells(block)


def _kind_tables(tables, lang: str) -> str:
    """A kind's own tables for its section (``report_tables``: title, frame, money columns)."""
    wide = '<h3>{}</h3><div class="wide">{}</div>'  # a table wider than the page scrolls, alone
    parts = []
    for title, frame, money in tables:
        if money and len(frame) > 1:  # a total row: the sum of each amount
            total = {c: frame[c].sum() if c in money else "" for c in frame.columns}
            frame = pd.concat([frame, pd.DataFrame([{**total, frame.columns[0]: word("total", lang)}])])
        is_total = lambda r: "total" if r.iloc[0] == word("total", lang) else ""  # noqa: E731 - one line
        parts.append(wide.format(_e(title), _table(frame, money, is_total, lang)))
    return "".join(parts)


def _cell_figure(result: Payout, block, cell: tuple[str, str], cells: pd.DataFrame, lang: str) -> str:
    """One cell's heading, picture and caption (a cell without a month: its group over every month, summed)."""
    kind, (month, group) = kind_of(block), cell
    c = (
        cells.loc[(block.number, month, group)]
        if month is not None
        else cells.loc[block.number].xs(group, level=1).sum()
    )
    qualifiers = int(c["qualifiers"])
    said = (
        kind_word(kind, "cell_qualifiers", lang, regions=regions_count(qualifiers, lang))
        if "cell_qualifiers" in kind.words
        else word(
            "cell_qualifiers", lang, regions=regions_count(qualifiers, lang), step=kind_word(kind, kind.step_word, lang)
        )
    )
    caption = word(
        "cell_caption",
        lang,
        cell=cell_heading(block, month, group, lang),
        pot=kronor(c["pot_sek"], lang=lang),
        paid=kronor(c["paid_sek"], lang=lang),
        lapsed=kronor(c["lapsed_sek"], lang=lang),
        qualifiers=said,
    )
    fig = kind.figure(result, block, (month, group), lang=lang).figure
    anchor = f"cell-{block.number}-{month}-{group}"
    heading = cell_heading(block, month, group, lang)
    return f'<div class="keep"><h3 id="{_e(anchor)}">{_e(heading)}</h3>' + _figure(fig, heading, _e(caption)) + "</div>"


def _lapsed_section(result: Payout, whole: WholeKronor, lang: str) -> str:
    cells = whole.cells.copy()
    blocks = {b.number: b for b in result.rules.ruleset.blocks}
    view = pd.DataFrame(
        {
            word("block", lang): cells["block"],
            word("month", lang): [
                cell_when(blocks[b], m, lang) if isinstance(m, str) else ""
                for b, m in zip(cells["block"], cells["month"])
            ],
            word("group", lang): [group_name(g, lang) if isinstance(g, str) else "" for g in cells["group"]],
            word("pot", lang): cells["pot_sek"],
            word("paid", lang): cells["paid_sek"],
            word("lapsed", lang): cells["lapsed_sek"],
            word("qualifiers", lang): cells["qualifiers"],
        }
    )
    if cells["no_data"].any():
        view[word("no_data_count", lang)] = cells["no_data"]
    money = [word(k, lang) for k in ("pot", "paid", "lapsed")]
    table = _table(view, money, lambda r: "lapsed" if r[word("lapsed", lang)] > 0 else "", lang)
    why, conditions = lapsed_why(result.rules.ruleset.blocks, lang)
    lapsed = _kr(whole.cells["lapsed_sek"].sum(), lang)
    lines = [f"<p>{word('lapsed_lead', lang, lapsed=lapsed, why=_e(why), conditions=conditions)}</p>"]
    rows = result.table
    failed = rows[rows["conditions_met"].eq(False)] if "conditions_met" in rows else rows.iloc[:0]
    if len(failed):
        who = ", ".join(f"{r.region} {_e(r.region_name)}" for r in failed.itertuples())
        blocks = ", ".join(map(str, sorted(failed["block"].unique())))
        lines.append(f"<p>{_e(word('failed_conditions', lang, blocks=blocks))}: {who}.</p>")
    return f'<section id="lapsed"><h2>{_e(word("lapsed_title", lang))}</h2>{"".join(lines)}{table}</section>'


def _rules_section(result: Payout, lang: str) -> str:
    rs, r = result.rules.ruleset, result.rules
    origin = provenance_value(r.origin, lang)
    head = (
        f"<p><strong>{_e(rs.title)}</strong> ({_e(rs.id)}, {word('version', lang)} {_e(rs.version)}). "
        f"{_e(text_in(rs.agreement, lang))}. {word('source_word', lang)}: {_e(text_in(rs.source, lang))}. "
        f"{word('total_word', lang)} {_kr(rs.total_sek, lang)} ({_e(text_in(rs.total_source, lang))}).</p>"
        f'<p class="note">{word("rule_file", lang)}: {_e(origin)}, sha256 <code>{_e(r.sha256)}</code>.</p>'
    )
    if r.overrides:
        changed = ", ".join(f"<code>{_e(k)}={_e(v)}</code>" for k, v in r.overrides.items())
        head += f'<p class="synthetic">{_e(word("changed", lang))}: {changed}</p>'
    columns = [word("parameter", lang), word("value", lang), word("source", lang)]
    blocks = "".join(
        f"<h3>{_e(word('block', lang).capitalize())} {b.number}: {_e(b.name)}</h3>"
        + _table(pd.DataFrame([(p, _unbroken(v), n) for p, v, n in rule_rows(b, lang)], columns=columns))
        for b in rs.blocks
    )
    return f'<section id="rules"><h2>{_e(word("rules_title", lang))}</h2>{head}{blocks}</section>'


def _provenance_section(result: Payout, lang: str) -> str:
    table = _table(
        pd.DataFrame(provenance_rows(result.provenance, lang), columns=[word("what", lang), word("value", lang)])
    )
    note = f'<p class="note">{_e(word("provenance_note", lang))}</p>'
    return f'<section id="provenance"><h2>{_e(word("provenance_title", lang))}</h2>{note}{table}</section>'


def _page_section(href: str, lang: str) -> tuple[str, str, str]:
    """The section that links the what-if page written beside the report (anchor, title, HTML)."""
    text = word("page_text", lang).format(link=f'<a href="{_e(href)}">{_e(word("page_link", lang))}</a>', href=_e(href))
    title = _e(word("page_title", lang))
    return "whatif", word("page_nav", lang), f'<section id="whatif"><h2>{title}</h2><p>{text}</p></section>'


def build_report(
    result: Payout, progress: Progress | None = None, page_href: str | None = None, lang: str = "en"
) -> str:
    """The report of a payout as one HTML document (a string), in English or Swedish (``lang="sv"``:
    labels, group and month names; the numbers are the same); ``page_href`` links a what-if page beside it."""
    check_lang(lang)
    progress = progress or (lambda _step: None)
    p = result.provenance
    whole = payout_in_whole_kronor(result)
    title = f"{word('title', lang)}: {result.rules.id} {word('on', lang)} {Path(p['panel']['source']).name}"
    banner = (
        f'<p class="synthetic" id="synthetic">{_e(word("synthetic_line", lang))} '
        f'<a href="#provenance">{_e(word("synthetic_more", lang))}</a></p>'
        if result.panel.synthetic
        else ""
    )
    sub = (
        f'<p class="sub">{word("rules", lang)} {_e(result.rules.id)} {_e(result.rules.ruleset.version)} · '
        f"{word('panel', lang)} {_e(p['panel']['source'])} · "
        f"{word('population', lang)} {_e(provenance_value(p['population']['source'], lang))} · "
        f"{word('made', lang)} {_e(p['created_utc'])} "
        f"{word('by', lang)} kommiljard {_e(__version__)}</p>"
    )
    progress(word("summary", lang).lower())
    summary = _summary_section(result, whole, lang)
    cell_sections = _cell_sections(result, whole, progress, lang)
    extra = [_page_section(page_href, lang)] if page_href else []
    nav = "".join(
        f'<li><a href="#{a}">{_e(t)}</a></li>'
        for a, t in [
            ("summary", word("summary", lang)),
            *((a, t) for a, t, _ in extra),
            *((a, t) for a, t, _ in cell_sections),
            ("lapsed", word("lapsed_title", lang)),
            ("rules", word("rules_title", lang).split(":")[0]),
            ("provenance", word("provenance_title", lang)),
        ]
    )
    nav = f"<nav><ol>{nav}</ol></nav>"
    sections = [
        summary,
        *(html for _, _, html in extra),
        *(html for _, _, html in cell_sections),
        _lapsed_section(result, whole, lang),
        _rules_section(result, lang),
        _provenance_section(result, lang),
    ]
    synthetic_note = _e(word("synthetic_banner", lang).split(".")[0]) + ". " if result.panel.synthetic else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{_e(title)}</h1>{sub}{banner}</header>{nav}{''.join(sections)}"
        f'<footer class="note"><p>{synthetic_note}'
        f"{word('made_with', lang)} {_e(__version__)}.</p></footer></body></html>\n"
    )


def report_steps(result: Payout) -> int:
    """How many progress steps :func:`build_report` reports (for a progress bar)."""
    return 1 + sum(
        sum(not (m is None and g is None) for m, g in report_cells(kind_of(b), b)) for b in result.rules.ruleset.blocks
    )


def write_report(
    result: Payout, path: str | Path, progress: Progress | None = None, page_href: str | None = None, lang: str = "en"
) -> Path:
    """Write the report atomically to ``path`` (``.html``), in English or Swedish (``lang="sv"``), linking the
    what-if page at ``page_href`` if given."""
    path = Path(path)
    write_text(path, build_report(result, progress, page_href, lang))
    return path
