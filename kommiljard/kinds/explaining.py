"""What every kind's explanation shares: the steps after the cascade, as text and as data, and the text
itself: lines that fit the terminal, with the rule lines' sources as numbered notes at the end."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence

from ..errors import InputError
from ..inputs.regions import region_label
from ..money import format_kronor, format_number, kronor
from .naming import regions_count, say, tell
from .steps import StepOutcome

KEEP = "\u2060"  # a word joiner: holds a number's digit groups together while a line is wrapped


class RegionTrace:
    """What an explanation of one region in one cell has: ``cell`` (with ``region(code)``) and ``region``."""

    @property
    def outcome(self):
        return self.cell.region(self.region)


def no_data(inp, c: int, region: str, where: str) -> tuple[str, ...]:
    """The regions without data in cell ``c`` of a kind's arrays (computed with ``allow_missing``); an
    :class:`InputError` if ``region``, the one to explain, is among them (``where``: the cell, in words)."""
    if inp.missing is None:
        return ()
    gone = tuple(r for r, m in zip(inp.regions, inp.missing[c]) if m)
    if region in gone:
        raise InputError(tell("refuse.explain_no_data", region=region_label(region), where=where))
    return gone


def no_data_lines(gone: Sequence[str], lang: str = "en") -> list[str]:
    """Say which regions took no part in the cell for lack of data."""
    if not gone:
        return []
    return [say("explain.no_data", lang, regions=", ".join(map(region_label, gone)))]


def panel_line(panel, lang: str = "en") -> str:
    """The panel's source, marked when its figures are synthetic."""
    mark = f"  {say('explain.synthetic_mark', lang)}" if panel.synthetic else ""
    return say("explain.panel", lang, source=panel.source) + mark


def closing_lines(amount: float, lapsed: float, where: str, lang: str = "en") -> list[str]:
    """The region's amount and what lapsed in its cell (``where``: e.g. "month and group")."""
    return [
        "",
        say("explain.amount", lang, amount=kronor(amount, 2, lang=lang)),
        say("explain.lapsed", lang, where=where, amount=kronor(lapsed, 2, lang=lang)),
    ]


def sign(inclusive: bool) -> str:
    return "≥" if inclusive else ">"


def unpaid_fate(
    passed_down: float, passed_up: float, lapsed: float, money: Callable[[float], str], lang: str = "en"
) -> str:
    """Where the money of a step without members went, amounts written by ``money``."""
    if passed_down:
        return say("passed_down", lang, amount=money(passed_down))
    if passed_up:
        return say("passed_up", lang, amount=money(passed_up))
    return say("lapse", lang, amount=money(lapsed))


def steps_as_dicts(steps: Sequence[StepOutcome], amounts: Sequence[float]) -> list[dict]:
    """Bars or levels after the cascade, with one region's amount from each, as plain data."""
    return [
        {
            "name": st.name,
            "base_pot_sek": st.base_pot,
            "received_sek": st.received,
            "pot_sek": st.pot,
            "passed_down_sek": st.passed_down,
            "passed_up_sek": st.passed_up,
            "lapsed_sek": st.lapsed,
            "members": list(st.members),
            "member_weight": st.member_weight,
            "region_amount_sek": amount,
        }
        for st, amount in zip(steps, amounts)
    ]


def step_lines(
    heads: Sequence[str],
    steps: Sequence[StepOutcome],
    amounts: Sequence[float],
    region: str,
    weight: float,
    *,
    names: Sequence[str] | None = None,
    lang: str = "en",
) -> list[str]:
    """The steps from the top down: what each had, whom it paid or where its money went, and
    the region's share of it. ``heads`` describe each step's own money, ``names`` name the steps as
    people call them (default: their names), lowest first."""
    lines = []
    names = names or [st.name for st in steps]
    for name, head, out, mine in reversed(list(zip(names, heads, steps, amounts))):
        if out.members:
            weighing = format_number(out.member_weight, lang=lang)
            who = regions_count(len(out.members), lang)
            fate = say("explain.pays", lang, amount=kronor(out.pot, 2, lang=lang), regions=who, weight=weighing)
        else:
            fate = say("explain.no_member", lang, fate=_fate(out, lang))
        own, received = format_kronor(out.base_pot, 2, lang=lang), format_kronor(out.received, 2, lang=lang)
        lines.append(f"  {name}: " + say("explain.received", lang, head=head, own=own, received=received, fate=fate))
        if mine:
            shares = f"{format_number(weight, lang=lang)} / {format_number(out.member_weight, lang=lang)}"
            pot, amount = format_kronor(out.pot, 2, lang=lang), kronor(mine, 2, lang=lang)
            lines.append(f"    {region}: {pot} × {shares} = {amount}")
        if out.members:
            lines.append("    " + say("explain.members", lang, members=" ".join(out.members)))
    return lines


def _fate(out: StepOutcome, lang: str) -> str:
    return unpaid_fate(out.passed_down, out.passed_up, out.lapsed, lambda a: kronor(a, 2, lang=lang), lang)


class Notes:
    """The sources of the rule lines an explanation cites, numbered in the order they are cited."""

    def __init__(self) -> None:
        self.sources: list[str] = []

    def cite(self, source: str) -> str:
        """`` [n]`` for ``source`` (the same source keeps its number); nothing for an empty source."""
        if not source:
            return ""
        if source not in self.sources:
            self.sources.append(source)
        return f" [{self.sources.index(source) + 1}]"

    def lines(self, lang: str = "en") -> list[str]:
        if not self.sources:
            return []
        from ..rules.texts import text_in

        cited = enumerate(self.sources, start=1)
        return ["", say("explain.sources", lang), *(f"  [{i}] {text_in(s, lang)}" for i, s in cited)]


def fitted(lines: Sequence[str], width: int | None) -> str:
    """The lines as one text, each longer than ``width`` wrapped under its own indent (a numbered note under
    its text): an explanation reads in a terminal of that width without the terminal wrapping it."""
    if width is None:
        return "\n".join(lines)
    out = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip())
        note = line.lstrip().startswith("[") and "] " in line
        hang = indent + (line.lstrip().index("] ") + 2 if note else 2)
        whole = re.sub(r"(?<=\d) (?=\d{3}(?!\d)|kr\b)", KEEP, line)  # an amount stays on one line
        wrapped = textwrap.wrap(whole, width, subsequent_indent=" " * hang, break_on_hyphens=False) or [""]
        out += [w.replace(KEEP, " ") for w in wrapped]
    return "\n".join(out)
