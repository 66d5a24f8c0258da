"""matplotlib pictures of payouts, payout curves, sweeps and comparisons; every function takes
``ax=None`` and returns the Axes it drew on. Titles carry a note with the rule set, its
overrides and, in red, whether the data are synthetic. A cell's picture is its kind's figure."""

from .payout import bar_amounts, plot_cell, plot_payouts, plot_staircase
from .scenarios import plot_payout_curve, plot_sweep_gain, plot_sweep_payouts, read_sweep

__all__ = [
    "bar_amounts",
    "plot_cell",
    "plot_payout_curve",
    "plot_payouts",
    "plot_staircase",
    "plot_sweep_gain",
    "plot_sweep_payouts",
    "read_sweep",
]
