"""The ``kommiljard`` command line: one module per command, all registered on one typer app."""

# each command module registers itself on the app when imported
from . import compare, explain, importing, page, payout, plot, report, rules, sweep, validate, whatif  # noqa: F401
from .app import app

__all__ = ["app"]
