"""Synthetic trajectories by the million: scenario files, the trajectory model and its random
numbers, the outcomes of a batch, resumable runs streamed to Parquet, their summary, and the
calibration against real data."""
