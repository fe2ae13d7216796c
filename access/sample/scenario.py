"""The sample region's headline scenario: the Core-Second intercity line, before / after."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from access.config import DEFAULT_COMMUTE_WINDOW_MIN, DEFAULT_DEPARTURE_TIME
from access.sample.cluster import SampleRegion, write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit
from access.scenarios.model import Scenario, parse_scenario, write_scenario

__all__ = ["sample_scenario", "SAMPLE_SCENARIO_FILE"]

SAMPLE_SCENARIO_FILE = "intercity_scenario.yaml"


def sample_scenario(
    out_dir: str | Path,
    *,
    region: SampleRegion | None = None,
    feeds: dict[str, Path] | None = None,
    window_min: float = float(DEFAULT_COMMUTE_WINDOW_MIN),
) -> Path:
    """Write the sample region (unless given), its transit files (unless given) and a
    scenario YAML into ``out_dir``; returns the YAML's path.

    Base: the sample OSM + ``sample_buses.zip`` (county and city buses); the scenario adds
    ``sample_intercity.yaml`` (core city - Xiyang - Dongping - second city, 250 km/h,
    park-and-ride at every station). The compare block asks for transit with car
    park-and-ride access (villages far from any bus), departures 07:00 + ``window_min``,
    1-h and 2-h circles of the core city and the second city, by county and class.
    """

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    region = region or write_sample_region(out)
    feeds = feeds or write_sample_transit(region, out)
    places = pd.read_csv(region.places_csv)
    core = places[places["kind"] == "core_city"].sort_values("population").iloc[-1]
    second = places[places["kind"] == "city"].sort_values("population").iloc[-1]
    data = {
        "name": "Core-Second intercity line",
        "description": "A new intercity line between the core city and the second city through two county seats "
        "(Xiyang, Dongping): who moves inside the 1-h and 2-h circles, and how rural job access changes.",
        "base": {
            "osm": str(Path(region.osm_pbf).resolve()),
            "gtfs": [str(Path(feeds["buses"]).resolve())],
            "opportunities": str(Path(region.places_csv).resolve()),
            "service_date": SAMPLE_SERVICE_DATE,
            "modes": ["walk", "car"],
        },
        "modifications": [{"type": "add_line", "spec": str(Path(feeds["rail_spec"]).resolve()), "park_and_ride": True}],
        "compare": {
            "mode": "transit",
            "access_mode": "car",
            "departure": DEFAULT_DEPARTURE_TIME,
            "window_min": window_min,
            "cutoffs_min": [60, 120],
            "centres": [
                {"name": "Core City", "lon": float(core["lon"]), "lat": float(core["lat"])},
                {
                    "name": str(second["name"]).split(" district")[0],
                    "lon": float(second["lon"]),
                    "lat": float(second["lat"]),
                },
            ],
            "by": "county",
            "class_column": "class",
        },
    }
    scenario: Scenario = parse_scenario(data, label="sample scenario")
    return write_scenario(scenario, out / SAMPLE_SCENARIO_FILE)
