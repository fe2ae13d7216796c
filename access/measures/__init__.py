"""Accessibility measures and their equity summaries (cumulative, gravity, FCA, Gini, Palma ...)."""
