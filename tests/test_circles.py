"""Commuting circles and their overlaps, checked against independent travel times and shapely."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

import access
from access._geo import haversine_m
from access.circles.circles import circle_membership, commuting_circles
from access.circles.definition import CircleDefinition
from access.circles.overlap import area_km2, circle_overlap
from access.config import CIRCLE_PRESETS, IsochroneSettings
from access.errors import InputError, OffNetworkError
from access.routing.street import snap
from access.sample import write_sample_region
from tests.conftest import require_data

SAMPLES = Path(__file__).resolve().parents[1] / "gtfs_samples"
CORE = "Core City district 1"
SECOND = "Second City district 1"


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return write_sample_region(tmp_path_factory.mktemp("circles-sample"))


@pytest.fixture(scope="module")
def places(region) -> pd.DataFrame:
    return pd.read_csv(region.places_csv)


@pytest.fixture(scope="module")
def network(region):
    return access.build_network(region.osm_pbf, modes=("walk", "car"), progress=False)


@pytest.fixture(scope="module")
def two_cities(network, places):
    return commuting_circles(network, [CORE, SECOND], zones=places, mode="car", cutoffs_min=(60, 120), max_time_min=300)


def _place(places, name):
    return places[places["name"] == name][["lon", "lat"]]


def _expected_circle(minutes: np.ndarray, cutoffs=(60, 120)) -> list[str]:
    labels = []
    for m in minutes:
        inside = [c for c in cutoffs if np.isfinite(m) and m <= c]
        labels.append(f"inside {inside[0]} min" if inside else "outside")
    return labels


def test_membership_equals_labels_from_independent_travel_times(network, places, two_cities):
    times = access.travel_times(network, places, _place(places, CORE), mode="car", max_time_min=300)
    core = two_cities.times[two_cities.times["centre"] == CORE].set_index("zone_id")
    np.testing.assert_allclose(core.loc[places["id"], "travel_time_min"], times["travel_time_min"], atol=1e-9)
    assert core.loc[places["id"], "circle"].tolist() == _expected_circle(times["travel_time_min"].to_numpy())


def test_membership_agrees_with_networkx_dijkstra_away_from_the_cutoffs(network, places, two_cities):
    # independent: networkx Dijkstra between the street nodes nearest each zone and the centre
    car = network.street("car")
    graph = nx.DiGraph()
    for u, v, data in car.to_networkx().edges(data=True):
        if not graph.has_edge(u, v) or graph[u][v]["t"] > data["travel_time"]:
            graph.add_edge(u, v, t=data["travel_time"])

    def nearest(lon, lat):
        return int(car.node_id[np.argmin(haversine_m(car.lon, car.lat, lon, lat))])

    centre = _place(places, CORE).iloc[0]
    to_centre = nx.single_source_dijkstra_path_length(
        graph.reverse(copy=False), nearest(centre.lon, centre.lat), weight="t"
    )
    minutes = np.array([to_centre.get(nearest(p.lon, p.lat), np.inf) / 60 for p in places.itertuples()])
    core = two_cities.times[two_cities.times["centre"] == CORE].set_index("zone_id").loc[places["id"]]
    # snapping connectors differ from nearest-node snapping by a few minutes at most
    clear = np.all(np.abs(minutes[:, None] - np.array([60, 120])[None, :]) > 8, axis=1)
    assert clear.sum() > 150
    assert core["circle"].to_numpy()[clear].tolist() == np.array(_expected_circle(minutes))[clear].tolist()
    assert np.nanmax(np.abs(core["travel_time_min"].to_numpy()[clear] - minutes[clear])) < 8


def test_summary_totals_equal_the_sum_over_the_listed_zones(places, two_cities):
    zones = two_cities.zones
    summary = two_cities.summary.set_index(["centre", "cutoff_min"])
    for cutoff in (60, 120):
        inside = zones[f"travel_time_min_{CORE}"] <= cutoff
        assert summary.loc[(CORE, cutoff), "population"] == places.loc[inside.to_numpy(), "population"].sum()
        assert summary.loc[(CORE, cutoff), "jobs"] == places.loc[inside.to_numpy(), "jobs"].sum()
        assert summary.loc[(CORE, cutoff), "zones"] == inside.sum()
        assert summary.loc[(CORE, cutoff), "population_share"] == pytest.approx(
            places.loc[inside.to_numpy(), "population"].sum() / places["population"].sum()
        )
        # the assigned parts partition the "any centre" circle
        assigned = summary.loc[[(CORE, cutoff), (SECOND, cutoff)], "population_assigned"].sum()
        assert assigned == summary.loc[("any centre", cutoff), "population"]
        listed = zones["circle_min"] <= cutoff
        assert summary.loc[("any centre", cutoff), "population"] == zones.loc[listed, "population"].sum()
    # the 2-h circle holds the 1-h circle
    assert summary.loc[(CORE, 120), "population"] >= summary.loc[(CORE, 60), "population"]


def test_two_centres_assign_each_zone_to_the_nearer(network, places, two_cities):
    centres = pd.concat([_place(places, CORE), _place(places, SECOND)])
    times = access.travel_times(network, places, centres, mode="car", max_time_min=300)
    matrix = np.nan_to_num(times["travel_time_min"].to_numpy().reshape(len(places), 2), nan=np.inf)
    expected = np.where(matrix[:, 0] <= matrix[:, 1], CORE, SECOND)
    assert two_cities.zones["centre"].tolist() == expected.tolist()
    np.testing.assert_allclose(two_cities.zones["travel_time_min"].fillna(np.inf), matrix.min(axis=1))
    assert set(two_cities.zones.loc[places["kind"] == "core_city", "centre"]) == {CORE}
    assert set(two_cities.zones.loc[places["kind"] == "city", "centre"]) == {SECOND}


def test_a_village_far_from_the_core_is_outside_the_1h_car_circle(places, two_cities):
    core = _place(places, CORE).iloc[0]
    distance_km = haversine_m(places["lon"], places["lat"], core.lon, core.lat) / 1000
    # 130 km in a straight line cannot be driven in an hour at the 120 km/h expressway limit
    far_villages = (places["kind"] == "village").to_numpy() & (distance_km > 130)
    assert far_villages.any()
    core_times = two_cities.times[two_cities.times["centre"] == CORE].set_index("zone_id").loc[places["id"]]
    assert (core_times["circle"].to_numpy()[far_villages] != "inside 60 min").all()
    assert (core_times["travel_time_min"].to_numpy()[far_villages] > 65).all()


def test_from_centre_direction_uses_outbound_times(network, places):
    result = commuting_circles(network, CORE, zones=places, mode="car", direction="from_centre", polygons=False)
    times = access.travel_times(network, _place(places, CORE), places, mode="car", max_time_min=180)
    np.testing.assert_allclose(result.zones["travel_time_min"], times["travel_time_min"])
    assert result.definition.direction == "from_centre"


def test_station_set_centre_is_the_least_time_over_its_stations(network, places):
    stations = gpd.GeoDataFrame(geometry=gpd.points_from_xy([116.70, 116.55], [36.80, 36.79]), crs=4326)
    result = commuting_circles(network, {"stations": stations}, zones=places, mode="car", polygons=False)
    times = access.travel_times(network, places, stations, mode="car", max_time_min=180)
    expected = np.fmin.reduce(times["travel_time_min"].to_numpy().reshape(len(places), 2), axis=1)
    np.testing.assert_allclose(result.zones["travel_time_min"], expected)
    assert result.centres["kind"].tolist() == ["stations"]


def test_polygon_core_reaches_zones_no_later_than_a_point_inside_it(network, places, two_cities):
    districts = places[places["kind"] == "core_city"]
    core = shapely.MultiPoint(np.column_stack([districts["lon"], districts["lat"]])).convex_hull.buffer(0.02)
    result = commuting_circles(network, {"core": core}, zones=places, mode="car", cutoffs_min=(20,), max_time_min=300)
    point = two_cities.zones.set_index("id")[f"travel_time_min_{CORE}"].fillna(np.inf)
    polygon = result.zones.set_index("id")["travel_time_min"].fillna(np.inf)
    assert (polygon <= point + 1e-9).all()
    assert (polygon[districts["id"]] == 0).all(), "zones inside the core have no commute to it"
    # the circle includes the core itself (up to the rounding of the overlay's crossings)
    circle = result.circle("core", 20).geometry.iloc[0]
    assert circle.covers(core) or core.difference(circle).area < 1e-9 * core.area
    assert result.zones["circle"].tolist() == _expected_circle(polygon.to_numpy(), (20,))


def test_circle_polygons_are_isochrones_from_the_centre(network, places, two_cities):
    iso = access.isochrones(network, _place(places, CORE), mode="car", cutoffs_min=(60, 120))
    mine = two_cities.circle(CORE)
    for cutoff in (60, 120):
        expected = iso[iso["cutoff_min"] == cutoff].geometry.iloc[0]
        got = mine[mine["cutoff_min"] == cutoff].geometry.iloc[0]
        assert got.symmetric_difference(expected).area < 1e-9
        assert mine[mine["cutoff_min"] == cutoff]["area_km2"].iloc[0] == pytest.approx(area_km2(expected))


@pytest.mark.parametrize("how", ["intersection", "union", "difference", "symmetric_difference"])
def test_overlap_equals_shapely_and_counts_the_points_inside(places, two_cities, how):
    a = two_cities.circle(CORE, 120).geometry.iloc[0]
    b = two_cities.circle(SECOND, 120).geometry.iloc[0]
    result = two_cities.overlap(CORE, SECOND, how=how, cutoff_min=120)
    expected = getattr(a, how)(b)
    got = result.geometry.iloc[0]
    assert got.symmetric_difference(expected).area < 1e-12
    inside = [expected.covers(Point(x, y)) for x, y in zip(places["lon"], places["lat"], strict=True)]
    assert result["population"].iloc[0] == places.loc[inside, "population"].sum()
    assert result["zones"].iloc[0] == sum(inside)


def test_overlap_populations_add_up(two_cities):
    parts = {
        how: two_cities.overlap(CORE, SECOND, how=how, cutoff_min=120).iloc[0] for how in ("intersection", "union")
    }
    a = circle_overlap(
        two_cities.circle(CORE, 120), two_cities.circle(CORE, 120), how="union", population_points=two_cities.zones
    ).iloc[0]
    b = circle_overlap(
        two_cities.circle(SECOND, 120), two_cities.circle(SECOND, 120), how="union", population_points=two_cities.zones
    ).iloc[0]
    assert parts["intersection"]["population"] > 0, "the 2-h circles of the two cities overlap"
    assert parts["union"]["population"] == a["population"] + b["population"] - parts["intersection"]["population"]
    assert parts["union"]["area_km2"] == pytest.approx(
        a["area_km2"] + b["area_km2"] - parts["intersection"]["area_km2"], rel=1e-6
    )


def test_membership_from_a_given_table_needs_no_network(places):
    zones = places.head(4)
    times = pd.DataFrame({"zone_id": zones["id"], "centre": "X", "travel_time_min": [10.0, 60.0, 61.0, np.nan]})
    result = circle_membership(times, zones, cutoffs_min=(60,))
    assert result.zones["circle"].tolist() == ["inside 60 min", "inside 60 min", "outside", "outside"]
    assert result.summary["population"].iloc[0] == zones["population"].iloc[:2].sum()


@pytest.fixture(scope="module")
def transit_network(region):
    return access.build_network(
        region.osm_pbf,
        modes=("walk",),
        gtfs=[SAMPLES / "sample_buses.zip"],
        rail_specs=[SAMPLES / "sample_intercity.yaml"],
        service_date="2025-05-13",
        progress=False,
    )


def test_transit_circle_with_the_preset_matches_transit_travel_times(transit_network, places):
    zones = places[places["kind"].isin(["core_city", "city", "county_seat", "town"])]
    result = commuting_circles(
        transit_network, CORE, zones=zones, definition="metropolitan_1h", window_min=20, polygons=False
    )
    times = access.travel_times(
        transit_network,
        zones,
        _place(places, CORE),
        mode="transit",
        departure="07:00",
        window_min=20,
        percentiles=(50,),
        max_time_min=180,
    )
    np.testing.assert_allclose(result.zones["travel_time_min"], times["travel_time_min"])
    assert result.zones["circle"].tolist() == _expected_circle(times["travel_time_min"].to_numpy(), (60,))
    assert (result.zones["circle"] == "inside 60 min").sum() >= 6  # at least the core districts
    spec = result.definition
    assert spec.name == "metropolitan_1h (modified: window_min)"
    assert (spec.mode, spec.cutoffs_min, spec.percentile, spec.board_penalty_hsr_min) == (
        "transit",
        (60.0,),
        50.0,
        15.0,
    )
    assert json.loads(result.summary["definition"].iloc[0])["departure"] == "07:00"
    assert "NDRC" in spec.source


def test_preset_defaults_are_reported_and_documented():
    spec = CircleDefinition.preset("metropolitan_1h")
    assert spec.name == "metropolitan_1h"
    assert spec.model_dump(include=set(CIRCLE_PRESETS["metropolitan_1h"])) == {
        k: v for k, v in CIRCLE_PRESETS["metropolitan_1h"].items()
    }
    docs = (Path(__file__).resolve().parents[1] / "docs" / "circles.md").read_text(encoding="utf-8")
    assert "metropolitan_1h" in docs and "2019" in docs


def test_bad_input_says_what_to_fix(network, places):
    with pytest.raises(InputError, match="unknown centre 'Atlantis'"):
        commuting_circles(network, "Atlantis", zones=places, polygons=False)
    with pytest.raises(OffNetworkError, match="centre 'centre 1' is off the car network"):
        commuting_circles(network, (120.0, 30.0), zones=places, polygons=False)
    with pytest.raises(InputError, match="no population column 'residents'"):
        commuting_circles(network, CORE, zones=places, population="residents", polygons=False)
    with pytest.raises(InputError, match="no population column 'population'"):
        commuting_circles(network, CORE, zones=places.drop(columns="population"), polygons=False)
    with pytest.raises(InputError, match="unknown circle preset 'metro_2h'"):
        commuting_circles(network, CORE, zones=places, definition="metro_2h", polygons=False)
    with pytest.raises(InputError, match="unknown overlap"):
        circle_overlap(Point(0, 0).buffer(1), Point(1, 0).buffer(1), how="xor")


def test_cli_circles_and_overlap_write_results_with_their_definition(region, tmp_path):
    from typer.testing import CliRunner

    from access.cli import app

    runner = CliRunner()
    out = tmp_path / "circles.geojson"
    args = [
        "circles",
        "--osm",
        str(region.osm_pbf),
        "--zones",
        str(region.places_csv),
        "--centre",
        CORE,
        "--centre",
        SECOND,
        "--mode",
        "car",
        "--cutoffs",
        "30",
        "60",
        "--out",
        str(out),
        "--summary",
        str(tmp_path / "summary.csv"),
        "--png",
        str(tmp_path / "map.png"),
        "-q",
    ]
    run = runner.invoke(app, args)
    assert run.exit_code == 0, run.output
    zones = gpd.read_file(out)
    assert set(zones["circle"]) == {"inside 30 min", "inside 60 min", "outside"}
    assert json.loads((tmp_path / "circles.definition.json").read_text())["mode"] == "car"
    assert (tmp_path / "map.png").stat().st_size > 10_000
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert {"centre", "cutoff_min", "population", "definition"} <= set(summary.columns)
    same = tmp_path / "same_city.geojson"
    run = runner.invoke(
        app,
        [
            "overlap",
            "--osm",
            str(region.osm_pbf),
            "--zones",
            str(region.places_csv),
            "--centre",
            CORE,
            "--centre",
            SECOND,
            "--cutoff",
            "90",
            "--how",
            "intersection",
            "--out",
            str(same),
            "-q",
        ],
    )
    assert run.exit_code == 0, run.output
    overlap = gpd.read_file(same)
    assert overlap["population"].iloc[0] > 0 and overlap["area_km2"].iloc[0] > 0
    run = runner.invoke(
        app,
        [
            "circles",
            "--osm",
            str(region.osm_pbf),
            "--zones",
            str(region.places_csv),
            "--centre",
            "Atlantis",
            "--out",
            str(tmp_path / "x.csv"),
            "-q",
        ],
    )
    assert run.exit_code == 2 and "unknown centre 'Atlantis'" in run.output


def test_porto_alegre_walk_circles_around_the_public_market(poa_network):
    grid = pd.read_csv(require_data("poa/poa_hexgrid.csv"))
    poi = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))
    market = poi[poi["id"] == "public_market"][["lon", "lat"]]
    market_point = (float(market["lon"].iloc[0]), float(market["lat"].iloc[0]))
    result = commuting_circles(
        poa_network, {"Mercado Público": market_point}, zones=grid, mode="walk", cutoffs_min=(30, 60), max_time_min=90
    )
    times = access.travel_times(poa_network, grid, market, mode="walk", max_time_min=90)
    np.testing.assert_allclose(result.zones["travel_time_min"], times["travel_time_min"])
    minutes = times["travel_time_min"].to_numpy()
    summary = result.summary.set_index("cutoff_min")
    for cutoff in (30, 60):
        inside = np.nan_to_num(minutes, nan=np.inf) <= cutoff
        assert summary.loc[cutoff, "population"] == grid.loc[inside, "population"].sum()
        assert summary.loc[cutoff, "jobs"] == grid.loc[inside, "jobs"].sum()
    assert 0 < summary.loc[30, "zones"] < summary.loc[60, "zones"] < len(grid)
    # the market lies in the 30-min walk circle; cells reached in under 25 min lie inside it
    circle = result.circle("Mercado Público", 30).geometry.iloc[0]
    assert circle.covers(Point(market_point))
    # zones reached well within the cutoff whose centre is within the isochrones' walk off
    # the streets, less a grid cell (the walk is drawn from points a cell apart along them):
    # a centroid 300 m into a block is reached by its snapping connector, but the polygons
    # hug the reached streets (issue 19.4)
    street = poa_network.street("walk")
    settings = IsochroneSettings()
    reach_m = settings.offnet_max_m["walk"] - settings.resolution_m["walk"]
    near = snap(street, grid, what="zones").distance_m <= reach_m
    quick = grid[(np.nan_to_num(minutes, nan=np.inf) < 25) & near]
    assert np.mean([circle.covers(Point(x, y)) for x, y in zip(quick["lon"], quick["lat"], strict=True)]) > 0.95


def test_polygon_zones_use_their_representative_point_or_interior_samples(network, places):
    points = gpd.GeoDataFrame(
        places.head(40), geometry=gpd.points_from_xy(places["lon"].head(40), places["lat"].head(40)), crs=4326
    ).drop(columns=["lon", "lat"])
    squares = points.to_crs(32650)
    squares["geometry"] = squares.buffer(2000, cap_style=3)
    squares = squares.to_crs(4326)
    core = tuple(_place(places, CORE).iloc[0])  # the point: by name it would be its square
    one = commuting_circles(network, core, zones=squares, polygons=False)
    rep = squares.geometry.representative_point()
    times = access.travel_times(
        network, pd.DataFrame({"lon": rep.x, "lat": rep.y}), _place(places, CORE), mode="car", max_time_min=180
    )
    np.testing.assert_allclose(one.zones["travel_time_min"], times["travel_time_min"])
    best = commuting_circles(network, core, zones=squares, zone_points=5, statistic="min", polygons=False)
    typical = commuting_circles(network, core, zones=squares, zone_points=5, statistic="median", polygons=False)
    a, b, c = (r.zones["travel_time_min"].fillna(np.inf).to_numpy() for r in (one, best, typical))
    assert (b <= a).all() and (b <= c).all(), "the best of several points includes the representative one"
    assert (b < a).any()
    assert best.definition.zone_points == 5 and typical.definition.statistic == "median"


def test_arrive_by_circle_uses_inbound_transit_times_and_is_reported(transit_network, places):
    zones = places[places["kind"].isin(["core_city", "county_seat"])]
    result = commuting_circles(
        transit_network,
        CORE,
        zones=zones,
        definition="metropolitan_1h",
        arrive_by="09:00",
        window_min=20,
        polygons=False,
    )
    times = access.travel_times(
        transit_network,
        zones,
        _place(places, CORE),
        mode="transit",
        arrive_by="09:00",
        window_min=20,
        percentiles=(50,),
        max_time_min=180,
    )
    np.testing.assert_allclose(result.zones["travel_time_min"], times["travel_time_min"])
    spec = result.definition
    assert (spec.arrive_by, spec.departure) == ("09:00", None)
    assert spec.name == "metropolitan_1h (modified: arrive_by, departure, window_min)"
    with pytest.raises(InputError, match="either departure"):
        commuting_circles(transit_network, CORE, zones=zones, mode="transit", departure="07:00", arrive_by="09:00")
