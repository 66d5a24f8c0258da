"""Why did a region get what it got? One region and cell traced through its kind's reference."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..engine import coverage_checks
from ..errors import InputError, closest
from ..inputs import options
from ..inputs.panel import Panel, as_panel, known_groups, normalise_month
from ..inputs.population import Population, read_population
from ..inputs.regions import region_label
from ..kinds import kind_of
from ..kinds.naming import group_name, group_spellings, read_group
from ..language import spoken
from ..rules import Rules, load_rules
from . import say


def find_cell(rules: Rules, month: str | None, group: str | None):
    """The block, its kind and the cell that measure ``month`` (``2019-10``, ``okt 2019``, ``okt``:
    :func:`options.month`) for ``group`` (its name, or a Swedish one: ``förstabesök``); else a clear error.

    Without a month, the one cell of the rule set that measures ``group`` (any group, without one): a block
    with a single cell over its months (a price per operation) needs neither."""
    month_norm = measured_month(month, rules) if month else None
    if group is not None:
        with contextlib.suppress(InputError):  # an unknown group is reported with the month by no_cell
            group = read_group(group, "--group", cell_groups(rules))
    if month is None:
        found = [
            (block, kind_of(block), cell)
            for block in rules.ruleset.blocks
            for cell in kind_of(block).cells(block)
            if cell[0] is not None and (group is None or kind_of(block).cell_of(block, cell[0], group) == cell)
        ]
        if len(found) == 1 or (found and _one_period(found)):
            return found[0]
    for block in rules.ruleset.blocks:
        kind = kind_of(block)
        cell = kind.cell_of(block, month_norm, group) if month_norm else None
        if cell is not None:
            return block, kind, cell
    raise no_cell(rules, month, group)


def _one_period(found) -> bool:
    """Whether the cells found are one block's pots over one period (its months all reported under one month), so
    that explaining the block (its kind explains every pot of it) needs no month or group."""
    block, kind, _ = found[0]
    period = {cell for b, _, cell in found if b is block}
    return len(period) == len(found) and all(
        kind.cell_of(block, block.months[0], group) == (month, group) for month, group in period
    )


def measured_months(rules: Rules) -> list[str]:
    """Every month a block of the rules measures."""
    return sorted({m for b in rules.ruleset.blocks for m in b.months if getattr(b, "group_names", ())})


def measured_month(month: str, rules: Rules) -> str:
    """The month ``--month`` names (``2019-10``, ``okt 2019``, ``okt``) among those the rules measure; else a
    clear error."""
    return options.month(month, "--month", measured_months(rules), say("among_measured", rules=rules.id))


def no_cell(rules: Rules, month: str | None, group: str | None) -> InputError:
    """The error for a month and group (None: any) that no block measures, with suggestions; the groups named as
    ``--group`` takes them in the language spoken."""
    months = measured_months(rules)
    groups = cell_groups(rules)
    shown = {g: g if spoken() == "en" else group_name(g, spoken(), short=True) for g in groups}
    month_asked = normalise_month(month) or month if month is not None else None
    wrong = []
    if month_asked not in (None, *months):
        close = closest(month_asked, months)
        wrong.append(say("refuse.no_cell_month", month=month) + (say("did_you_mean", close=close) if close else ""))
    if group not in (None, *groups):
        close = options.nearest(group, groups, group_spellings(groups))
        did = say("did_you_mean", close=shown[close]) if close else ""
        wrong.append(say("refuse.no_cell_group", group=group) + did)
    listed = {
        "months": options.listed_months(months),
        "groups": ", ".join(sorted(shown.values() if spoken() == "en" else map(repr, shown.values()), key=str.casefold))
        or say("no_groups"),
    }
    if (month is None or group is None) and not wrong:
        return InputError(say("refuse.give_cell", rules=rules.id, **listed))
    wrong_text = say("and_no").join(wrong) or say("refuse.no_cell_both", month=month, group=group)
    return InputError(say("refuse.no_cell", rules=rules.id, wrong=wrong_text, **listed))


def cell_groups(rules: Rules) -> list[str]:
    """Every group ``--group`` can name in the rules' cells (:func:`_cell_groups`), sorted."""
    return sorted({g for b in rules.ruleset.blocks for g in _cell_groups(b)})


def _cell_groups(block) -> list[str]:
    """The groups ``--group`` names in a block: its cells' groups (a requirement), or, where its one cell has none
    (a price per operation with one pot), the block's own groups (its procedures, each of which explains it)."""
    cells = kind_of(block).cells(block)
    if any(group is None for _, group in cells):
        return list(getattr(block, "group_names", ()))
    return [group for _, group in cells]


def explain(
    panel: Panel | str | Path,
    region: str,
    month: str | None,
    group: str | None,
    rules: Rules | str | Path = "kommiljard-2019",
    population: Population | str | Path | None = None,
    *,
    overrides: dict | None = None,
    allow_missing_regions: bool = False,
):
    """Trace one region, month and group through the reference of the block that measures them.

    For an absolute-threshold block, any month of a period explains that period. The result
    has ``render()`` (text) and ``as_dict()`` (data). With ``allow_missing_regions`` other
    regions may lack rows (they take no part in the cell, as in :func:`~kommiljard.engine.payout`).
    """
    rules = load_rules(rules, overrides)
    block, kind, cell = find_cell(rules, month, group)
    code = options.region(region, "region")
    population = population if isinstance(population, Population) else read_population(population)
    panel = as_panel(
        panel,
        known_groups(rules.ruleset.group_names),
        coverage_checks(rules, population, allow_missing_regions),
        rules.ruleset.measure_columns(),
        complete=False,
    )
    if code not in set(panel.frame["region"]):
        regions = " ".join(sorted(set(panel.frame["region"])))
        raise InputError(
            say("refuse.region_not_in_panel", region=region_label(code), source=panel.source, regions=regions)
        )
    return kind.explain(
        rules, block, cell, panel=panel, population=population, region=code, allow_missing=allow_missing_regions
    )
