"""The ``kommiljard`` command line: one module per command, all registered on one typer app."""

from . import (  # noqa: F401 - they register
    backtest,
    compare,
    explain,
    fit,
    history,
    importing,
    payout,
    plot,
    report,
    rules,
    sweep,
    validate,
    whatif,
)
from .app import app

__all__ = ["app"]
