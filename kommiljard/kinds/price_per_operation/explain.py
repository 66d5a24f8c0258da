"""Why did a region get what it got under a price-per-operation block? Its period, traced through the reference.

"Uppsala gets 28 000 000 kr: 84 hip prostheses over the baseline at 108 000 kr, ...; capped at 28 000 000 kr",
then the operations counted per procedure (the period against each baseline year), the cap, each pot
(earned, kept, paid, to the top regions, lapsed) and the rule lines (with their sources) that applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...inputs.panel import Panel
from ...inputs.regions import region_label, region_names
from ...money import format_number, format_percent, kronor
from ..explaining import RegionTrace, fitted, no_data, no_data_lines
from ..naming import month_name
from .arrays import PriceInput, price_input
from .reference import PriceCell, RegionOutcome, allocate_price_cell
from .rules import PricePerOperation
from .words import LANGS, WORDS, procedure_name, word


def price_cell_of(block: PricePerOperation, inp: PriceInput) -> PriceCell:
    """The reference outcome of a block's arrays."""
    return allocate_price_cell(
        block,
        list(inp.regions),
        inp.operations.tolist(),
        inp.history.tolist(),
        inp.population.astype(float).tolist(),
        inp.cap_key.tolist(),
    )


def headline(block: PricePerOperation, o: RegionOutcome, lang: str = "en") -> str:
    """One sentence: what the region gets, for how many operations at what price, and its cap."""
    name = region_names().get(o.region, o.region)
    parts = [
        word(
            "over" if block.counting == "above_baseline" else "every",
            lang,
            ops=format_number(p.counted, None, lang=lang),
            name=procedure_name(p.procedure, lang, plural=True),
            price=kronor(p.price, lang=lang),
        )
        for p in o.procedures
        if p.counted > 0
    ] or [word("none_counted", lang)]
    sentence = word("gets", lang, region=name, amount=kronor(o.amount, lang=lang)) + ": " + ", ".join(parts)
    return sentence + "; " + "; ".join(limit_words(block, o, lang)) + "."


def limit_words(block: PricePerOperation, o: RegionOutcome, lang: str) -> list[str]:
    """Where the region's caps bound it (or that they did not), and what it got as a top region."""
    if not math.isfinite(o.cap):
        limits = [word("no_cap", lang)]
    elif block.pot_by == "block":
        limits = [word("capped_at" if o.reached_cap else "below_cap", lang, cap=kronor(o.cap, lang=lang))]
    else:
        limits = [
            word("capped_in", lang, cap=kronor(cap, lang=lang), name=procedure_name(p.procedure, lang, plural=True))
            for p, cap in zip(o.procedures, o.caps)
            if p.earned >= cap
        ] or [word("below_cap", lang, cap=kronor(o.cap, lang=lang))]
    tops = [
        word("top", lang, amount=kronor(p.top, lang=lang), name=procedure_name(p.procedure, lang, plural=True))
        for p in o.procedures
        if p.top > 0
    ]
    return limits + tops


def cite(source: str, note: str, lang: str) -> str:
    """A rule line's source, or (a reading the sources leave open) the first sentence of its note; in the
    language of the rule files' texts (:mod:`kommiljard.rules.texts`)."""
    from ...rules.texts import text_in

    if source:
        return f"[{text_in(source, lang)}]"
    first = text_in(note, lang).split(". ")[0].removeprefix("[I] ").removeprefix("Unsourced: ")
    return f"[{word('unsourced', lang)}: {first.rstrip('.')}]" if first else ""


def period(b: PricePerOperation, lang: str) -> str:
    """The block's months: ``January 2026 – December 2026`` (``januari 2026 – december 2026``)."""
    return f"{month_name(b.months[0], lang)} – {month_name(b.months[-1], lang)}"


@dataclass(frozen=True)
class PriceExplanation(RegionTrace):
    """One region in the block's period: its operations, baselines, earnings, cap, pots and amount."""

    rules: Any  # the loaded rule set (kommiljard.rules.Rules)
    block: PricePerOperation
    panel: Panel
    region: str
    cell: PriceCell
    inp: PriceInput
    no_data: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "region": self.region,
            "months": list(self.block.months),
            "rules": self.rules.id,
            "block": self.block.number,
            "synthetic_panel": self.panel.synthetic,
            "no_data_regions": list(self.no_data),
            "headline": headline(self.block, o),
            "procedures": [
                {
                    "procedure": p.procedure,
                    "operations": p.operations,
                    "baseline_years": dict(zip(map(str, self.block.baseline_years), p.history)),
                    "baseline": None if math.isnan(p.baseline) else p.baseline,
                    "counted": p.counted,
                    "price_sek": p.price,
                    "earned_sek": p.earned,
                    "paid_sek": p.paid,
                    "top_regions_sek": p.top,
                    "amount_sek": p.amount,
                }
                for p in o.procedures
            ],
            "caps_sek": [c if math.isfinite(c) else None for c in o.caps],
            "earned_sek": o.earned,
            "paid_sek": o.paid,
            "top_regions_sek": o.top,
            "amount_sek": o.amount,
            "share_of_max_pct": None if math.isnan(o.share_of_max_pct) else o.share_of_max_pct,
            "pots": [vars(p) | {"top_regions": list(p.top_regions)} for p in self.cell.pots],
        }

    def render(self, lang: str = "en", width: int | None = None) -> str:
        """The explanation as text in ``lang``; lines longer than ``width`` wrapped under their own indent."""
        b, o = self.block, self.outcome
        name = region_names().get(self.region, "")
        title = word(
            "title",
            lang,
            region=f"{self.region} {name}",
            months=period(b, lang),
            rules=self.rules.id,
            version=self.rules.ruleset.version,
            block=b.number,
        )
        source = word("panel", lang, source=self.panel.source)
        lines = [
            title,
            source + ("  " + word("synthetic", lang) if self.panel.synthetic else ""),
            *no_data_lines(self.no_data, lang),
            "",
            headline(b, o, lang),
            "",
            *operation_lines(b, o, lang, width),
            "",
            *cap_lines(b, o, self.inp, lang),
            *pot_lines(b, self.cell, lang),
            "",
            word("amount", lang, amount=kronor(o.amount, 2, lang=lang)),
        ]
        if math.isfinite(o.share_of_max_pct):
            lines.append(word("share_of_max", lang, pct=format_percent(o.share_of_max_pct, 1, lang)))
        return fitted(lines, width)


def operation_lines(b: PricePerOperation, o: RegionOutcome, lang: str, width: int | None = None) -> list[str]:
    """The table of operations counted per procedure; without the earlier years' columns where it would be wider
    than ``width`` (the heading names those years, the baseline column keeps their mean)."""
    if b.counting == "above_baseline":
        head = word(
            "operations_heading",
            lang,
            months=period(b, lang),
            statistic=word(b.baseline_statistic, lang),
            years=", ".join(map(str, b.baseline_years)),
            whole=word("whole", lang) if b.whole_operations else "",
        )
    else:
        head = word("every_heading", lang, months=period(b, lang))
    table = _operations_table(b, o, lang, every_year=True)
    if width is not None and max(map(len, table)) > width:
        table = _operations_table(b, o, lang, every_year=False)
    return [
        f"{head}   {cite(b.counting_source, b.counting_note, lang)}",
        *table,
        "  " + word("earned_total", lang, amount=kronor(o.earned, 2, lang=lang)),
    ]


def _operations_table(b: PricePerOperation, o: RegionOutcome, lang: str, *, every_year: bool) -> list[str]:
    cols = WORDS["columns"][LANGS.index(lang)]
    counted = b.counting == "above_baseline"
    years = [str(y) for y in b.baseline_years] if counted and every_year else []
    header = [cols[0], b.months[0][:4], *years, *cols[2:]]
    rows = []
    for p in o.procedures:
        base = [format_number(h, 0, lang=lang) for h in p.history] if years else []
        rows.append(
            [
                procedure_name(p.procedure, lang),
                format_number(p.operations, 0, lang=lang),
                *base,
                format_number(p.baseline, 2, lang=lang) if counted else "-",
                format_number(p.counted, None, lang=lang),
                format_number(p.price, 0, lang=lang),
                format_number(p.earned, 0 if p.earned == round(p.earned) else 2, lang=lang),
            ]
        )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  " + " ".join(str(c).ljust(w + 1) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in [header, *rows]
    ]


def cap_lines(b: PricePerOperation, o: RegionOutcome, inp: PriceInput, lang: str) -> list[str]:
    """How the region's cap in each pot is made, and what it kept of what it earned there."""
    head = word("cap_heading", lang) + "   " + cite(b.cap.source, b.cap.note, lang)
    if not math.isfinite(o.cap):
        return [head, "  " + word("no_cap", lang), ""]
    r = list(inp.regions).index(o.region)
    part, parts = inp.cap_key[r], float(sum(inp.cap_key))
    lines = [head]
    per_pot = [(o.earned, o.paid)] if b.pot_by == "block" else [(p.earned, p.paid) for p in o.procedures]
    for pot, name, cap, (earned, kept) in zip(b.pot_sek(), b.pot_names(), o.caps, per_pot):
        label = "" if name == "all" else procedure_name(name, lang) + ": "
        line = word(
            "cap_line",
            lang,
            pot=format_number(pot, 2, lang=lang),
            part=format_number(part, None, lang=lang),
            parts=format_number(parts, None, lang=lang),
            cap=kronor(cap, 2, lang=lang),
        )
        money = {k: kronor(v, 2, lang=lang) for k, v in (("earned", earned), ("cap", cap), ("kept", kept))}
        lines += [f"  {label}{line}", "    " + word("kept", lang, **money)]
    return [*lines, ""]


def pot_lines(b: PricePerOperation, cell: PriceCell, lang: str) -> list[str]:
    """Each pot: what the regions earned, kept and were paid, and where its unearned money went."""
    lines = []
    for pot in cell.pots:
        amount = kronor(pot.pot, 2, lang=lang)
        heading = (
            word("pot_heading_one", lang, pot=amount)
            if pot.name == "all"
            else word("pot_heading", lang, name=procedure_name(pot.name, lang), pot=amount)
        )
        lines.append(f"{heading}   {cite(b.source, '', lang)}")
        money = {k: kronor(getattr(pot, k), 2, lang=lang) for k in ("earned", "kept", "paid", "unearned")}
        lines.append("  " + word("pot_line", lang, **money))
        if pot.scale < 1.0:
            lines.append("  " + word("pro_rata", lang, scale=format_number(pot.scale, 6, lang=lang)))
        if b.unearned.to == "top_regions":
            regions = ", ".join(map(region_label, pot.top_regions)) or "-"
            line = word(
                "top_line",
                lang,
                regions=regions,
                to_top=kronor(pot.to_top, 2, lang=lang),
                lapsed=kronor(pot.lapsed, 2, lang=lang),
            )
            lines.append(f"  {line}   {cite(b.unearned.source, b.unearned.note, lang)}")
        else:
            lapsed = word("lapse_line", lang, lapsed=kronor(pot.lapsed, 2, lang=lang))
            lines.append(f"  {lapsed}   {cite('', b.unearned.note, lang) or cite(b.unearned.source, '', lang)}")
    return lines


def explain_price(rules, block: PricePerOperation, panel: Panel, population, region: str, allow_missing: bool = False):
    """Trace one region through the block's period (``allow_missing``: other regions may lack rows; they
    take no part)."""
    inp = price_input(panel, block, population, allow_missing)
    gone = no_data(inp, 0, region, f"{block.months[0]} - {block.months[-1]}")
    return PriceExplanation(rules, block, panel, region, price_cell_of(block, inp), inp, gone)
