"""kommiljard: a simulator of the Swedish kömiljard, the state's performance payments to the
regions for shorter waiting times in specialist care.

The public API is the names below (``kommiljard.__all__``), imported on first use, so that
``import kommiljard`` stays light:

    from kommiljard import payout, explain, whatif, run_sweep, Lever

- Rules and payouts: ``load_rules``, ``payout`` (a ``Payout``: its tables and totals),
  ``explain``, ``whatif``, ``payout_curve``, ``cell_curves``, ``compare``, ``alternatives``.
- What people read: ``write_report``, ``write_page`` and the pictures ``plot_payouts``,
  ``plot_cell``, ``plot_staircase``, ``plot_compare``, ``plot_payout_curve``,
  ``plot_sweep_payouts``, ``plot_sweep_gain``, ``plot_backtest``.
- Sweeps: ``run_sweep`` (or a ``Sweep`` and its ``run``), ``Lever``, ``load_scenario``
  (a bundled scenario, a scenario file or a fitted one).
- Forecasts: ``fit_history``, ``forecast``, ``backtest``, ``synthetic_history``.
- Language: refusals and warnings are English; inside ``with speaking("sv"):`` they are Swedish.

The package reads as the pipeline: ``inputs`` (panels, populations, regions, importers) and
``rules`` (the schemes as data) -> ``kinds`` (each kind of rule block: arrays, reference,
kernel, explanation, figure) -> ``engine`` (``payout``) -> ``analysis`` (what-if, compare,
explain) -> ``outputs`` (files, report, plots) -> ``sweeps`` (synthetic trajectories) ->
``forecasting`` (fits, forecasts, backtests) -> ``cli``.
"""

from __future__ import annotations

import ast
from functools import cache
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__docformat__ = "restructuredtext"


@cache
def library_version(name: str) -> str:
    """An installed distribution's version, without importing it ("not installed" if absent)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed" if name != "kommiljard" else "0+unknown"


__version__ = library_version("kommiljard")


def _public_names() -> tuple[list[str], dict[str, tuple[str, str]]]:
    """``__init__.pyi``'s ``__all__``, and each name it imports: the module that defines it and its name there."""
    stub = ast.parse(Path(__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    listed = next(ast.literal_eval(n.value) for n in stub.body if isinstance(n, ast.Assign))
    imported = {
        alias.asname or alias.name: (f"{__name__}.{node.module}", alias.name)
        for node in stub.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    return listed, imported


__all__, _API = _public_names()


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _API[name]
    return getattr(import_module(module), attribute)


def __dir__() -> list[str]:
    """The public names (as ``__all__``), imported or not yet."""
    return sorted(__all__)


_command: str | None = None  # the command the console script runs: kommiljard.cli registers that one alone


def main() -> None:
    """The ``kommiljard`` console script: a fresh process that loads what its command needs, and no more.

    A one-panel command costs little more than importing numpy, pandas and pyarrow (``benchmarks/commands.py``
    measures it), so the start and the end of the process count. Only the command's own module of
    :mod:`kommiljard.cli` is imported (``--help``, an unknown command or none import them all). The cyclic
    garbage collector is off while the modules are imported (they make no garbage worth a pass), and what they
    built is frozen out of its later passes, as is whatever is left when the command is done: the process is
    about to end. Reference counting frees as before; every output is closed where it is written.
    """
    import gc
    import sys

    global _command
    _command = sys.argv[1] if len(sys.argv) > 1 else None
    gc.disable()
    try:
        from .cli import app
    finally:
        gc.enable()
    gc.freeze()
    try:
        app()
    finally:
        gc.freeze()
