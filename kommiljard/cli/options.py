"""The option layer of the command line: every typed option read by :mod:`kommiljard.inputs.options`, and the
options that do not go together refused.

A command declares an option's type with ``parser=read(PARSER, "--option")`` (a number with a decimal comma, a
month, a region, a seed, a count; the ranges are :data:`kommiljard.inputs.options.RANGES`) and the rules between
its options with :func:`option_rules`, e.g. ``@option_rules(exclusive("--improve", "--curve"))``. A value that
cannot be used stops the command before any work, with exit status 2 and a message naming the option, the value
and what to do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import typer

from ..errors import InputError
from ..inputs import options as values
from ..inputs.options import OptionError, shown
from ..language import speaker

say = speaker(__package__)


def read(parse: Callable[[object, str], object], option: str) -> Callable[[object], object]:
    """A typer ``parser=`` that reads an option's text with ``parse(text, option)``; a refusal is a usage error
    (exit status 2) that names the option and says what to do."""

    def parser(value: object) -> object:
        try:
            return parse(value, option)
        except OptionError as exc:
            raise typer.BadParameter(f"{shown(exc.value)}: {exc.problem}") from None
        except InputError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parser


def lever_change(lever) -> Callable[[object], object]:
    """A change of ``lever`` (a :class:`kommiljard.kinds.base.Lever`: ``--improve 3,5``) within its range."""
    return read(lever.check, f"--{lever.option}")


def lever_sizes(lever) -> Callable[[object], object]:
    """One or more changes of ``lever`` (``3``, ``0,1,2,3`` or ``0;1,5;3``: a lever grid), each within its range;
    returns the text as given."""

    def check(value: object, name: str) -> object:
        for size in values.number_list(value, name):
            lever.check(size, name)
        return value

    return read(check, f"--{lever.option}")


def in_range(key: str, option: str, whole: bool = False) -> Callable[[object], object]:
    """A number (or a whole number) within :data:`~kommiljard.inputs.options.RANGES` ``[key]``."""
    check = values.whole if whole else values.number
    return read(lambda value, name: check(value, name, key), option)


def region(option: str = "--region") -> Callable[[object], object]:
    """A region's county code from a code or a name, with the nearest region for one that is none."""
    return read(values.region, option)


def month(option: str = "--month") -> Callable[[object], object]:
    """A month with its year (``2019-10``, ``okt 2019``, ``oktober 2019``) as ``YYYY-MM``."""
    return read(values.month, option)


def month_names(option: str = "--month") -> Callable[[object], object]:
    """One or more months (comma-separated), each written as people write months; a month without its year
    (``okt``) is allowed and resolved against the rule set's months later. Returns the text as given."""

    def check(value: object, name: str) -> object:
        for item in str(value).split(","):
            if item.strip():
                values.month_syntax(item, name)
        return value

    return read(check, option)


# ----------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """Options that do not go together (``kind="exclusive"``) or one that needs another (``kind="needs"``: the
    first only with the second, and, with ``values``, only when the second is one of them)."""

    kind: str
    options: tuple[str, ...]
    values: tuple[str, ...] = ()
    why: str = ""  # a key of the ``[why]`` table of ``cli/words.toml``: what each option does


LEVER = "--<lever>"  # in a rule: any lever option of the registered kinds (--improve, --more ...)


def exclusive(*options: str, why: str = "") -> Rule:
    """At most one of ``options`` may be given (``why``: the key of what each does, for the message, in the
    ``[why]`` table of ``cli/words.toml``)."""
    return Rule("exclusive", options, why=why)


def one_of(*options: str, why: str = "") -> Rule:
    """At least one of ``options`` must be given (``why``: the key of what each does, as for :func:`exclusive`)."""
    return Rule("one", options, why=why)


def needs(option: str, other: str, values_: Sequence[str] = ()) -> Rule:
    """``option`` may be given only with ``other`` (an option or an argument's name), and, if ``values_`` are
    given, only when ``other`` is one of them."""
    return Rule("needs", (option, other), tuple(values_))


def option_rules(*rules: Rule):
    """Decorate a command (inside ``reports_errors``) so that options given against ``rules`` are refused."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            given, names = _command_line()
            for rule in rules:
                _check(rule, given, names, kwargs)
            return func(*args, **kwargs)

        return wrapper

    return decorate


OUTPUT_OPTIONS = ("--out", "--plot", "--truth")  # the options that name what a command writes


def command_files(kwargs: dict) -> tuple[list[str], dict[str, str]]:
    """The files a command reads (every argument or option naming an existing file, outputs aside) and what it
    writes (option -> path), from the command line being run; nothing when called from Python."""
    ctx = _context()
    if ctx is None:
        return [], {}
    inputs, outputs = [], {}
    for param in ctx.command.params:
        value = kwargs.get(param.name)
        paths = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, (str, Path))]
        output = next((o for o in param.opts if o in OUTPUT_OPTIONS), None)
        if output is not None and paths:
            outputs[output] = str(paths[0])
        else:
            inputs += [str(p) for p in paths if str(p) and Path(p).is_file()]
    return inputs, outputs


def _context():
    try:
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - a typer that uses the click package
        from click.globals import get_current_context
    return get_current_context(silent=True)


def _command_line() -> tuple[set[str], dict[str, str]]:
    """What was given on the command line (options as ``--lo`` and parameter names; not defaults), and each
    option's and argument's parameter name."""
    try:
        from typer._click.core import ParameterSource
    except ImportError:  # pragma: no cover - a typer that uses the click package
        from click.core import ParameterSource

    ctx = _context()
    if ctx is None:  # called from Python: nothing was given on a command line
        return set(), {}
    given, names = set(), {}
    for param in ctx.command.params:
        names.update({opt: param.name for opt in param.opts} | {param.name: param.name})
        if ctx.get_parameter_source(param.name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            given.update({*param.opts, param.name})
    return given, names


def _check(rule: Rule, given: set[str], names: dict[str, str], kwargs: dict) -> None:
    if rule.kind == "exclusive":
        present = [o for option in rule.options for o in _expanded(option) if o in given]
        if len(present) > 1:
            why = f" ({say('why.' + rule.why)})" if rule.why else ""
            raise InputError(say("refuse.exclusive", options=say("and").join(present), why=why))
        return
    if rule.kind == "one":
        if not any(o in given for option in rule.options for o in _expanded(option)):
            raise InputError(say("refuse.one_of", options=say("or").join(rule.options), why=say("why." + rule.why)))
        return
    option, other = rule.options
    if option not in given:
        return
    if not rule.values:
        if other not in given:
            raise OptionError(option, None, say("refuse.needs", other=_shown_name(other), option=option))
        return
    value = kwargs.get(names.get(other, other))
    if str(value) not in rule.values:
        which = say("or").join(f"'{v}'" for v in rule.values)  # as typed
        said = say("refuse.needs_value", other=_shown_name(other), which=which, value=f"'{value}'")
        raise OptionError(option, None, said)


def _shown_name(name: str) -> str:
    """An option as typed (``--curve``), an argument as the usage line of ``--help`` names it (``KIND``)."""
    return name if name.startswith("-") else name.upper()


def _expanded(option: str) -> list[str]:
    """``option``, or for :data:`LEVER` every lever option of the registered kinds."""
    if option != LEVER:
        return [option]
    from ..kinds import KINDS

    return sorted({f"--{lever.option}" for kind in KINDS.values() for lever in kind.levers})
