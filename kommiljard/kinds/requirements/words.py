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
    "lapsed_why": (
        "a requirement's money that no region earned and no bonus pot passed on",
        "medel för ett krav som ingen region tjänade in och ingen bonuspott förde vidare",
    ),
    "cell_qualifiers": ("{regions} earned part of it", "{regions} tjänade in en del av dem"),
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

# The lever: points moved on a requirement's measure, in its better direction (what-if, curves, the page), and
# the page's words it rewords (page.<key>, see kommiljard/outputs/page_template/text.toml)
LEVER_WORDS = {
    "whatif": (
        "moves its figures {change} pp the better way (up, or down where lower is better)",
        "flyttar sina värden {change} procentenheter åt det bättre hållet (uppåt, eller nedåt där lägre är bättre)",
    ),
    "page.all": ("Better figure in every cell, pp", "Bättre värde i varje cell, procentenheter"),
    "page.all_number": ("Better figure in every cell, pp (number)", "Bättre värde i varje cell, procentenheter (tal)"),
    "page.staircase": (
        "Requirement cells: {amount} kr before, {after} kr after",
        "Kravens celler: {amount} kr före, {after} kr efter",
    ),
    "page.cells": ("Per month and requirement", "Per månad och prestationskrav"),
    "page.combined_note": (
        "an approximate answer when cells move by different amounts: the total adds each cell's own effect, but the "
        "bonus pot's shares move together, so it can be off by millions of kronor; `kommiljard whatif` gives the "
        "exact amount (the same change in every cell is exact here).",
        "ett ungefärligt svar när cellerna flyttas olika mycket: summan lägger ihop effekten av varje cell för sig, "
        "men bonuspottens andelar rör sig tillsammans, så den kan avvika med miljontals kronor; `kommiljard whatif` "
        "ger det exakta beloppet (samma ändring i alla celler är exakt här).",
    ),
    "page.cells_note": (
        "Drag a slider or type a number; the arrow keys move a slider by one step. The picture is the cell's payout "
        "curve: the region's kronor as its figure gets better (up, or down where lower is better) in this cell alone, "
        "every other region fixed. The bonus pot ties the cells together: the curve carries the region's whole "
        "change, its bonus from every other cell included.",
        "Dra ett reglage eller skriv ett tal; piltangenterna flyttar ett reglage ett steg. Bilden är cellens "
        "utbetalningskurva: regionens kronor när dess värde blir bättre (uppåt, eller nedåt där lägre är bättre) i "
        "bara denna cell, alla andra regioner oförändrade. Bonuspotten binder ihop cellerna: kurvan bär regionens "
        "hela förändring, dess bonus från alla andra celler inräknad.",
    ),
    "page.kronor": (  # a cell's amount after a move carries the bonus it moves in the other cells: it may be < 0
        "kronor, with the bonus it moves in other cells",
        "kronor, med bonusen den flyttar i andra celler",
    ),
    "page.next": ("next step", "nästa steg"),
    "page.next_in": (
        "{pp} pp more reaches step {tier} ({bars})",
        "ytterligare {pp} procentenheter når steg {tier} ({bars})",
    ),
    "page.next_top": ("the whole part is earned", "hela andelen är intjänad"),
    "page.route_none": ("not met", "ej uppfyllt"),
    "page.next_note": (
        "“Next step” is the smallest further improvement on the page's grid that earns more of the region's part.",
        "”Nästa steg” är den minsta ytterligare förbättringen i sidans rutnät som ger en större del av regionens "
        "andel.",
    ),
    "page.about_text": (
        "For every region and every month and requirement, kommiljard ran the engine with the region's figure of the "
        "requirement's measure moved by {lo} to {hi} pp in steps of {step} pp in that cell alone, every other region "
        "as in the panel. A requirement with a bonus pot is not a sum of independent cells: what a region does not "
        "earn in one cell goes to the bonus pot, shared by what every region earned in all of them. So each cell's "
        "curve carries the region's whole change from moving that cell. The page's total is exact when one cell is "
        "moved, and when every cell moves by the same amount (the page holds that curve too); with cells moved by "
        "different amounts it adds their separate effects, which can be off by millions of kronor (the bonus pot's "
        "shares move together). `kommiljard whatif` gives the exact amount of any combination. A moved figure is "
        "rounded to 6 decimals and kept within 0–100 %.",
        "För varje region och varje månad och prestationskrav körde kommiljard motorn med regionens värde på kravets "
        "mått flyttat {lo} till {hi} procentenheter i steg om {step} i bara den cellen, alla andra regioner som i "
        "panelen. Krav med bonuspott är inte en summa av oberoende celler: det en region inte tjänar in i en cell går"
        " till bonuspotten, som fördelas efter vad varje region tjänat in i alla celler. Därför bär kurvan för varje "
        "cell regionens hela förändring när just den cellen flyttas. Sidans summa är exakt när en cell flyttas, och "
        "när alla celler flyttas lika mycket (sidan har den kurvan också); flyttas cellerna olika mycket lägger sidan "
        "ihop deras var för sig beräknade effekter, vilket kan avvika med miljontals kronor (bonuspottens andelar rör "
        "sig tillsammans). `kommiljard whatif` ger det exakta beloppet för varje kombination. Ett flyttat värde "
        "avrundas till 6 decimaler och hålls inom 0–100 %.",
    ),
    "page.about_cap": (
        "Each cell moves its own requirement's measure ({measure}, {cap} and the others the rule file names); where "
        "lower is better, a better figure is a lower one.",
        "Varje cell flyttar sitt eget kravs mått ({measure}, {cap} och de andra regelfilen anger); där lägre är bättre "
        "är ett bättre värde ett lägre.",
    ),
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
    "regions_title_lapse": ("Per region: earned and payments", "Per region: intjänat och utbetalningar"),
    "requirement": ("requirement", "prestationskrav"),
    "area": ("area", "område"),
    "tranche": ("money, kr", "medel, kr"),
    "earned": ("earned, kr", "intjänat, kr"),
    "to_bonus": ("to the bonus pot, kr", "till bonuspotten, kr"),
    "unearned": ("unearned, kr", "ej intjänat, kr"),  # where there is no bonus pot
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
