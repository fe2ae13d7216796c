"""County before/after: which counties, and how many (rural) people, enter each centre's
circles with high-speed rail, a named line or a modelled new line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from access.china.circles import CountyCircles, county_circles
from access.china.data import ChinaData
from access.china.national import NationalRail
from access.errors import InputError

__all__ = ["BeforeAfter", "county_before_after", "scenario_layers", "SCENARIOS"]

SCENARIOS = ("without-hsr", "without-line", "new-line", "without-lines-since", "with-later-lines")


@dataclass(frozen=True)
class BeforeAfter:
    """Two runs on the same counties: ``before`` (the layer without the change) and
    ``after`` (with it). ``counties``: per centre x county ``adcode, name, prefecture,
    population, rural_population, before_min, after_min, change_min, circle_before,
    circle_after, entered`` (the cutoff of the circle it enters, empty if none) and
    ``left``. ``summary``: per centre x cutoff ``counties_before, counties_after,
    entered, entered_population, entered_rural_population, left, left_population,
    population_before, population_after, rural_population_before, rural_population_after,
    entered_counties`` (names)."""

    before: CountyCircles
    after: CountyCircles
    counties: gpd.GeoDataFrame
    summary: pd.DataFrame
    change: str


def scenario_layers(
    rail: NationalRail, scenario: str, *, line: str | None = None, since: str | None = None, new_line=None
) -> tuple[NationalRail, NationalRail, str]:
    """(before, after, what changed) for a scenario name of :data:`SCENARIOS`:
    ``without-hsr`` (before: conventional trains only; after: all), ``without-line``
    (before: without ``line``), ``without-lines-since`` (before: without the lines opened
    since ``since``), ``new-line`` (after: with ``new_line``, a prepared layer from
    :meth:`NationalRail.with_new_line`), ``with-later-lines`` (after: with the lines
    opened after the timetable)."""
    if scenario == "without-hsr":
        return rail.without_high_speed(), rail, "high-speed rail (G/D/C, MTR, modelled high-speed and rapid lines)"
    if scenario == "without-line":
        if not line:
            raise InputError("scenario without-line needs the line's name (e.g. 京津城际).")
        return rail.without_line(line), rail, f"line {line}"
    if scenario == "without-lines-since":
        if not since:
            raise InputError("scenario without-lines-since needs a date (e.g. 2020-01-01).")
        return rail.without_lines_opened_since(since), rail, f"the lines opened since {since}"
    if scenario == "new-line":
        if not isinstance(new_line, NationalRail):
            raise InputError("scenario new-line needs the layer with the new line (rail.with_new_line(...)).")
        return rail, new_line, new_line.label.removeprefix("with ")
    if scenario == "with-later-lines":
        return rail, rail.with_later_lines(), "the lines opened after the timetable"
    raise InputError(f"unknown scenario {scenario!r}; use one of {', '.join(SCENARIOS)}.")


def county_before_after(
    data: ChinaData,
    centres: str | Sequence[str],
    before: NationalRail,
    after: NationalRail,
    *,
    change: str = "",
    **run,
) -> BeforeAfter:
    """Circles of ``centres`` on ``before`` and on ``after`` (``run``: the options of
    :func:`access.china.circles.county_circles`), compared county by county."""
    if run.get("polycentric"):
        raise InputError("before/after compares each centre's circles; run it without polycentric.")
    a = county_circles(data, centres, rail=before, **run)
    b = county_circles(data, centres, rail=after, **run)
    cutoffs = a.parameters["cutoffs_min"]
    m_a, m_b = a.members, b.members
    columns = ["centre", "adcode", "name", "name_en", "prefecture", "population", "rural_population"]
    out = m_a[[c for c in columns if c in m_a]].copy()
    out["before_min"] = m_a["road_rail_min"].to_numpy()
    out["after_min"] = m_b["road_rail_min"].to_numpy()
    out["change_min"] = out["after_min"] - out["before_min"]
    out["circle_before"] = m_a["circle"].to_numpy()
    out["circle_after"] = m_b["circle"].to_numpy()
    t_a = np.nan_to_num(out["before_min"].to_numpy(float), nan=np.inf)
    t_b = np.nan_to_num(out["after_min"].to_numpy(float), nan=np.inf)
    entered = np.full(len(out), "", dtype=object)
    left = np.full(len(out), "", dtype=object)
    for c in reversed(cutoffs):
        entered[(t_b <= c) & (t_a > c)] = f"{c:g}"
        left[(t_a <= c) & (t_b > c)] = f"{c:g}"
    out["entered"], out["left"] = entered, left
    counties = gpd.GeoDataFrame(out, geometry=m_a.geometry.to_numpy(), crs=4326)
    rows = []
    for centre, group in counties.groupby("centre", sort=False):
        ta = np.nan_to_num(group["before_min"].to_numpy(float), nan=np.inf)
        tb = np.nan_to_num(group["after_min"].to_numpy(float), nan=np.inf)
        pop = group["population"].to_numpy(float)
        rural = group["rural_population"].to_numpy(float)
        for c in cutoffs:
            ins_a, ins_b = ta <= c, tb <= c
            gain, loss = ins_b & ~ins_a, ins_a & ~ins_b
            rows.append(
                {
                    "centre": centre,
                    "cutoff_min": c,
                    "counties_before": int(ins_a.sum()),
                    "counties_after": int(ins_b.sum()),
                    "entered": int(gain.sum()),
                    "entered_population": float(pop[gain].sum()),
                    "entered_rural_population": float(rural[gain].sum()),
                    "left": int(loss.sum()),
                    "left_population": float(pop[loss].sum()),
                    "population_before": float(pop[ins_a].sum()),
                    "population_after": float(pop[ins_b].sum()),
                    "rural_population_before": float(rural[ins_a].sum()),
                    "rural_population_after": float(rural[ins_b].sum()),
                    "entered_counties": "、".join(
                        (group["prefecture"] + group["name"]).to_numpy()[gain][np.argsort(-pop[gain])]
                    ),
                }
            )
    return BeforeAfter(before=a, after=b, counties=counties, summary=pd.DataFrame(rows), change=change)
