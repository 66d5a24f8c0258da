"""A fit as the tables of a fitted scenario file, and back.

:func:`scenario_entries` turns a :class:`~kommiljard.forecasting.fit.Fit` into plain TOML-ready
tables: ``fit`` (provenance, the national factor and every region's parameters on the logit
scale, with standard errors, data and shrinkage) and, for today's trajectory model, the
``national``, ``shock`` and ``spread`` sections that the fit implies (percentage points at
the group's national level, as scenarios give them). :func:`fit_from_entries` reads the
``fit`` table back into a ``Fit`` that :func:`~kommiljard.forecasting.forecast.forecast` takes,
so a fitted scenario file carries everything a forecast needs but the observed months.
:func:`fitted_scenario` is the whole file (a scenario header, those sections and ``[fit]``,
checked by :class:`~kommiljard.forecasting.fitspec.FittedSpec`), :func:`scenario_text` its TOML.

The scheme's response is never fitted (a history before the scheme cannot show it): the
``national`` section's ``response_pp`` is whatever the caller passes (e.g. the default
scenario's), and says so.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from ..errors import InputError
from ..inputs.regions import region_label, region_table
from ..sweeps.scenario import load_scenario
from .fit import RESPONSE_CV, RESPONSE_CV_SOURCE, Fit, Params, expit_pct, month_index, month_name
from .fitspec import fitted_spec
from .histories import say

METHOD = (
    "per region and group: GLS with AR(1) monthly deviations (REML), around a national factor (the regions' mean "
    "logit); region parameters shrunk towards the pooled ones by empirical Bayes (DerSimonian-Laird); "
    "see kommiljard.forecasting.fit"
)
SCALE = "logit: L(x) = ln(x / (100 - x)) for a share x in percent; *_logit values are on this scale"
# Params field -> key in a fitted scenario (the gap's keys take a gap_ prefix and have no trend).
KEYS = {
    "level": "level_logit", "season": "season_logit", "trend": "trend_logit", "ar1": "ar1", "sd": "noise_sd_logit",
    "level_se": "level_se_logit", "trend_se": "trend_se_logit", "level_trend_corr": "level_trend_corr",
    "season_se": "season_se_logit", "ar1_se": "ar1_se", "season_change_sd": "season_change_sd_logit",
    "season_change_rho": "season_change_rho",
}  # fmt: skip
OPTIONAL = {
    "season_change_sd_logit": 0.0,
    "season_change_rho": 1.0,
}  # keys a fitted scenario written before them may lack
GAP_FIELDS = ("level", "season", "ar1", "sd", "level_se", "season_se", "ar1_se")
_HERMITE = np.polynomial.hermite_e.hermegauss(24)


def _values(p: Params, index, fields=tuple(KEYS), prefix: str = "") -> dict:
    out = {}
    for name in fields:
        value = p.get(name)[index]
        out[prefix + KEYS[name]] = [round(float(v), 6) for v in value] if np.ndim(value) else round(float(value), 6)
    return out


def scenario_entries(
    fit: Fit,
    response_pp: Mapping[str, Sequence[float]] | None = None,
    response_source: str = "",
    min_months: int | None = None,
) -> dict:
    """The tables a fitted scenario file holds (see the module docstring); ``response_pp`` is
    per group, January to December, in pp (default 0: no response)."""
    history = fit.source
    months = f"{fit.national_months[0]} to {fit.national_months[1]}"
    shrinkage: dict = {}
    for row in fit.shrinkage.itertuples(index=False):
        shrinkage.setdefault((row.region, row.group), {})[row.parameter] = row.shrinkage
    data_of = fit.data.set_index(["region", "group"])
    regions: dict = {}
    for ri, code in enumerate(fit.regions):
        entry: dict = {"group_corr": round(float(fit.group_corr[ri]), 6),
                       "group_corr_shrinkage": round(float(shrinkage[code, "both"]["group_corr"]), 4)}  # fmt: skip
        for gi, group in enumerate(fit.groups):
            data = data_of.loc[(code, group)]
            own = shrinkage[code, group]
            entry[group] = {
                **_values(fit.region, (ri, gi)),
                **_values(fit.gap, (ri, gi), GAP_FIELDS, "gap_"),
                "first_month": str(data["first_month"]),
                "n_months": int(data["n_months"]),
                "missing_months": int(data.get("missing_months", 0)),
                "borrowed": bool(data["borrowed"]),
                **_break(fit, ri, gi),
                "shrinkage": {k: round(float(v), 4) for k, v in own.items()},
                "note": _note(fit, ri, gi),
            }  # fmt: skip
        regions[code] = entry
    national = {"group_corr": round(float(fit.national_group_corr), 6)}
    national |= {g: _values(fit.national, gi) for gi, g in enumerate(fit.groups)}
    table = {
        "method": METHOD, "scale": SCALE, "history": history, "history_sha256": fit.sha256, "until": fit.until,
        "baseline_year": fit.baseline_year, "months": list(fit.national_months),
        "response": "not fitted: a history before the scheme cannot show how regions react to the money; "
                    "the national response_pp is an assumption",
        "warnings": list(fit.warnings), "seasons": "reference" if fit.short else "fitted", "national": national,
        "regions": regions,
    }  # fmt: skip
    if fit.own_corr is not None:
        table["correlation"] = _correlation(fit)
    if fit.break_rate is not None:
        table["level_breaks"] = {
            g: {"per_month": round(float(fit.break_rate[gi]), 6), "sd_logit": round(float(fit.break_sd[gi]), 6)}
            for gi, g in enumerate(fit.groups)
        }
    if min_months is not None:
        table["min_months"] = min_months
    source = f"fitted to {history} ({months})"
    return {"fit": table, **_implied(fit, source, response_pp, response_source)}


def _break(fit: Fit, ri: int, gi: int) -> dict:
    """A region's level break, if the fit found one: its month and step (logit)."""
    month = int(fit.region.get("break_month")[ri, gi])
    if month < 0:
        return {}
    return {"break_month": month_name(month), "break_step_logit": round(float(fit.region.break_step[ri, gi]), 6)}


def _correlation(fit: Fit) -> dict:
    """The own innovations' correlation as written: its order (``region:group``) and rows, rounded."""
    lw = fit.pooled.query("parameter == 'own_corr_lw_shrinkage'")["pooled"]
    return {
        "order": [f"{r}:{g}" for r in fit.regions for g in fit.groups],
        "matrix": [[round(float(v), 4) for v in row] for row in fit.own_corr],
        "between_shrinkage": round(float(lw.iloc[0]), 4) if len(lw) else 1.0,
        "note": "correlation of the regions' own monthly innovations (beyond the national factor); each region's "
        "two groups by empirical Bayes, between regions Ledoit-Wolf shrunk towards none",
    }


def _note(fit: Fit, ri: int, gi: int) -> str:
    """The region's parameters in percentage points at its own level, for people (not read back)."""
    p, q = fit.region, fit.gap
    pct = float(expit_pct(p.level[ri, gi]))
    slope = pct * (100 - pct) / 100
    gap_pp = pct - float(expit_pct(p.level[ri, gi] - q.level[ri, gi]))
    return (
        f"{region_label(fit.regions[ri])}: share_90 about {pct:.1f} % in {fit.baseline_year}, "
        f"trend {p.trend[ri, gi] * slope:+.1f} pp a year, "
        f"monthly deviation {p.stationary_sd[ri, gi] * slope:.1f} pp (AR(1) {p.ar1[ri, gi]:.2f}), "
        f"share_60 {gap_pp:.1f} pp below share_90"
    )


def _expected(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    x, w = _HERMITE
    return (expit_pct(mean[..., None] + sd[..., None] * x) * (w / w.sum())).sum(axis=-1)


def _implied(fit: Fit, source: str, response_pp, response_source: str) -> dict:
    """Today's model's national, shock and spread sections as the fit implies them (pp)."""
    weights = region_table().set_index("region").loc[list(fit.regions), "population"].to_numpy(float)
    weights /= weights.sum()
    base = np.arange(12) + fit.baseline_year * 12
    sd90 = np.sqrt(fit.national.stationary_sd[None] ** 2 + fit.region.stationary_sd**2)[..., None]  # (R, G, 1)
    sd60 = np.sqrt(sd90**2 + fit.gap.stationary_sd[..., None] ** 2)
    mean_base, mean_next = fit.region.mean(base, fit.t0), fit.region.mean(base + 12, fit.t0)  # (R, G, 12)
    nat90 = np.einsum("r,rgm->gm", weights, _expected(mean_base, sd90))
    nat90_next = np.einsum("r,rgm->gm", weights, _expected(mean_next, sd90))
    nat60 = np.einsum("r,rgm->gm", weights, _expected(mean_base - fit.gap.mean(base, fit.t0), sd60))
    between = fit.pooled.set_index(["series", "group", "parameter"])["between_region_sd"]
    response_pp = response_pp or {}
    approx = "; today's model draws monthly noise independently, the fit's is AR(1): the [fit] tables hold it exactly"
    national, shock, spread = {}, {"year_sd_pp": {}, "month_sd_pp": {}}, {}
    for key in ("level_sd_pp", "trend_sd_pp", "noise_sd_pp", "gap_sd_pp", "gap_noise_sd_pp"):
        spread[key] = {}
    for gi, g in enumerate(fit.groups):
        level = float(nat90[gi].mean())
        gap = nat90[gi] - nat60[gi]
        national[g] = {
            "level_pct": round(level, 2),
            "level_source": f"{source}: population-weighted expected share_90, mean of {fit.baseline_year}",
            "season_pp": [round(float(x), 2) for x in nat90[gi] - level],
            "season_source": f"{source}: the same, per month",
            "trend_pp": round(float((nat90_next[gi] - nat90[gi]).mean()), 2),
            "trend_source": f"{source}: the fitted trends carried a year on (linear in time)",
            "response_pp": [round(float(x), 2) for x in response_pp.get(g, [0.0] * 12)],
            "response_source": response_source or "assumption, not fitted (a history before the scheme cannot show it)",
            "gap_pp": [round(float(x), 2) for x in gap],
            "gap_source": f"{source}: expected share_90 - share_60, {fit.baseline_year}",
        }
        slope = level * (100 - level) / 100  # pp per logit at the national level, as scenarios convert
        level60 = level - float(gap.mean())
        slope60 = level60 * (100 - level60) / 100
        spread["level_sd_pp"][g] = round(float(between["share_90", g, "level"]) * slope, 2)
        spread["trend_sd_pp"][g] = round(float(between["share_90", g, "trend"]) * slope, 2)
        spread["noise_sd_pp"][g] = round(float(np.sqrt(np.mean(fit.region.stationary_sd[:, gi] ** 2))) * slope, 2)
        spread["gap_sd_pp"][g] = round(float(between["gap", g, "level"]) * slope60, 2)
        spread["gap_noise_sd_pp"][g] = round(float(np.sqrt(np.mean(fit.gap.stationary_sd[:, gi] ** 2))) * slope60, 2)
        year, month = _shock_sds(float(fit.national.ar1[gi]), float(fit.national.stationary_sd[gi]))
        shock["year_sd_pp"][g], shock["month_sd_pp"][g] = round(year * slope, 2), round(month * slope, 2)

    def corr(own: np.ndarray) -> float:
        return round(float(np.corrcoef(own.T)[0, 1]), 2) if len(fit.groups) == 2 else 0.0

    shock |= {
        "year_source": f"{source}: the national factor's AR(1), SD of the change of its annual mean",
        "month_source": f"{source}: the same, the spread of the monthly changes around it" + approx,
        "group_corr": round(float(fit.national_group_corr), 2),
        "group_corr_source": f"{source}: correlation of the national factor's innovations between groups",
    }
    spread |= {
        "level_source": f"{source}: between-region SD of the levels (empirical Bayes)",
        "level_corr": corr(fit.region.level - fit.national.level[None]),
        "level_corr_source": f"{source}: correlation of the shrunk region levels between groups",
        "trend_source": f"{source}: between-region SD of the trends (empirical Bayes)",
        "trend_corr": corr(fit.region.trend - fit.national.trend[None]),
        "trend_corr_source": f"{source}: correlation of the shrunk trends between groups",
        "noise_source": f"{source}: the regions' AR(1) deviations, stationary SD" + approx,
        "gap_source": f"{source}: between-region SD of the gap levels, and the gaps' stationary SD",
    }
    return {"national": national, "shock": shock, "spread": spread}


def _shock_sds(phi: float, sd: float) -> tuple[float, float]:
    """SD of the change of an AR(1)'s annual mean from one year to the next, and of a month's
    change from a year earlier around it (stationary SD ``sd``)."""
    lag = np.abs(np.subtract.outer(np.arange(24), np.arange(24)))
    cov = sd**2 * phi**lag
    year = np.r_[-np.ones(12), np.ones(12)] / 12
    months = np.hstack([-np.eye(12), np.eye(12)]) - year  # each month's change minus the annual change
    return float(np.sqrt(year @ cov @ year)), float(np.sqrt(np.mean(np.einsum("mi,ij,mj->m", months, cov, months))))


def fit_from_entries(entries: Mapping, regions: Sequence[str] | None = None) -> Fit:
    """The ``Fit`` a fitted scenario's ``fit`` table describes (``entries`` is that table); enough for
    :func:`~kommiljard.forecasting.forecast.forecast` given the observed history."""

    def get(table: Mapping, key: str, where: str):
        try:
            return table[key]
        except KeyError:
            raise InputError(say("refuse.fitted_key_missing", where=where, key=key)) from None

    national_table = get(entries, "national", "fit")
    region_tables = get(entries, "regions", "fit")
    regions = tuple(regions or sorted(region_tables))
    groups = tuple(k for k in national_table if k != "group_corr")

    def params(tables: list[list[Mapping]], fields, prefix, where) -> Params:
        out = {}
        for name in Params.__dataclass_fields__:
            if name not in fields:
                out[name] = np.zeros((len(tables), len(tables[0])))
                continue
            key = prefix + KEYS[name]
            out[name] = np.array(
                [[t.get(key, OPTIONAL[key]) if key in OPTIONAL else get(t, key, w) for t, w in zip(row, wh)]
                 for row, wh in zip(tables, where)], dtype=float,
            )  # fmt: skip
        return Params(**out)

    per_region = [[get(get(region_tables, r, "fit.regions"), g, f"fit.regions.{r}") for g in groups] for r in regions]
    where = [[f"fit.regions.{r}.{g}" for g in groups] for r in regions]
    region = params(per_region, tuple(KEYS), "", where)
    months = [[month_index(t["break_month"]) if t.get("break_month") else -1 for t in row] for row in per_region]
    steps = [[float(t.get("break_step_logit", 0.0)) for t in row] for row in per_region]
    region = replace(region, break_month=np.array(months), break_step=np.array(steps))
    gap = params(per_region, GAP_FIELDS, "gap_", where)
    nat = params(
        [[get(national_table, g, "fit.national") for g in groups]],
        tuple(KEYS),
        "",
        [[f"fit.national.{g}" for g in groups]],
    )
    national = Params(**{k: v[0] for k, v in nat.__dict__.items()})
    keys = ("first_month", "n_months", "borrowed")
    data = pd.DataFrame([
        {"region": r, "group": g, "last_month": entries["until"], **{k: get(t, k, w) for k in keys}}
        for r, row, wrow in zip(regions, per_region, where) for g, t, w in zip(groups, row, wrow)
    ])  # fmt: skip
    shrinkage = pd.DataFrame(
        [(r, g, k, np.nan, np.nan, np.nan, v) for r, row in zip(regions, per_region) for g, t in zip(groups, row)
         for k, v in t.get("shrinkage", {}).items()],
        columns=["region", "group", "parameter", "estimate", "pooled", "value", "shrinkage"],
    )  # fmt: skip
    return Fit(
        until=get(entries, "until", "fit"), baseline_year=int(get(entries, "baseline_year", "fit")),
        regions=regions, groups=groups, national=national, region=region, gap=gap,
        group_corr=np.array([get(region_tables[r], "group_corr", f"fit.regions.{r}") for r in regions], dtype=float),
        national_group_corr=float(get(national_table, "group_corr", "fit.national")),
        borrowed=data["borrowed"].to_numpy(bool).reshape(len(regions), len(groups)), data=data, shrinkage=shrinkage,
        pooled=pd.DataFrame(columns=["series", "group", "parameter", "pooled", "between_region_sd", "regions"]),
        national_months=tuple(get(entries, "months", "fit")), warnings=tuple(entries.get("warnings", ())),
        source=str(entries.get("history", "")), sha256=str(entries.get("history_sha256", "")),
        own_corr=_correlation_of(entries.get("correlation"), regions, groups),
        break_rate=_breaks_of(entries.get("level_breaks"), groups, "per_month"),
        break_sd=_breaks_of(entries.get("level_breaks"), groups, "sd_logit"),
        short=entries.get("seasons") == "reference",
    )  # fmt: skip


def _breaks_of(table: Mapping | None, groups: Sequence[str], key: str) -> np.ndarray | None:
    """A per-group figure of the level breaks as written (None: not written)."""
    if not table:
        return None
    return np.array([float(table.get(g, {}).get(key, 0.0)) for g in groups])


def _correlation_of(table: Mapping | None, regions: Sequence[str], groups: Sequence[str]) -> np.ndarray | None:
    """The own innovations' correlation (R*G, R*G) in the fit's order from a written one (None: not written)."""
    if not table:
        return None
    where = {name: i for i, name in enumerate(table["order"])}
    wanted = [f"{r}:{g}" for r in regions for g in groups]
    if missing := [w for w in wanted if w not in where]:
        raise InputError(say("refuse.correlation_order", missing=", ".join(missing[:4])))
    pick = [where[w] for w in wanted]
    matrix = np.array(table["matrix"], dtype=float)[np.ix_(pick, pick)]
    lam, vec = np.linalg.eigh((matrix + matrix.T) / 2)  # rounded to 4 decimals: kept positive definite
    fixed = (vec * np.clip(lam, 1e-6, None)) @ vec.T
    d = np.sqrt(np.diag(fixed))
    return fixed / np.outer(d, d)


def response_assumption(response_from: str | Path | None) -> tuple[dict, str]:
    """The scheme response per group (12 pp, January to December) taken from a scenario, and its source.

    ``None`` assumes no response at all.
    """
    if response_from is None:
        return {}, "assumption: no response (none was given)"
    source = load_scenario(response_from)
    spec = source.spec
    pp = {g: list(n.response_pp) for g, n in spec.national.items()}
    notes = "; ".join(f"{g}: {n.response_source}" for g, n in spec.national.items() if n.response_source)
    return pp, (
        f"assumption taken from scenario {source.name} (its response_pp of {spec.measurement_year}, applied by "
        f"calendar month to the measurement months of the rules a sweep uses): {notes}"
    )


def fitted_scenario(
    fit: Fit,
    synthetic: bool = False,
    response_from: str | Path | None = "default-2019",
    response_sd_pp: float = 0.0,
    min_months: int | None = None,
    response_cv: float = RESPONSE_CV,
) -> dict:
    """The whole fitted scenario file as plain tables (see the module docstring and :mod:`.fitspec`)."""
    year = fit.baseline_year + 1
    response_pp, response_source = response_assumption(response_from)
    entries = scenario_entries(fit, response_pp, response_source, min_months)
    table = entries.pop("fit")
    table |= {
        "history_synthetic": bool(synthetic),
        "response": "not fitted: a history before the scheme cannot show how regions react to the money; "
        f"[national.*].response_pp is an {response_source}",
        "response_sd_pp": float(response_sd_pp),
        "response_sd_source": "assumption: each region's own response (SD, pp), the same in every response month"
        + (" (0: every region responds alike)" if not response_sd_pp else ""),
        "response_cv": float(response_cv),
        "response_cv_source": RESPONSE_CV_SOURCE if response_cv == RESPONSE_CV else "assumption (--response-cv)",
    }
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(fit.source).stem).strip("-") or "history"
    kind = "a SYNTHETIC history" if synthetic else Path(fit.source).name
    return {
        "schema_version": 1,
        "name": f"fitted-{stem}-{fit.until}",
        "title": f"Every region fitted to {kind} up to {fit.until}",
        "description": (
            f"Written by `kommiljard fit`: each region's level, season, trend, AR(1) monthly noise and share_60 gap "
            f"fitted to its own months ({table['months'][0]} to {fit.until}) and shrunk towards the pooled pattern "
            "(empirical Bayes); the [fit] tables hold them. A sweep of this scenario forecasts from the observed "
            "months (--observed). [national], [shock] and [spread] are what the fit implies for the generic model. "
            "The scheme response is an assumption, not fitted."
        ),
        "baseline_year": fit.baseline_year,
        "measurement_year": year,
        **entries,
        "fit": table,
    }


def scenario_text(document: dict) -> str:
    """A fitted scenario as TOML, with a comment on top; refused if it would not load back."""
    fit = document["fit"]
    history = " ".join(str(fit["history"]).split())  # one comment line, whatever the path holds
    head = (
        f"# Fitted scenario written by `kommiljard fit`: every region fitted to its own history.\n"
        f"# History: {history} (SHA-256 {fit['history_sha256'] or 'unknown'})"
        f"{', SYNTHETIC' if fit.get('history_synthetic') else ''}; months {fit['months'][0]} to {fit['until']}.\n"
        "# Logit-scale parameters are in [fit]; the scheme response is an assumption (see fit.response).\n"
        "# Sweep it with the observed months: kommiljard sweep THIS.toml --observed PANEL --out DIR\n"
    )
    text = head + tomli_w.dumps(document)
    fitted_spec(tomllib.loads(text), "(fitted scenario being written)")  # never write a file that cannot be read back
    return text
