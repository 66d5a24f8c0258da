"""The ``kommiljard`` command line: one module per command, all registered on one typer app."""

from . import (  # noqa: F401 - each command module registers itself on the app when imported
    backtest,
    compare,
    explain,
    fit,
    history,
    importing,
    page,
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
