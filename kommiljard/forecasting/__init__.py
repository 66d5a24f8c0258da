"""Forecasting: every region fitted to its own monthly history (fit, with its AR(1) noise and
empirical-Bayes shrinkage), the fitted model as a scenario file's ``[fit]`` table, its forecasts,
the fitted scenario a sweep draws each region from, synthetic histories to test it on, and
backtests. It uses the sweeps (:mod:`kommiljard.sweeps`); they never use it."""
