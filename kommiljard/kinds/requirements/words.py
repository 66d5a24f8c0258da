"""The words of a block of requirements with a bonus pot, in English and Swedish: its name, its steps and
routes, its report section, its lever and its cells on the what-if page (see
:func:`kommiljard.kinds.base.word`)."""

from __future__ import annotations

WORDS = {
    "kind": ("requirements with a bonus pot", "prestationskrav med bonuspott"),
    "step": ("step", "steg"),
    "earned": ("earned", "intjänat"),
    "bonus": ("bonus", "bonus"),
    "bonus_pot": ("bonus pot", "bonuspott"),
    "requirement": ("requirement", "prestationskrav"),
    "part": ("part", "andel"),
    "cells_anchor": ("requirements", "requirements"),
    "cells_title": ("Requirements", "Prestationskrav"),
    "cells_alt": ("Requirement", "Prestationskrav"),
    "cells_intro": (
        "For each requirement: every region's share of its part earned month by month (by an improvement on the same "
        "month a year earlier, partly on a staircase, or by a high level), and its bonus: its share of the money "
        "others did not earn, shared like the earned money.",
        "För varje prestationskrav: hur stor del av sin andel varje region tjänade in månad för månad (genom en "
        "förbättring mot samma månad året innan, delvis enligt en trappa, eller genom en hög nivå), och dess bonus: "
        "dess del av de pengar andra inte tjänade in, fördelad som de intjänade pengarna.",
    ),
    "tier_none": ("not met", "ej uppfyllt"),
    "route_none": ("not met", "ej uppfyllt"),
    "route_improvement": ("by improvement", "genom förbättring"),
    "route_fulfilment": ("by a high level", "genom hög nivå"),
    "unsourced": (
        "UNSOURCED: a placeholder of the rule file, not the agreement's own definition",
        "KÄLLA SAKNAS: en platshållare i regelfilen, inte överenskommelsens egen definition",
    ),
    "bonus_earned": (
        "the bonus pot is shared in proportion to what each region earned from met requirements",
        "bonuspotten fördelas i proportion till vad varje region tjänat in på uppfyllda krav",
    ),
    "bonus_met_population": (
        "the bonus pot is shared by population among the regions that met any requirement",
        "bonuspotten fördelas efter befolkning mellan de regioner som uppfyllt något krav",
    ),
    "bonus_per_requirement": (
        "each requirement's unearned money goes to the regions that met it, by what they earned from it",
        "varje kravs ej intjänade pengar går till de regioner som uppfyllt det, efter vad de tjänat in på det",
    ),
    "bonus_lapse": (
        "no bonus pot: money a region does not earn lapses",
        "ingen bonuspott: pengar en region inte tjänar in förfaller",
    ),
    "published_beside": (
        "The {payment} payment beside what was published ({source}): {model} in the model, {published} published.",
        "Utbetalningen i {payment} bredvid den publicerade ({source}): {model} i modellen, {published} publicerat.",
    ),
}

# The lever: points moved on a requirement's measure, in its better direction (what-if, curves, the page)
LEVER_WORDS = {
    "label": ("better figure", "bättre värde"),
    "unit": ("percentage points", "procentenheter"),
    "range": ("shares are 0-100 %", "andelar är 0-100 %"),
    "help": (
        "Points the region's {measure} moves in the better direction (up, or down where lower is better) in the "
        "requirement's months; negative: worse. Kept within the measure's unit.",
        "Enheter som regionens {measure} flyttas åt det bättre hållet (uppåt, eller nedåt där lägre är bättre) under "
        "kravets månader; negativt: sämre. Hålls inom måttets enhet.",
    ),
}

# The report's tables of a block of requirements (column names and titles)
TABLE_WORDS = {
    "requirements_title": ("The requirements: what their money became", "Prestationskraven: vad pengarna blev"),
    "regions_title": ("Per region: earned, bonus and payments", "Per region: intjänat, bonus och utbetalningar"),
    "requirement": ("requirement", "prestationskrav"),
    "area": ("area", "område"),
    "tranche": ("money, kr", "medel, kr"),
    "earned": ("earned, kr", "intjänat, kr"),
    "to_bonus": ("to the bonus pot, kr", "till bonuspotten, kr"),
    "lapsed": ("lapsed, kr", "ej utbetalt, kr"),
    "by_improvement": ("region-months met by improvement", "regionmånader uppfyllda genom förbättring"),
    "by_level": ("by a high level", "genom hög nivå"),
    "not_met": ("not met", "ej uppfyllda"),
    "source": ("source", "källa"),
    "unsourced": ("UNSOURCED placeholder", "KÄLLA SAKNAS (platshållare)"),
    "sourced": ("sourced", "källa finns"),
    "code": ("code", "kod"),
    "region": ("region", "region"),
    "bonus": ("bonus, kr", "bonus, kr"),
    "total": ("total, kr", "totalt, kr"),
    "paid": ("paid {month}, kr", "utbetalt {month}, kr"),
    "published": ("published {month}, kr", "publicerat {month}, kr"),
    "all_regions": ("all regions", "alla regioner"),
}
