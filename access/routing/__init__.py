"""Routing kernels and the public travel-time functions."""
