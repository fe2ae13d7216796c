"""Routing engines behind one call, for cross-checks: ours (``native``) and R5 (optional)."""

from access.engines.compare import ENGINES, agreement, engine_travel_times

__all__ = ["ENGINES", "agreement", "engine_travel_times"]
