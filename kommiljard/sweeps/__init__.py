"""Synthetic trajectories by the million: scenario files, the trajectory model and its random
numbers, the outcomes of a batch, resumable runs streamed to Parquet, their summary, rule
variants on the same draws, Dask, and the calibration against real data. A scenario may carry its
own model (a fitted one, from :mod:`kommiljard.forecasting`), which a sweep draws instead."""
