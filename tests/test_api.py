"""REST service: every endpoint through FastAPI's TestClient, checked against the library."""

from __future__ import annotations

import io
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

import access
from access.io.rounding import round_for_output
from api import create_app
from tests import _api_support
from tests._api_support import SAMPLE_CORE, SAMPLE_EAST, detail_text, make_settings

api_data_dir = _api_support.api_data_dir  # shared fixture
client = _api_support.client  # shared fixture
sample_network = _api_support.sample_network  # shared fixture

RAIL_ROUTE = "rail_sample_intercity:ICR1"


def _features(body: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(body["features"], crs=4326)


def _same_polygons(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    assert len(a) == len(b)
    for ga, gb in zip(a.geometry, b.geometry, strict=True):
        # GeoJSON keeps 15+ significant digits: the areas differ by float rounding only
        assert shapely.symmetric_difference(ga, gb).area <= 1e-12 * max(ga.area, 1e-12) + 1e-14


# -- health and networks -------------------------------------------------------------------


def test_health_lists_loaded_networks_with_their_sizes(client, sample_network):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    sizes = body["networks"]["sample"]
    for mode, street in sample_network.streets.items():
        assert sizes[mode] == {"nodes": street.n_nodes, "edges": street.n_edges}
    assert sizes["transit"] == {"stops": sample_network.transit.n_stops, "trips": sample_network.transit.n_trips}


def test_networks_report_bbox_modes_feeds_service_date_and_layers(client, sample_network):
    (info,) = client.get("/networks").json()
    bounds = np.array([s.bounds() for s in sample_network.streets.values()])
    assert info["bbox"] == pytest.approx([*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0)])
    assert info["modes"] == ["walk", "bike", "car", "transit"]
    assert info["feeds"] == ["sample_buses.zip", "sample_intercity.yaml"]
    assert info["service_date"] == sample_network.transit.service_date == "2025-05-13"
    first, last = info["feed_date_ranges"]["sample_buses.zip"]
    assert first <= info["service_date"] <= last
    places = pd.read_csv(client.app.state.service.regions["sample"].config.opportunities["places"].path)
    assert info["opportunity_layers"] == {"places": len(places)}
    assert client.get("/networks/sample").json() == info


def test_unknown_network_is_404_naming_the_loaded_ones(client):
    response = client.get("/networks/atlantis")
    assert response.status_code == 404
    assert "atlantis" in detail_text(response) and "sample" in detail_text(response)
    response = client.post("/isochrones", json={"network": "atlantis", "origins": [SAMPLE_CORE]})
    assert response.status_code == 404


# -- isochrones ----------------------------------------------------------------------------


def test_isochrones_over_http_equal_the_library_result(client, sample_network):
    response = client.post(
        "/isochrones", json={"origins": [SAMPLE_CORE, SAMPLE_EAST], "mode": "car", "cutoffs_min": [20, 40]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    got = _features(response.json())
    expected = access.isochrones(sample_network, [SAMPLE_CORE, SAMPLE_EAST], mode="car", cutoffs_min=(20, 40))
    expected = round_for_output(expected)  # bodies carry numbers for people (6 digits of km2)
    assert got["origin_id"].tolist() == expected["origin_id"].tolist() == [0, 0, 1, 1]
    assert got["cutoff_min"].tolist() == expected["cutoff_min"].tolist()
    assert got["area_km2"].to_numpy() == pytest.approx(expected["area_km2"].to_numpy(), rel=1e-12)
    _same_polygons(got, expected)


def test_transit_isochrone_over_http_equals_the_library_result(client, sample_network):
    request = {
        "origins": [SAMPLE_CORE],
        "mode": "transit",
        "cutoffs_min": [45],
        "departure": "07:00",
        "window_min": 10,
        "percentile": 50,
    }
    got = _features(client.post("/isochrones", json=request).json())
    expected = access.isochrones(
        sample_network,
        [SAMPLE_CORE],
        mode="transit",
        cutoffs_min=(45,),
        departure="07:00",
        window_min=10,
        percentile=50,
    )
    expected = round_for_output(expected)
    assert got["area_km2"].to_numpy() == pytest.approx(expected["area_km2"].to_numpy(), rel=1e-12)
    _same_polygons(got, expected)


def test_arrive_by_isochrones_and_travel_times_equal_the_library(client, sample_network):
    request = {"origins": [SAMPLE_CORE], "mode": "transit", "arrive_by": "09:00", "window_min": 10, "cutoffs_min": [60]}
    got = _features(client.post("/isochrones", json=request).json())
    expected = access.isochrones(
        sample_network, [SAMPLE_CORE], mode="transit", arrive_by="09:00", window_min=10, cutoffs_min=(60,)
    )
    _same_polygons(got, expected)
    body = {
        "origins": [SAMPLE_EAST],
        "destinations": [SAMPLE_CORE],
        "mode": "transit",
        "arrive_by": "09:00",
        "window_min": 10,
    }
    matrix = client.post("/travel-times", json=body).json()["matrices"]["travel_time_min"]
    reference = access.travel_times(
        sample_network, [SAMPLE_EAST], [SAMPLE_CORE], mode="transit", arrive_by="09:00", window_min=10
    )
    assert matrix[0][0] == pytest.approx(round_for_output(reference)["travel_time_min"][0], rel=1e-12)
    both = client.post("/isochrones", json={**request, "departure": "07:00"})
    assert both.status_code == 422  # the library refuses departure and arrive_by together


def test_isochrone_options_pass_through_to_the_library(client, sample_network):
    request = {"origins": [SAMPLE_CORE], "mode": "walk", "cutoffs_min": [10], "output": "lines"}
    got = _features(client.post("/isochrones", json=request).json())
    expected = access.isochrones(sample_network, [SAMPLE_CORE], mode="walk", cutoffs_min=(10,), output="lines")
    assert len(got) == len(expected) and set(got.geom_type) == {"LineString"}
    smooth = {**request, "output": "polygons", "generalize": 50, "denoise": 0.5}
    got = _features(client.post("/isochrones", json=smooth).json())
    expected = access.isochrones(
        sample_network, [SAMPLE_CORE], mode="walk", cutoffs_min=(10,), generalize=50, denoise=0.5
    )
    _same_polygons(got, expected)


def test_geojson_origins_keep_their_ids(client):
    origins = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(SAMPLE_CORE)},
                "properties": {"id": "core"},
            },
            {"type": "Feature", "id": "east", "geometry": {"type": "Point", "coordinates": list(SAMPLE_EAST)}},
        ],
    }
    body = client.post("/isochrones", json={"origins": origins, "mode": "walk", "cutoffs_min": [10]}).json()
    assert [f["properties"]["origin_id"] for f in body["features"]] == ["core", "east"]


def test_a_repeated_isochrone_query_is_answered_from_the_cache(client):
    request = {"origins": [[116.64, 36.79]], "mode": "walk", "cutoffs_min": [12]}
    before = client.get("/health").json()["cache"]
    first = client.post("/isochrones", json=request)
    second = client.post("/isochrones", json=request)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content
    after = client.get("/health").json()["cache"]
    assert after["hits"] == before["hits"] + 1
    assert client.post("/isochrones", json={**request, "cutoffs_min": [13]}).headers["x-cache"] == "miss"


def test_origin_off_the_network_is_422_naming_it(client):
    sea = (120.5, 30.0)
    response = client.post("/isochrones", json={"origins": [SAMPLE_CORE, sea], "mode": "car", "cutoffs_min": [10]})
    assert response.status_code == 422
    detail = detail_text(response)
    assert "id 1 at [120.5, 30.0]" in detail and "1000 m" in detail


def test_library_input_errors_are_422_with_their_message(client):
    response = client.post(
        "/isochrones",
        json={"origins": [SAMPLE_CORE], "mode": "transit", "departure": "25:99", "window_min": 10, "cutoffs_min": [30]},
    )
    assert response.status_code == 422
    assert "25:99" in detail_text(response)


def test_schema_violations_are_422(client):
    for body in (
        {"origins": [[116.6, 95.0]]},  # latitude beyond 90
        {"origins": []},
        {"origins": [SAMPLE_CORE], "mode": "plane"},
        {"origins": [SAMPLE_CORE], "cutoffs_min": [-5]},
        {"origins": [SAMPLE_CORE], "unknown_field": 1},
    ):
        response = client.post("/isochrones", json=body)
        assert response.status_code == 422, body
        assert "detail" in response.json()


# -- limits --------------------------------------------------------------------------------


def test_limits_give_422_naming_the_limit(client):
    six = [[116.60 + 0.01 * k, 36.80] for k in range(6)]  # max_origins is 5
    cases = [
        ("/isochrones", {"origins": six, "mode": "walk", "cutoffs_min": [5]}, "max_origins=5"),
        ("/isochrones", {"origins": [SAMPLE_CORE], "cutoffs_min": [301]}, "max_cutoff_min=300"),
        ("/isochrones", {"origins": [SAMPLE_CORE], "mode": "transit", "window_min": 61}, "max_window_min=60"),
        ("/travel-times", {"origins": [SAMPLE_CORE], "destinations": [[116.6, 36.8]] * 61}, "max_destinations=60"),
        ("/travel-times", {"origins": [SAMPLE_CORE], "max_time_min": 400}, "max_cutoff_min=300"),
    ]
    for path, body, limit in cases:
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, body)
        assert limit in detail_text(response)


def test_a_body_over_max_body_bytes_is_413(client):
    many = {"origins": [[116.6, 36.8]] * 2000}  # ~ 30 kB > 20 kB
    response = client.post("/travel-times", json=many)
    assert response.status_code == 413
    assert "max_body_bytes=20000" in detail_text(response)

    def chunks():  # no Content-Length: the limit still holds
        yield b'{"origins": ['
        for _ in range(2000):
            yield b"[116.6, 36.8],"
        yield b"[116.6, 36.8]]}"

    response = client.post("/travel-times", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


# -- travel times --------------------------------------------------------------------------


def test_travel_time_matrix_over_http_equals_the_library(client, sample_network):
    origins = [SAMPLE_CORE, SAMPLE_EAST]
    destinations = [[116.6365, 36.7974], [117.417527, 36.649657], [118.109885, 36.95978]]  # P000, towns 02, 01
    response = client.post(
        "/travel-times", json={"origins": origins, "destinations": destinations, "mode": "car", "max_time_min": 60}
    )
    assert response.status_code == 200
    body = response.json()
    expected = access.travel_times(sample_network, origins, destinations, mode="car", max_time_min=60)
    expected = round_for_output(expected).astype({"travel_time_min": float})  # minutes up to the next 0.1
    matrix = np.array(body["matrices"]["travel_time_min"], dtype=float)  # None -> nan
    np.testing.assert_array_equal(matrix, expected["travel_time_min"].to_numpy().reshape(2, 3))
    assert np.isnan(matrix[:, 2]).all()  # beyond 60 min
    assert body["origin_ids"] == [0, 1] and body["destination_ids"] == [0, 1, 2]


def test_travel_times_as_csv_by_accept_header(client, sample_network):
    request = {
        "origins": [SAMPLE_CORE, SAMPLE_EAST],
        "mode": "transit",
        "departure": "07:00",
        "window_min": 10,
        "percentiles": [25, 75],
    }
    response = client.post("/travel-times", json=request, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    got = pd.read_csv(io.StringIO(response.text))
    expected = access.travel_times(
        sample_network,
        [SAMPLE_CORE, SAMPLE_EAST],
        mode="transit",
        departure="07:00",
        window_min=10,
        percentiles=(25, 75),
    )
    expected = round_for_output(expected)
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_allclose(got.iloc[:, 2:].to_numpy(), expected.iloc[:, 2:].to_numpy(), rtol=1e-12)


def test_off_network_destinations_give_null_and_a_warning(client):
    body = client.post(
        "/travel-times", json={"origins": [SAMPLE_CORE], "destinations": [SAMPLE_EAST, [120.5, 30.0]], "mode": "car"}
    ).json()
    assert body["matrices"]["travel_time_min"][0][1] is None
    assert any("destinations" in w and "1000 m" in w for w in body["warnings"])


def test_a_matrix_cut_by_the_extract_says_so_and_a_short_one_does_not(client):
    def warnings_for(max_time_min: float) -> list[str]:
        body = {"origins": [SAMPLE_CORE], "destinations": [SAMPLE_EAST], "mode": "car", "max_time_min": max_time_min}
        return client.post("/travel-times", json=body).json()["warnings"]

    assert any("edge of the street data by car within the 300-min budget" in w for w in warnings_for(300))
    assert not any("edge of the street data" in w for w in warnings_for(2))


# -- accessibility and circles -------------------------------------------------------------


def test_accessibility_over_http_equals_the_library_and_summarises_groups(client, sample_network):
    from access.measures.accessibility import accessibility
    from access.measures.equity import summarise

    places = client.app.state.service.regions["sample"].opportunities["places"]
    response = client.post(
        "/accessibility", json={"measure": "cumulative", "mode": "car", "cutoffs_min": [30, 60], "summary_by": "class"}
    )
    assert response.status_code == 200
    body = response.json()
    expected = accessibility(sample_network, places, places, measure="cumulative", mode="car", cutoffs_min=(30, 60))
    assert body["columns"] == ["jobs_30min", "jobs_60min"]
    got = _features(body["origins"])
    rounded = round_for_output(expected)
    np.testing.assert_array_equal(got["jobs_60min"].to_numpy(float), rounded["jobs_60min"].to_numpy(float))
    summary = pd.DataFrame(body["summary"])
    reference = summarise(expected, value=["jobs_30min", "jobs_60min"], weight="population", by="class")
    reference = round_for_output(reference)
    assert summary["class"].tolist() == reference["class"].tolist() == ["all", "rural", "urban"]
    np.testing.assert_allclose(summary["jobs within 60 min mean"], reference["jobs within 60 min mean"], rtol=1e-12)


def test_accessibility_of_posted_origins_to_a_named_layer(client, sample_network):
    from access.measures.accessibility import accessibility

    places = client.app.state.service.regions["sample"].opportunities["places"]
    request = {
        "origins": [SAMPLE_CORE],
        "opportunities": "places",
        "measure": "gravity",
        "decay": "exponential",
        "decay_param": 0.05,
        "summary_by": None,
        "weight": None,
    }
    body = client.post("/accessibility", json=request).json()
    expected = accessibility(
        sample_network, [SAMPLE_CORE], places, measure="gravity", decay="exponential", decay_param=0.05
    )
    column = body["columns"][0]
    assert [row["group"] for row in body["summary"]] == ["all"]  # no groups asked: everyone in one row
    rounded = round_for_output(expected)[column].iloc[0]
    assert body["origins"]["features"][0]["properties"][column] == pytest.approx(rounded, rel=1e-12)
    assert client.post("/accessibility", json={**request, "opportunities": "shops"}).status_code == 404


def test_circles_over_http_equal_the_library(client, sample_network):
    from access.circles.circles import commuting_circles

    zones = client.app.state.service.regions["sample"].zones["places"]
    response = client.post(
        "/circles",
        json={"centres": {"core": list(SAMPLE_CORE)}, "cutoffs_min": [30, 60], "mode": "car", "polygons": True},
    )
    assert response.status_code == 200
    body = response.json()
    expected = commuting_circles(sample_network, {"core": SAMPLE_CORE}, zones=zones, cutoffs_min=(30, 60), mode="car")
    summary = pd.DataFrame(body["summary"])
    np.testing.assert_array_equal(summary["population"].to_numpy(float), expected.summary["population"].to_numpy(float))
    assert summary["zones"].tolist() == expected.summary["zones"].tolist()
    got_zones = _features(body["zones"])
    assert got_zones["circle"].tolist() == expected.zones["circle"].tolist()
    _same_polygons(_features(body["polygons"]), expected.polygons)
    assert body["definition"]["cutoffs_min"] == [30.0, 60.0]
    unknown = client.post("/circles", json={"centres": "Atlantis", "polygons": False})
    assert unknown.status_code == 422 and "Atlantis" in detail_text(unknown)


# -- scenarios, comparisons, jobs ----------------------------------------------------------

NO_GATES = {
    "name": "no HSR gates",
    "modifications": [{"type": "change_station_penalty", "penalty_min": 0, "routes": [RAIL_ROUTE]}],
    "compare": {
        "mode": "transit",
        "window_min": 10,
        "cutoffs_min": [60, 120],
        "by": None,
        "centres": [{"name": "second", "lon": 117.98, "lat": 36.80}],
    },
}


def test_scenario_registration_validates_and_reads_back(client):
    response = client.post("/scenarios", json=NO_GATES)
    assert response.status_code == 201
    scenario_id = response.json()["id"]
    assert response.headers["location"] == f"/scenarios/{scenario_id}"
    stored = client.get(f"/scenarios/{scenario_id}").json()
    assert stored["network"] == "sample"
    assert stored["scenario"]["modifications"][0]["routes"] == [RAIL_ROUTE]
    assert "base" not in stored["scenario"]  # server file paths stay private
    bad = client.post("/scenarios", json={"modifications": [{"type": "remove_route", "routes": ["no-such-route"]}]})
    assert bad.status_code == 422 and "no-such-route" in detail_text(bad)
    path_spec = client.post("/scenarios", json={"modifications": [{"type": "add_line", "spec": "/etc/passwd"}]})
    assert path_spec.status_code == 422 and "inline" in detail_text(path_spec)
    assert client.get("/scenarios/nope").status_code == 404


def test_compare_over_http_equals_the_library_comparison(client, sample_network):
    from access.scenarios.apply import apply
    from access.scenarios.compare import compare
    from access.scenarios.model import Scenario

    scenario_id = client.post("/scenarios", json=NO_GATES).json()["id"]
    origins = [SAMPLE_CORE, SAMPLE_EAST]
    response = client.post(f"/scenarios/{scenario_id}/compare", json={"origins": origins})
    assert response.status_code == 200
    body = response.json()

    service = client.app.state.service
    region = service.regions["sample"]
    scenario = Scenario.model_validate(service.store.scenario(scenario_id)["scenario"])
    after = apply(service.scenario_base(region), scenario.modifications)
    expected = compare(
        sample_network,
        after,
        origins,
        region.opportunities["places"],
        mode="transit",
        window_min=10,
        cutoffs_min=(60, 120),
        by=None,
        centres=[{"name": "second", "lon": 117.98, "lat": 36.80}],
    )
    got = _features(body["origins"])
    rounded = round_for_output(expected.origins)
    for column in [c for c in expected.origins.columns if c != "geometry" and expected.origins[c].dtype.kind == "f"]:
        np.testing.assert_allclose(got[column].to_numpy(float), rounded[column].to_numpy(float), rtol=1e-12)
    time_change = [c for c in got.columns if c.startswith("time_") and c.endswith("change_min")] or [
        c for c in got.columns if "change" in c and "second" in c
    ]
    assert time_change, got.columns
    assert (got[time_change[0]].dropna() <= 0).all()  # removing the gate penalty never slows anyone


def test_long_comparisons_run_as_background_jobs(client):
    scenario_id = client.post("/scenarios", json=NO_GATES).json()["id"]
    response = client.post(f"/scenarios/{scenario_id}/compare", json={"origins": [SAMPLE_CORE], "background": True})
    assert response.status_code == 202
    job_url = response.json()["status_url"]
    deadline = time.monotonic() + 60
    while True:
        job = client.get(job_url).json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    assert job["progress"] == 1.0
    direct = client.post(f"/scenarios/{scenario_id}/compare", json={"origins": [SAMPLE_CORE]}).json()
    assert job["result"]["summary"] == direct["summary"]
    assert client.get("/jobs/nope").status_code == 404


def test_a_registered_scenario_and_a_finished_job_survive_a_restart(tmp_path, api_data_dir):
    # its own registry in tmp_path; the sample region's files come from its region.yaml
    settings = make_settings(tmp_path, regions=[api_data_dir / "sample" / "region.yaml"])
    with TestClient(create_app(settings)) as first:
        scenario_id = first.post("/scenarios", json=NO_GATES).json()["id"]
        before = first.get(f"/scenarios/{scenario_id}").json()
        job_id = first.post(
            f"/scenarios/{scenario_id}/compare", json={"origins": [SAMPLE_CORE], "background": True}
        ).json()["job_id"]
        for _ in range(600):
            if first.get(f"/jobs/{job_id}").json()["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        job = first.get(f"/jobs/{job_id}").json()
    with TestClient(create_app(settings)) as second:  # a new app on the same data dir
        assert second.get(f"/scenarios/{scenario_id}").json() == before
        assert second.get(f"/jobs/{job_id}").json() == job
        assert second.post(f"/scenarios/{scenario_id}/compare", json={"origins": [SAMPLE_CORE]}).status_code == 200


# -- security, CORS, logging ---------------------------------------------------------------


def test_api_key_is_required_when_set_except_for_health(api_data_dir, tmp_path):
    settings = make_settings(api_data_dir, api_key="s3cret")
    with TestClient(create_app(settings)) as secured:
        assert secured.get("/health").status_code == 200
        assert secured.get("/networks").status_code == 401
        assert secured.get("/networks", headers={"X-API-Key": "wrong"}).status_code == 401
        assert "X-API-Key" in secured.get("/networks").json()["detail"]
        assert secured.get("/networks", headers={"X-API-Key": "s3cret"}).status_code == 200
        response = secured.post(
            "/isochrones", json={"origins": [SAMPLE_CORE], "cutoffs_min": [5]}, headers={"X-API-Key": "s3cret"}
        )
        assert response.status_code == 200


def test_cors_and_timing_headers(api_data_dir):
    settings = make_settings(api_data_dir, cors_origins=["http://localhost:5173"])
    with TestClient(create_app(settings)) as app_client:
        response = app_client.get("/health", headers={"Origin": "http://localhost:5173"})
        assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert float(response.headers["x-process-time-ms"]) >= 0
        other = app_client.get("/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_settings_read_env_variables_and_reject_bad_values():
    from access.errors import InputError
    from api.settings import Settings

    settings = Settings.from_env(
        {"ACCESS_API_MAX_ORIGINS": "7", "ACCESS_API_CORS_ORIGINS": "a.example, b.example", "ACCESS_API_API_KEY": "k"}
    )
    assert (settings.max_origins, settings.cors_origins, settings.api_key) == (7, ["a.example", "b.example"], "k")
    with pytest.raises(InputError, match="ACCESS_API_MAX_ORIGINS"):
        Settings.from_env({"ACCESS_API_MAX_ORIGINS": "lots"})


def test_openapi_documents_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/health",
        "/networks",
        "/isochrones",
        "/travel-times",
        "/accessibility",
        "/circles",
        "/scenarios",
        "/scenarios/{scenario_id}",
        "/scenarios/{scenario_id}/compare",
        "/jobs/{job_id}",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200


# -- found in review: no 5xx for odd but well-formed requests -----------------------------


def test_compare_overrides_beyond_the_bounds_are_422_not_500(client):
    scenario_id = client.post("/scenarios", json=NO_GATES).json()["id"]
    for override in ({"window_min": 2000}, {"cutoffs_min": [2000]}, {"max_time_min": 2000}):
        response = client.post(f"/scenarios/{scenario_id}/compare", json={"origins": [SAMPLE_CORE], **override})
        assert response.status_code == 422, (override, response.text)
        assert isinstance(response.json()["detail"], list)  # 422: the validation-error shape
    # an explicit null keeps the scenario's own setting
    kept = client.post(f"/scenarios/{scenario_id}/compare", json={"origins": [SAMPLE_CORE], "cutoffs_min": None})
    assert kept.status_code == 200 and kept.json()["settings"]["cutoffs_min"] == [60, 120]


def test_accessibility_search_budget_chosen_by_the_library_obeys_max_cutoff(client):
    # the client fixture's max_cutoff_min is 300; a linear decay of 1,440 min would search a day
    response = client.post(
        "/accessibility", json={"measure": "gravity", "mode": "car", "decay": "linear", "decay_param": 1440}
    )
    assert response.status_code == 422 and "max_cutoff_min" in detail_text(response)


def test_point_properties_that_cannot_be_ids_or_columns_are_422(client):
    for properties in ({"geometry": "x"}, {"id": {"a": 1}}):
        points = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": list(SAMPLE_CORE)},
                    "properties": properties,
                }
            ],
        }
        response = client.post("/accessibility", json={"origins": points, "measure": "cumulative", "mode": "car"})
        assert response.status_code == 422, (properties, response.text)


def test_non_finite_numbers_in_results_become_null():
    from api.convert import dumps

    assert dumps({"a": float("inf"), "b": [float("nan"), 1.5]}) == b'{"a": null, "b": [null, 1.5]}'
