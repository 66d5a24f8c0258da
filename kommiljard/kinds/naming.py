"""The words every picture, explanation and table shares about rule blocks, in English and Swedish: groups,
measures, months, steps, values of rule parameters, and each kind's own words (``kinds/<kind>/words.toml``).
No drawing here: the command line and the outputs use these without loading matplotlib."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..language import Words, speaker, spoken, words_of
from ..money import format_number

WORDS = words_of("kommiljard.kinds")
tell = speaker("kommiljard.kinds")  # the kinds' refusals, in the spoken language


def kind_words(kind) -> Words:
    """A kind's own words file (``kinds/<kind>/words.toml``), found from the package of the kind's class; empty for
    a kind without one (its words are then those of its ``words`` attribute, :func:`kommiljard.kinds.kind_word`)."""
    try:
        return words_of(type(kind).__module__.rpartition(".")[0])
    except FileNotFoundError:
        return Words(type(kind).__module__, {"en": {}, "sv": {}})


def say(key: str, lang: str = "en", /, **values) -> str:
    """One of the words every picture and explanation shares (``kinds/words.toml``)."""
    return WORDS.text(key, lang, **values)


def regions_count(n: int, lang: str = "en") -> str:
    """``1 region``, ``7 regions`` (``7 regioner``)."""
    return say("one_region" if n == 1 else "regions_n", lang, n=format_number(n, lang=lang))


def group_name(group: str | None, lang: str = "en", short: bool = False) -> str:
    """A group as people call it (``first_visit`` -> first visits, förstabesök; ``short``: operation -> operations
    rather than operations and treatments), or a kind's own (a procedure: its word ``group_<name>``); an unknown one as
    written."""
    if group is None:
        return ""
    shared = WORDS.get(f"{'group_short' if short else 'group'}.{group}", lang)
    if shared is not None:
        return shared
    from . import KINDS, kind_word  # a kind's own group (a procedure): its word group_<name>

    key = f"group_{group}"
    own = next((kind for kind in KINDS.values() if key in kind.words), None)
    return kind_word(own, key, lang) if own is not None else group


def panel_of_block(block) -> str:
    """What a list of a block's problems in the panel is about: ``panel (for block 1, Kortare väntetider)``."""
    return tell("refuse.panel_of_block", block=block.number, name=block.title)


def group_spellings(groups: Sequence[str]) -> dict[str, str]:
    """Every name people write for each of ``groups`` -> the group: its English and Swedish names, long and short
    (``höftprotes``, ``7. BUP, första besök``), each part of one with a name in brackets (``katarakt``), and a
    numbered requirement's number (``7``)."""
    spellings = {}
    for group in groups:
        for lang in ("en", "sv"):
            for short in (False, True):
                said = group_name(group, lang, short)
                spellings[said] = group
                for part in re.findall(r"[^()]+", said):  # grå starr (katarakt): also each part
                    spellings[part.strip()] = group
                number = re.match(r"(\d+)\.\s", said)
                if number:
                    spellings[number.group(1)] = group
    return spellings


def read_group(value: object, option: str, groups: Sequence[str]) -> str:
    """One of a rule set's ``groups`` from an option, by its code or any of its names (:func:`group_spellings`);
    refused with the nearest, every group named in the language spoken."""
    from ..inputs import options

    shown = {g: group_name(g, spoken(), short=True) for g in groups}
    listed = sorted(groups, key=lambda g: shown[g].casefold())
    return options.group(value, option, listed, spellings=group_spellings(groups), shown=shown)


def measure_name(measure: str, lang: str = "en") -> str:
    """A panel measure as people call it (``share_90`` -> share waiting at most 90 days); else as written."""
    return WORDS.get(f"measure.{measure}", lang, measure)


def value_of(value: str, lang: str = "en") -> str:
    """A rule parameter's value in words (``population`` -> by population, efter befolkning); else as written."""
    return WORDS.get(f"value.{value}", lang, value)


def colour_word(name: str, lang: str = "en") -> str:
    """A bar named by its colour (``blue`` -> blå), when only its name is known; any other name as written."""
    return WORDS.get(f"colour.{name}", lang, name)


def step_name(step, lang: str = "en") -> str:
    """A bar or level: its name in English, the rule file's label (the agreement's word: blå) in Swedish."""
    return (getattr(step, "label", "") or step.name) if lang == "sv" else step.name


def said_cell(month: str, group: str) -> str:
    """A cell of the panel as a message names it: ``2019-10 first_visit`` as typed in English, in words otherwise
    (``oktober 2019, förstabesök``)."""
    lang = spoken()
    if lang == "en":
        return f"{month} {group}"
    return tell("refuse.cell", month=said_month(month), group=group_name(group, lang))


def no_data_text(what: str, lang: str) -> str:
    """Where a region has no data (``block 1 (every cell)``, as the engine says it) in the language, months by
    name."""
    text = what.replace("(every cell)", f"({WORDS.text('warn.every_cell', lang)})")
    for group in ("first_visit", "operation"):
        text = text.replace(f" {group}", f" {group_name(group, lang)}")
    return re.sub(r"\d{4}-\d{2}", lambda m: month_name(m.group(0), lang), text)


def no_data_message(gaps: dict[str, str], computed: bool = True) -> str:
    """The warning for regions without data (``allow_missing_regions``), computed or (validation) to be, in the
    spoken language; ``gaps``: region -> where it has no data, as the engine says it (:func:`no_data_text`)."""
    from ..inputs.regions import region_label

    lang = spoken()
    said = {r: what if lang == "en" else no_data_text(what, lang) for r, what in gaps.items()}  # English: as it was
    listed = "; ".join(f"{region_label(r)}: {what}" for r, what in said.items())
    key = "warn.no_data_computed" if computed else "warn.no_data_would_be"
    return tell(key, n_regions=regions_count(len(gaps), lang), regions=listed)


def said_month(month: str) -> str:
    """A month as a message names it: ``2019-10`` as typed in English, ``oktober 2019`` otherwise."""
    lang = spoken()
    return month if lang == "en" or not _is_month(month) else month_name(month, lang)


def said_measure(measure: str) -> str:
    """A measure as a message names it: its column name in English, its name in words otherwise."""
    lang = spoken()
    return measure if lang == "en" else measure_name(measure, lang)


def _is_month(text: str) -> bool:
    return len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and "01" <= text[5:] <= "12"


def month_name(month: str, lang: str = "en", short: bool = False) -> str:
    """``2019-09`` -> ``September 2019`` (``september 2019``; ``short``: ``Sep 2019``, ``sep 2019``)."""
    table = "short_month" if short else "month"
    return f"{WORDS.text(f'{table}.{month[5:7]}', lang)} {month[:4]}"
