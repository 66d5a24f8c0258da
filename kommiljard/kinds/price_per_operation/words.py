"""Every text a price-per-operation block shows a user, in English and Swedish."""

from __future__ import annotations

from .rules import PROCEDURES

LANGS = ("en", "sv")
WORDS = {
    "gets": ("{region} gets {amount}", "{region} får {amount}"),
    "baseline_need": ("{cell} (baseline {year})", "{cell} (baslinje {year})"),  # a panel row the baseline reads
    "over": ("{ops} {name} over the baseline at {price}", "{ops} {name} över baslinjen à {price}"),
    "every": ("{ops} {name} at {price}", "{ops} {name} à {price}"),
    "none_counted": ("no operation over the baseline", "ingen operation över baslinjen"),
    "capped_at": ("capped at {cap}", "med taket {cap}"),
    "capped_in": ("capped at {cap} in {name}", "med taket {cap} för {name}"),
    "below_cap": ("below its cap of {cap}", "under taket {cap}"),
    "no_cap": ("no cap", "inget tak"),
    "top": ("{amount} as one of the top regions in {name}", "{amount} som en av toppregionerna för {name}"),
    "operations_heading": (
        "Operations counted ({months}; baseline: {statistic} of the same months of {years}{whole})",
        "Räknade operationer ({months}; baslinje: {statistic} för samma månader {years}{whole})",
    ),
    "every_heading": (
        "Operations counted ({months}; every operation counts)",
        "Räknade operationer ({months}; varje operation räknas)",
    ),
    "mean": ("mean", "medelvärdet"),
    "max": ("highest", "högsta värdet"),
    "whole": ("; rounded up to whole operations", "; avrundat uppåt till hela operationer"),
    "columns": (
        ("procedure", "period", "baseline", "counted", "price", "earned"),
        ("åtgärd", "perioden", "baslinje", "räknade", "pris", "intjänat"),
    ),
    "earned_total": ("Earned in all procedures: {amount}", "Intjänat för alla åtgärder: {amount}"),
    "cap_heading": ("Cap", "Tak"),
    "cap_line": ("{pot} x {part} / {parts} = {cap}", "{pot} x {part} / {parts} = {cap}"),
    "kept": (
        "kept: the lower of earned {earned} and the cap {cap} = {kept}",
        "behållet: det lägre av intjänat {earned} och taket {cap} = {kept}",
    ),
    "title": (
        "Region {region}, {months} | rules {rules} ({version}), block {block}",
        "Region {region}, {months} | regler {rules} ({version}), block {block}",
    ),
    "panel": ("Panel: {source}", "Panel: {source}"),
    "synthetic": ("[SYNTHETIC data, not real regional figures]", "[SYNTETISKA data, inte verkliga regionala siffror]"),
    "unsourced": ("unsourced reading", "läsning utan källa"),
    "pot_heading": ("Pot {name}: {pot}", "Pott {name}: {pot}"),
    "pot_heading_one": ("Pot: {pot}", "Pott: {pot}"),
    "pot_line": (
        "earned by all regions {earned}; kept under the caps {kept}; paid {paid}; unearned {unearned}",
        "intjänat av alla regioner {earned}; behållet under taken {kept}; utbetalt {paid}; ej intjänat {unearned}",
    ),
    "pro_rata": ("overdrawn: everyone's money x {scale}", "övertecknad: allas belopp x {scale}"),
    "top_line": (
        "to the top regions by operations per inhabitant ({regions}): {to_top}; lapsed {lapsed}",
        "till toppregionerna efter operationer per invånare ({regions}): {to_top}; förfaller {lapsed}",
    ),
    "lapse_line": ("lapsed {lapsed}", "förfaller {lapsed}"),
    "amount": ("Amount: {amount}", "Belopp: {amount}"),
    "share_of_max": ("Share of its maximum: {pct}", "Andel av maxbeloppet: {pct}"),
}


def word(text: str, lang: str = "en", **values) -> str:
    """One text of :data:`WORDS` in ``lang``, with its blanks filled."""
    return WORDS[text][LANGS.index(lang)].format(**values)


# How many of a procedure are called, as (English, Swedish).
PLURALS = {
    "hip_prosthesis": ("hip prostheses", "höftproteser"),
    "knee_prosthesis": ("knee prostheses", "knäproteser"),
    "cataract": ("cataract operations", "gråstarrsoperationer"),
    "prolapse": ("prolapse operations", "framfallsoperationer"),
    "inguinal_hernia": ("inguinal hernia operations", "ljumskbråcksoperationer"),
    "colonoscopy": ("colonoscopies", "koloskopier"),
}


def procedure_name(name: str, lang: str = "en", plural: bool = False) -> str:
    """A procedure as a reader calls it: ``hip prosthesis``, ``hip prostheses`` (``höftprotes``,
    ``höftproteser`` in Swedish)."""
    if plural:
        return PLURALS[name][LANGS.index(lang)]
    sv, en = PROCEDURES[name]
    return sv if lang == "sv" else en


# The kind's own words (see kommiljard.kinds.base.word): its name, the parts of a cell's money, its report
# section, its routes and its cells on the what-if page.
KIND_WORDS = {
    "kind": ("price per operation", "ersättning per operation"),
    "part": ("part", "del"),
    "cells_anchor": ("prices-per-operation", "prices-per-operation"),
    "cells_title": ("Prices per operation", "Ersättning per operation"),
    "cells_alt": ("Price per operation", "Ersättning per operation"),
    "lapsed_why": (
        "money that no region earned with operations above its baseline within its cap",
        "medel som ingen region tjänade in med operationer över sin baslinje inom sitt tak",
    ),
    "cell_qualifiers": ("{regions} were paid", "{regions} fick utbetalning"),
    # its picture
    "block_name": ("Block {number}: {name}", "Block {number}: {name}"),
    "figure_title": (
        "{title}: pot {pot} mnkr, paid {paid}, lapsed {lapsed}",
        "{title}: pott {pot} mnkr, utbetalt {paid}, ej utbetalt {lapsed}",
    ),
    "figure_paid": ("paid for its operations", "utbetalt för egna operationer"),
    "figure_top": ("as a top region", "som toppregion"),
    "figure_unpaid": ("earned above its cap (not paid)", "intjänat över taket (ej utbetalt)"),
    "figure_cap": ("cap", "tak"),
    "cells_intro": (
        "Each region's money against its cap: paid for its own operations above the baseline, paid as one of the "
        "regions with the most operations per inhabitant (hatched), its cap (a black tick) and what it earned above "
        "its cap but was not paid (dotted).",
        "Varje regions pengar mot dess tak: utbetalt för egna operationer över baslinjen, utbetalt som en av "
        "regionerna med flest operationer per invånare (streckat), dess tak (ett svart streck) och det den tjänade "
        "in över taket men inte fick (prickat).",
    ),
    "tier_none": ("nothing", "inget"),
    "tier_paid": ("paid", "utbetalt"),
    "step_operations": ("payment for operations", "ersättning för operationer"),
    "step_top_regions": ("top-region money", "toppregionsmedel"),
    "route_none": ("no operation over the baseline", "ingen operation över baslinjen"),
    "route_increase": ("paid for its operations", "ersatt för sina operationer"),
    "route_capped": ("reached its cap", "nådde taket"),
    "route_top_regions": ("as a top region", "som toppregion"),
    "all_procedures": ("all procedures", "alla åtgärder"),
    "column_room_to_cap_sek": ("room to the cap, kr", "kvar till taket, kr"),
    "operations_done": ("operations performed", "utförda operationer"),
    # the procedures as groups of a panel (outputs name a group by its word group_<name>)
    **{f"group_{name}": (en, sv.lower()) for name, (sv, en) in PROCEDURES.items()},
    # the report's words of the rule parameters
    "price_of": ("{price} per operation", "{price} per operation"),
    "pot_share": ("{share} of the block's money", "{share} av blockets medel"),
    "cap_table": (
        "each region the pot x its number / their sum: {numbers}",
        "varje region potten x sitt tal / talens summa: {numbers}",
    ),
    "cap_population": (
        "each region the pot x its share of the population",
        "varje region potten x sin andel av befolkningen",
    ),
    "cap_equal": ("the same for every region", "lika för alla regioner"),
    "cap_none": ("no cap", "inget tak"),
    "unearned_lapse": ("lapses", "förfaller"),
    "unearned_top": (
        "to the {regions} regions with the most operations per inhabitant in each procedure, shared by {sharing}{cap}",
        "till de {regions} regioner som utfört flest operationer per invånare inom varje åtgärd, fördelat efter "
        "{sharing}{cap}",
    ),
    "sharing_population": ("population", "befolkning"),
    "sharing_operations": ("operations", "antal operationer"),
    "sharing_equal": ("equal shares", "lika delar"),
    "within_cap": (", within their caps", ", inom sina tak"),
    # the report's names of the rule parameters, and the words of their values
    "param_counting": ("operations counted", "operationer som räknas"),
    "param_baseline_years": ("baseline years", "baslinjens år"),
    "param_baseline_statistic": ("baseline", "baslinje"),
    "param_whole_operations": ("whole operations", "hela operationer"),
    "param_pot_by": ("pots", "potter"),
    "param_overflow": ("money earned above a pot", "intjänat över en pott"),
    "param_procedures": ("procedure", "åtgärd"),
    "param_cap": ("cap per region", "tak per region"),
    "param_unearned": ("money no region earns", "medel som ingen region tjänar in"),
    "counting_above_baseline": (
        "those above the region's baseline (the same months of the baseline years)",
        "de som överstiger regionens baslinje (samma månader baslinjens år)",
    ),
    "counting_every_operation": ("every operation", "varje operation"),
    "statistic_mean": ("the mean of the years", "medelvärdet av åren"),
    "statistic_max": ("the highest of the years", "det högsta av åren"),
    "pot_by_block": ("one for the block", "en för blocket"),
    "pot_by_procedure": ("one per procedure", "en per åtgärd"),
    "overflow_pro_rata": ("everyone's earnings scaled down alike", "allas intjänade belopp sänks i samma proportion"),
}

# The lever: operations performed (what-if, payout curves, the what-if page)
LEVER_WORDS = {
    "label": ("more operations", "fler operationer"),
    "whatif": (
        "performs {change} more operations of each procedure",
        "utför {change} fler operationer av varje åtgärd",
    ),
    "unit": ("operations", "operationer"),
    "one_more": ("one more operation, kr", "en operation till, kr"),
    "range": ("a count of operations", "ett antal operationer"),
    # the what-if page's words for this lever (replacing the page's own, text.toml)
    "page.title": (
        "What if a region performs more operations? {ruleset}",
        "Vad händer om en region utför fler operationer? {ruleset}",
    ),
    "page.all": ("More operations in every cell", "Fler operationer i alla celler"),
    "page.all_number": ("More operations in every cell (number)", "Fler operationer i alla celler (tal)"),
    "page.cell_number": ("More operations in {cell} (number)", "Fler operationer i {cell} (tal)"),
    "page.improvement_pp": ("More operations of each procedure", "Fler operationer av varje åtgärd"),
    "page.pp": ("operations", "operationer"),
    "page.cells": ("Per cell (a pot)", "Per cell (en pott)"),
    "page.cells_note": (
        "Drag a slider or type a number; the arrow keys move a slider by one step. The picture is this cell's payout "
        "curve: the region's kronor as it performs more or fewer operations (of every procedure of the cell), every "
        "other region fixed; the dot marks the current change.",
        "Dra i ett reglage eller skriv ett tal; piltangenterna flyttar ett reglage ett steg. Bilden är cellens "
        "utbetalningskurva: regionens kronor när den utför fler eller färre operationer (av varje åtgärd i cellen), "
        "alla andra regioner oförändrade; punkten visar den valda ändringen.",
    ),
    "page.curve": (
        "Payout curve of {region} in {cell}: from {lo} to {hi} operations the amount runs between {min} and {max} kr; "
        "at {x} operations it is {y} kr.",
        "Utbetalningskurva för {region} i {cell}: från {lo} till {hi} operationer går beloppet mellan {min} och {max} "
        "kr; vid {x} operationer är det {y} kr.",
    ),
    "page.notice_range": (
        "{value} operations is outside the page's range ({lo} to {hi}); set to {set}. For other changes run "
        "`kommiljard whatif --more`.",
        "{value} operationer ligger utanför sidans intervall ({lo} till {hi}); satt till {set}. Kör `kommiljard "
        "whatif --more` för andra ändringar.",
    ),
    "page.notice_grid": (
        "{value} is not on the page's grid (steps of {step} operations); set to {set}.",
        "{value} ligger inte på sidans steg ({step} operationer); satt till {set}.",
    ),
    "page.extra_pp": ("one more operation of each procedure here", "en operation till av varje åtgärd här"),
    "page.next": ("next step", "nästa steg"),
    "page.next_in": (
        "{pp} operations more reach tier {tier} ({bars})",
        "ytterligare {pp} operationer når nivå {tier} ({bars})",
    ),
    "page.next_beyond": (
        "not within the page's range (up to {hi} operations)",
        "inte inom sidans intervall (upp till {hi} operationer)",
    ),
    "page.next_top": (
        "none: each operation over the baseline is paid, up to the cap",
        "inget: varje operation över baslinjen ersätts, upp till taket",
    ),
    "page.staircase": (
        "Price cells: {amount} kr before, {after} kr after",
        "Priscellerna: {amount} kr före, {after} kr efter",
    ),
    "page.about_text": (
        "For every region and every cell (a pot of the price per operation), kommiljard ran the engine with the "
        "region's {measure} raised or lowered by {lo} to {hi} in steps of {step} (of every procedure of the cell), "
        "every other region as in the panel. Each cell has its own pot, so a region's total is the sum of its cells "
        "plus the other blocks; the page only looks the amounts up and adds them, and equals `kommiljard whatif` to "
        "the öre on this grid. A count never falls below 0.",
        "För varje region och varje cell (en pott i ersättningen per operation) körde kommiljard motorn med "
        "regionens {measure} höjda eller sänkta med {lo} till {hi} i steg om {step} (av varje åtgärd i cellen), alla "
        "andra regioner som i panelen. Varje cell har en egen pott, så en regions summa är summan av dess celler plus "
        "de andra blocken; sidan slår bara upp beloppen och lägger ihop dem, och stämmer med `kommiljard whatif` på "
        "öret i detta rutnät. Ett antal blir aldrig mindre än 0.",
    ),
    "page.about_outside": (
        "Outside the range, or between grid steps, the page sets the nearest value it has and says so; use "
        "`kommiljard whatif --more` for those. The view is kept in the link (after #), e.g. {example_all} (every "
        "cell) or {example_cell} (one cell), so it can be shared.",
        "Utanför intervallet, eller mellan stegen, sätter sidan närmaste värde den har och säger det; använd "
        "`kommiljard whatif --more` för dem. Vyn sparas i länken (efter #), t.ex. {example_all} (alla celler) eller "
        "{example_cell} (en cell), så att den kan delas.",
    ),
    "page.next_note": ("", ""),
    "help": (
        "Operations added to the region's count of each chosen procedure over the block's months (negative: fewer; "
        "a month never falls below 0).",
        "Operationer som läggs till regionens antal för varje vald åtgärd under blockets månader (negativt: färre; "
        "en månad blir aldrig mindre än 0).",
    ),
}
