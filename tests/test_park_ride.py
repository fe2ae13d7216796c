"""Park-and-ride (R5's rule): a trip with car access rides at least one vehicle, parks only
where car parks are (OSM park_ride, GTFS-flagged stops, a list, or "any" on request)."""

from __future__ import annotations

import io
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

import access
from access.errors import InputError, NoCarParkWarning
from access.io.park_ride import read_car_parks
from access.routing.transit import park_access
from tests.conftest import REPO
from tests.osm_xml import write_osm

SAMPLES = REPO / "gtfs_samples"


def test_osm_car_parks_are_the_park_ride_nodes_and_areas_as_r5_reads_them(tmp_path):
    nodes = {1: (116.0, 39.0), 2: (116.001, 39.0), 3: (116.001, 39.001), 4: (116.0, 39.001), 5: (116.01, 39.01)}
    ways = [
        (10, [1, 2, 3, 4, 1], {"amenity": "parking", "park_ride": "bus", "name": "East P+R"}),
        (11, [1, 5], {"highway": "residential"}),
        (12, [2, 3], {"amenity": "parking", "park_ride": "no"}),
        (13, [3, 4], {"amenity": "parking"}),
    ]
    path = write_osm(tmp_path / "parks.osm", nodes, ways)
    text = path.read_text().replace(
        '<node id="5" version="1" lat="39.0100000" lon="116.0100000"/>',
        '<node id="5" version="1" lat="39.0100000" lon="116.0100000">'
        '<tag k="amenity" v="parking"/><tag k="park_ride" v="yes"/></node>',
    )
    path.write_text(text)
    parks = read_car_parks(path).sort_values("osm_id").reset_index(drop=True)
    assert parks["osm_id"].tolist() == ["n5", "w10"]
    area = parks.iloc[1]
    # an area: the mean of its node locations (the closing node counted twice, as drawn)
    assert area["name"] == "East P+R"
    assert area["lon"] == pytest.approx(np.mean([116.0, 116.001, 116.001, 116.0, 116.0]))
    assert area["lat"] == pytest.approx(np.mean([39.0, 39.0, 39.001, 39.001, 39.0]))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from access.sample import write_sample_region

    return write_sample_region(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample_net(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return access.build_network(
            sample.osm_pbf,
            modes=("walk", "car"),
            gtfs=[SAMPLES / "sample_buses.zip"],
            service_date="2025-05-13",
            progress=False,
        )


@pytest.fixture(scope="module")
def places(sample):
    return pd.read_csv(sample.places_csv)


def test_car_access_without_car_parks_in_the_data_warns_and_adds_nothing_to_walking(sample_net, places):
    assert sample_net.transit.n_parks == 0
    query = {"mode": "transit", "departure": "07:00", "window_min": 10}
    with pytest.warns(NoCarParkWarning, match="park_ride_stops='any'"):
        driven = access.travel_times(sample_net, places.iloc[:20], access_mode="car", **query)
    walked = access.travel_times(sample_net, places.iloc[:20], access_mode="walk", **query)
    pd.testing.assert_frame_equal(driven, walked)
    with pytest.raises(InputError, match="names no stop"):
        access.travel_times(
            sample_net.with_transit_settings(park_ride_stops=["no such stop"]),
            places.iloc[:2],
            access_mode="car",
            **query,
        )


def test_rail_spec_stations_are_car_parks(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = access.build_network(
            sample.osm_pbf,
            modes=("walk", "car"),
            gtfs=[SAMPLES / "sample_buses.zip"],
            rail_specs=[SAMPLES / "sample_intercity.yaml"],
            service_date="2025-05-13",
            progress=False,
        )
    stations = {s for s in net.transit.stop_id if s.startswith("rail_sample_intercity:")}
    assert len(stations) >= 2 and net.transit.n_parks == len(stations)


def farm_and_cities(places):
    """A village 20 min by car from the core city with no bus stop within walking (a farm's
    nearest place), and the core-city districts, far beyond walking."""
    farm = places[places["id"] == "P112"]
    assert farm["kind"].tolist() == ["village"]
    return farm, places[places["kind"] == "core_city"]


def test_at_3am_no_bus_runs_so_park_and_ride_from_a_farm_reaches_nothing(sample_net, places):
    anywhere = sample_net.with_transit_settings(park_ride_stops="any")
    farm, cities = farm_and_cities(places)
    night = access.travel_times(
        anywhere, farm, cities, mode="transit", access_mode="car", departure="03:00", window_min=10, max_time_min=150
    )
    assert night["travel_time_min"].isna().all(), "car + a constant is not transit: some vehicle must be ridden"
    by_car = access.travel_times(sample_net, farm, cities, mode="car", max_time_min=150)
    assert by_car["travel_time_min"].notna().all(), "direct car is a separate mode, and it does reach them"
    day = access.travel_times(
        anywhere, farm, cities, mode="transit", access_mode="car", departure="07:00", window_min=60, max_time_min=150
    )
    reached = day["travel_time_min"].notna()
    assert reached.any() and (day.loc[reached, "rides"] >= 1).all()


def test_park_and_ride_legs_drive_to_the_car_park_and_pay_the_parking_penalty(sample_net, places):
    """The access legs of car access equal car travel times (the street router, to the
    stops as points) plus park_ride_penalty_min, for every stop within the drive limit."""
    from access.routing.street import snap
    from access.routing.transit import _node_seconds

    anywhere = sample_net.with_transit_settings(park_ride_stops="any", max_access_car_min=30)
    transit, settings = anywhere.transit, anywhere.transit_settings
    farm, _ = farm_and_cities(places)
    car = anywhere.street("car")
    parks = park_access(anywhere, transit, settings)
    node_s = _node_seconds(car, snap(car, farm), 0, int(settings.max_access_car_min * 60))
    stops, seconds = parks.stops_reached(node_s, settings.max_access_car_min * 60)
    points = pd.DataFrame({"id": transit.stop_id, "lon": transit.stop_lon, "lat": transit.stop_lat})
    drive = access.travel_times(anywhere, farm, points, mode="car", max_time_min=30)["travel_time_min"].to_numpy()
    expected = np.flatnonzero(np.isfinite(np.nan_to_num(drive, nan=np.inf)))
    assert set(stops.tolist()) <= set(expected.tolist()) and len(stops) >= 0.9 * len(expected) > 0
    np.testing.assert_allclose(seconds / 60, drive[stops], atol=1 / 60)  # whole seconds
    legs = access.travel_times(
        anywhere, farm, points.iloc[stops[:3]], mode="transit", access_mode="car", departure="07:00", window_min=1
    )
    assert (legs["travel_time_min"].dropna() >= drive[stops[:3]].min() + settings.park_ride_penalty_min).all()


def flagged_feed(tmp_path, names: set[str]):
    """sample_buses.zip with a ``parking`` column in stops.txt flagging ``names``."""
    out = tmp_path / "buses_parking.zip"
    with zipfile.ZipFile(SAMPLES / "sample_buses.zip") as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.namelist():
            data = src.read(member)
            if member == "stops.txt":
                stops = pd.read_csv(io.BytesIO(data), dtype=str)
                stops["parking"] = np.where(stops["stop_name"].isin(names), "1", "0")
                data = stops.to_csv(index=False).encode()
            dst.writestr(member, data)
    return out


def test_stops_flagged_parking_in_gtfs_are_the_car_parks_by_default(sample, places, tmp_path):
    stops = pd.read_csv(io.BytesIO(zipfile.ZipFile(SAMPLES / "sample_buses.zip").read("stops.txt")), dtype=str)
    chosen = set(stops["stop_name"].iloc[::40])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = access.build_network(
            sample.osm_pbf,
            modes=("walk", "car"),
            gtfs=[flagged_feed(tmp_path, chosen)],
            service_date="2025-05-13",
            cache_dir=tmp_path,
            progress=False,
        )
    transit = net.transit
    assert set(transit.park_name) == chosen & set(transit.stop_name)
    # each car park reaches its own stop on foot at once (it is there), and others within 500 m
    for p in range(transit.n_parks):
        linked = transit.park_stop[transit.park_ptr[p] : transit.park_ptr[p + 1]]
        walks = transit.park_walk_s[transit.park_ptr[p] : transit.park_ptr[p + 1]]
        own = np.flatnonzero(transit.stop_name[linked] == transit.park_name[p])
        assert len(own) and walks[own].min() <= 1
        assert (walks <= 500 / (4.8 / 3.6) + 1).all()
    farm, cities = farm_and_cities(places)
    table = access.travel_times(
        net, farm, cities, mode="transit", access_mode="car", departure="07:00", window_min=30, max_time_min=180
    )
    assert (table["rides"].dropna() >= 1).all()
    listed = net.with_transit_settings(park_ride_stops=sorted(chosen))
    same = access.travel_times(
        listed, farm, cities, mode="transit", access_mode="car", departure="07:00", window_min=30, max_time_min=180
    )
    # the same stops named in a list park at the stop only; a flagged car park may also
    # walk to other stops within 500 m: never slower, and reaching at least as much
    flagged, listed_t = table["travel_time_min"].fillna(np.inf), same["travel_time_min"].fillna(np.inf)
    assert (flagged <= listed_t + 1e-9).all() and same["travel_time_min"].notna().sum() > 0
