"""What may not reach a reader under ``--lang sv``: English words and kommiljard's code names.

``ENGLISH`` holds common English words and the domain's English words that are not also Swedish
words (``in``, ``per``, ``data``, ``panel``, ``block``, ``region``, ``total``, ``period``, ``status``,
``version``, ``scenario``, ``operation``, ``under``, ``median``, ``variant``, ``decimal``, ``trend``, ``cell`` and
``just`` are left out: they are Swedish too, as are ``given``, the genitive ``regions`` and the months ``april``,
``september``, ``november`` and ``december``; ``june`` is left out as a part of the alternatives' names, such as
``block2-paid-in-june``, which a reader types as written). ``CODE_NAMES``
are the names of columns, values and kinds as the code spells them. :func:`offenders` finds either
in a text, after removing what a reader types as it is written: file names and paths, command
lines and options (``kommiljard import ...``, ``--lang``), rule-set and region codes, hashes, URLs.
"""

from __future__ import annotations

import re

ENGLISH = frozenset(
    """
    the of and with for not by is are was were be been this that these those which what who how when where why if
    then than from to at on into onto or no yes none all every each only also above below paid lapsed lapse lapses
    pot pots bar bars blue red improvement improvements improve improves improved share shares shared waiting
    waited month months group groups first visit visits operations treatments treatment payout payouts amount
    amounts mean chance chances trajectories trajectory rules rule level levels gate target targets tier tiers
    route routes sweep sweeps lever levers gain gains baseline synthetic real figures figure  days day
    percent points point range note notes source sources value values name names column columns row rows file
    files written wrote read table tables sheet sheets part parts cells next more less up down lower higher
    highest lowest exact expected uncertainty uncertain observed drawn draw draws made make run runs use used see
    shows show same other others without within after before between reached reach reaches reaching  give
    gives kronor's region's nobody anybody someone something nothing everything because however while whether
    would could should must may might can cannot will shall its it they them their there here we our you your he
    she his her him us do does did done doing has have had having get gets got getting per-region payment payments
    money total's forecast forecasts realised interval intervals coverage naive error errors fitted fit history
    histories season seasonal noise level's weight weights sharing cumulative equal relative published
    rounded decimals  exclusive inclusive alternative alternatives  variants changes changed change
    conditions condition met missing report page link sent send improving when clamped clamp top bottom left right
    step steps grid slider number numbers print printed distribution percentile percentiles whiskers box violin
    density  quartiles diamond line lines dot dots tick ticks bar's summary detail details provenance
    cascade passed passes pass entry entered enters agreement text literal literally choice reading readings basic
    requirement requirements period's ever never always already still yet again once twice about around over
    through during against per-cell chosen choose chosen whole half quarter third much many most some any few
    several both either neither nor but so such very even though although unless until since
    bundled cap caps room earned unearned kept price prices procedure procedures top regions' operation's
    january february march july august october derived equally cataract prosthesis prostheses prolapse hip knee
    inguinal hernia colonoscopy colonoscopies seed
    """.split()  # noqa: SIM905 - a word list reads best as words
)
CODE_NAMES = frozenset(
    """
    share_90 share_60 performed_60 n_waiting first_visit amount_sek pot_sek paid_sek lapsed_sek total_sek
    target_60 no_bar no_data improvement_staircase absolute_threshold population_share conditions_met
    conditions_not_met gate_not_met mean_sek p5_sek p50_sek p95_sek gain_sek baseline_sek scenario_sek delta_sek
    improvement_pp share_current share_previous region_name block_kind step_index
    """.split()  # noqa: SIM905 - a word list reads best as words
)
TYPED = [
    r"`[^`]*`",  # code as typed
    r"[\w.\[\]-]+ ?= ?[^\s,;)]+",  # a parameter as --set takes it: block1.sharing=equal, inclusive = false
    r"”[\w.-]+”|'[\w.-]+'",  # a value or name quoted as typed: ”down_then_up”
    r"#[\w=&.+-]+",  # a link's view: #region=06&improve=3
    r"\b[\w.]+(?:-[\w.]+)+\b",  # a name with hyphens, as typed: literal-4.4.1, 71-exclusive
    r"\b\w+(?:\.\w+)+\b",  # a dotted key: target.decimals
    r"kommiljard(?: [a-z]+)?(?: [^\s;,)]+)*?(?=[;,.)]?(?:\s|$))",  # a command line
    r"--[a-z][a-z0-9-]*(?:[= ][^\s,;)]+)?",  # an option
    r"(?:[\w.-]+/)+[\w.-]+",  # a path
    r"[\w.-]+\.(?:parquet|csv|xlsx|html|png|svg|pdf|toml|json|ipynb|md|py|txt)\b",  # a file name
    r"\bkommiljard-\d{4}\b",  # a rule set
    r"\b[0-9a-f]{12,64}\b",  # a hash
    r"https?://\S+",
]


def offenders(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The English words and code names in ``text`` (after removing what is typed as written)."""
    for pattern in TYPED:
        text = re.sub(pattern, " ", text)
    found = []
    for token in re.findall(r"[A-Za-zÅÄÖåäöé_][\wÅÄÖåäöé'-]*", text):
        word = token.strip("'-").lower()
        if word in allowed:
            continue
        if word in ENGLISH or word in CODE_NAMES or re.fullmatch(r"[a-z]+(?:_[a-z0-9]+)+", word):
            found.append(token)
    return found
