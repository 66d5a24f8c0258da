"""The improvement staircase (2019; 2020 before March): per month and group, bars of a pot for
improving on the same month a year earlier, or reaching a target level; units, arrays,
reference, kernel, explanation and figure."""

KIND_NAME = "improvement_staircase"  # kind.py's KIND.name: the registry imports this folder alone for it
