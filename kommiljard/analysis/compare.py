"""Payouts per region under several rule sets or parameter changes, side by side.

A *variant* is a rule set (a :class:`Rules`, a bundled name or a file), or a pair of one and
parameter changes by dotted path. The first variant is the baseline: the result has one
column of kronor per variant and, for every other variant, its difference from the first.

>>> from kommiljard.analysis.compare import compare, alternatives
>>> frame = compare("data/sample_panel_2019.parquet", alternatives("kommiljard-2019"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..engine import Backend, coverage_checks, payout
from ..errors import RuleFileError
from ..inputs.panel import Panel, as_panel, known_groups
from ..inputs.population import Population, read_population
from ..rules import Rules, load_rules, parse_override
from . import say

Variant = Rules | str | Path | tuple[Rules | str | Path, Mapping[str, Any]]
DIFF_PREFIX = "diff_"


def resolve(variant: Variant) -> Rules:
    """The rule set a variant stands for."""
    if isinstance(variant, tuple):
        rules, overrides = variant
        return load_rules(rules, dict(overrides))
    return load_rules(variant)


def alternatives(rules: Rules | str | Path = "kommiljard-2019") -> dict[str, Rules]:
    """The rule set as ``default`` followed by each of its named interpretation alternatives."""
    base = load_rules(rules)
    return {"default": base, **{a.name: base.with_alternative(a.name) for a in base.ruleset.alternatives}}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a variant (a column of the comparison), or None."""
    if name in ("region", "region_name", "no_data") or name.startswith(DIFF_PREFIX):
        return say("refuse.variant_name_taken", name=name)
    return None


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """``"name:key=value,key=value"`` -> (name, overrides); values are read as TOML, else text.

    Commas inside brackets or quotes (``months=["2019-10","2019-11"]``) do not split.
    """
    name, sep, spec = text.partition(":")
    if not sep or not name.strip() or not spec.strip():
        raise RuleFileError(say("refuse.variant_form", text=text))
    parts, depth, quote, current = [], 0, "", ""
    for ch in spec:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    return name.strip(), dict(parse_override(p) for p in parts if p.strip())


def _shared_panel(panel, rule_sets: list[Rules], population: Population, allow_missing: bool) -> Panel:
    """Read and validate the panel once, for everything every variant needs."""
    groups = known_groups({g for r in rule_sets for g in r.ruleset.group_names})
    measures: dict[str, str] = {}
    for r in rule_sets:
        for col, who in r.ruleset.measure_columns().items():
            measures.setdefault(col, who)
    checks = [c for r in rule_sets for c in coverage_checks(r, population, allow_missing)]
    return as_panel(panel, groups or None, checks, measures, complete=False)


def compare(
    panel: Panel | pd.DataFrame | str | Path,
    variants: Mapping[str, Variant],
    population: Population | str | Path | None = None,
    conditions: pd.DataFrame | str | Path | None = None,
    backend: Backend = "auto",
    allow_missing_regions: bool = False,
) -> pd.DataFrame:
    """Total payout per region under each variant, and each one's difference from the first.

    Columns: ``region``, ``region_name``, one per variant (kronor, float64), then
    ``diff_<name>`` for every variant after the first. ``frame.attrs`` holds, per variant,
    the rule set and overrides (``variants``), the paid and lapsed totals (``totals``), and
    whether the panel is synthetic. With ``allow_missing_regions`` (see
    :func:`~kommiljard.engine.payout`) a region's total is what it is paid (nothing from the
    cells it has no data for), a ``no_data`` column says where it had none (per variant where
    they differ), and ``attrs["no_data"]`` lists them.
    """
    if not variants:
        raise RuleFileError(say("refuse.no_variant"))
    rules = {name: resolve(v) for name, v in variants.items()}
    population = population if isinstance(population, Population) else read_population(population)
    shared = _shared_panel(panel, list(rules.values()), population, allow_missing_regions)
    frame, totals, gaps = None, {}, {}
    for name, r in rules.items():
        result = payout(shared, r, population, conditions, backend, allow_missing_regions=allow_missing_regions)
        for region, what in result.no_data().items():
            gaps.setdefault(region, {})[name] = what
        per_region = result.table.groupby(["region", "region_name"], as_index=False)["amount_sek"].sum(min_count=1)
        per_region = per_region.rename(columns={"amount_sek": name})
        frame = per_region if frame is None else frame.merge(per_region, on=["region", "region_name"], how="outer")
        totals[name] = {"paid_sek": result.paid_sek, "lapsed_sek": result.lapsed_sek, "total_sek": r.ruleset.total_sek}
    names = list(rules)
    for name in names[1:]:
        frame[DIFF_PREFIX + name] = frame[name] - frame[names[0]]
    frame = frame.sort_values("region", ignore_index=True)
    no_data = {r: _no_data_text(by_variant, names) for r, by_variant in gaps.items()}
    if no_data:
        frame["no_data"] = frame["region"].map(no_data).fillna("")
    frame.attrs = {
        "variants": {n: {"rules": r.id, "origin": r.origin, "overrides": dict(r.overrides)} for n, r in rules.items()},
        "totals": totals,
        "synthetic_panel": shared.synthetic,
        "no_data": no_data,
    }
    return frame


def _no_data_text(by_variant: dict[str, str], names: list[str]) -> str:
    """Where a region had no data: once if the same under every variant that has it, else per variant."""
    texts = set(by_variant.values())
    if len(texts) == 1 and len(by_variant) == len(names):
        return texts.pop()
    return "; ".join(f"{name}: {what}" for name, what in by_variant.items())


def variant_columns(frame: pd.DataFrame) -> list[str]:
    """The variant columns of a :func:`compare` frame, baseline first."""
    return [c for c in frame.columns if c not in ("region", "region_name", "no_data") and not c.startswith(DIFF_PREFIX)]
