"""Sample transit: committed feeds are reproducible; the intercity line brings cities closer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import access
from access.io.rail_spec import read_rail_spec, spec_trip_minutes
from access.sample import write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit

SAMPLES = Path(__file__).resolve().parents[1] / "gtfs_samples"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    region = write_sample_region(folder)
    return region, write_sample_transit(region, folder)


def test_committed_gtfs_samples_are_what_the_generator_writes(sample):
    _, files = sample
    for path in files.values():
        assert (SAMPLES / path.name).read_bytes() == path.read_bytes(), f"run `make samples`: {path.name} is stale"


def test_intercity_line_cuts_city_to_city_time_and_a_rural_bus_serves_villages(sample):
    region, files = sample
    places = pd.read_csv(region.places_csv)
    core = places[places["kind"] == "core_city"].iloc[[0]]
    second = places[places["kind"] == "city"].iloc[[0]]
    kwargs = {"modes": ("walk",), "service_date": SAMPLE_SERVICE_DATE, "progress": False}
    buses = access.build_network(region.osm_pbf, gtfs=[files["buses"]], **kwargs)
    both = access.build_network(region.osm_pbf, gtfs=[files["buses"]], rail_specs=[files["rail_spec"]], **kwargs)
    query = {"mode": "transit", "departure": "07:00", "window_min": 60, "max_time_min": 300}
    before = access.travel_times(buses, core, second, **query)["travel_time_min"].iloc[0]
    after = access.travel_times(both, core, second, **query)["travel_time_min"].iloc[0]
    assert after < 120 and (pd.isna(before) or after < before - 30)
    # the HSR leg itself cannot beat the spec's run time plus the 15-min station penalty
    spec = read_rail_spec(files["rail_spec"])
    assert after > spec_trip_minutes(spec, "express") + 15
    # a village on a county bus line reaches its county seat by bus
    served = set(both.transit.stop_name)
    village = places[(places["kind"] == "village") & places["name"].isin(served)].iloc[[0]]
    seat = places[(places["kind"] == "county_seat") & (places["county"] == village["county"].iloc[0])]
    by_bus = access.travel_times(both, village, seat, **query)["travel_time_min"].iloc[0]
    on_foot = access.travel_times(both, village, seat, mode="walk", max_time_min=600)["travel_time_min"].iloc[0]
    assert by_bus < on_foot


def test_park_and_ride_only_where_parking_is_allowed(sample):
    region, files = sample
    places = pd.read_csv(region.places_csv)
    second = places[places["kind"] == "city"].iloc[[0]]
    towns = places[places["kind"] == "town"]
    common = {
        "modes": ("walk", "car"),
        "rail_specs": [files["rail_spec"]],
        "service_date": SAMPLE_SERVICE_DATE,
        "progress": False,
    }
    anywhere = access.build_network(region.osm_pbf, **common)
    nowhere = access.build_network(
        region.osm_pbf, transit_settings=access.config.TransitSettings(park_ride_stops=[]), **common
    )
    query = {"mode": "transit", "departure": "07:00", "window_min": 30, "max_time_min": 300}
    drive = access.travel_times(anywhere, towns, second, access_mode="car", **query)["travel_time_min"].fillna(1e9)
    walk_only = access.travel_times(nowhere, towns, second, access_mode="car", **query)["travel_time_min"].fillna(1e9)
    assert (drive <= walk_only).all()
    assert (drive < walk_only - 10).sum() >= 3, "driving to the HSR station helps rural towns"
