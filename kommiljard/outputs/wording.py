"""The words of what people read, in English and Swedish: labels, group and month names, a rule
set's parameters in words and kronor, and provenance as readable rows.

Numbers are written by :mod:`kommiljard.money` (the same amounts in both languages; decimals
with a comma in Swedish). Codes that a reader types (region codes, rule set names, file names)
are never translated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..inputs.months import month_runs
from ..kinds import kind_of, kind_word
from ..kinds import word as lever_word
from ..kinds.naming import colour_word, group_name, measure_name, month_name, no_data_text, step_name  # noqa: F401 - no_data_text: re-exported
from ..language import LANGUAGES, check_lang, words_of  # noqa: F401 - check_lang: re-exported
from ..money import format_number, format_percent, kronor
from ..rules.texts import alternative_name, condition_label
from ..rules.tomlfiles import said_origin

WORDS = words_of("kommiljard.outputs")


def word(key: str, lang: str = "en", **values) -> str:
    """The text of ``key`` in the language, with ``{values}`` filled in."""
    return WORDS.text(key, lang, **values)


def value_word(value: str, lang: str = "en") -> str:
    """A rule parameter's value (``population``, ``down``) or a measure (``share_90``) in words."""
    return WORDS.get(f"values.{value}", lang) or WORDS.get(f"measures.{value}", lang) or value


def cell_when(block, month: str | None, lang: str = "en", short: bool = False) -> str:
    """When a cell of ``block`` is: its month (``October 2019``), every month (``month`` None: a group over all its
    months), or the block's whole period when its kind keeps one cell for several months (``Jan–Dec 2026``)."""
    if month is None:
        return word("every_month", lang)
    months = list(getattr(block, "months", ()) or ())
    if len(months) > 1 and getattr(kind_of(block), "period_cells", False):  # a cell is the block's whole period
        return month_range(months, lang)
    return month_name(month, lang, short)


def cell_heading(block, month: str | None, group: str | None, lang: str = "en") -> str:
    """``Block 1: October 2019, first visits``; ``Block 1: Jan–Dec 2026`` (a cell of every procedure)."""
    parts = [cell_when(block, month, lang), group_name(group, lang) if group else ""]
    return f"{word('block', lang).capitalize()} {block.number}: " + ", ".join(p for p in parts if p)


def lapsed_why(blocks, lang: str = "en") -> str:
    """Why money lapsed under these blocks, in the words of their kinds (each kind's ``lapsed_why``), and the
    conditions a region can fail when a block has any."""
    whys = []
    for block in blocks:
        kind = kind_of(block)
        if "lapsed_why" in kind.words and (why := kind_word(kind, "lapsed_why", lang)) not in whys:
            whys.append(why)
    why = "; ".join(whys) or word("lapsed_why", lang)
    conditions = any(getattr(b, "conditions", None) for b in blocks)
    return why, word("lapsed_conditions", lang) if conditions else ""


def month_range(months: Sequence[str], lang: str = "en") -> str:
    """Months as runs of consecutive months (``Sep–Nov 2019``, ``Dec 2019 – Feb 2020``, ``Sep–Nov 2018, Sep–Nov
    2019``), a lone month by itself."""
    runs = month_runs(months)

    def short(m: str) -> str:
        return month_name(m, lang, short=True)[:-5]

    def run_text(run: list[str]) -> str:
        first, last = run[0], run[-1]
        if len(run) == 1:
            return f"{short(first)} {first[:4]}"
        if first[:4] == last[:4]:
            return f"{short(first)}–{short(last)} {first[:4]}"
        return f"{short(first)} {first[:4]} – {short(last)} {last[:4]}"

    return ", ".join(run_text(r) for r in runs)


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
        return value_word(value, lang)
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
    for parameter, _, source in parameter_rows(block, lang):
        key, _, item_name = parameter.partition(": ")
        value = data.get(key)
        if key in ("number", "name") or value in (None, [], {}, ""):
            continue
        said = "measure" if key == "measures" else key  # (the words' table "measures" names the measures)
        own = kind_of(block).words  # a kind's own parameter (param_<key>) in its words
        label = (
            word(said, lang)
            if said in WORDS
            else kind_word(kind_of(block), f"param_{key}", lang)
            if f"param_{key}" in own
            else key.replace("_", " ")
        )
        if item_name:
            item = next(i for i in value if str(i.get("name")) == item_name)
            rows.append((f"{label}: {_item_name(key, item, block, lang)}", _item_text(key, item, block, lang), source))
        else:
            rows.append((label, _value_text(key, value, block, lang), source))
    return rows


def _item_name(key: str, item: dict, block, lang: str) -> str:
    """A list item of a block (a group, bar, level, condition, requirement, measure or payment) by the name people
    read."""
    name = str(item.get("name"))
    if key in ("groups", "requirements"):
        return group_name(name, lang)
    if key in ("bars", "levels"):
        return next((step_name(s, lang) for s in getattr(block, key) if s.name == name), name)
    if key == "conditions":
        return next((condition_label(c, lang) for c in block.conditions if c.name == name), name)
    if key == "measures":
        return measure_name(name, lang)
    if key == "payments" and "month" in item:
        return month_name(item["month"], lang)
    return group_name(name, lang)  # a procedure's name in words; any other item as it is


PROVENANCE_VALUES = {
    "all regions met them (no table given)": (
        "all regions met them (no table given)",
        "alla regioner uppfyllde dem (ingen tabell angiven)",
    ),
}


PROVENANCE_PATTERNS = [  # (English, Swedish) of the words kommiljard's own sample files write into a panel
    (r"^SYNTHETIC sample panel, not real regional data; generated by ", "SYNTETISK exempelpanel, inte verkliga "
     "regionala uppgifter; skapad med "),
    (r"^SYNTHETIC sample operations panel, not real regional data; generated by ", "SYNTETISK exempelpanel med "
     "operationer, inte verkliga regionala uppgifter; skapad med "),
    (r"\(SCB, 31 Dec 2018\)$", "(SCB, 31 december 2018)"),  # the bundled population table
]  # fmt: skip


def provenance_value(value: object, lang: str = "en") -> str:
    """A provenance value as people read it (the few the code writes in words have a Swedish version; the sample
    panels' descriptions too)."""
    text = PROVENANCE_VALUES.get(str(value), (str(value), str(value)))[LANGUAGES.index(lang)]
    if lang == "sv":
        text = said_origin(text, lang)
        for english, swedish in PROVENANCE_PATTERNS:
            text = re.sub(english, swedish, text)
    return text


def provenance_rows(provenance: dict, lang: str = "en", known_only: bool = False) -> list[tuple[str, str]]:
    """Provenance as ``(what, value)`` rows: readable labels, yes/no, no empty rows, each fact once
    (a panel's own ``kommiljard.synthetic`` mark is the ``synthetic`` row); ``known_only``: only the facts with a
    label in words (a workbook adds the whole provenance as JSON)."""
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
            text = provenance_value(value, lang)
        label = WORDS.get(f"provenance.{key}", lang, None if known_only else key)
        if label is None and not key.startswith("no_data."):
            return
        if key.startswith("no_data."):
            label = f"{word('provenance.no_data', lang)} {key.removeprefix('no_data.')}"
        if (label, text) not in seen:
            seen.add((label, text))
            rows.append((label, text))

    add("", provenance)
    return rows


SUMMARY_COLUMN = re.compile(r"block(\d+)(?:_(.+))?")  # a payout summary's amounts of a block (and group)
COLUMN = re.compile(r"(?P<prefix>p_|tier_|diff_)?(?P<body>.+?)(?P<month>_\d{4}-\d{2})?(?P<baseline>_baseline)?$")


def declared_header(column: str, lang: str = "en") -> str | None:
    """The header a kind declares for a column of its own (:class:`~kommiljard.kinds.base.Column`), with ", kr" for
    an amount; None if no registered kind names it."""
    from ..kinds import KINDS

    for kind in KINDS.values():
        for declared in kind.columns:
            if declared.name == column and declared.header[0]:
                text = declared.header[LANGUAGES.index(lang)]
                return f"{text}, kr" if declared.unit == "kr" else text
        if f"column_{column}" in kind.words:  # a column of the kind's own what-if (its lever's describe)
            return kind_word(kind, f"column_{column}", lang)
        axis = next((lv for lv in kind.levers if lv.axis == column), None)  # a payout curve's x: the lever's change
        if axis is not None:
            return lever_word(axis.words, "label", lang)
        extra = re.fullmatch(r"sek_per_extra_(\w+)", column)  # what one more unit of a kind's lever brings
        lever = next((lv for lv in kind.levers if extra and lv.unit == extra.group(1) and "one_more" in lv.words), None)
        if lever is not None:
            return lever_word(lever.words, "one_more", lang)
    return None


def kind_step(step: str, lang: str = "en") -> str | None:
    """A step a kind names in its words (``step_<name>``: a price scheme's ``operations``), or None."""
    from ..kinds import KINDS

    return next((kind_word(k, f"step_{step}", lang) for k in KINDS.values() if f"step_{step}" in k.words), None)


def column_header(column: str, lang: str = "en", steps: dict[str, str] | None = None) -> str:
    """A table's column as people read it (``block1_first_visit`` -> block 1, first visits; ``p_blue_operation``
    -> chance of blue, operations and treatments); ``steps`` names bars and levels (code -> word). A column
    nothing names is shown with spaces for underscores."""
    known = WORDS.get(f"column.{column}", lang)
    if known:
        return known
    match = SUMMARY_COLUMN.fullmatch(column)  # the engine's, never a kind's (no need to ask every kind)
    if match is None and (known := declared_header(column, lang)) is not None:
        return known
    if match:
        group = match.group(2)
        block = match.group(1)
        return (
            word("column.pattern_block_group", lang, block=block, group=group_name(group, lang, True))
            if group
            else f"{word('block', lang)} {block}"
        )
    match = re.fullmatch(r"(mean|p\d+)_(gain|baseline)_sek", column)
    if match:
        stat = word(f"column.{match.group(1)}_sek", lang)
        key = "column.pattern_gain" if match.group(2) == "gain" else "column.pattern_baseline"
        return word(key, lang, stat=stat, what=stat)
    match = re.fullmatch(r"amount_sek_v(\d+)", column)
    if match:
        return word("column.pattern_variant", lang, k=match.group(1))
    match = COLUMN.fullmatch(column)
    prefix, body = match.group("prefix"), match.group("body")
    text = None
    if prefix == "diff_":
        text = word("column.pattern_diff", lang, name=alternative_name(body, lang))
    elif prefix == "p_" and "_" in body:
        step, _, group = body.partition("_")
        text = word(
            "column.pattern_chance",
            lang,
            bar=(steps or {}).get(step) or kind_step(step, lang) or colour_word(step, lang),
            group=group_name(group, lang, True) if group != "all" else word("column.all_groups", lang),
        )
    elif prefix == "tier_":
        key = "column.pattern_tier" if match.group("month") else "column.pattern_highest_tier"
        text = word(key, lang, group=group_name(body, lang, True))
    moved = re.fullmatch(r"(.+?)_(before|after)", column)  # a what-if's figure before and after the change
    if text is None and moved:
        base, kr = column_header(moved.group(1), lang), ""
        if base.endswith(", kr"):
            base, kr = base.removesuffix(", kr"), ", kr"
        return f"{base} {word(f'column.{moved.group(2)}_sek', lang)}{kr}"
    if text is None:  # a variant's column is named by the variant (a named alternative by its short name)
        return alternative_name(column, lang) if alternative_name(column, lang) != column else column.replace("_", " ")
    if match.group("month"):
        text += f", {month_name(match.group('month')[1:], lang, short=True)}"
    if match.group("baseline"):
        text = word("column.pattern_baseline", lang, what=text)
    return text


def readable(frame, lang: str = "en", rules=None):
    """A table's values as people read them, in the language: groups and months of ``group`` by name, routes
    (with ``rules``: each block's route words from its kind), ``data`` ok/missing, yes/no for booleans, bars by
    their word. The numbers stay numbers."""
    import pandas as pd

    frame = frame.copy()
    if "group" in frame.columns:
        frame["group"] = [group_name(g, lang, True) if isinstance(g, str) else g for g in frame["group"]]
    if "data" in frame.columns:
        frame["data"] = [word(f"cell_value.{v}", lang) if v in ("ok", "missing") else v for v in frame["data"]]
    routes = route_words(rules, lang) if rules is not None else {}
    for column in [c for c in frame.columns if str(c).startswith("route")]:
        blocks = frame["block"] if "block" in frame.columns else [None] * len(frame)
        frame[column] = [routes.get((b, r), routes.get((None, r), r)) for b, r in zip(blocks, frame[column])]
    if "bars" in frame.columns:
        frame["bars"] = [_bars(v, lang, rules) for v in frame["bars"]]
    if "measure" in frame.columns:  # a measure moved (a what-if's cells): by its name
        frame["measure"] = [measure_name(m, lang) if isinstance(m, str) else m for m in frame["measure"]]
    for column in frame.columns:
        if pd.api.types.is_bool_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: yes_no(bool(v), lang))
        elif frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, bool)).any():
            frame[column] = frame[column].map(lambda v: yes_no(v, lang) if isinstance(v, bool) else v)
    return frame


def _bars(value, lang: str, rules) -> object:
    """``blue+red`` as people read it (``blå+röd``: each bar's label in Swedish)."""
    if not isinstance(value, str) or not value:
        return value
    from ..kinds.naming import kind_words

    labels = {}
    for block in rules.ruleset.blocks if rules is not None else ():
        labels |= {s.name: step_name(s, lang) for s in getattr(block, "bars", ()) or getattr(block, "levels", ())}
        kind = kind_of(block)
        words = kind_words(kind)
        labels |= {b: words.get(f"step.{b}", lang) for b in value.split("+") if words.get(f"step.{b}", lang)}
        labels |= {b: kind_word(kind, f"step_{b}", lang) for b in value.split("+") if f"step_{b}" in kind.words}
    return "+".join(labels.get(b) or colour_word(b, lang) for b in value.split("+"))


def route_words(rules, lang: str = "en") -> dict:
    """``(block, route code) -> words`` for every block of a rule set, from each kind's words; ``(None, code)``
    too, for tables without a block column (the first block that has the code)."""
    from ..kinds import kind_of
    from ..kinds.naming import kind_words

    words: dict = {(None, "no_data"): word("no_data", lang)}
    for block in rules.ruleset.blocks:
        kind = kind_of(block)
        for i, code in enumerate(kind.route_names(block)):
            said = kind_word(kind, f"route_{code}", lang)  # a kind's words.py, else its words.toml, else the code
            text = kind_words(kind).get(f"route.{i}", lang, said if said != f"route_{code}" else code)
            words[(block.number, code)] = text
            words.setdefault((None, code), text)
        words[(block.number, "no_data")] = word("no_data", lang)
    return words
