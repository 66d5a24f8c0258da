"""The words of what people read, in English and Swedish: labels, group and month names, a rule
set's parameters in words and kronor, and provenance as readable rows.

Numbers are written by :mod:`kommiljard.money` (the same amounts in both languages; decimals
with a comma in Swedish). Codes that a reader types (region codes, rule set names, file names)
are never translated.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..inputs.panel import shift_month
from ..kinds import KINDS, kind_of, kind_word
from ..money import format_number, format_percent, kronor

LANGUAGES = ("en", "sv")

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "sv": [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
}
SHORT_MONTHS = {
    "en": ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    "sv": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}
GROUPS = {
    "first_visit": {"en": "first visits", "sv": "förstabesök"},
    "operation": {"en": "operations and treatments", "sv": "operationer och åtgärder"},
}

WORDS = {
    # the report's frame
    "title": ("Kömiljard payout", "Kömiljardens utbetalning"),
    "on": ("on", "för"),
    "rules": ("Rules", "Regler"),
    "panel": ("panel", "panel"),
    "population": ("population", "befolkning"),
    "made": ("made", "skapad"),
    "by": ("by", "med"),
    "summary": ("Payout per region", "Utbetalning per region"),
    "page_nav": ("What-if page", "Vad händer om-sidan"),
    "page_title": ("What if a region improves?", "Vad händer om en region förbättrar sig?"),
    "page_link": ("what-if page", "vad händer om-sidan"),
    "page_text": (
        "The {link} ({href}, beside this report) lets a region set an improvement per month and group and see its "
        "tiers and kronor before and after, exactly as <code>kommiljard whatif</code> gives them; the view is kept "
        "in its link. Send the two files together.",
        "På {link} ({href}, bredvid den här rapporten) kan en region ange en förbättring per månad och grupp och se "
        "sina nivåer och kronor före och efter, precis som <code>kommiljard whatif</code> ger dem; vyn sparas i "
        "länken. Skicka de två filerna tillsammans.",
    ),
    "lapsed_title": ("What lapsed", "Det som inte betalades ut"),
    "rules_title": ("Rule set: every parameter and its source", "Regelverket: varje parameter och dess källa"),
    "provenance_title": ("Provenance", "Underlag och spårbarhet"),
    "provenance_note": (
        "What produced this report, to reproduce it.",
        "Vad rapporten bygger på, för att kunna upprepa den.",
    ),
    "code": ("code", "kod"),
    "region": ("region", "region"),
    "all_regions": ("all regions", "alla regioner"),
    "total": ("total", "totalt"),
    "block": ("block", "block"),
    "kr": ("kr", "kr"),
    "no_data": ("no data", "uppgift saknas"),
    "no_data_col": ("no data for", "uppgift saknas för"),
    "every_cell": ("every cell", "alla celler"),
    "every_month": ("every month", "alla månader"),
    "month": ("month", "månad"),
    "group": ("group", "grupp"),
    "pot": ("pot, kr", "pott, kr"),
    "paid": ("paid, kr", "utbetalt, kr"),
    "lapsed": ("lapsed, kr", "ej utbetalt, kr"),
    "qualifiers": ("regions paid", "regioner med utbetalning"),
    "no_data_count": ("regions without data", "regioner utan uppgifter"),
    "parameter": ("parameter", "parameter"),
    "value": ("value", "värde"),
    "source": ("source / note", "källa / anmärkning"),
    "what": ("what", "vad"),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "synthetic_banner": (
        "SYNTHETIC data, not real regional figures. No amount here says anything about a real region.",
        "SYNTETISKA data, inte verkliga regionala siffror. Inga belopp här säger något om en verklig region.",
    ),
    "panel_says": ("The panel says", "Panelen anger"),
    "lead": (
        "Paid {paid} and lapsed {lapsed} of {total}. Amounts in whole kronor, rounded so that every row and every "
        "column still adds up.",
        "Utbetalt {paid} och ej utbetalt {lapsed} av {total}. Belopp i hela kronor, avrundade så att varje rad och "
        "varje kolumn fortfarande summerar.",
    ),
    "no_data_lead": (
        "No data for {regions}: computed anyway (--allow-missing-regions). They are treated as not qualifying in "
        "those cells and paid nothing from them; their amounts there read 'no data', not 0 kr.",
        "Uppgift saknas för {regions}: beräknat ändå (--allow-missing-regions). De räknas som att de inte "
        "kvalificerar sig i de cellerna och får inget därifrån; där står 'uppgift saknas', inte 0 kr.",
    ),
    "figure_caption": (
        "Each region's block 1 money stacked by month (lighter: later), group (hatched: the second group) and bar; "
        "block 2 beside it in green. Regions sorted by their total.",
        "Varje regions pengar i block 1 staplade per månad (ljusare: senare), grupp (streckad: andra gruppen) och "
        "stapel; block 2 bredvid i grönt. Regionerna sorterade efter totalbelopp.",
    ),
    "figures_english": (
        "",
        " Texten i bilderna är på engelska; siffrorna är desamma.",
    ),
    "cell_caption": (
        "Block {block}, {month}, {group}: pot {pot}, paid {paid}, lapsed {lapsed}; {qualifiers} region(s) reached a "
        "{step}.",
        "Block {block}, {month}, {group}: pott {pot}, utbetalt {paid}, ej utbetalt {lapsed}; {qualifiers} region(er) "
        "nådde en {step}.",
    ),
    "lapsed_lead": (
        "In all, {lapsed} lapsed: money that no region qualified for (a month and group where nobody reached the "
        "lowest bar) or that a region lost by failing a block's conditions. In every row, paid + lapsed = pot.",
        "Sammanlagt betalades {lapsed} inte ut: pengar som ingen region kvalificerade sig för (en månad och grupp "
        "där ingen nådde den lägsta stapeln) eller som en region förlorade genom att inte uppfylla ett blocks "
        "villkor. På varje rad gäller utbetalt + ej utbetalt = pott.",
    ),
    "failed_conditions": (
        "Did not meet the conditions of block(s) {blocks}",
        "Uppfyllde inte villkoren i block {blocks}",
    ),
    "rule_file": ("Rule file", "Regelfil"),
    "changed": ("Parameters changed for this run", "Parametrar ändrade för den här körningen"),
    "source_word": ("Source", "Källa"),
    "total_word": ("Total", "Totalt"),
    "made_with": ("Made with kommiljard", "Skapad med kommiljard"),
    # rule parameters
    "kind": ("kind of rule", "typ av regel"),
    "total_sek": ("total", "totalt belopp"),
    "months": ("months", "månader"),
    "compare_lag_months": ("compared with", "jämförs med"),
    "measure": ("measure", "mått"),
    "improvement_unit": ("improvement in", "förbättring mätt i"),
    "improvement_decimals": ("improvements compared to", "förbättringar jämförs på"),
    "decimals": ("figures compared to", "värden jämförs på"),
    "cumulative": ("a region shares every step it reaches", "en region delar varje steg den når"),
    "sharing": ("shared by", "fördelas efter"),
    "cascade": ("money of a step nobody reaches", "pengar i ett steg som ingen når"),
    "no_qualifier": ("if nobody reaches the lowest step", "om ingen når det lägsta steget"),
    "groups": ("group", "grupp"),
    "bars": ("bar", "stapel"),
    "target": ("target", "målnivå"),
    "forfeit": ("share of a region that fails the conditions", "andel för en region som inte uppfyller villkoren"),
    "conditions": ("condition", "villkor"),
    "aggregate": ("figure of a period", "periodens värde"),
    "periods": ("period", "period"),
    "levels": ("level", "nivå"),
    "gate": ("basic requirement (gate)", "grundkrav"),
    "months_later": ("the same month {n} months earlier", "samma månad {n} månader tidigare"),
    "decimals_value": ("{n} decimals", "{n} decimaler"),
    "of_the_pot": ("of the pot", "av potten"),
    "at_least": ("at least", "minst"),
    "more_than": ("more than", "mer än"),
    "improvement_of": ("improvement", "förbättring"),
    "opens_bar": ("opens the {bar} bar", "öppnar stapeln {bar}"),
    "route": ("route", "väg"),
    "must_hold": ("must be yes", "ska vara ja"),
    "per_group": ("per group", "per grupp"),
    "all_groups": ("in every group", "i alla grupper"),
    "share_of_year": ("share of the year", "andel av året"),
}
VALUE_WORDS = {
    "population": ("population", "befolkning"),
    "equal": ("equal shares", "lika delar"),
    "down": ("passes to the step below", "går till steget under"),
    "lapse": ("lapses", "betalas inte ut"),
    "redistribute": ("goes to the regions that met them", "går till de regioner som uppfyllde dem"),
    "pp": ("percentage points", "procentenheter"),
    "relative_pct": ("percent of last year's share", "procent av förra årets andel"),
    "last": ("its last month", "dess sista månad"),
    "mean": ("the mean of its months", "medelvärdet av dess månader"),
    "min": ("its lowest month", "dess lägsta månad"),
}
MEASURE_WORDS = {
    "share_90": (
        "share of waiting patients who have waited at most 90 days",
        "andel väntande som väntat högst 90 dagar",
    ),
    "share_60": (
        "share of waiting patients who have waited at most 60 days",
        "andel väntande som väntat högst 60 dagar",
    ),
    "performed_60": ("share of visits and operations performed within 60 days", "andel genomförda inom 60 dagar"),
}


def check_lang(lang: str) -> str:
    from ..errors import InputError

    if lang not in LANGUAGES:
        raise InputError(f"language {lang!r}: use en (English) or sv (Swedish)")
    return lang


def word(key: str, lang: str = "en", **values) -> str:
    """The text of ``key`` in the language, with ``{values}`` filled in."""
    text = WORDS[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text


def value_word(value: str, lang: str = "en") -> str:
    pair = VALUE_WORDS.get(value) or MEASURE_WORDS.get(value)
    return pair[LANGUAGES.index(lang)] if pair else value


def month_name(month: str, lang: str = "en") -> str:
    """``2019-09`` -> ``September 2019`` (``september 2019``)."""
    return f"{MONTHS[lang][int(month[5:7]) - 1]} {month[:4]}"


def month_range(months: Sequence[str], lang: str = "en") -> str:
    """Consecutive months as a range (``sep–nov 2019``, ``dec 2019 – feb 2020``), others listed."""
    months = sorted(months)
    if not months:
        return ""

    def short(m: str) -> str:
        return SHORT_MONTHS[lang][int(m[5:7]) - 1]

    consecutive = all(shift_month(a, 1) == b for a, b in zip(months, months[1:]))
    if len(months) == 1:
        return f"{short(months[0])} {months[0][:4]}"
    if consecutive:
        if months[0][:4] == months[-1][:4]:
            return f"{short(months[0])}–{short(months[-1])} {months[0][:4]}"
        return f"{short(months[0])} {months[0][:4]} – {short(months[-1])} {months[-1][:4]}"
    return ", ".join(f"{short(m)} {m[:4]}" for m in months)


def group_name(group: str | None, lang: str = "en") -> str:
    """A group as a reader calls it: the panel format's own, or a kind's (its word ``group_<name>``)."""
    if group is None:
        return ""
    if group in GROUPS:
        return GROUPS[group][lang]
    key = f"group_{group}"
    own = next((kind for kind in KINDS.values() if key in kind.words), None)
    return kind_word(own, key, lang) if own is not None else group


def yes_no(value: bool, lang: str = "en") -> str:
    return word("yes" if value else "no", lang)


def _bound(inclusive: bool, threshold: float, unit: str, lang: str) -> str:
    return f"{word('at_least' if inclusive else 'more_than', lang)} {format_number(threshold, None, lang=lang)}{unit}"


class Say:
    """The rule vocabulary of the report in one language, for a kind's parameter texts
    (:class:`kommiljard.kinds.base.Vocabulary`)."""

    def __init__(self, lang: str):
        self.lang = lang

    def word(self, key: str, **fields) -> str:
        return word(key, self.lang, **fields)

    def bound(self, inclusive: bool, threshold: float, unit: str) -> str:
        return _bound(inclusive, threshold, unit, self.lang)

    def percent(self, value: float, decimals: int) -> str:
        return format_percent(value, decimals, self.lang)

    def kronor(self, value: float) -> str:
        return kronor(value, lang=self.lang)

    def group(self, name: str) -> str:
        return group_name(name, self.lang)

    def months(self, months: Sequence[str]) -> str:
        return month_range(months, self.lang)

    def value(self, text: str) -> str:
        return value_word(text, self.lang)


def _item_text(key: str, item: dict, block, lang: str) -> str:
    """One item of a list parameter (a group, a bar, a level ...) in words: the kind's own text, else plain."""
    own = kind_of(block).parameter_text(key, item, block, Say(lang))
    if own is not None:
        return own
    if key == "groups":
        share = (
            f": {format_percent(100 * item['share'], 0, lang)} {word('of_the_pot', lang)}" if "share" in item else ""
        )
        return f"{group_name(item['name'], lang)}{share}"
    return ", ".join(f"{k} {v}" for k, v in item.items() if k != "name")


def _value_text(key: str, value, block, lang: str) -> str:
    """One scalar or table parameter in words and kronor: the kind's own text, else plain."""
    if key == "kind":
        return kind_word(kind_of(block), "kind", lang)
    own = kind_of(block).parameter_text(key, value, block, Say(lang))
    if own is not None:
        return own
    if isinstance(value, bool):
        return yes_no(value, lang)
    if key.endswith("_sek"):
        return kronor(value, lang=lang)
    if key == "months":
        return month_range(value, lang)
    if key == "compare_lag_months":
        return word("months_later", lang, n=value)
    if key in ("improvement_decimals", "decimals"):
        return word("decimals_value", lang, n=value)
    if key == "measure":
        return f"{value} ({value_word(value, lang)})"
    if isinstance(value, str):
        return value_word(value, lang)
    return format_number(value, None, lang=lang) if isinstance(value, (int, float)) else str(value)


def rule_rows(block, lang: str = "en") -> list[tuple[str, str, str]]:
    """``(parameter, value, source / note)`` of a block in words and kronor, for people (the report).

    The same parameters and sources as :func:`kommiljard.rules.describe.parameter_rows`, without the
    block's number and name (its heading) and without empty ones.
    """
    from ..rules.describe import parameter_rows

    data = block.model_dump(mode="json")
    rows = []
    for parameter, _, source in parameter_rows(block):
        key, _, item_name = parameter.partition(": ")
        value = data.get(key)
        if key in ("number", "name") or value in (None, [], {}, ""):
            continue
        label = (
            WORDS[key][LANGUAGES.index(lang)]
            if key in WORDS
            else kind_word(kind_of(block), f"param_{key}", lang)
            if f"param_{key}" in kind_of(block).words
            else key.replace("_", " ")
        )
        if item_name:
            item = next(i for i in value if str(i.get("name")) == item_name)
            name = group_name(item_name, lang)  # a group's or a procedure's name in words; any other item as it is
            rows.append((f"{label}: {name}", _item_text(key, item, block, lang), source))
        else:
            rows.append((label, _value_text(key, value, block, lang), source))
    return rows


PROVENANCE_LABELS = {
    "kommiljard_version": ("kommiljard version", "kommiljard-version"),
    "created_utc": ("made (UTC)", "skapad (UTC)"),
    "python": ("Python", "Python"),
    "numpy": ("numpy", "numpy"),
    "numba": ("numba", "numba"),
    "rules.id": ("rule set", "regelverk"),
    "rules.version": ("rule set version", "regelverkets version"),
    "rules.origin": ("rule file", "regelfil"),
    "rules.sha256": ("rule file SHA-256", "regelfilens SHA-256"),
    "rules.overrides": ("parameters changed", "ändrade parametrar"),
    "panel.source": ("panel", "panel"),
    "panel.sha256": ("panel SHA-256", "panelens SHA-256"),
    "panel.synthetic": ("synthetic panel", "syntetisk panel"),
    "panel.kommiljard.description": ("panel description", "panelens beskrivning"),
    "panel.kommiljard.imported_by": ("panel imported by", "panelen importerad med"),
    "population.source": ("population", "befolkning"),
    "population.sha256": ("population SHA-256", "befolkningens SHA-256"),
    "conditions": ("block conditions", "blockens villkor"),
    "backend": ("computed by", "beräknad med"),
    "allow_missing_regions": ("computed without some regions' data", "beräknad utan vissa regioners uppgifter"),
    "no_data": ("no data for", "uppgift saknas för"),
}


PROVENANCE_VALUES = {
    "all regions met them (no table given)": (
        "all regions met them (no table given)",
        "alla regioner uppfyllde dem (ingen tabell angiven)",
    ),
}


def provenance_rows(provenance: dict, lang: str = "en") -> list[tuple[str, str]]:
    """Provenance as ``(what, value)`` rows: readable labels, yes/no, no empty rows, each fact once
    (a panel's own ``kommiljard.synthetic`` mark is the ``synthetic`` row)."""
    rows, seen = [], set()

    def add(key: str, value) -> None:
        if isinstance(value, dict) and value and key != "rules.overrides":
            for k, v in value.items():
                add(f"{key}.{k}" if key else k, v)
            return
        if value in (None, "", {}, []) or key in ("panel.kommiljard.synthetic",):
            return
        if isinstance(value, bool):
            text = yes_no(value, lang)
        elif isinstance(value, dict):
            text = ", ".join(f"{k} = {v}" for k, v in value.items())
        else:
            text = PROVENANCE_VALUES.get(str(value), (str(value), str(value)))[LANGUAGES.index(lang)]
        label = PROVENANCE_LABELS.get(key, (key, key))[LANGUAGES.index(lang)]
        if key.startswith("no_data."):
            label = f"{PROVENANCE_LABELS['no_data'][LANGUAGES.index(lang)]} {key.removeprefix('no_data.')}"
        if (label, text) not in seen:
            seen.add((label, text))
            rows.append((label, text))

    add("", provenance)
    return rows
