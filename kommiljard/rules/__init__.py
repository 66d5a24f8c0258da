"""Rule sets: the bundled TOML files and their validated models."""

from .loader import DEFAULT_RULES, Rules, bundled_rule_names, load_rules, parse_override
from .models import AbsoluteThreshold, Bar, ImprovementStaircase, PopulationShare, RuleSet

__all__ = [
    "DEFAULT_RULES",
    "AbsoluteThreshold",
    "Bar",
    "ImprovementStaircase",
    "PopulationShare",
    "RuleSet",
    "Rules",
    "bundled_rule_names",
    "load_rules",
    "parse_override",
]
