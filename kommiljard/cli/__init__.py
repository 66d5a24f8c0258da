"""The ``kommiljard`` command line: one module per command, all registered on one typer app."""

from . import compare, explain, importing, payout, plot, report, rules, sweep, validate, whatif  # noqa: F401 - they register
from .app import app

__all__ = ["app"]
