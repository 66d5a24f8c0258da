"""Usage errors (an unknown option, a missing argument, a value an option's parser refused) said in the language of
the command line, in one line like every other refusal.

Click, the parser typer carries, writes its messages in English only (no translation catalogue to install), and it
may stop before ``--lang`` is read. So the language is read from the command line before click parses it
(:func:`asked_language`), and each of click's messages is said in it by click's own message templates, kept beside
their Swedish in the ``[usage]`` table of ``cli/words.toml`` (:func:`in_spoken`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cache

from ..language import LANGUAGES, speaker, spoken, words_of

say = speaker(__package__)
LANG_OPTION, LANG_VARIABLE = "--lang", "KOMMILJARD_LANG"


def asked_language(args: Sequence[str]) -> str:
    """The language a command line asks for: its last ``--lang X`` (or ``--lang=X``), else ``KOMMILJARD_LANG``,
    else English. A language kommiljard does not write counts as not asked (click refuses it)."""
    asked = [os.environ.get(LANG_VARIABLE)]
    for i, arg in enumerate(args):
        if arg == LANG_OPTION and i + 1 < len(args):
            asked.append(args[i + 1])
        elif arg.startswith(LANG_OPTION + "="):
            asked.append(arg.removeprefix(LANG_OPTION + "="))
    return next((lang for lang in reversed(asked) if lang in LANGUAGES), "en")


def usage_message(exc) -> str:
    """``--region Göteborg: not a Swedish region; ...`` for a value an option refused; click's message (in the
    spoken language) with where the command's options are listed for anything else."""
    param = getattr(exc, "param", None)
    if type(exc).__name__ == "BadParameter" and param is not None:
        message = in_spoken(str(exc.message).removeprefix("Value error, "))
        if param.param_type_name == "argument" or not param.opts:  # as the usage line of --help names it
            named = words_of(__package__).get(f"help.argument.{param.name}", spoken()) if spoken() != "en" else None
            return f"{named or param.name.upper()} {message}"
        return f"{next((o for o in param.opts if o.startswith('--')), param.opts[0])} {message}"
    said = in_spoken(exc.format_message())
    said += "" if said.endswith((".", "?", "!")) else "."
    ctx = getattr(exc, "ctx", None)
    return said + (say("help_hint", command=ctx.command_path) if ctx is not None else "")


def in_spoken(message: str) -> str:
    """One of click's messages in the spoken language (as written if it is English, or a message click has that
    the ``[usage]`` table does not know)."""
    if spoken() == "en":
        return message
    for key, pattern in _templates():
        if found := pattern.fullmatch(message):
            values = {k: in_spoken(v) if k == "problem" else v for k, v in found.groupdict().items()}
            return say(key, **values)
    return message


@cache
def _templates() -> list[tuple[str, re.Pattern]]:
    """Each ``[usage]`` key and the pattern of its English text (a field matches any text), the one with the most
    fixed text first: ``No such option: {option} (Possible options: {options})`` before ``No such option:
    {option}``."""
    words = words_of(__package__)
    found = []
    for key in (k for k in words.keys() if k.startswith("usage.")):  # noqa: SIM118 - Words is no dict
        parts = re.split(r"\{(\w+)\}", words.text(key))
        fixed = sum(len(p) for p in parts[::2])
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        found.append((fixed, key, re.compile(pattern, re.DOTALL)))
    return [(key, pattern) for _, key, pattern in sorted(found, key=lambda f: -f[0])]
