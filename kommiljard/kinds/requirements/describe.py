"""A block of requirements' rule parameters in words for the report: its requirements, payments and measures."""

from __future__ import annotations

from .rules import RequirementsBonus


def _requirement(value: dict, say) -> str:
    parts = [f"{value.get('label') or value['name']}: {value['measure']} ({value['group']})"]
    imp = value.get("improvement")
    if imp:
        unit = (" pp" if say.lang == "en" else " procentenheter") if imp["unit"] == "pp" else " %"
        steps = "; ".join(
            f"{say.word('improvement_of')} {say.bound(s['inclusive'], s['min_improvement'], unit)}: "
            f"{say.percent(100 * s['fraction'], 0)}"
            for s in imp["steps"]
        )
        parts.append(steps)
    ful = value.get("fulfilment")
    if ful:
        mark = "≤" if ful.get("better") == "lower" else "≥"
        share = say.percent(100 * ful["fraction"], 0)
        parts.append(f"{ful.get('measure') or value['measure']} {mark} {ful['threshold']:g}: {share}")
    parts.append(say.kronor(value["total_sek"]))
    if value.get("unsourced"):
        parts.append("UNSOURCED" if say.lang == "en" else "KÄLLA SAKNAS")
    return ", ".join(parts)


def parameter_text(key: str, value, block: RequirementsBonus, say) -> str | None:
    """A requirement (measure, staircase, level, tranche), a payment and a measure in words; None otherwise."""
    if key == "requirements":
        return _requirement(value, say)
    if key == "payments":
        return (
            f"{value['month']}: "
            + ("the months through " if say.lang == "en" else "månaderna t.o.m. ")
            + value["covers_through"]
        )
    if key == "measures":
        return f"{value['name']}: {value.get('label') or value['unit']}"
    return None
