"""Rule variants in a sweep: every variant allocated on the same drawn trajectories.

A variant is a name and a rule set (``kommiljard compare``'s ``--rules``, ``--variant`` and
``--alternatives`` make them). The first is the sweep's own rules: its outcomes are the sweep's
usual columns and summary. The trajectories are drawn once per batch, for the first variant's
block, and each other variant is allocated on them; so every variant must need the same draws:
the same groups, measurement months and comparison months, and a target (share_60) in all
or none. A variant whose block differs in any of these is refused, by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..analysis.compare import name_problem
from ..errors import InputError, KommiljardError
from ..inputs.population import Population
from ..kinds import Draw, kind_of
from ..language import speaker, words_of
from ..rules import Rules
from .outcomes import Setup, sweep_draw, variant_column

MAX_VARIANTS = 200  # as many as a rule file's named alternatives
say = speaker(__package__)


def draw_needs(needs: Draw) -> dict[str, tuple]:
    """What the drawn trajectories of a block depend on, besides the scenario and the population."""
    return {"draw model": (needs.model,), **needs.needs}


def need_name(need: str) -> str:
    """What a draw need is called in the spoken language (one this room has no words for: as the kind names it)."""
    return say(f"need.{need}") if f"need.{need}" in words_of(__package__) else need


def variant_blocks(variants: Mapping[str, Rules]) -> dict:
    """Each variant's swept block, checked: at least two variants, at most :data:`MAX_VARIANTS`, each
    sweepable and needing the first variant's draws."""
    if len(variants) < 2:
        raise InputError(say("refuse.too_few_variants"))
    if len(variants) > MAX_VARIANTS:
        raise InputError(say("refuse.too_many_variants", count=len(variants), most=MAX_VARIANTS))
    blocks, needs = {}, {}
    for name, rules in variants.items():
        if problem := name_problem(name):
            raise InputError(problem)
        try:
            blocks[name], needs[name] = sweep_draw(rules)
        except KommiljardError as exc:
            raise InputError(say("refuse.variant_unsweepable", name=name, why=exc)) from None
    first_name = next(iter(blocks))
    wanted = draw_needs(needs[first_name])
    for name in blocks:
        mine = draw_needs(needs[name])
        differ = [what for what in {**wanted, **mine} if mine.get(what) != wanted.get(what)]
        if differ:
            differ = ", ".join(map(need_name, differ))
            raise InputError(say("refuse.variant_draws", name=name, first=first_name, differ=differ))
    return blocks


def with_variants(setup: Setup, variants: Mapping[str, Rules], population: Population) -> Setup:
    """``setup`` (the first variant's) with every variant's setup on the same draws."""
    if setup.lever_region >= 0:
        raise InputError(say("refuse.variant_lever"))
    own = []
    for block in variant_blocks(variants).values():
        plan = kind_of(block).sweep_plan(block, setup.layout, population, None)
        own.append(dataclasses.replace(setup, block=block, plan=plan))
    return dataclasses.replace(setup, variants=tuple(own))


def variants_record(variants: Mapping[str, Rules], blocks: list | None = None) -> list[dict]:
    """The variants as the manifest (and the sweep's identity) record them, in order; with ``blocks``, also each
    one's steps (bars) and its column in the parts."""
    record = []
    for k, (name, rules) in enumerate(variants.items()):
        item = {"name": name, "rules": rules.id, "rules_sha256": rules.sha256, "overrides": dict(rules.overrides)}
        if blocks is not None:
            steps = kind_of(blocks[k]).step_names(blocks[k])
            item |= {"origin": rules.origin, "bars": list(steps), "column": variant_column(k)}
        record.append(item)
    return record
