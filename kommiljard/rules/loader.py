"""Loading rule files by name or path, and applying parameter overrides.

Everything is parsed and validated before a model is built: a typo in a key, a wrong type or
an inconsistency gets a :class:`RuleFileError` that names the file and the key.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from ..errors import RuleFileError
from ..kinds import KINDS
from ..language import speaker, spoken, typed
from .common import MAX_TEXT, control_characters
from .models import RuleSet, models_of_a_rule_file, ruleset_model
from .tomlfiles import TomlKind, said_origin

DEFAULT_RULES = "kommiljard-2019"
say = speaker(__package__)


@dataclass(frozen=True)
class Rules:
    """A validated rule set with where it came from (for provenance)."""

    ruleset: RuleSet
    origin: str
    sha256: str
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    @property
    def id(self) -> str:
        return self.ruleset.id

    def provenance(self) -> dict:
        """What outputs record of the rules: id, version, file, its hash and the overrides applied."""
        return {
            "id": self.id,
            "version": self.ruleset.version,
            "origin": self.origin,
            "sha256": self.sha256,
            "overrides": dict(self.overrides),
        }

    def with_overrides(self, overrides: Mapping[str, Any]) -> Rules:
        """A new rule set with parameters changed by dotted path (see :func:`apply_overrides`)."""
        raw = apply_overrides(self.ruleset.model_dump(mode="json"), overrides, self.origin)
        where = say("with_overrides", origin=said_origin(self.origin), overrides=dict(overrides))
        return Rules(_validate(raw, where), self.origin, self.sha256, {**self.overrides, **overrides})

    def with_alternative(self, name: str) -> Rules:
        """This rule set under one of its named interpretation alternatives (``[[alternatives]]``)."""
        try:
            alt = self.ruleset.alternative(name)
        except KeyError:
            names = [a.name for a in self.ruleset.alternatives]
            close = difflib.get_close_matches(name, names, n=1)
            did = say("refuse.did_you_mean", close=repr(close[0])) if close else ""
            names = typed(names) or say("none")
            raise RuleFileError(
                say("refuse.no_alternative", origin=said_origin(self.origin), name=repr(name), did=did, names=names)
            ) from None
        return self.with_overrides(alt.overrides)


RULE_FILES = TomlKind("rule file", "rule sets", "rules", RuleFileError)


def bundled_rule_names() -> list[str]:
    """Names of the rule files shipped with the package."""
    return RULE_FILES.bundled_names()


def rule_sets_measured_in(months: Iterable[str], groups: Iterable[str], columns: Iterable[str]) -> list[str]:
    """The bundled rule sets whose every block's months and groups are among ``months`` and ``groups`` and whose
    measures are among ``columns``: those a panel of them can be paid under (what ``import`` suggests), oldest
    first."""
    months, groups, columns = set(months), set(groups), set(columns)
    fitting = []
    for name in bundled_rule_names():
        ruleset = load_rules(name).ruleset
        needed = {m for b in ruleset.blocks for m in getattr(b, "months", ())}
        read = {g for b in ruleset.blocks for g in getattr(b, "group_names", ())}
        measures = set(ruleset.measure_columns())
        if needed and needed <= months and read <= groups and measures <= columns:
            fitting.append(name)
    return fitting


def load_rules(name_or_path: str | Path = DEFAULT_RULES, overrides: Mapping[str, Any] | None = None) -> Rules:
    """Load a bundled rule set by name (``kommiljard-2019``) or a rule file by path."""
    if isinstance(name_or_path, Rules):
        return name_or_path.with_overrides(overrides) if overrides else name_or_path
    raw, origin, sha256 = RULE_FILES.read(str(name_or_path))
    rules = Rules(_validate(raw, origin), origin, sha256)
    _check_alternatives(rules)
    return rules.with_overrides(overrides) if overrides else rules


def _check_alternatives(rules: Rules) -> None:
    """Each named alternative must apply cleanly: refuse the file now, not when it is used.

    Each is applied to the rule set without its alternatives, so loading takes time linear in
    their number (applying one to the whole file would re-validate all of them each time).
    """
    bare = rules.ruleset.model_dump(mode="json", exclude={"alternatives"})
    for alt in rules.ruleset.alternatives:
        try:
            _validate(
                apply_overrides(bare, alt.overrides, rules.origin),
                say("with_overrides", origin=said_origin(rules.origin), overrides=alt.overrides),
            )
        except RuleFileError as exc:
            raise RuleFileError(
                say("refuse.alternative", origin=said_origin(rules.origin), name=repr(alt.name), exc=exc)
            ) from None


def _key_path(loc: tuple, raw: Any) -> str:
    """Render a pydantic location as a dotted key, naming list items where they have names."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                node = node[item]
                tag = say("block", number=node["number"]) if "number" in node else node.get("name")
                label = f"[{item}]" + (f" ({tag})" if tag is not None else "")
            parts.append(label)
            continue
        if isinstance(node, dict) and item not in node and item in KINDS:
            continue  # the discriminator tag of a union
        node = node.get(item) if isinstance(node, dict) else None
        parts.append(("." if parts else "") + str(item))
    return "".join(parts) or say("top_level")


def _as_tuples(value: Any) -> Any:
    """TOML arrays as tuples: the models are strict and immutable."""
    if isinstance(value, dict):
        return {k: _as_tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_as_tuples(v) for v in value)
    return value


def _named_kinds(raw: Any) -> list[str] | None:
    """The kinds a rule file's blocks name, when every one is a registered kind (only their models are then built
    into the validator); None (every kind's) otherwise, so that a misspelt kind is answered with all of them."""
    blocks = raw.get("blocks") if isinstance(raw, dict) else None
    names = [b.get("kind") if isinstance(b, dict) else None for b in blocks] if isinstance(blocks, list | tuple) else []
    return names if names and all(isinstance(n, str) and n in KINDS for n in names) else None


def _validate(raw: dict, origin: str) -> RuleSet:
    try:
        return ruleset_model(_named_kinds(raw)).model_validate(_as_tuples(raw))
    except ValidationError as exc:
        models = models_of_a_rule_file()
        raise RULE_FILES.validation_error(exc, origin, models, lambda loc: _key_path(loc, raw)) from None


def apply_overrides(raw: dict, overrides: Mapping[str, Any], origin: str = "rules") -> dict:
    """Return a copy of ``raw`` with values set by dotted path.

    A path starts with ``block<N>`` (the block with that number) or a top-level key; list
    items are picked by their ``name`` (``block1.bars.blue.min_improvement``) and tables by
    key (``block1.target.threshold``). Unknown names are refused with a suggestion.
    """
    out = copy.deepcopy(raw)
    for path, value in overrides.items():
        node: Any = out
        parts = path.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            where = ".".join(parts[:i]) or say("top_level")
            if i == 0 and part.startswith("block") and part[5:].isdigit():
                node = _pick(out["blocks"], "number", int(part[5:]), path, origin, label=part)
                continue
            if isinstance(node, list):
                if last:
                    raise RuleFileError(
                        say("refuse.whole_item", origin=said_origin(origin), quoted=repr(path), path=path)
                    )
                node = _pick(node, "name", part, path, origin)
                continue
            if not isinstance(node, dict) or part not in node:
                choices = list(node) if isinstance(node, dict) else []
                if i == 0:
                    choices += [f"block{b['number']}" for b in out["blocks"]]
                close = difflib.get_close_matches(part, choices, n=1)
                did = say("refuse.did_you_mean", close=repr(close[0])) if close else ""
                keys = ", ".join(map(str, choices)) if spoken() == "en" else ", ".join(f"'{c}'" for c in choices)
                said = say(
                    "refuse.no_key",
                    origin=said_origin(origin),
                    path=repr(path),
                    part=repr(part),
                    where=where,
                    did=did,
                    keys=keys,
                )
                raise RuleFileError(said)
            if last:
                node[part] = value
            else:
                node = node[part]
    return out


def _pick(items: list, key: str, wanted: Any, path: str, origin: str, label: str | None = None) -> Any:
    for item in items:
        if isinstance(item, dict) and item.get(key) == wanted:
            return item
    names = [str(item.get(key)) for item in items if isinstance(item, dict)]
    if label is not None:
        names = [f"block{n}" for n in names]
    close = difflib.get_close_matches(label or str(wanted), names, n=1)
    did = say("refuse.did_you_mean", close=repr(close[0])) if close else ""
    named = repr(label or wanted)
    raise RuleFileError(
        say(
            "refuse.nothing_called",
            origin=said_origin(origin),
            path=repr(path),
            named=named,
            did=did,
            names=typed(names),
        )
    )


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else as text."""
    if "=" not in text:
        raise RuleFileError(say("refuse.not_key_value", text=repr(text)))
    if len(text) > MAX_TEXT:
        raise RuleFileError(say("refuse.long_override", text=repr(text[:60]), n=len(text), most=MAX_TEXT))
    if control_characters(text):
        raise RuleFileError(say("refuse.override_controls", text=repr(text), found=control_characters(text)))
    key, value = (s.strip() for s in text.split("=", 1))
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:  # a decimal comma (0,5) is a number; anything else is text
        parsed = float(value.replace(",", ".")) if re.fullmatch(r"[+-]?\d+,\d+", value) else value
    return key, parsed
