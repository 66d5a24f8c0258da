"""Absolute thresholds (2009-2014): per period and group, levels of a share, each with its own
pot, optionally behind a gate; arrays, reference, kernel, explanation and figure."""

KIND_NAME = "absolute_threshold"  # kind.py's KIND.name: the registry imports this folder alone for it
