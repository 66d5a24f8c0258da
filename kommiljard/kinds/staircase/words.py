"""The improvement staircase's words, in English and Swedish: its name, its steps, its report section,
its lever and its cells on the what-if page (see :func:`kommiljard.kinds.base.word`)."""

from __future__ import annotations

WORDS = {
    "kind": ("improvement staircase", "förbättringstrappa"),
    "bar": ("bar", "stapel"),
    "cells_anchor": ("staircases", "staircases"),
    "cells_title": ("Staircases", "Trappor"),
    "cells_alt": ("Staircase", "Trappa"),
    "lapsed_why": (
        "a month and group where nobody reached the lowest bar",
        "en månad och grupp där ingen nådde den lägsta stapeln",
    ),
    "cells_intro": (
        "Drawn like the agreement's diagram 1: each bar starts at its improvement bound and shows its pot after "
        "the cascade with the regions that share it; an empty bar is dashed and says where its money went. Below the "
        "axis every region sits at its own improvement.",
        "Ritade som överenskommelsens diagram 1: varje stapel börjar vid sin förbättringsgräns och visar sin pott "
        "efter överföringar nedåt, med de regioner som delar den; en tom stapel är streckad och säger vart pengarna "
        "gick. Under axeln står varje region vid sin egen förbättring.",
    ),
    # the page's cells
    "tier_none": ("none", "ingen"),
    "route_none": ("no bar", "ingen stapel"),
    "route_improvement": ("by improvement", "genom förbättring"),
    "route_target": ("by the target ({measure} {op} {threshold} %)", "genom målet ({measure} {op} {threshold} %)"),
}

# The lever: percentage points added to a share (what-if, payout curves, the what-if page)
LEVER_WORDS = {
    "label": ("improvement", "förbättring"),
    "unit": ("percentage points", "procentenheter"),
    "range": ("shares are 0-100 %", "andelar är 0-100 %"),
    "help": (
        "Percentage points added to the region's measured share (share_90; negative: worse); shares are clamped "
        "to 0-100.",
        "Procentenheter som läggs till regionens uppmätta andel (andelen inom 90 dagar; negativt: sämre); andelar "
        "begränsas till 0-100.",
    ),
    "whatif": ("improves its {measure} by {change} pp", "förbättrar sin {measure} med {change} procentenheter"),
}
