"""A population share (block 2 of 2019; 2020 from March): a fixed sum shared by population
among the regions that meet the block's conditions; conditions table, reference and figure."""

KIND_NAME = "population_share"  # kind.py's KIND.name: the registry imports this folder alone for it
