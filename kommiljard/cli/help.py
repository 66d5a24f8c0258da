"""``--help`` in the language of the command line.

Typer builds click's command tree from the help texts in code (each command's docstring, each option's
``help=``) and prints it with the words of ``typer.rich_utils`` and click ("Options", "[required]",
"Usage:"); neither has a Swedish catalogue. So under Swedish, before click parses the command line,
:func:`help_in` says every help text of this run's command tree from ``cli/help.toml`` (keyed by the
English text; a lever option's help from its kind's ``words.toml``), and the framework's own words from
the ``[help]`` table of ``cli/words.toml``. Option names, rule-set names, file names and example command
lines stay as written.

The command objects are translated in place: typer builds a fresh tree for every run, and the command line
is one process per command. The module constants of ``typer.rich_utils`` are process-wide, so they are set
for the run only and put back afterwards (a test that runs the app several times in one process sees each
run in its own language).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import files

import typer.rich_utils as rich_utils
from typer.core import TyperArgument, TyperOption

from ..language import speaker, spoken, words_of

try:
    from typer._click import Context, HelpFormatter
except ImportError:  # pragma: no cover - a typer that uses the click package
    from click import Context, HelpFormatter

say = speaker(__package__)
RULE_SETS = "{rule_sets}"  # a help text's list of the bundled rule sets, filled in as the help is said

# typer.rich_utils' constant and its key in the [help] table of cli/words.toml
FRAMEWORK = {
    "ARGUMENTS_PANEL_TITLE": "help.arguments",
    "OPTIONS_PANEL_TITLE": "help.options",
    "COMMANDS_PANEL_TITLE": "help.commands",
    "REQUIRED_LONG_STRING": "help.required",
    "DEFAULT_STRING": "help.default",
    "ENVVAR_STRING": "help.envvar",
    "DEPRECATED_STRING": "help.deprecated",
}


@cache
def catalog() -> dict[str, str]:
    """Every help text of the command line in Swedish, keyed by its English text: ``cli/help.toml`` and the lever
    options' help of the registered kinds."""
    from ..kinds import KINDS
    from ..rules import bundled_rule_names

    data = tomllib.loads((files(__package__) / "help.toml").read_text(encoding="utf-8"))
    names = ", ".join(bundled_rule_names())
    said = {t["en"].replace(RULE_SETS, names): t["sv"].replace(RULE_SETS, names) for t in data["text"]}
    for lever in (lv for kind in KINDS.values() for lv in kind.levers):
        english, swedish = lever.words.get("help", ("", ""))
        if english and swedish:
            said[english] = swedish
    return said


def help_texts(command) -> Iterator[str]:
    """Every help text of ``command`` and the commands under it (the help option's comes from the words file)."""
    yield from (t for t in (command.help, command.short_help, command.epilog) if t)
    yield from (p.help for p in command.params if getattr(p, "help", None))
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


@contextmanager
def help_in(lang: str, command) -> Iterator[None]:
    """Inside the block, ``command``'s help (and its subcommands') is said in ``lang`` (not English: the help as
    written)."""
    _translate(command)
    saved = {name: getattr(rich_utils, name) for name in FRAMEWORK}
    for name, key in FRAMEWORK.items():
        setattr(rich_utils, name, say(key))
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)


def _translate(command) -> None:
    said = catalog()
    for field in ("help", "short_help", "epilog"):
        if getattr(command, field):
            setattr(command, field, said.get(getattr(command, field), getattr(command, field)))
    command.options_metavar = say("help.options_metavar") if command.options_metavar else None
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = say("help.subcommand_metavar")
    command.context_class = SpokenContext
    command.get_help_option(SpokenContext(command))  # made now (click makes it once per command), said below
    for param in [*command.params, command._help_option]:
        if param is None:
            continue
        if getattr(param, "help", None):
            param.help = said.get(param.help, say("help.show_help") if param.opts == ["--help"] else param.help)
        if isinstance(param, TyperArgument):
            named = param.metavar or param.name
            param.metavar = _word(f"help.type.{named}") or _word(f"help.argument.{named}") or param.metavar
    for sub in getattr(command, "commands", {}).values():
        _translate(sub)


def _word(key: str) -> str | None:
    return words_of(__package__).get(key, spoken())


class SpokenFormatter(HelpFormatter):
    """Click's help formatter with the usage line's prefix in the spoken language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, say("help.usage") if prefix is None else prefix)


class SpokenContext(Context):
    formatter_class = SpokenFormatter


def said_default(original):
    """An option's ``[default: …]``: under Swedish a fractional number as Swedish writes it (``0,5``), a word quoted
    as it is typed (``'table'``), as :func:`kommiljard.language.typed` does."""

    def default(self, *, ctx, show_default_is_str, default_value):
        shown = original(self, ctx=ctx, show_default_is_str=show_default_is_str, default_value=default_value)
        if spoken() == "en" or not shown:
            return shown
        if not isinstance(default_value, float):
            return shown if isinstance(default_value, int) else f"'{shown}'"  # a value typed as written, quoted
        from ..money import decimals_of, format_number

        return format_number(default_value, decimals_of(default_value), lang=spoken())

    return default


for _kind in (TyperOption, TyperArgument):
    _kind._get_default_string = said_default(_kind._get_default_string)
