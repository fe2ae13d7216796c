"""Analyses on travel times: isochrones (and, later, accessibility, circles, scenarios)."""
