"""The toy quota's words, in English and Swedish."""

from __future__ import annotations

WORDS = {
    "kind": ("toy quota", "leksakskvot"),
    "quota": ("quota", "kvot"),
    "cells_anchor": ("toy-quotas", "toy-quotas"),
    "cells_title": ("Toy quotas", "Leksakskvoter"),
    "cells_alt": ("Toy quota", "Toy quota"),
    "cells_intro": (
        "Each region's visits in the month and clinic, the threshold as a line; those above share the pot.",
        "Varje regions besök i månaden och kliniken, tröskeln som en linje; de ovanför delar potten.",
    ),
    "none": ("none", "ingen"),
    "not_met": ("below the threshold", "under tröskeln"),
    "met": ("met the threshold", "nådde tröskeln"),
}

LEVER_WORDS = {
    "label": ("extra visits", "extra besök"),
    "unit": ("visits", "besök"),
    "help": ("Visits added to the region's toy_visits (toy quota; whole numbers).", "Besök som läggs till."),
    "whatif": ("performs {change} visits more of {measure}", "gör {change} fler besök av {measure}"),
    "page.pp": ("visits", "besök"),
    "page.improvement_pp": ("Extra visits", "Extra besök"),
    "page.title": ("What if a region performs more visits? {ruleset}", "Vad händer med fler besök? {ruleset}"),
    "page.all": ("Extra visits in every cell", "Extra besök i alla celler"),
    "page.all_number": ("Extra visits in every cell (number)", "Extra besök i alla celler (tal)"),
    "page.cell_number": ("Extra visits in {cell} (number)", "Extra besök i {cell} (tal)"),
    "page.staircase": (
        "Toy quota cells: {amount} kr before, {after} kr after",
        "Kvotceller: {amount} kr före, {after} kr efter",
    ),
    "page.next": ("next quota", "nästa kvot"),
    "page.next_top": ("the quota is met", "kvoten är nådd"),
    "page.extra_pp": ("one more visit here", "ett besök till här"),
}
