"""The languages of what people read (English and Swedish), and the words files that hold their words.

Every layer keeps the words it shows in a ``words.toml`` beside its code, each key with its English
and Swedish text side by side (``key = ["English", "svenska"]``; a ``[table]`` groups keys as
``table.key``): the generic words of the outputs in ``outputs/words.toml``, the words every picture
and explanation of a rule block shares in ``kinds/words.toml``, and each kind's own words (its
steps, routes, picture and explanation) in ``kinds/<kind>/words.toml``. A text may hold ``{name}``
fields, filled in by :meth:`Words.text`. Numbers are written by
:mod:`kommiljard.money` (Swedish formats through babel), never here.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import os
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from .errors import InputError

LANGUAGES = ("en", "sv")
LANGUAGE_NAMES = {"en": "English", "sv": "Swedish (svenska)"}
LOCALES = {"en": "en_GB", "sv": "sv_SE"}  # babel's locale of each language's number and date formats


SPOKEN: ContextVar[str] = ContextVar("kommiljard_language", default="en")


def spoken() -> str:
    """The language being spoken: the command's ``--lang``, or what :func:`speaking` set (English by default).
    Messages (refusals, warnings) are written in it when they are raised."""
    return SPOKEN.get()


def as_typed(name: object) -> str:
    """One name a user types as written (a column such as ``share_90``, a kind, a draw model), as a message shows
    it: as it is in English, in backticks in Swedish (it is typed, not a word)."""
    return str(name) if spoken() == "en" else f"`{name}`"


def in_quotes(name: object) -> str:
    """A name as typed that a sentence names (a column, a kind, a file), as it is in English, in quotes (”…”) in
    Swedish so that it reads as one."""
    return str(name) if spoken() == "en" else f"”{name}”"


def typed(values: Iterable[object]) -> str:
    """Values a user types as they are (``first_visit``), listed: as they are in English, quoted in Swedish (where a
    code name would read as an English word)."""
    return ", ".join(map(str, values)) if spoken() == "en" else ", ".join(f"'{v}'" for v in values)


@contextmanager
def speaking(lang: str) -> Iterator[str]:
    """Speak ``lang`` inside the block: every refusal and warning raised there is written in it."""
    token = SPOKEN.set(check_lang(lang))
    try:
        yield lang
    finally:
        SPOKEN.reset(token)


def speaker(package: str) -> Callable[..., str]:
    """The ``say(key, **values)`` of a room: the text of ``key`` in the room's words file, in the spoken
    language. Under Swedish a fractional number among the values is written the Swedish way (``70,96``);
    the rest (names, paths, counts) as given."""

    def say(key: str, /, **values) -> str:
        lang = spoken()
        if lang != "en":
            values = {k: _number(v, lang) for k, v in values.items()}
        return words_of(package).text(key, lang, **values)

    return say


def _number(value: object, lang: str) -> object:
    if isinstance(value, float) and math.isfinite(value):
        from babel.numbers import format_decimal

        return format_decimal(value, locale=LOCALES[lang], decimal_quantization=False)
    return value


def check_lang(lang: str) -> str:
    """``lang`` if it is a language kommiljard writes; else a clear error."""
    if lang not in LANGUAGES:
        raise InputError(speaker("kommiljard")("refuse.language", lang=repr(lang)))
    return lang


@dataclass(frozen=True)
class Words:
    """The words of one words file: ``text(key, lang, **values)``."""

    source: str
    tables: dict[str, dict[str, object]]

    def __contains__(self, key: str) -> bool:
        return key in self.tables["en"]

    def text(self, key: str, lang: str = "en", /, **values) -> str:
        """The text of ``key`` in ``lang``, its ``{fields}`` filled in from ``values``."""
        text = self.tables[check_lang(lang)][key]
        return counted(text.format(**values)) if values else text

    def get(self, key: str, lang: str = "en", default: str | None = None) -> str | None:
        """The text of ``key`` (unfilled), or ``default`` if the file has no such key."""
        return self.tables[check_lang(lang)].get(key, default)

    def keys(self) -> list[str]:
        return list(self.tables["en"])


# a count and a noun with its plural ending in brackets, as a words file writes it: "{n} region(er)"
COUNTED = re.compile(r"(?<![\w.,-])(\d+(?:[ \u00a0\u202f]\d{3})*) ([\w-]+)\((s|er|ar|or)\)")


def counted(text: str) -> str:
    """``text`` with each noun after a count in its number: ``1 region(er)`` -> ``1 region``, ``7 region(er)`` ->
    ``7 regioner`` (a words file writes the plural ending in brackets after a field that holds a count)."""
    return COUNTED.sub(lambda m: f"{m[1]} {m[2]}{'' if m[1] == '1' else m[3]}", text)


@cache
def words_of(package: str, name: str = "words.toml") -> Words:
    """The words file ``name`` of a kommiljard package (``kommiljard.outputs``), checked: every key has an
    English and a Swedish text."""
    resource = files(package) / name
    pairs = _flattened(parsed_toml(resource.read_text(encoding="utf-8"), resource))
    wrong = [k for k, v in pairs.items() if not (isinstance(v, list) and len(v) == 2 and all(map(_is_text, v)))]
    if wrong:
        raise RuntimeError(f"{package}/{name}: each key needs [English, Swedish] texts; not so: {', '.join(wrong)}")
    return Words(f"{package}/{name}", {lang: {k: v[i] for k, v in pairs.items()} for i, lang in enumerate(LANGUAGES)})


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _flattened(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out |= _flattened(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def parsed_toml(text: str, beside: object) -> dict:
    """``tomllib.loads(text)`` of a TOML file of the package (``beside``: the file, a path or a resource), kept
    parsed as Python keeps a module's bytecode: in the ``__pycache__`` beside it, named by the SHA-256 of the text, so
    that an edited file is parsed again (the words files and the rule file cost a command about 7 ms to parse). A
    table with dates or times (which ``marshal`` does not write) is parsed every time; nothing is written where Python
    writes no bytecode (``PYTHONDONTWRITEBYTECODE``) or cannot (a read-only install)."""
    if not isinstance(beside, Path):  # a resource inside a zip: no folder to keep it in
        return tomllib.loads(text)
    kept = beside.parent / "__pycache__" / f"{beside.stem}.{hashlib.sha256(text.encode()).hexdigest()[:24]}.marshal"
    try:
        return marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    table = tomllib.loads(text)
    if not sys.dont_write_bytecode:
        _keep_parsed(kept, table)
    return table


def _keep_parsed(cache: Path, table: dict) -> None:
    """Write the parsed ``table`` atomically (a reader sees the whole file or none); skipped if it cannot be."""
    try:
        data = marshal.dumps(table)
    except ValueError:  # a date or a time
        return
    part = cache.with_name(f"{cache.name}.{os.getpid()}.part")
    try:
        cache.parent.mkdir(exist_ok=True)
        part.write_bytes(data)
        os.replace(part, cache)
    except OSError:
        part.unlink(missing_ok=True)
