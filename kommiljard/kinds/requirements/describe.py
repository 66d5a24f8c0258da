"""A block of requirements' rule parameters in words for the report: its requirements, payments and measures."""

from __future__ import annotations

from ..naming import group_name, measure_name, month_name
from .rules import RequirementsBonus

UNSOURCED = ("UNSOURCED", "KÄLLA SAKNAS")


def _requirement(value: dict, say) -> str:
    lang = say.lang
    measure = measure_name(value["measure"], lang)
    parts = [f"{measure} ({say.word('groups')} {group_name(value['group'], lang, True)})"]
    imp = value.get("improvement")
    if imp:
        steps = "; ".join(
            f"{say.word('improvement_of')} {say.bound(s['inclusive'], s['min_improvement'], _unit(imp, s, lang))}: "
            f"{say.percent(100 * s['fraction'], 0)}"
            for s in imp["steps"]
        )
        parts.append(steps)
    ful = value.get("fulfilment")
    if ful:
        mark = "≤" if ful.get("better") == "lower" else "≥"
        share = say.percent(100 * ful["fraction"], 0)
        level = measure_name(ful.get("measure") or value["measure"], lang)
        parts.append(f"{level} {mark} {say.percent(ful['threshold'], 0)}: {share}")
    parts.append(say.kronor(value["total_sek"]))
    if value.get("unsourced"):
        parts.append(UNSOURCED[lang == "sv"])
    return ", ".join(parts)


def _unit(improvement: dict, step: dict, lang: str) -> str:
    """The unit after a step's bound: `` pp``, `` procentenhet(er)``, `` %``."""
    if improvement["unit"] != "pp":
        return " %"
    if lang == "en":
        return " pp"
    return " procentenhet" if step["min_improvement"] == 1 else " procentenheter"


def parameter_text(key: str, value, block: RequirementsBonus, say) -> str | None:
    """A requirement (measure, staircase, level, tranche), a payment and a measure in words; None otherwise."""
    if key == "requirements":
        return _requirement(value, say)
    if key == "payments":
        through = month_name(value["covers_through"], say.lang)
        return ("the months through " if say.lang == "en" else "månaderna till och med ") + through
    if key == "published":
        month = next((p.month for p in block.payments if p.name == value.get("payment")), None)
        when = month_name(month, say.lang) if month else str(value.get("payment"))
        total, file = say.kronor(value["total_sek"]), value.get("file", "")
        if say.lang == "sv":
            return f"utbetalningen i {when}: {total}, per region i {file}"
        return f"the {when} payment: {total}, per region in {file}"
    if key == "measures":
        label = value.get("label") if say.lang == "sv" else None
        return label or f"{measure_name(value['name'], say.lang)} ({say.value(value['unit'])})"
    return None
