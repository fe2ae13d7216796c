"""Regional road model, street-less transit, road + rail place matrices vs brute force,
cluster circles, bad input and the ``access cluster`` command (synthetic data)."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from access._geo import haversine_m
from access.cli import app
from access.config import RegionalSettings
from access.errors import InputError
from access.io.gtfs import read_gtfs
from access.io.places import as_places, read_places
from access.network.transit import TransitNetwork
from access.regional.cluster import cluster_circles, compare_cluster
from access.regional.network import RegionalNetwork, RegionalWarning, approx_road_seconds

runner = CliRunner()
KM_PER_DEG_EQUATOR = 2 * math.pi * 6_371_009.0 / 360 / 1000  # great-circle km per degree on the equator


# ---- road model ----------------------------------------------------------------------------
def test_road_model_defaults_are_the_documented_ones():
    s = RegionalSettings()
    assert s.detour_factor == 1.3
    assert s.band_limits_km == (5.0, 20.0)
    assert s.band_speeds_kmh == (30.0, 60.0, 90.0)
    assert s.min_transfer_min == 10.0 and s.max_access_min == 120.0 and s.transfer_radius_m == 500.0


def test_road_time_is_banded_by_hand():
    # 0.5 degrees on the equator: 55.6 km great circle -> 72.3 km of road:
    # 5 km at 30 km/h (10 min) + 15 km at 60 (15 min) + 52.3 km at 90 km/h.
    km = 0.5 * KM_PER_DEG_EQUATOR * 1.3
    expected_min = 10 + 15 + (km - 20) / 90 * 60
    assert approx_road_seconds(0.0, 0.0, 0.5, 0.0) / 60 == pytest.approx(expected_min, rel=1e-9)
    # 3 km of road (all in the first band) at 30 km/h
    deg = 3 / 1.3 / KM_PER_DEG_EQUATOR
    assert approx_road_seconds(0.0, 0.0, deg, 0.0) == pytest.approx(3 / 30 * 3600, rel=1e-9)


def test_road_time_grows_strictly_with_distance():
    lon = np.linspace(0, 5, 2001)
    seconds = approx_road_seconds(0.0, 0.0, lon, 0.0)
    assert seconds[0] == 0.0
    assert np.all(np.diff(seconds) > 0)


def test_detour_and_speeds_are_read_from_the_settings():
    flat = RegionalSettings(detour_factor=1.0, band_limits_km=(), band_speeds_kmh=(60.0,))
    km = 1.0 * KM_PER_DEG_EQUATOR
    assert approx_road_seconds(0, 0, 1, 0, flat) == pytest.approx(km / 60 * 3600, rel=1e-9)
    slower = RegionalSettings(detour_factor=1.5)
    assert approx_road_seconds(0, 0, 1, 0, slower) > approx_road_seconds(0, 0, 1, 0)


def test_bad_speed_bands_are_refused():
    with pytest.raises(ValueError, match="one per band"):
        RegionalSettings(band_limits_km=(5.0,), band_speeds_kmh=(30.0, 60.0, 90.0))
    with pytest.raises(ValueError, match="increasing"):
        RegionalSettings(band_limits_km=(20.0, 5.0))


# ---- transit without streets ---------------------------------------------------------------
def _line(name, stations, runs, start, headway, *, route_id=None):
    return {
        "line": name,
        "route_id": route_id or name,
        "route_type": 101,
        "stations": [{"name": n, "lon": x, "lat": y} for n, x, y in stations],
        "run_times_min": runs,
        "dwell_min": 1.0,
        "periods": [{"start": start, "end": "10:00", "headway_min": headway}],
    }


def test_transit_network_builds_without_streets_with_straight_line_transfers():
    # A and A2 lie 200 m apart (one station complex); C is 2 km from A, B 20 km.
    km = 1 / (KM_PER_DEG_EQUATOR * math.cos(math.radians(10.0)))  # degrees of longitude per km at 10° N
    lon = {"A": 100.0, "A2": 100.0 + 0.2 * km, "C": 100.0 + 2.0 * km, "B": 100.0 + 20.0 * km}
    tables = {
        "stops": pd.DataFrame(
            {
                "stop_id": list(lon),
                "stop_name": list(lon),
                "stop_lat": ["10.0"] * 4,
                "stop_lon": [f"{v:.8f}" for v in lon.values()],
            }
        ),
        "routes": pd.DataFrame({"route_id": ["r"], "route_type": ["101"]}),
        "trips": pd.DataFrame({"route_id": ["r", "r"], "service_id": ["d", "d"], "trip_id": ["t1", "t2"]}),
        "stop_times": pd.DataFrame(
            {
                "trip_id": ["t1", "t1", "t2", "t2"],
                "stop_id": ["A", "B", "A2", "C"],
                "arrival_time": ["07:00:00", "07:10:00", "07:00:00", "07:05:00"],
                "departure_time": ["07:00:00", "07:10:00", "07:00:00", "07:05:00"],
                "stop_sequence": ["1", "2", "1", "2"],
            }
        ),
        "calendar": pd.DataFrame(
            {
                "service_id": ["d"],
                **{
                    day: ["1"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
                },
                "start_date": ["20250101"],
                "end_date": ["20251231"],
            }
        ),
        "transfers": pd.DataFrame(
            {"from_stop_id": ["B"], "to_stop_id": ["C"], "transfer_type": ["2"], "min_transfer_time": ["600"]}
        ),
    }
    transit = TransitNetwork.from_feed(read_gtfs(tables, service_date="2025-05-13"), None, transfer_radius_m=500.0)
    pairs = {}
    for s in range(transit.n_stops):
        for e in range(transit.transfer_ptr[s], transit.transfer_ptr[s + 1]):
            pairs[(transit.stop_id[s], transit.stop_id[transit.transfer_to[e]])] = int(transit.transfer_s[e])
    metres = float(haversine_m(lon["A"], 10.0, lon["A2"], 10.0))
    walk_s = round(metres * 1.3 / (4.8 / 3.6))
    assert pairs == {("A", "A2"): walk_s, ("A2", "A"): walk_s, ("B", "C"): 600}  # transfers.txt kept at 18 km


# ---- road + rail vs a brute-force time-expanded graph --------------------------------------
def _small_region():
    """Two lines meeting at a shared station (separate stops, same place), places near
    stations and between them; a transfer is needed to go from line 1 to line 2."""
    d = 1 / KM_PER_DEG_EQUATOR  # one km in degrees on the equator
    x0 = 100.0  # degrees east
    line1 = _line("one", [("W", x0, 0.0), ("M", x0 + 60 * d, 0.0), ("E", x0 + 120 * d, 0.0)], [14, 14], "07:03", 10)
    line2 = _line(
        "two",
        [("Mx", x0 + 60 * d, 0.0), ("N", x0 + 60 * d, 50 * d), ("NN", x0 + 60 * d, 110 * d)],
        [12, 15],
        "07:00",
        15,
    )
    places = pd.DataFrame(
        {
            "name": ["west", "mid", "east", "north", "far_north", "between", "off"],
            "lon": x0 + np.array([0.5, 60.2, 119, 61, 60, 30, -40]) * d,
            "lat": np.array([0.0, 0.3, 1, 49, 111, 2, 5]) * d,
            "population": [1e6, 5e5, 8e5, 3e5, 2e5, 1e5, 5e4],
        }
    )
    return places, [line1, line2]


def _brute_force_seconds(net: RegionalNetwork, departures: np.ndarray) -> np.ndarray:
    """(n_dep, n, n) door-to-door seconds by an explicit time-expanded event graph."""
    t = net.transit
    s = net.settings
    road = net.road_seconds()
    lon, lat = t.stop_lon, t.stop_lat
    xy = net.places[["lon", "lat"]].to_numpy()
    to_stop = approx_road_seconds(xy[:, :1], xy[:, 1:], lon[None, :], lat[None, :], s)
    limit = s.max_access_min * 60
    penalty = net.station_penalty_s  # first boarding, seconds
    change = np.minimum(penalty, s.min_transfer_min * 60)  # every later boarding
    metres = haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    walk = np.where(metres <= s.transfer_radius_m, np.rint(metres * 1.3 / (4.8 / 3.6)), np.inf)
    events = []  # (trip, pos, stop, arr, dep)
    for p in range(t.n_patterns):
        stops = t.pattern_stops[t.pattern_stop_ptr[p] : t.pattern_stop_ptr[p + 1]]
        n_p = len(stops)
        for j in range(t.pattern_trip_ptr[p + 1] - t.pattern_trip_ptr[p]):
            base = t.pattern_time_ptr[p] + j * n_p
            for i, stop in enumerate(stops):
                events.append(((p, j), i, int(stop), int(t.arrival_s[base + i]), int(t.departure_s[base + i])))
    G = nx.DiGraph()
    for trip, i, *_ in events:
        G.add_edge(("B", trip, i), ("R", trip, i + 1))
        G.add_edge(("R", trip, i), ("R", trip, i + 1))
    on = {(e[0], e[1]): e for e in events}
    for trip, i, stop, arr, _ in events:  # transfers: alight, (walk), board later with the change time
        for trip2, i2, stop2, _, dep2 in events:
            if trip2 != trip and np.isfinite(walk[stop, stop2]) and dep2 >= arr + walk[stop, stop2] + change[stop2]:
                G.add_edge(("R", trip, i), ("B", trip2, i2))
    n = len(xy)
    out = np.empty((len(departures), n, n))
    for d, t0 in enumerate(departures):
        for o in range(n):
            best = road[o].copy()
            source = ("S", o)
            G.add_node(source)
            for trip, i, stop, _, dep in events:
                leg = to_stop[o, stop]
                if leg <= limit and dep >= t0 + np.rint(leg + penalty[stop] - change[stop]) + change[stop]:
                    G.add_edge(source, ("B", trip, i))
            for node in nx.descendants(G, source):
                if node[0] != "R" or (node[1], node[2]) not in on:
                    continue
                _, _, stop, arr, _ = on[(node[1], node[2])]
                egress = approx_road_seconds(lon[stop], lat[stop], xy[:, 0], xy[:, 1], s)
                egress = np.where(egress <= limit, np.rint(egress), np.inf)
                best = np.minimum(best, arr - t0 + egress)
            G.remove_node(source)
            out[d, o] = best
    return out


@pytest.mark.parametrize("settings", [RegionalSettings(), RegionalSettings(min_transfer_min=3, station_penalty_min=20)])
def test_road_rail_matrix_equals_a_brute_force_event_graph(settings):
    places, specs = _small_region()
    net = RegionalNetwork.build(places, rail_specs=specs, settings=settings)
    departures = 7 * 3600 + 60 * np.arange(20)
    road, rail = net.travel_seconds(departure="07:00", window_min=20, percentiles=(25, 50, 100))
    brute = _brute_force_seconds(net, departures)
    for row, p in enumerate((25, 50, 100)):  # inverted-CDF percentile: the ceil(p% of n)-th smallest
        expected = np.sort(brute, axis=0)[int(np.ceil(p / 100 * 20)) - 1]
        np.testing.assert_array_equal(rail[row], expected)
    assert (rail[0] < rail[2]).any()  # the wait at the origin matters
    names = list(places["name"])
    w, f = names.index("west"), names.index("far_north")
    assert rail[1, w, f] < road[w, f]  # west -> far_north changes trains and beats the road


def test_a_change_of_trains_costs_the_minimum_transfer_time():
    # Same station penalty; the only difference is the time to change trains at M / Mx.
    places, specs = _small_region()
    names = list(places["name"])
    w, f, e = names.index("west"), names.index("far_north"), names.index("east")
    times = {}
    for change in (2.0, 12.0):
        settings = RegionalSettings(min_transfer_min=change, station_penalty_min=15)
        net = RegionalNetwork.build(places, rail_specs=specs, settings=settings)
        _, rail = net.travel_seconds(departure="07:00", window_min=60, percentiles=(50,))
        times[change] = rail[0]
    assert times[2.0][w, f] < times[12.0][w, f]  # needs a change: slower with a longer one
    assert times[2.0][w, e] == times[12.0][w, e]  # one train: unaffected


# ---- circles, comparison, bad input ------------------------------------------------------
def test_cluster_population_inside_is_the_sum_over_the_listed_places():
    places, specs = _small_region()
    net = RegionalNetwork.build(places, rail_specs=specs)
    result = cluster_circles(net, "west", cutoffs_min=(60, 120))
    pop = dict(zip(places["name"], places["population"], strict=True))
    for _, row in result.circles.iterrows():
        listed = row["places"].split(", ")
        assert row["population"] == pytest.approx(sum(pop[n] for n in listed))
        assert row["n_places"] == len(listed)
    members = result.members
    for _, row in result.circles.iterrows():
        column = "road_min" if row["mode"] == "road" else "road_rail_min"
        inside = set(members.loc[members[column] <= row["cutoff_min"], "name"])
        assert inside == set(row["places"].split(", "))
    assert result.circles["approximate"].all() and result.members["approximate"].all()


def test_adding_a_line_only_shortens_times_and_raises_potential():
    places, specs = _small_region()
    base = cluster_circles(RegionalNetwork.build(places, rail_specs=specs[:1]), "west")
    after = cluster_circles(RegionalNetwork.build(places, rail_specs=specs), "west")
    by_place, by_circle = compare_cluster(base, after)
    assert (by_place["avg_time_change_min"] <= 1e-9).all()
    assert (by_place["potential_change_pct"] >= -1e-9).all()
    assert (by_place.set_index("name").loc["far_north", "avg_time_change_min"]) < 0
    assert (by_circle["population_change"] >= 0).all()


def test_weighted_average_time_is_checked_by_hand():
    places, _ = _small_region()
    net = RegionalNetwork.build(places)
    result = cluster_circles(net, "west")
    road = net.road_seconds() / 60
    pop = places["population"].to_numpy()
    i = 2
    others = [j for j in range(len(places)) if j != i]
    expected = sum(pop[j] * road[i, j] for j in others) / sum(pop[j] for j in others)
    assert result.accessibility["avg_time_road_min"].iloc[i] == pytest.approx(expected)
    gravity = sum(pop[j] * math.exp(-0.05 * road[i, j]) for j in others)  # decay.py default b
    assert result.accessibility["potential_road"].iloc[i] == pytest.approx(gravity)


def test_place_table_without_coordinates_is_refused():
    with pytest.raises(InputError, match="no coordinates"):
        as_places(pd.DataFrame({"name": ["a", "b"], "population": [1, 2]}))
    with pytest.raises(InputError, match="without valid coordinates.*b"):
        as_places(pd.DataFrame({"name": ["a", "b"], "lon": [1.0, None], "lat": [2.0, 3.0]}))


def test_duplicated_place_names_are_refused():
    with pytest.raises(InputError, match="duplicated place names: Suzhou"):
        as_places(pd.DataFrame({"name": ["Suzhou", "Suzhou", "Wuxi"], "lon": [1, 2, 3], "lat": [1, 2, 3]}))


def test_population_units_multiply(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,cityname_eng,coord_long,coord_lat,cpop2010,upop2010\n1,A,116.4,39.9,1961.2,1685.869\n")
    places = read_places(path, units=10_000)
    assert places["population"].iloc[0] == pytest.approx(19_612_000)
    assert places["name"].iloc[0] == "A" and places["lon"].iloc[0] == 116.4


def test_unknown_centre_names_the_problem():
    places, _ = _small_region()
    with pytest.raises(InputError, match="no place named 'atlantis'"):
        cluster_circles(RegionalNetwork.build(places), "atlantis")


def test_rail_stations_far_from_every_place_are_warned_with_distances():
    places, specs = _small_region()
    far = _line("far", [("Faraway", 110.0, 10.0), ("Nowhere", 110.5, 10.0)], [20], "07:00", 30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RegionalNetwork.build(places, rail_specs=[specs[0], far])
    messages = [str(w.message) for w in caught if issubclass(w.category, RegionalWarning)]
    assert len(messages) == 1
    assert "2 of 5 stations" in messages[0] and "Faraway" in messages[0] and "Nowhere" in messages[0]
    km = haversine_m(110.0, 10.0, places["lon"], places["lat"]).min() / 1000
    assert f"Faraway ({km:.0f} km from" in messages[0]


# ---- command line --------------------------------------------------------------------------
def test_cluster_command_writes_tables_geojson_and_maps(tmp_path):
    import yaml

    places, specs = _small_region()
    csv = tmp_path / "places.csv"
    places.to_csv(csv, index=False)
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(yaml.safe_dump(specs[0]))
    two.write_text(yaml.safe_dump(specs[1]))
    out = tmp_path / "cluster"
    result = runner.invoke(
        app,
        [
            "cluster",
            "--places",
            str(csv),
            "--rail-spec",
            str(one),
            "--scenario-rail-spec",
            str(two),
            "--centre",
            "west",
            "--cutoffs",
            "60",
            "120",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "APPROXIMATE" in result.output
    for name in (
        "circles.csv",
        "circles.geojson",
        "members.geojson",
        "matrix.parquet",
        "accessibility.geojson",
        "lines.geojson",
        "map_west.png",
        "compare_places.geojson",
        "compare_circles.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    circles = pd.read_csv(out / "circles.csv")
    assert sorted(circles["cutoff_min"].unique()) == [60, 120]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,population\na,1\n")
    result = runner.invoke(app, ["cluster", "--places", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "no coordinates" in result.output


def test_an_osm_extract_replaces_the_approximate_road_model():
    import access
    from tests.conftest import require_data

    osm = require_data("osm/pyrosm_test.osm.pbf")  # Kouvola, Finland: a small real extract
    places = pd.DataFrame({"name": ["a", "b", "c"], "lon": [26.935, 26.955, 26.965], "lat": [60.525, 60.53, 60.535]})
    net = RegionalNetwork.build(places, osm=osm)
    assert not net.approximate
    car = access.build_network(osm, ("car",))
    expected = access.travel_times(car, places, mode="car", max_time_min=1440)["travel_time_min"].to_numpy()
    got = net.travel_times()
    np.testing.assert_allclose(got["road_min"].to_numpy(), np.where(got["from_id"] == got["to_id"], 0, expected))
    assert not got["approximate"].any()
