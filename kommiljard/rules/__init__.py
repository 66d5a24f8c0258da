"""Rule sets: the bundled TOML files (one per scheme, every number cited), their validated
models (one per kind of rule block), loading with overrides, and a description for people."""

from .loader import DEFAULT_RULES, Rules, bundled_rule_names, load_rules, parse_override
from .models import RuleSet
from .population_share import PopulationShare
from .price_per_operation import PricePerOperation
from .staircase import Bar, ImprovementStaircase
from .threshold import AbsoluteThreshold

__all__ = [
    "DEFAULT_RULES",
    "AbsoluteThreshold",
    "Bar",
    "ImprovementStaircase",
    "PopulationShare",
    "PricePerOperation",
    "RuleSet",
    "Rules",
    "bundled_rule_names",
    "load_rules",
    "parse_override",
]
