"""Transit for the sample region: county and city buses (GTFS) and an intercity HSR line
(rail spec YAML and the GTFS made from it), generated from the region itself."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from access._clock import format_clock
from access.io.gtfs import write_gtfs_zip
from access.io.rail_spec import parse_rail_spec, write_rail_spec_gtfs
from access.network.multimodal import build_network
from access.routing.matrix import travel_times
from access.sample.cluster import CITY_BLOCK_KM, CORE_XY, SampleRegion, _to_lonlat

__all__ = ["write_sample_transit", "SAMPLE_SERVICE_DATE"]

SAMPLE_SERVICE_DATE = "2025-05-13"  # a Tuesday; the sample calendars run every day of 2025
BUS_SLOWDOWN = 1.4  # bus run time / free-flow car time between stops
BUS_DWELL_S = 30  # seconds at each intermediate stop
CITY_STOP_SPACING_BLOCKS = 2  # city bus stops every two blocks (800 m)


def _city_lines() -> list[tuple[str, list[tuple[float, float]]]]:
    """Core-city bus lines along the primary and secondary streets, out to the ring road
    (where the HSR station is), as lists of (x, y) km."""
    cx, cy = CORE_XY
    half = 7 * CITY_BLOCK_KM
    ring = half + 1.0
    steps = np.arange(-7, 8, CITY_STOP_SPACING_BLOCKS) * CITY_BLOCK_KM
    east_west = [(cx - ring, cy)] + [(cx + s, cy) for s in steps] + [(cx + ring, cy)]
    north_south = [(cx, cy - ring)] + [(cx, cy + s) for s in steps] + [(cx, cy + ring)]
    south_row = [(cx + s, cy - 4 * CITY_BLOCK_KM) for s in steps]
    north_row = [(cx + s, cy + 4 * CITY_BLOCK_KM) for s in steps]
    return [("C1", east_west), ("C2", north_south), ("C3", south_row), ("C4", north_row)]


def _bus_tables(network, places: pd.DataFrame) -> dict[str, pd.DataFrame]:
    lines: list[tuple[str, str, list[tuple[float, float]], list[str], int, int]] = []
    for name, xy in _city_lines():
        lon, lat = _to_lonlat(np.array(xy))
        lines.append(
            (
                name,
                "core city",
                list(zip(lon, lat, strict=True)),
                [f"{name} stop {k + 1}" for k in range(len(xy))],
                10 * 60,
                6 * 3600,
            )
        )
    seats = places[places["kind"] == "county_seat"].set_index("county")
    villages = places[places["kind"] == "village"]
    for _, town in places[places["kind"] == "town"].iterrows():
        seat = seats.loc[town["county"]]
        near = villages[villages["county"] == town["county"]].copy()
        near["d"] = np.hypot(near["lon"] - town["lon"], near["lat"] - town["lat"])
        chain = [seat, town, *[row for _, row in near.nsmallest(2, "d").iterrows()]]
        lines.append(
            (
                f"B{town['id'][1:]}",
                town["county"],
                [(r["lon"], r["lat"]) for r in chain],
                [r["name"] for r in chain],
                60 * 60,
                6 * 3600,
            )
        )
    stops, routes, trips, stop_times = {}, [], [], []
    for name, county, points, names, headway_s, first_s in lines:
        ids = []
        for (lon, lat), label in zip(points, names, strict=True):
            key = (round(lon, 5), round(lat, 5))
            if key not in stops:
                stops[key] = (f"S{len(stops):04d}", label, lat, lon)
            ids.append(stops[key][0])
        frame = pd.DataFrame(points, columns=["lon", "lat"])
        tt = travel_times(network, frame.iloc[:-1], frame.iloc[1:].reset_index(drop=True), mode="car", max_time_min=600)
        # destination j is the stop after origin j
        legs = tt[tt["from_id"] == tt["to_id"]]["travel_time_min"].to_numpy() * 60 * BUS_SLOWDOWN
        legs = np.maximum(np.nan_to_num(legs, nan=600.0), 60.0)
        routes.append((name, "sample_bus", name, f"{county} bus {name}", "3"))
        for direction in (0, 1):
            order = list(range(len(ids))) if direction == 0 else list(range(len(ids)))[::-1]
            leg_s = legs if direction == 0 else legs[::-1]
            for start in range(first_s, 21 * 3600, headway_s):
                trip = f"{name}_{direction}_{start // 60:04d}"
                trips.append((name, "daily", trip, str(direction)))
                t = float(start)
                for k, stop in enumerate(order):
                    if k:
                        t += leg_s[k - 1]
                    dwell = BUS_DWELL_S if 0 < k < len(order) - 1 else 0
                    stop_times.append((trip, format_clock(t), format_clock(t + dwell), ids[stop], str(k + 1)))
                    t += dwell
    stops_frame = pd.DataFrame(list(stops.values()), columns=["stop_id", "stop_name", "stop_lat", "stop_lon"])
    stops_frame["stop_lat"] = stops_frame["stop_lat"].map(lambda v: f"{v:.6f}")
    stops_frame["stop_lon"] = stops_frame["stop_lon"].map(lambda v: f"{v:.6f}")
    return {
        "agency": pd.DataFrame(
            {
                "agency_id": ["sample_bus"],
                "agency_name": ["Sample county buses"],
                "agency_url": ["https://example.invalid"],
                "agency_timezone": ["Asia/Shanghai"],
            }
        ),
        "stops": stops_frame,
        "routes": pd.DataFrame(
            routes, columns=["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]
        ),
        "trips": pd.DataFrame(trips, columns=["route_id", "service_id", "trip_id", "direction_id"]),
        "stop_times": pd.DataFrame(
            stop_times, columns=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]
        ),
        "calendar": pd.DataFrame(
            {
                "service_id": ["daily"],
                **{d: ["1"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
                "start_date": ["20250101"],
                "end_date": ["20251231"],
            }
        ),
    }


def intercity_spec(places: pd.DataFrame) -> dict:
    """The Core-Second intercity HSR line: stations at the core city's east ring, two county
    seats on the expressway corridor and the second city's west ring."""
    seat = places.set_index("name")
    cx, cy = CORE_XY
    ring = 7 * CITY_BLOCK_KM + 1.0
    (core_lon,), (core_lat,) = _to_lonlat(np.array([(cx + ring, cy)]))
    second = places[places["kind"] == "city"].sort_values("population").iloc[-1]
    stations = [
        {"name": "Core City East", "lon": round(float(core_lon), 6), "lat": round(float(core_lat), 6)},
        {"name": "Xiyang", "lon": float(seat.loc["Xiyang", "lon"]), "lat": float(seat.loc["Xiyang", "lat"])},
        {"name": "Dongping", "lon": float(seat.loc["Dongping", "lon"]), "lat": float(seat.loc["Dongping", "lat"])},
        {"name": "Second City", "lon": float(second["lon"]), "lat": float(second["lat"])},
    ]
    return {
        "line": "Core-Second intercity",
        "route_id": "ICR1",
        "route_type": 2,
        "stations": stations,
        "design_speed_kmh": 250,
        "detour_factor": 1.15,
        "accel_decel_min": 2.0,
        "dwell_min": 2.0,
        "periods": [
            {"start": "06:30", "end": "09:00", "headway_min": 20},
            {"start": "09:00", "end": "17:00", "headway_min": 60},
            {"start": "17:00", "end": "21:00", "headway_min": 30},
        ],
        "patterns": [
            {"name": "all", "stops": [s["name"] for s in stations]},
            {"name": "express", "stops": [stations[0]["name"], stations[-1]["name"]]},
        ],
        "start_date": "20250101",
        "end_date": "20251231",
    }


def write_sample_transit(region: SampleRegion, out_dir: str | Path, network=None) -> dict[str, Path]:
    """Write ``sample_buses.zip`` (GTFS), ``sample_intercity.yaml`` (rail spec) and
    ``sample_intercity.zip`` (the same line as GTFS) into ``out_dir``; deterministic."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if network is None:
        network = build_network(region.osm_pbf, modes=("car",), progress=False)
    places = pd.read_csv(region.places_csv)
    buses = write_gtfs_zip(_bus_tables(network, places), out / "sample_buses.zip")
    spec_data = intercity_spec(places)
    yaml_path = out / "sample_intercity.yaml"
    tmp = out / f".{os.getpid()}.sample_intercity.yaml"
    header = (
        "# Intercity HSR line of the built-in sample region, generated by access.sample.transit.\n"
        "# Format: see README (rail line specs). Convert with: access rail-spec to-gtfs this.yaml out.zip\n"
    )
    tmp.write_text(header + yaml.safe_dump(spec_data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    os.replace(tmp, yaml_path)
    rail_zip = write_rail_spec_gtfs(parse_rail_spec(spec_data), out / "sample_intercity.zip")
    return {"buses": buses, "rail_spec": yaml_path, "rail_gtfs": rail_zip}
