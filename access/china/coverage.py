"""Coverage report: which counties (and how many people) have no station with service within
N km, and which rely on modelled service only. Printed with every China output."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from access._geo import haversine_m
from access.china.national import NationalRail

__all__ = ["Coverage", "coverage_report"]


def _xyz(lon, lat) -> np.ndarray:
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]


@dataclass(frozen=True)
class Coverage:
    """``counties``: per origin ``adcode, nearest_station, nearest_km, nearest_service``
    (real / modelled / real+modelled), ``nearest_real_station, nearest_real_km``,
    ``no_station`` (nothing with service within ``km``), ``modelled_only`` (the stations
    within ``km`` have modelled service only) and ``modelled_lines``. ``summary``: one row
    per condition with ``counties, population, rural_population``. ``lines``: the modelled
    lines counties rely on (``line, counties, population, rural_population``)."""

    km: float
    counties: pd.DataFrame
    summary: pd.DataFrame
    lines: pd.DataFrame

    def text(self) -> str:
        """The report in a few lines a planner reads."""
        out = []
        for r in self.summary.itertuples():
            out.append(
                f"{r.condition}: {r.counties:,} counties, {r.population / 1e6:.1f} M people "
                f"({r.rural_population / 1e6:.1f} M rural)"
            )
        if len(self.lines):
            top = ", ".join(f"{r.line} ({r.counties})" for r in self.lines.head(8).itertuples())
            out.append(f"modelled services relied on (counties): {top}{', ...' if len(self.lines) > 8 else ''}")
        return "\n".join(out)


def coverage_report(origins: pd.DataFrame, rail: NationalRail, km: float) -> Coverage:
    """The coverage of ``origins`` (``adcode`` or ``id``, ``lon, lat``, ``population``,
    ``rural_population``) by the stations of ``rail`` with any train."""

    service = rail.station_service().dropna(subset=["lon", "lat"]).reset_index(drop=True)
    ids = origins["adcode"] if "adcode" in origins else origins["id"]
    o_xyz = _xyz(origins["lon"], origins["lat"])
    tree = cKDTree(_xyz(service["lon"], service["lat"]))
    _, nearest = tree.query(o_xyz)
    near_km = haversine_m(origins["lon"], origins["lat"], service["lon"][nearest], service["lat"][nearest]) / 1000.0
    real = service[service["service"] != "modelled"].reset_index(drop=True)
    _, nearest_real = cKDTree(_xyz(real["lon"], real["lat"])).query(o_xyz)
    real_km = haversine_m(origins["lon"], origins["lat"], real["lon"][nearest_real], real["lat"][nearest_real]) / 1000.0
    no_station = near_km > km
    modelled_only = ~no_station & (real_km > km)
    # the modelled lines of the stations within km of each modelled-only county
    chord = 2 * np.sin(km / 6371.0 / 2)
    lines_of = service["modelled_lines"].to_numpy()
    relied = np.full(len(origins), "", dtype=object)
    for k in np.flatnonzero(modelled_only):
        names = {n for s in tree.query_ball_point(o_xyz[k], chord) for n in str(lines_of[s]).split("、") if n}
        relied[k] = "、".join(sorted(names))
    per = pd.DataFrame(
        {
            "adcode": ids.to_numpy(),
            "nearest_station": service["station"].to_numpy()[nearest],
            "nearest_km": near_km,
            "nearest_service": service["service"].to_numpy()[nearest],
            "nearest_real_station": real["station"].to_numpy()[nearest_real],
            "nearest_real_km": real_km,
            "no_station": no_station,
            "modelled_only": modelled_only,
            "modelled_lines": relied,
        }
    )

    def people(column: str) -> np.ndarray:
        if column not in origins:  # townships: no population
            return np.zeros(len(origins))
        return pd.to_numeric(origins[column], errors="coerce").fillna(0).to_numpy(float)

    pop, rural = people("population"), people("rural_population")
    rows = []
    for label, mask in (
        (f"no station with service within {km:g} km", no_station),
        (f"only modelled service within {km:g} km", modelled_only),
        (f"a station with real trains within {km:g} km", ~no_station & ~modelled_only),
    ):
        rows.append(
            {
                "condition": label,
                "counties": int(mask.sum()),
                "population": float(pop[mask].sum()),
                "rural_population": float(rural[mask].sum()),
            }
        )
    exploded = (
        pd.DataFrame({"line": relied, "population": pop, "rural_population": rural})
        .assign(line=lambda f: f["line"].str.split("、"))
        .explode("line")
    )
    exploded = exploded[exploded["line"].astype(bool)]
    lines = (
        exploded.groupby("line")
        .agg(counties=("line", "size"), population=("population", "sum"), rural_population=("rural_population", "sum"))
        .sort_values(["counties", "population"], ascending=False)
        .reset_index()
    )
    return Coverage(km=float(km), counties=per, summary=pd.DataFrame(rows), lines=lines)
