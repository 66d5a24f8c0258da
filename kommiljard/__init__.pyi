# The public API of kommiljard (`kommiljard.__all__`), with where each name is defined. Type checkers
# and editors read this stub; kommiljard/__init__.py reads the same imports to import each name on first use
# (the scientific Python ecosystem's lazy loading, SPEC 1), so this is the one list of public names.

# Rules and payouts
from .analysis.compare import alternatives as alternatives
from .analysis.compare import compare as compare
from .analysis.curves import cell_curves as cell_curves
from .analysis.explain import explain as explain
from .analysis.whatif import payout_curve as payout_curve
from .analysis.whatif import whatif as whatif
from .engine import Payout as Payout
from .engine import payout as payout

# Forecasts
from .forecasting.backtest import backtest as backtest
from .forecasting.fit import fit_history as fit_history
from .forecasting.forecast import forecast as forecast

# Sweeps: a scenario file of either kind (a fitted one with each region's forecast as its model)
from .forecasting.forecast_model import load_any_scenario as load_scenario
from .forecasting.history import synthetic_history as synthetic_history

# The language of the messages (refusals, warnings) raised inside a `with speaking("sv"):` block
from .language import speaking as speaking

# What people read
from .outputs.page import write_page as write_page
from .outputs.plots import plot_cell as plot_cell
from .outputs.plots import plot_payout_curve as plot_payout_curve
from .outputs.plots import plot_payouts as plot_payouts
from .outputs.plots import plot_staircase as plot_staircase
from .outputs.plots import plot_sweep_gain as plot_sweep_gain
from .outputs.plots import plot_sweep_payouts as plot_sweep_payouts
from .outputs.plots.backtest import plot_backtest as plot_backtest
from .outputs.plots.compare import plot_compare as plot_compare
from .outputs.report import write_report as write_report
from .rules import load_rules as load_rules
from .sweeps.run import Lever as Lever
from .sweeps.run import Sweep as Sweep
from .sweeps.run import run_sweep as run_sweep

__version__: str
__all__ = [
    "__version__",
    "alternatives",
    "compare",
    "cell_curves",
    "explain",
    "payout_curve",
    "whatif",
    "Payout",
    "payout",
    "backtest",
    "fit_history",
    "forecast",
    "load_scenario",
    "synthetic_history",
    "speaking",
    "write_page",
    "plot_cell",
    "plot_payout_curve",
    "plot_payouts",
    "plot_staircase",
    "plot_sweep_gain",
    "plot_sweep_payouts",
    "plot_backtest",
    "plot_compare",
    "write_report",
    "load_rules",
    "Lever",
    "Sweep",
    "run_sweep",
]
