"""Write SYNTHETIC sample panels for the rule sets of several requirements with a bonus pot.

    .venv/bin/python data/make_requirement_panels.py [--seed 2023]

One Parquet file per rule set, `data/sample_panel_<year>.parquet`, read from the rule file itself:
a row for every region, month and group that a requirement reads (the measured months and the same
months a year earlier), with the group's measures as columns and nothing (empty) in the columns of
other groups' measures: one long panel holding rows of several kinds. The values are drawn at
random on the logit scale around rough centres (below), with a persistent level per region and
group, a persistent change from one year to the next and monthly noise, so that some regions meet
each requirement by improving, some by a high level and some not at all. They are NOT calibrated to
any published series and say nothing about any region.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from make_scheme_panels import expit, logit, write

from kommiljard.inputs.panel import shift_month
from kommiljard.inputs.regions import region_codes
from kommiljard.rules import load_rules

HERE = Path(__file__).resolve().parent
RULE_SETS = {2022: "kommiljard-2022", 2023: "kommiljard-2023", 2024: "kommiljard-2024"}
# Per group and measure: the centre (percent) and the spread between regions (logit units). Rough
# levels of the right order, not estimates.
CENTRES = {
    ("primary_care", "assessment_3d"): (78.0, 0.5),
    ("first_visit", "share_90"): (72.0, 0.45),
    ("operation", "share_90"): (60.0, 0.5),
    ("first_visit", "share_over_150"): (12.0, 0.5),
    ("operation", "share_over_150"): (22.0, 0.5),
    ("revisit", "within_target"): (68.0, 0.4),
    ("bup_first_visit", "performed_30"): (55.0, 0.5),
    ("bup_assessment", "performed_30"): (35.0, 0.6),
    ("bup_treatment", "performed_30"): (42.0, 0.5),
}
YEARLY_CHANGE = (0.04, 0.15)  # mean and spread between regions of the change a year on, logit units
MONTHLY_NOISE = 0.07  # logit units


def needed(block) -> dict[str, dict[str, set[str]]]:
    """Group -> measure -> the months a requirement reads it in (measured and compared)."""
    out: dict[str, dict[str, set[str]]] = {}
    for req in block.requirements:
        lag = req.improvement.compare_lag_months if req.improvement else 0
        for measure in req.measure_columns():
            months = out.setdefault(req.group, {}).setdefault(measure, set())
            months |= set(req.months) | ({shift_month(m, -lag) for m in req.months} if lag else set())
    return out


def group_frame(rng: np.random.Generator, group: str, measures: dict[str, set[str]], lower: set[str]) -> pd.DataFrame:
    """Rows of one group: every region in every month any of its measures is read in."""
    regions = region_codes()
    months = sorted(set().union(*measures.values()))
    level = rng.normal(0.0, 1.0, size=len(regions))  # a region's standing, shared by the group's measures
    frame = pd.DataFrame([(r, m, group) for m in months for r in regions], columns=["region", "month", "group"])
    first_year = months[0][:4]
    for measure, read in sorted(measures.items()):
        centre, spread = CENTRES[(group, measure)]
        better = -1.0 if measure in lower else 1.0
        own = logit(centre) + better * spread * (level + rng.normal(0.0, 0.4, size=len(regions)))
        change = better * rng.normal(*YEARLY_CHANGE, size=len(regions))
        values = []
        for m in months:
            later = 0.0 if m[:4] == first_year else 1.0
            drawn = expit(own + later * change + rng.normal(0.0, MONTHLY_NOISE, size=len(regions)))
            values.append(np.where([m in read] * len(regions), np.round(drawn, 1), np.nan))
        frame[measure] = np.concatenate(values)
    return frame


def requirement_panel(rng: np.random.Generator, name: str) -> pd.DataFrame:
    """Every block of requirements of a rule set, as one long panel."""
    frames = []
    for block in load_rules(name).ruleset.blocks:
        if not getattr(block, "requirements", ()):  # the blocks of requirements
            continue
        lower = {r.measure for r in block.requirements if r.improvement is not None and r.improvement.better == "lower"}
        for group, measures in sorted(needed(block).items()):
            frames.append(group_frame(rng, group, measures, lower))
    panel = pd.concat(frames, ignore_index=True)
    return panel.sort_values(["month", "group", "region"], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    children = np.random.SeedSequence(args.seed).spawn(len(RULE_SETS))
    for (year, name), child in zip(RULE_SETS.items(), children):
        panel = requirement_panel(np.random.default_rng(child), name)
        path = HERE / f"sample_panel_{year}.parquet"
        write(panel, path, args.seed, script="data/make_requirement_panels.py")
        print(
            f"wrote {path.relative_to(HERE.parent)}: {len(panel)} rows, columns {', '.join(panel.columns)} (SYNTHETIC)"
        )


if __name__ == "__main__":
    main()
