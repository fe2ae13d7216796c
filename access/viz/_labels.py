"""Map words and colours: titles that say what was computed, one colour per origin."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from access.io.wording import column_label, plural, query_text

__all__ = ["origin_colours", "isochrone_title", "accessibility_title", "MAX_LEGEND_ORIGINS"]

MAX_LEGEND_ORIGINS = 10  # origins named in a legend; the rest are counted in one entry


def origin_colours(n: int) -> np.ndarray:
    """``n`` RGBA colours, one per origin, as far apart as the palettes allow: tab10 up
    to 10, tab20 up to 20, then evenly spaced hues (neighbours still differ)."""
    if n <= 10:
        return colormaps["tab10"](np.arange(n))
    if n <= 20:
        return colormaps["tab20"](np.arange(n))
    # golden-ratio steps round the hue circle keep consecutive origins apart
    return colormaps["hsv"]((np.arange(n) * 0.618034) % 1.0)


def _query(query: dict, attrs: dict) -> str:
    """`` by car`` / `` by transit (walk access), departing …``; empty when no mode is known."""
    mode = query.get("mode") or attrs.get("mode")
    if not mode:
        return ""
    if mode == "walk":
        return " on foot"
    return " by " + query_text(
        mode,
        departure=query.get("departure"),
        arrive_by=query.get("arrive_by"),
        window_min=query.get("window_min"),
        percentile=query.get("percentile"),
        access_mode=query.get("access_mode"),
        service_date=attrs.get("service_date"),
    )


def isochrone_title(isochrones, **query) -> str:
    """``Areas reached from 1 origin within 60 / 120 min by car`` or, for transit, with the
    departure, window, percentile and service date: what the map shows, in words.
    ``query``: the isochrone call's mode, departure, arrive_by, window_min, percentile,
    access_mode (others are ignored)."""
    cutoffs = " / ".join(f"{float(c):g}" for c in sorted(isochrones["cutoff_min"].unique()))
    n = isochrones["origin_id"].nunique() if "origin_id" in isochrones else 1
    how = _query(query, isochrones.attrs)
    if query.get("arrive_by"):
        return f"Areas reaching {plural(n, 'destination')} within {cutoffs} min{how}"
    return f"Areas reached from {plural(n, 'origin')} within {cutoffs} min{how}"


def accessibility_title(value: str, **query) -> str:
    """``jobs within 60 min by car`` (transit: with departure, window, percentile)."""
    label = column_label(value)
    return f"{label[:1].upper()}{label[1:]}{_query(query, {})}"
