"""The ``kommiljard`` command line: the typer app, its shared options and its error handling.

Results go to stdout, narration and errors to stderr. Each command lives in its own module
of this package; ``kommiljard.cli`` imports them all so that they register on :data:`app`.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import os
import sys
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from typer.core import TyperGroup

try:
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - a typer that uses the click package
    from click.exceptions import ClickException

from .. import __version__
from ..errors import KommiljardError, MissingDataWarning
from ..language import SPOKEN, speaker, spoken, words_of
from ..outputs.ownership import check_outputs, reading
from ..rules import bundled_rule_names, parse_override
from .options import command_files, in_range, lever_change, lever_sizes, month_names
from .terminal import safe_console, shown
from .usage import asked_language, usage_message


def _readable_metavar(original):
    """Typer's help shows a type placeholder for every option (``<bool>``, ``<list[str]>``): none for a flag, and
    a word a reader knows for the others (``TEXT``, ``FILE``, ``NUMBER``, ``en|sv``), in the spoken language."""

    @functools.wraps(original)
    def display(self, ctx):
        if getattr(self, "is_flag", False):
            return None
        shown = original(self, ctx)
        if not isinstance(shown, str) or not shown.startswith("<"):
            return shown
        bare = shown.strip("<>").removeprefix("list[").removesuffix("]")
        words = {"str": "TEXT", "path": "FILE", "float": "NUMBER", "int": "INTEGER", "bool": None}
        word = words.get(bare, bare if "|" in bare else "TEXT")
        return say(f"help.type.{word}") if word in ("TEXT", "FILE", "NUMBER", "INTEGER") else word

    return display


for _kind in (typer.core.TyperOption, typer.core.TyperArgument):
    _kind.display_type_rich = _readable_metavar(_kind.display_type_rich)


class CommandLine(TyperGroup):
    """The app's commands, spoken in the language the command line asks for from the start (click reads the
    options, and refuses them, before a command runs), with a usage error (an unknown option, a missing one, a value
    an option's parser refused: :mod:`kommiljard.cli.options`) said in one line on stderr like every other refusal,
    exit status 2 (:mod:`kommiljard.cli.usage`)."""

    def help_spoken(self):
        """The help of the commands in the language spoken (English as written: nothing to import)."""
        if spoken() == "en":
            return contextlib.nullcontext()
        from .help import help_in

        return help_in(spoken(), self)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        args = list(sys.argv[1:] if args is None else args)
        token = SPOKEN.set(asked_language(args))
        try:
            with self.help_spoken():
                status = super().main(args, prog_name, complete_var, False, **extra)
        except ClickException as exc:
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help
                said = Text.assemble((say("error"), "bold red"), " ", shown(usage_message(exc)))
                err.print(said, highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            err.print(say("aborted"), highlight=False)
            sys.exit(1)
        finally:
            SPOKEN.reset(token)
        sys.exit(status if isinstance(status, int) else 0)


app = typer.Typer(
    cls=CommandLine,
    help="Simulate the Swedish kömiljard: who gets how much for shorter waiting times, and why.\n\n"
    "Example: `kommiljard report data/sample_panel_2019.parquet --out report.html` (every command's --help starts "
    "with one).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
out = safe_console(stderr=False)  # user text is printed as written: no markup, no control codes
err = safe_console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        out.print(f"kommiljard {__version__}", highlight=False)
        raise typer.Exit()


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Language(StrEnum):
    en = "en"
    sv = "sv"


class Dialect(StrEnum):
    en = "en"
    sv = "sv"


say = speaker(__package__)


def lang() -> str:
    """The language of the command being run (``--lang``): what its tables, narration, files and messages say."""
    return spoken()


def dialect_of(dialect: Dialect | None) -> str:
    """The CSV dialect asked for, or the language's: ``--lang sv`` writes Swedish CSV unless ``--csv-dialect en``."""
    return dialect.value if dialect is not None else lang()


class BackendChoice(StrEnum):
    auto = "auto"
    numba = "numba"
    reference = "reference"
    check = "check"


PanelArg = Annotated[Path, typer.Argument(help="Waiting-time panel (.parquet or .csv).")]
ConditionsOpt = Annotated[
    Path | None,
    typer.Option(
        help="Which regions met the population block's conditions (region + one column per condition); "
        "default: all did."
    ),
]
BackendOpt = Annotated[
    BackendChoice,
    typer.Option(
        help="auto (the readable reference: one panel needs no compiler), the numba kernel, the reference, or "
        "check (both, must agree)."
    ),
]
SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        help="Seed (0 to 2**63 - 1): the same seed and arguments give the same results.",
        parser=in_range("seed", "--seed", whole=True),
    ),
]
RulesOpt = Annotated[
    str, typer.Option("--rules", "-r", help=f"A bundled rule set ({', '.join(bundled_rule_names())}) or a .toml file.")
]
RuleSetsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rules",
        "-r",
        help="A rule set (bundled name or .toml file); repeatable: several are variants, the first the baseline. "
        "Default: kommiljard-2019.",
    ),
]
VariantOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--variant",
        "-V",
        help="NAME:KEY=VALUE[,KEY=VALUE...]: a variant, the first rule set with these parameter changes; repeatable.",
    ),
]
AlternativesOpt = Annotated[
    bool,
    typer.Option("--alternatives", "-a", help="Add every named interpretation alternative of the first rule set."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        help="Override a rule parameter, e.g. `block1.sharing=equal` or `block1.bars.blue.min_improvement=0`. "
        "Repeatable.",
    ),
]
PopulationOpt = Annotated[
    Path | None,
    typer.Option("--population", "-p", help="Population table (region, population); default SCB 31 Dec 2018."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="How to print the result.")]
AllowMissingOpt = Annotated[
    bool,
    typer.Option(
        "--allow-missing-regions",
        help="Compute even if the panel lacks regions of the population table (or some of their months): they are "
        "treated as not qualifying there and marked 'no data', never 0 kr.",
    ),
]
DialectOpt = Annotated[
    Dialect | None,
    typer.Option(
        "--csv-dialect",
        help="CSV written (stdout and --out): en (comma, decimal point, exact; the contract's column names, for "
        "programs) or sv (semicolon, decimal comma, UTF-8 with BOM, whole kronor that add up; headers in the "
        "language, for a spreadsheet). Default: the language's.",
    ),
]
_LANG_HELP = (
    "Language of everything you read: en (English) or sv (Swedish words and number formats); or set KOMMILJARD_LANG."
)
# A command's --lang defaults to the one before it, which reads KOMMILJARD_LANG (see `main`): were the command's
# own option to read the variable too, it would outrank `kommiljard --lang sv payout` (click: env before default_map)
LangOpt = Annotated[Language, typer.Option("--lang", help=_LANG_HELP)]
_FirstLangOpt = Annotated[Language, typer.Option("--lang", envvar="KOMMILJARD_LANG", help=_LANG_HELP)]


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    lang: _FirstLangOpt = Language.en,
) -> None:
    """Simulate the Swedish kömiljard: who gets how much for shorter waiting times, and why."""
    # `kommiljard --lang sv payout ...`: the command's --lang defaults to the one before it (click's default_map)
    ctx.default_map = {name: {"lang": lang.value} for name in getattr(ctx.command, "commands", {})}


ExactOpt = Annotated[
    bool, typer.Option("--exact", help="With --csv-dialect sv: amounts as computed (öre and all), not whole kronor.")
]


INTERNAL_ERROR = 3  # exit status of a bug in kommiljard (2: bad input)
SHOW_TRACEBACK = "KOMMILJARD_TRACEBACK"


def complain(message: str, status: int) -> None:
    """Print ``message`` as one ``error:`` line (in the command's language) on stderr, and exit with ``status``."""
    err.print(Text.assemble((say("error"), "bold red"), " ", shown(message)), highlight=False, soft_wrap=True)
    raise typer.Exit(status) from None


def os_problem(exc: OSError) -> str:
    """What the operating system said went wrong, in the command's language (the system's own words for a problem
    the words file does not know)."""
    key = f"os.{errno.errorcode.get(exc.errno or 0, '')}"
    if key in words_of(__package__):
        return say(key)
    return str(exc.strerror or exc)


def reports_errors(func):
    """Turn a :class:`KommiljardError` into a clear message on stderr and exit status 2.

    The message is user text: it is printed as written (control characters made visible, very
    long lines cut). An operating-system error that no writer or reader turned into a message
    (a file that cannot be read or written) is reported with its path the same way. Any other
    exception is a bug in kommiljard: one line saying so, and exit status 3 (the traceback with
    ``KOMMILJARD_TRACEBACK=1``).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        token = SPOKEN.set(str(getattr(kwargs.get("lang"), "value", kwargs.get("lang") or "en")))
        try:
            inputs, outputs = command_files(kwargs)
            check_outputs(outputs)
            with warnings.catch_warnings(), reading(inputs):  # no output may replace an input
                warnings.simplefilter("ignore", MissingDataWarning)  # the commands narrate it themselves
                return func(*args, **kwargs)
        except KommiljardError as exc:
            complain(str(exc), 2)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            complain(say("refuse.os_error", where=where, what=os_problem(exc)), 2)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if os.environ.get(SHOW_TRACEBACK):
                raise
            error = f"{type(exc).__name__}: {exc}"
            complain(say("refuse.internal", version=__version__, error=error, variable=SHOW_TRACEBACK), INTERNAL_ERROR)
        finally:
            SPOKEN.reset(token)

    return wrapper


def overrides_of(values: list[str] | None) -> dict:
    return dict(parse_override(v) for v in values or [])


def many(values: list[str] | None) -> list[str] | None:
    """Repeatable options that also accept comma-separated values."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()] if values else None


MonthsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--month",
        "--months",
        "-m",
        help="Measurement month(s) to change, e.g. 2019-10 or okt (repeatable or comma-separated; default: all).",
        parser=month_names(),
    ),
]
GroupsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group",
        "--groups",
        "--procedure",
        "-g",
        help="Group(s) to change: first_visit, operation, or a procedure such as cataract (repeatable or "
        "comma-separated; default: all).",
    ),
]


def lever_options(value_type: type = float):
    """Give a command one option per lever of the registered kinds (``--improve`` for a share's pp, ``--more``
    for operations ...), typed ``value_type``; the command takes them as ``**levers`` and reads them with
    :func:`chosen_lever`. The options follow the registry: a kind registered later brings its lever's option."""

    def decorate(command):
        fixed = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.kind != p.VAR_KEYWORD]
        annotations = {p.name: p.annotation for p in fixed}

        def refresh() -> None:
            from ..kinds import KINDS

            params, notes = list(fixed), dict(annotations)
            for option, lever in sorted({lv.option: lv for k in KINDS.values() for lv in k.levers}.items()):
                helps = lever.words.get("help", ("", ""))[0] or f"The change, in {lever.unit}."
                parser = lever_change(lever) if value_type is float else lever_sizes(lever)  # the option layer's
                note = Annotated[
                    value_type | None, typer.Option(f"--{option}", help=helps, show_default=False, parser=parser)
                ]
                params.append(inspect.Parameter(option, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=note))
                notes[option] = note
            command.__signature__ = inspect.Signature(params)
            command.__annotations__ = notes

        from ..kinds import KINDS

        KINDS.on_change(refresh)
        refresh()
        return command

    return decorate


def chosen_lever(levers: dict) -> tuple[str | None, object]:
    """The lever option given (``("improve", 3.0)``), or ``(None, None)``; more than one is an error."""
    given = {k: v for k, v in levers.items() if v is not None}
    if len(given) > 1:
        raise KommiljardError(say("refuse.one_lever", given=say("and").join("--" + k for k in given)))
    return next(iter(given.items()), (None, None))
