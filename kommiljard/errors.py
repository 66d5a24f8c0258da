"""Errors that carry a message meant for the person who supplied the input."""


class KommiljardError(Exception):
    """Base class: the message says what is wrong, where, and what to do."""


class InputError(KommiljardError):
    """A panel, population or conditions table that cannot be used as it is."""


class RuleFileError(KommiljardError):
    """A rule file (or an override of it) that does not describe a valid scheme."""


class BackendMismatchError(KommiljardError):
    """The numba kernel and the reference implementation disagree."""
