"""The absolute thresholds' words, in English and Swedish: the kind's name, its steps and its report section."""

from __future__ import annotations

WORDS = {
    "kind": ("absolute thresholds", "absoluta nivåer"),
    "level": ("level", "nivå"),
    "cells_anchor": ("threshold-levels", "threshold-levels"),
    "cells_title": ("Threshold levels", "Nivåer"),
    "cells_alt": ("Levels", "Nivåer"),
    "lapsed_why": ("a period where nobody reached the lowest level", "en period där ingen nådde den lägsta nivån"),
    "cells_intro": (
        "Each region's figure for the period, the levels as dashed lines with their pots after the cascade "
        "and their members; a region is coloured by the highest level it reached, hatched if it failed the gate.",
        "Varje regions värde för perioden, nivåerna som streckade linjer med sina potter och de regioner som nådde "
        "dem; en region färgas efter den högsta nivå den nådde, och är streckad om den inte klarade grundkravet.",
    ),
}
