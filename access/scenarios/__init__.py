"""Scenarios: a base region plus modifications, applied without touching the base, and compare()."""
