"""Routing engines behind one call, for cross-checks: ours (``native``) and R5 (optional)."""

from access.engines.compare import ENGINES, R5_COMPARISON, agreement, engine_travel_times, r5_comparison

__all__ = ["ENGINES", "R5_COMPARISON", "agreement", "engine_travel_times", "r5_comparison"]
