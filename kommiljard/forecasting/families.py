"""Families of SYNTHETIC histories, each shaped like one way real regions depart from the simplest model,
on which the forecasts' calibration is measured (``benchmarks/forecast_calibration.py``, ``tests/test_families.py``).

Every history runs from 2014 (2018 for the short ones) to the end of 2019, and every family's regions
respond to the 2019 scheme with the ``default-2019`` scenario's response, unequally: each region's
response is the month's times its own multiplier with the spread the fit assumes
(:data:`kommiljard.forecasting.fit.RESPONSE_CV`). Each family has several generators
(:class:`Generator`), each a set of changes to :class:`~kommiljard.forecasting.history.HistoryParams`
and its :class:`~kommiljard.forecasting.history.Irregular` part. Seeds below :data:`HELD_OUT_FROM` may be
used while developing the model; the calibration is measured on seeds from it on, never used before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from ..sweeps.scenario import load_scenario
from .fit import RESPONSE_CV
from .forecast_model import response_by_month
from .history import History, HistoryParams, Irregular, synthetic_history, with_params

HELD_OUT_FROM = 100_000  # seeds from here on were never used while the model was built
SCHEME_MONTHS = ("2018-09", "2018-10", "2018-11", "2019-09", "2019-10", "2019-11")  # what the payout reads


@dataclass(frozen=True)
class Generator:
    """One way of drawing a family's histories: changes to the parameters and to their irregular part."""

    family: str
    name: str
    params: dict = field(default_factory=dict)
    irregular: dict = field(default_factory=dict)


def _family(family: str, *generators: tuple[str, dict, dict]) -> tuple[Generator, ...]:
    return tuple(Generator(family, name, params, irregular) for name, params, irregular in generators)


FAMILIES: dict[str, tuple[Generator, ...]] = {
    "stationary": _family(
        "stationary",
        ("as fitted", {}, {}),
        ("slow deviations", {"ar1_mean": 0.75, "ar1_sd": 0.1, "ar1_range": (0.3, 0.95)}, {}),
        (
            "quiet and alike",
            {
                "noise_sd_pp": {"first_visit": 0.9, "operation": 1.2},
                "trend_sd_pp": {"first_visit": 0.5, "operation": 0.6},
            },
            {},
        ),
    ),
    "unequal responses": _family(
        "unequal responses",
        ("two kinds of region", {}, {"response_shape": "bimodal"}),
        ("more room, more response", {}, {"response_shape": "room"}),
        ("own response on top", {"response_sd_pp": 1.0}, {}),
    ),
    "heavy tails": _family(
        "heavy tails",
        ("Student-t, 3 df", {}, {"innovation_df": 3.0}),
        ("Student-t, 5 df, national too", {}, {"innovation_df": 5.0, "national_df": 4.0}),
        ("transient outliers", {}, {"outlier_rate": 0.03, "outlier_sd_pp": 5.0}),
    ),
    "change of season": _family(
        "change of season",
        ("season grows 15 % a year", {}, {"season_drift": 0.15}),
        ("season drifts by region", {}, {"season_walk_pp": 1.0}),
        ("season shrinks and drifts", {}, {"season_drift": -0.1, "season_walk_pp": 0.6}),
    ),
    "level break": _family(
        "level break",
        ("a third break, 4 pp", {}, {"break_share": 0.33, "break_sd_pp": 4.0}),
        ("most break, 2.5 pp", {}, {"break_share": 0.7, "break_sd_pp": 2.5}),
        ("late breaks, 5 pp", {}, {"break_share": 0.25, "break_sd_pp": 5.0, "break_from": "2018-06"}),
    ),
    "correlated clusters": _family(
        "correlated clusters",
        ("healthcare regions, 0.4", {}, {"cluster_corr": 0.4}),
        ("healthcare regions, 0.7", {}, {"cluster_corr": 0.7}),
        (
            "north and south, 0.5",
            {},
            {
                "cluster_corr": 0.5,
                "clusters": (
                    ("17", "18", "19", "20", "21", "22", "23", "24", "25"),
                    ("01", "03", "04", "05", "06", "08", "09"),
                    ("07", "10", "12", "13", "14"),
                ),
            },
        ),
    ),
    "3 % suppressed": _family(
        "3 % suppressed",
        ("3 % of cells", {}, {"suppressed_share": 0.03}),
        ("3 %, Student-t", {}, {"suppressed_share": 0.03, "innovation_df": 5.0}),
        ("3 %, clusters", {}, {"suppressed_share": 0.03, "cluster_corr": 0.4}),
    ),
    "20-month histories": _family(
        "20-month histories",
        ("from 2018-01", {"start": "2018-01"}, {}),
        ("from 2018-01, slow", {"start": "2018-01", "ar1_mean": 0.7}, {}),
        ("from 2018-01, breaks", {"start": "2018-01"}, {"break_share": 0.3, "break_sd_pp": 3.0}),
    ),
}


@cache
def scheme_response() -> dict:
    """The default-2019 scenario's response in the 2019 scheme months (pp by month and group)."""
    return response_by_month(load_scenario("default-2019").spec)


def params_of(generator: Generator) -> HistoryParams:
    """The history parameters of a generator: the scheme's unequal response and the generator's changes."""
    irregular = {"response_cv": RESPONSE_CV, "keep": SCHEME_MONTHS} | generator.irregular
    return with_params(response_pp=scheme_response(), **generator.params, irregular=Irregular(**irregular))


def family_history(generator: Generator, seed: int) -> History:
    """A SYNTHETIC history of a generator (the same seed gives the same history)."""
    return synthetic_history(seed, params_of(generator))
