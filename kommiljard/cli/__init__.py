"""The ``kommiljard`` command line: one module per command, registered on one typer app as it is imported.

Importing this package registers every command; in the console script (:func:`kommiljard.main`), which runs
one command, only that command's module is imported.
"""

from importlib import import_module

import kommiljard

from .app import app

# Each command and the module that registers it, in the order ``kommiljard --help`` lists them.
COMMANDS = {
    "fit": "fit",
    "backtest": "backtest",
    "compare": "compare",
    "explain": "explain",
    "history": "history",
    "import": "importing",
    "page": "page",
    "payout": "payout",
    "plot": "plot",
    "report": "report",
    "rules": "rules",
    "sweep": "sweep",
    "validate": "validate",
    "whatif": "whatif",
}
for _module in [COMMANDS[kommiljard._command]] if kommiljard._command in COMMANDS else COMMANDS.values():
    import_module(f"{__name__}.{_module}")

__all__ = ["app", "COMMANDS"]
