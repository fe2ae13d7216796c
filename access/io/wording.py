"""Words for people at the interfaces: plurals, mode lists, column names as labels."""

from __future__ import annotations

import re
from collections.abc import Iterable

from access.config import DEFAULT_DEPARTURE_TIME, MODES

__all__ = ["plural", "or_list", "TRAVEL_MODES", "modes_help", "column_label", "query_text", "isochrone_lines"]

# Every mode a routing command takes: the street modes of access.config and transit (GTFS
# feeds and rail specs over the walk network).
TRAVEL_MODES: tuple[str, ...] = (*MODES, "transit")

# irregular plurals of the words our messages count; the rest take an "s"
_IRREGULAR = {"county": "counties", "centre": "centres", "bus": "buses", "person": "people", "cell": "cells"}
# measure words inside accessibility column names (jobs_2sfca_60min), as shown on maps
_MEASURE_WORDS = {
    "gravity": "gravity-weighted",
    "2sfca": "per resident (2SFCA)",
    "e2sfca": "per resident (E2SFCA)",
    "bfca": "per resident (BFCA)",
}
_MINUTES = re.compile(r"^(?P<n>\d+(?:\.\d+)?)min$")


def plural(n: float, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, the word in the plural unless ``n`` is 1: ``1 place``,
    ``2 places``, ``3 counties``, ``1,234 zones`` (thousands separated)."""
    if many is None:
        many = _IRREGULAR.get(word, word[:-1] + "ies" if re.search(r"[^aeiou]y$", word) else word + "s")
    number = f"{n:,}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{number} {word if float(n) == 1 else many}"


def or_list(words: Iterable[str], conjunction: str = "or") -> str:
    """``walk, bike, car or transit``."""
    items = [str(w) for w in words]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def modes_help(modes: Iterable[str] = TRAVEL_MODES, default: str | None = None) -> str:
    """Help text of a ``--mode`` option: the modes it takes (and its default)."""
    text = or_list(modes)
    return f"{text[0].upper()}{text[1:]}" + (f" (default {default})." if default else ".")


def column_label(name: str) -> str:
    """A result column as words for a map legend or title: ``jobs_60min`` -> ``jobs within
    60 min``, ``jobs_gravity`` -> ``jobs, gravity-weighted``, ``jobs_2sfca_60min`` ->
    ``jobs per resident (2SFCA) within 60 min``, ``time_to_jobs_min`` -> ``minutes to the
    nearest jobs``; other names have their underscores read as spaces."""
    text = str(name)
    match = re.fullmatch(r"avg_time_to_(?P<what>.+)_min", text)
    if match:
        return f"mean minutes to the {match['what'].replace('_', ' ')}"
    match = re.fullmatch(r"time_to_(?:(?P<n>\d+)_)?(?:nearest_)?(?P<what>.+)_min", text)
    if match:
        nth = f"{match['n']} nearest" if match["n"] else "nearest"
        return f"minutes to the {nth} {match['what'].replace('_', ' ')}"
    if text.endswith("_min") and not _MINUTES.match(text.split("_")[-1]):
        return f"{text[:-4].replace('_', ' ')} (min)"
    words = text.split("_")
    within = [w for w in words if _MINUTES.match(w)]
    measures = [_MEASURE_WORDS[w] for w in words if w in _MEASURE_WORDS]
    rest = [w for w in words if w not in within and w not in _MEASURE_WORDS]
    label = " ".join(rest) or text
    if measures:
        label += ("" if measures[0].startswith("per") else ",") + " " + measures[0]
    if within:
        label += f" within {_MINUTES.match(within[0])['n']} min"
    return label


def query_text(
    mode: str,
    *,
    departure: str | None = None,
    arrive_by: str | None = None,
    window_min: float | None = None,
    percentile: float | None = None,
    access_mode: str | None = None,
    service_date: str | None = None,
) -> str:
    """What a result was computed for, in words: ``car`` or ``transit (walk access),
    departing 07:00 on 2019-05-13, 120-min window, median``; street modes have no time."""
    if mode != "transit":
        return mode
    parts = [f"transit ({access_mode or 'walk'} access)"]
    when = f"arriving by {arrive_by}" if arrive_by else f"departing {departure or DEFAULT_DEPARTURE_TIME}"
    if service_date and str(service_date) not in when:
        when += f" on {service_date}"
    parts.append(when)
    if window_min:
        parts.append(f"{window_min:g}-min window")
    if percentile is not None:
        parts.append("median" if float(percentile) == 50 else f"{percentile:g}th percentile")
    return ", ".join(parts)


def isochrone_lines(result, *, per_origin_max: int = 1) -> list[str]:
    """Summary lines of an isochrone result (columns origin_id, cutoff_min, area_km2,
    optional transit_used): one line per area for up to ``per_origin_max`` origins, else
    one line per cutoff over all origins (median and range of the areas), so a run with
    200 origins prints two lines, not 400."""
    if "area_km2" not in result or not len(result):
        return []
    walked = " (walking only: no vehicle boarded)"
    origins = result["origin_id"].nunique()
    if origins <= per_origin_max:
        return [
            f"origin {row.origin_id}: {row.cutoff_min} min -> {row.area_km2:,.1f} km2"
            + (walked if getattr(row, "transit_used", True) is False else "")
            for row in result.itertuples()
        ]
    lines = []
    for cutoff, rows in result.groupby("cutoff_min", sort=True):
        area = rows["area_km2"]
        line = (
            f"{cutoff} min: {plural(rows['origin_id'].nunique(), 'origin')}, area median {area.median():,.1f} km2 "
            f"({area.min():,.1f} to {area.max():,.1f})"
        )
        if "transit_used" in rows:
            line += f"; {plural(int((~rows['transit_used'].astype(bool)).sum()), 'area')} walking only"
        lines.append(line)
    return lines
