"""Errors that carry a message meant for the person who supplied the input."""

import difflib


class KommiljardError(Exception):
    """Base class: the message says what is wrong, where, and what to do."""


class InputError(KommiljardError):
    """A panel, population or conditions table that cannot be used as it is."""


class RuleFileError(KommiljardError):
    """A rule file (or an override of it) that does not describe a valid scheme."""


class BackendMismatchError(KommiljardError):
    """The numba kernel and the reference implementation disagree."""


class MissingDataWarning(UserWarning):
    """A result computed, when asked, without some region's data: those regions are marked "no data"."""


def closest(value: object, choices) -> str | None:
    """The choice closest to a mistyped ``value`` (for "did you mean ...?"), or None."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    return close[0] if close else None
