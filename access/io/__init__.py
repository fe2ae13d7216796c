"""Readers and writers: OSM, points, result tables."""
