"""What the words of an export mean: numbers as written, measures, phases and titles.

All matching is on folded text (lower case, no diacritics or punctuation), so ``Första
besök``, ``FÖRSTA BESÖK`` and ``forsta-besok`` are the same. A label that names a measure
kommiljard does not use (a median, the share waiting *longer* than 90 days, a band such as
61-90 days) is recognised as such, so that it is refused rather than read as a share.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..language import speaker, spoken
from .grid import as_text
from .regions import fold

say = speaker(__package__)

MEASURES = (
    "share_90",
    "share_60",
    "n_waiting",
    # the measures of the performance requirements of 2022-2024 (inputs.measures.CATALOGUE)
    "share_over_150",
    "performed_30",
    "performed_60",
    "assessment_3d",
    "within_target",
)
SHARES = ("share_90", "share_60")
PERCENTS = tuple(m for m in MEASURES if m != "n_waiting")  # every measure but the count is a percentage


def measure_hint() -> str:
    """The measures an export names, as its cells write them, in the spoken language."""
    return say("measure_hint")


GROUP_NAMES = {
    "first_visit": "first visits",
    "operation": "operations/treatment",
    "revisit": "revisits",
    "primary_care": "primary care",
    "bup_first_visit": "first visits in child and adolescent psychiatry",
    "bup_assessment": "in-depth assessments in child and adolescent psychiatry",
    "bup_treatment": "treatments in child and adolescent psychiatry",
}


def group_word(group: str, code: bool = False) -> str:
    """A group as people call it in the spoken language (``first_visit``: first visits, förstabesök); with ``code``,
    in English the code itself (as the English messages have always named a panel row's group)."""
    if code and spoken() == "en":
        return group
    return say(f"group.{group}") if group in GROUP_NAMES else group


GROUP_WORDS = {"first_visit": ("forstabesok", "forsta besok", "first visit"), "operation": ("operation", "atgard")}
# What a title's Fas: names within child and adolescent psychiatry (the first match wins)
BUP_PHASES = (
    ("bup_assessment", ("fordjupad utredning", "utredning")),
    ("bup_treatment", ("behandling",)),
    ("bup_first_visit", ("forsta besok", "forstabesok", "nybesok")),
)
MISSING = {
    "": "empty",
    "-": "dash",
    "..": "dots",
    "–": "en_dash",
    "nan": "empty",
    "none": "empty",
}  # in every layout: the mark -> why the cell has no value (a key of words.toml's [missing])
_NUMBER = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)(%|st)?$")


@dataclass(frozen=True)
class Parsed:
    value: float | None
    unit: str | None  # "%" or "st" if the cell says so
    missing: str | None  # why there is no value, in the spoken language
    bad: bool = False  # neither a number nor a missing mark


def parse_value(raw: object, missing: Mapping[str, str] = MISSING) -> Parsed:
    """A cell as a number: ``81,2``, ``64 %``, ``128 017 st``, or a missing mark of the layout (``missing``: the mark
    -> a key of words.toml's ``[missing]``)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Parsed(None, None, say("missing.empty")) if math.isnan(raw) else Parsed(float(raw), None, None)
    text = as_text(raw)
    squeezed = re.sub(r"[\s\u00a0\u202f]", "", text).lower()
    if squeezed in missing or text.lower() in missing:
        return Parsed(None, None, say("missing." + (missing.get(squeezed) or missing[text.lower()])))
    match = _NUMBER.match(squeezed) if not hasattr(raw, "year") else None
    if match is None:
        return Parsed(None, None, None, bad=True)
    return Parsed(float(match[1].replace(",", ".")), match[2], None)


def number(value: object) -> float | None:
    """A number as a spreadsheet writes it (``81,2``, ``81,2 %``, ``52 310``); None if missing; NaN if not a number."""
    parsed = parse_value(value)
    return float("nan") if parsed.bad else parsed.value


def measure_named(text: object) -> tuple[str | None, str | None]:
    """The measure a label or title segment names, or what else it names.

    ``Andel väntande inom 90 dagar`` -> ``("share_90", None)``; ``Antal väntande`` ->
    ``("n_waiting", None)``; ``Andel > 90 dagar`` -> ``(None, "the share waiting longer than 90 days")``;
    ``Medianvärdet för väntetid`` -> ``(None, "a median or mean waiting time")``; a label
    naming no measure -> ``(None, None)``.
    """
    raw = as_text(text)
    key = fold(raw)
    words = key.split()
    if key.replace(" ", "_") in MEASURES:
        return key.replace(" ", "_"), None
    if any(w.startswith(("median", "percentil", "medel", "genomsnitt", "kvartil")) for w in words):
        return None, say("title.median")
    numbers = re.findall(r"\d+", key)
    longer = ">" in raw or bool({"over", "mer", "langre", "fler", "overstiger"} & set(words))
    share = bool({"andel", "procent", "share", "percent"} & set(words)) or "%" in raw
    if share and "medicinsk bedomning" in key and (numbers == ["3"] or "tre" in words):
        return "assessment_3d", None
    if share and "maldatum" in key:
        return "within_target", None
    if share:
        if longer and numbers == ["150"]:
            return "share_over_150", None
        if longer:
            return None, say("title.longer", days=" ".join(numbers))
        if len(numbers) == 2 and numbers[0] != "0":
            return None, say("title.band", low=numbers[0], high=numbers[1])
        days = numbers[-1:] if len(numbers) <= 2 else []
        if days in (["90"], ["60"]):
            return f"share_{days[0]}", None
        return None, say("title.within", days=" ".join(numbers)) if numbers else say("title.no_days")
    if {"antal", "number", "count"} & set(words):
        return (None, say("title.count_by_time")) if numbers or longer else ("n_waiting", None)
    return None, None


def group_of(value: object) -> str | None:
    """``Förstabesök`` -> ``first_visit``, ``Operation/åtgärd`` -> ``operation``; None if unknown."""
    key = fold(str(value))
    if key.replace(" ", "_") in GROUP_WORDS:
        return key.replace(" ", "_")
    return next((group for group, words in GROUP_WORDS.items() if any(w in key for w in words)), None)


def phase_named(text: str, area: str | None = None) -> set[str]:
    """The phases a title or its ``Fas:`` segment names: ``Första besök`` -> ``{"first_visit"}``; in child and
    adolescent psychiatry (``area`` ``"bup"``) ``Fördjupad utredning`` -> ``{"bup_assessment"}``."""
    key = fold(text)
    words = set(key.split())
    if area == "bup":
        return next(({group} for group, names in BUP_PHASES if any(n in key for n in names)), set())
    if "aterbesok" in words:
        return {"revisit"}
    found = set()
    if {"forstabesok", "nybesok", "besok", "forstabesoket"} & words or "forsta besok" in key:
        found.add("first_visit")
    if {"operation", "operationer", "atgard", "atgarder", "behandling", "behandlingar"} & words:
        found.add("operation")
    return found


@dataclass(frozen=True)
class TitleSays:
    """What a title says the file holds (canonical names), and what it says that kommiljard cannot use."""

    phase: str | None = None
    phase_text: str = ""
    measure: str | None = None
    measure_text: str = ""
    unusable: list[tuple[str, str]] = field(default_factory=list)  # ("status"|"phase"|"measure", what it names)

    def unusable_for(self, phase: bool, measure: bool) -> list[str]:
        """What the title names that kommiljard cannot use, among what the file's reader takes from its title."""
        return [text for kind, text in self.unusable if kind == "status" or (phase, measure)[kind == "measure"]]


def read_title(lines: list[str]) -> TitleSays:
    """The phase and measure a title names (``Kontaktstatus: Väntande, Fas: Första besök, Andel inom 90 dagar``)."""
    segments = [s.strip() for line in lines for s in re.split(r"[,;]", line) if s.strip()]
    labelled = {fold(s.partition(":")[0]): s for s in segments if ":" in s}
    whole = fold(" ".join(lines))
    area = "bup" if "ungdomspsykiatri" in whole else "primary_care" if "primarvard" in whole else None
    unusable = []
    status = labelled.get("kontaktstatus")
    performed = False
    if status is not None:
        value = fold(status.partition(":")[2])
        performed = bool({"genomford", "genomforda"} & set(value.split()))
        if "vantande" not in value.split():
            unusable.append(("status", say("title.not_waiting", status=repr(status))))
    elif any(w in whole.split() for w in ("genomford", "genomforda", "utforda")):
        performed = True
        unusable.append(("status", say("title.performed")))
    if performed and (measure := _performed_measure(segments)):  # a share performed within N days: a measure
        unusable = [u for u in unusable if u[0] != "status"]
        return _title_with(labelled, area, unusable, measure)
    phase, phase_text = _fas(labelled, area, unusable)
    if "fas" not in labelled:
        hits = [(p, s) for s in segments for p in phase_named(s)]
        if len({p for p, _ in hits}) == 1:
            phase, phase_text = hits[0]
    found = [(measure_named(s), s) for s in segments if not fold(s).startswith(("kontaktstatus", "fas "))]
    usable = {m for (m, _), _ in found if m}
    unusable += [("measure", f"{s!r} ({other})") for (_, other), s in found if other]
    measure, measure_text = None, ""
    if len(usable) == 1 and not any(other for (_, other), _ in found):
        measure = usable.pop()
        measure_text = next(s for (m, _), s in found if m == measure)
    elif len(usable) > 1:
        several = ", ".join(repr(s) for (m, _), s in found if m)
        unusable.append(("measure", say("title.several_measures", measures=several)))
    if phase is None and area == "primary_care" and "fas" not in labelled:
        phase, phase_text = "primary_care", next(s for s in segments if "primarvard" in fold(s))
    return TitleSays(phase, phase_text, measure, measure_text, unusable)


def _performed_measure(segments: list[str]) -> tuple[str, str] | None:
    """(``performed_<N>``, its segment) if a segment names the share performed within N days and the panel format
    knows that measure; None otherwise."""
    from .measures import CATALOGUE

    for segment in segments:
        key = fold(segment)
        numbers = re.findall(r"\d+", key)
        words = key.split()
        if "andel" in words and "inom" in words and len(numbers) == 1 and f"performed_{numbers[0]}" in CATALOGUE:
            return f"performed_{numbers[0]}", segment
    return None


def _title_with(labelled: dict, area: str | None, unusable: list, measure) -> TitleSays:
    """What a title of performed contacts says: its phase (as for waiting patients) and its performed measure."""
    phase, phase_text = _fas(labelled, area, unusable)
    return TitleSays(phase, phase_text, measure[0], measure[1], unusable)


def _fas(labelled: dict, area: str | None, unusable: list) -> tuple[str | None, str]:
    """(phase, the segment naming it) of a title's ``Fas:`` segment; a phase kommiljard does not read is added to
    ``unusable``; (None, "") without one."""
    if "fas" not in labelled:
        return None, ""
    phases = phase_named(labelled["fas"].partition(":")[2], area)
    if len(phases) == 1:
        return phases.pop(), labelled["fas"]
    unusable.append(("phase", say("title.not_a_phase", fas=repr(labelled["fas"]), hint=say("phase_hint"))))
    return None, ""
