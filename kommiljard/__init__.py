"""kommiljard: a simulator of the Swedish kömiljard, the state's performance payments to the
regions for shorter waiting times in specialist care.

The package reads as the pipeline: ``inputs`` (panels, populations, regions, importers) and
``rules`` (the schemes as data) -> ``kinds`` (each kind of rule block: arrays, reference,
kernel, explanation, figure) -> ``engine`` (``payout``) -> ``analysis`` (what-if, compare,
explain) -> ``outputs`` (files, report, plots) -> ``sweeps`` (synthetic trajectories) ->
``forecasting`` (fits, forecasts, backtests) -> ``cli``. The public API is imported on first use,
so ``import kommiljard`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version


def library_version(name: str) -> str:
    """An installed distribution's version, without importing it ("not installed" if absent)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed" if name != "kommiljard" else "0+unknown"


__version__ = library_version("kommiljard")

_API = {
    "payout": "kommiljard.engine",
    "Payout": "kommiljard.engine",
    "explain": "kommiljard.analysis.explain",
    "whatif": "kommiljard.analysis.whatif",
    "payout_curve": "kommiljard.analysis.whatif",
    "compare": "kommiljard.analysis.compare",
    "run_sweep": "kommiljard.sweeps.run",
    "load_rules": "kommiljard.rules",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'kommiljard' has no attribute {name!r}")
