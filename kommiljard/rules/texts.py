"""The bundled rule files' texts as people read them in English or Swedish.

The rule files hold their notes, sources and labels as written (English notes around Swedish quotes
from the agreements). ``rules/sv/texts.toml`` holds each English text in Swedish, the named
alternatives' short names in both languages and the block conditions' labels in English (the rule
files give those in Swedish). A text that is not there, e.g. from a rule file of the user's own, is
shown as written.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files


@cache
def _catalog() -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    data = tomllib.loads((files("kommiljard.rules") / "sv" / "texts.toml").read_text(encoding="utf-8"))
    return {t["en"]: t["sv"] for t in data.get("text", [])}, data.get("alternative", {}), data.get("condition", {})


def text_in(text: str, lang: str = "en") -> str:
    """A rule file's note, source or label in ``lang`` (Swedish from the catalogue), else as written."""
    return _catalog()[0].get(text, text) if lang == "sv" and text else text


def alternative_name(name: str, lang: str = "en") -> str:
    """A named alternative's short name for people (``blue-above-0`` -> blue above 0, blå över 0); a name the
    catalogue does not know (a variant of the user's own) as written."""
    pair = _catalog()[1].get(name)
    return pair[lang == "sv"] if pair else name


def condition_label(condition, lang: str = "en") -> str:
    """A block condition in words: the rule file's label in Swedish, its English wording in English."""
    if lang == "sv":
        return condition.label or condition.name
    return _catalog()[2].get(condition.name) or condition.label or condition.name


def known_texts() -> set[str]:
    """Every English text the catalogue holds (for the tests)."""
    return set(_catalog()[0])
