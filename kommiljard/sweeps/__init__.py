"""Synthetic trajectories by the million: scenario files, the trajectory model and its random
numbers, the outcomes of a batch, resumable runs streamed to Parquet, their summary, and the
calibration against real data; and forecasting: every region fitted to its own history, the
fitted scenario, its forecasts through the sweep, and backtests."""
