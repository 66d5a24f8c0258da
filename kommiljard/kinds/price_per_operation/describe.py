"""A price block's rule parameters in words for the report: its procedures, its cap and its unearned money."""

from __future__ import annotations

from ..base import word
from .rules import PricePerOperation
from .words import KIND_WORDS, procedure_name


def parameter_text(key: str, value, block: PricePerOperation, say) -> str | None:
    """The procedures (price and pot share), the cap, where unearned money goes and the counting, in words;
    None otherwise."""
    lang = say.lang
    plain = {"counting": "counting", "baseline_statistic": "statistic", "pot_by": "pot_by", "overflow": "overflow"}
    if key in plain:
        return word(KIND_WORDS, f"{plain[key]}_{value}", lang)
    if key == "baseline_years":
        return ", ".join(map(str, value))
    if key == "procedures":
        price = word(KIND_WORDS, "price_of", lang, price=say.kronor(value["price_sek"]))
        text = f"{procedure_name(value['name'], lang)}: {price}"
        share = value.get("pot_share")
        return text + ("; " + word(KIND_WORDS, "pot_share", lang, share=say.percent(100 * share, 1)) if share else "")
    if key == "cap":
        numbers = ", ".join(f"{code} {number:g}" for code, number in value.get("table", {}).items())
        return word(
            KIND_WORDS, f"cap_{value['key']}", lang, **({"numbers": numbers} if value["key"] == "table" else {})
        )
    if key == "unearned":
        if value["to"] == "lapse":
            return word(KIND_WORDS, "unearned_lapse", lang)
        return word(
            KIND_WORDS,
            "unearned_top",
            lang,
            regions=value["regions"],
            sharing=word(KIND_WORDS, f"sharing_{value['sharing']}", lang),
            cap=word(KIND_WORDS, "within_cap", lang) if value["within_cap"] else "",
        )
    return None
