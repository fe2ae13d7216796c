"""The built-in sample region: deterministic, a real PBF with every road class, connected."""

from __future__ import annotations

import hashlib

import numpy as np
import osmium
import pandas as pd
import pytest

import access
from access.sample import write_sample_region


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return write_sample_region(tmp_path_factory.mktemp("sample"))


def test_same_seed_same_bytes_other_seed_other_bytes(region, tmp_path):
    again = write_sample_region(tmp_path / "again")
    assert sha(again.osm_pbf) == sha(region.osm_pbf)
    assert sha(again.places_csv) == sha(region.places_csv)
    other = write_sample_region(tmp_path / "other", seed=7)
    assert sha(other.osm_pbf) != sha(region.osm_pbf)


def test_pbf_has_the_road_hierarchy_read_independently_with_pyosmium(region):
    classes, oneway, junction = set(), set(), set()
    for way in osmium.FileProcessor(str(region.osm_pbf), osmium.osm.WAY):
        classes.add(way.tags.get("highway"))
        oneway.add(way.tags.get("oneway"))
        junction.add(way.tags.get("junction"))
    assert {
        "motorway",
        "motorway_link",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "track",
        "footway",
        "pedestrian",
        "cycleway",
        "service",
    } <= classes
    assert {"yes", "-1"} <= oneway and "roundabout" in junction


def test_region_spans_about_200_km_with_two_cities_120_km_apart(region):
    from access._geo import haversine_m

    min_lon, min_lat, max_lon, max_lat = region.bbox
    assert 180_000 < haversine_m(min_lon, min_lat, max_lon, min_lat) < 220_000
    places = pd.read_csv(region.places_csv)
    core = places[places["kind"] == "core_city"].iloc[0]
    second = places[places["kind"] == "city"].iloc[0]
    assert 110_000 < haversine_m(core["lon"], core["lat"], second["lon"], second["lat"]) < 130_000


def test_places_table_kinds_classes_and_totals(region):
    places = pd.read_csv(region.places_csv)
    counts = places["kind"].value_counts().to_dict()
    assert counts["county_seat"] == 8 and counts["town"] == 30 and counts["village"] == 150
    assert places["id"].is_unique
    assert set(places.loc[places["kind"].isin(["town", "village"]), "class"]) == {"rural"}
    assert set(places.loc[places["kind"].isin(["core_city", "city", "county_seat"]), "class"]) == {"urban"}
    assert places.loc[places["kind"] == "core_city", "population"].sum() == pytest.approx(3_000_000, rel=0.01)
    assert (places["population"] > 0).all() and (places["jobs"] > 0).all()


def test_every_place_reaches_the_core_city_by_car_and_walk_network_covers_them(region):
    network = access.build_network(region.osm_pbf, modes=("walk", "car"), progress=False)
    places = pd.read_csv(region.places_csv)
    core = places[places["kind"] == "core_city"].iloc[[0]]
    times = access.travel_times(network, core, places, mode="car", max_time_min=600)
    assert times["travel_time_min"].notna().all(), "every village is connected by car"
    from access.routing.street import snap

    snapped = snap(network.street("car"), places)
    assert np.all(snapped.distance_m < 300)
    # remote villages lie down long tracks: the furthest place is well over an hour away
    assert times["travel_time_min"].max() > 90
