"""Rule sets: the bundled TOML files (one per scheme, every number cited), their validation (each block by
its kind's model, :mod:`kommiljard.kinds`), loading with overrides, and a description for people."""

from .common import changes_text
from .loader import DEFAULT_RULES, Rules, bundled_rule_names, load_rules, parse_override
from .models import RuleSet

__all__ = [
    "DEFAULT_RULES",
    "RuleSet",
    "Rules",
    "bundled_rule_names",
    "changes_text",
    "load_rules",
    "parse_override",
]
