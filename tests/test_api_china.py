"""REST /china/*: the same circles, totals, OD table, before/after and lines as the library,
counties as GeoJSON; 404 without China data; bad names are 422, never 500."""

from __future__ import annotations

import pytest

from tests import _api_support
from tests.conftest import DATA

api_data_dir = _api_support.api_data_dir  # shared fixture
client = _api_support.client  # shared fixture


@pytest.fixture(scope="module")
def china_client(tmp_path_factory, china, china_cache):
    """A service with ACCESS_API_CHINA_DATA set (the layer comes from the session cache)."""
    import os

    from fastapi.testclient import TestClient

    from api import create_app
    from api.regions import sample_region_config
    from tests._api_support import make_settings

    folder = tmp_path_factory.mktemp("api-china")
    sample_region_config(folder)
    old = os.environ.get("ACCESS_CACHE_DIR")
    os.environ["ACCESS_CACHE_DIR"] = str(china_cache)
    try:
        app = create_app(make_settings(folder, china_data=DATA, max_origins=10, max_destinations=60))
        with TestClient(app) as client:
            yield client
    finally:
        if old is None:
            os.environ.pop("ACCESS_CACHE_DIR", None)
        else:
            os.environ["ACCESS_CACHE_DIR"] = old


def test_circles_endpoint_returns_every_county_as_geojson_and_the_librarys_totals(china_client, core_circles):
    r = china_client.post("/china/circles", json={"centres": ["北京"], "cutoffs_min": [60, 120]})
    assert r.status_code == 200, r.text
    body = r.json()
    features = body["counties"]["features"]
    assert len(features) == 2948 and features[0]["geometry"]["type"] == "Point"
    props = features[0]["properties"]
    for key in ("adcode", "name", "prefecture", "population", "rural_population", "jobs", "road_min", "circle"):
        assert key in props
    library = core_circles.totals[core_circles.totals["centre"] == "北京市"]
    assert [t["population"] for t in body["totals"]] == pytest.approx(list(library["population"]))
    assert body["coverage"]["summary"][0]["condition"].startswith("no station")
    assert any("APPROXIMATE" in n for n in body["notes"])
    assert body["parameters"]["departure"] == "07:00"


def test_the_views_of_one_circle_run_route_it_once(china_client, monkeypatch):
    """/china/circles (both county views) and /china/circles/totals of the same run share one
    county_circles call; another run (other cutoffs) routes again."""
    from api.routes import china as routes

    calls = []
    real = routes.county_circles
    monkeypatch.setattr(routes, "county_circles", lambda *a, **k: calls.append(1) or real(*a, **k))
    run = {"centres": ["天津"], "cutoffs_min": [60, 90]}
    full = china_client.post("/china/circles", json=run)
    inside = china_client.post("/china/circles", json={**run, "counties": "inside"})
    totals = china_client.post("/china/circles/totals", json=run)
    assert [r.status_code for r in (full, inside, totals)] == [200, 200, 200]
    assert len(calls) == 1
    assert totals.json()["totals"] == full.json()["totals"] == inside.json()["totals"]
    n_inside = len(inside.json()["counties"]["features"])
    assert 0 < n_inside < len(full.json()["counties"]["features"]) == 2948
    assert china_client.post("/china/circles/totals", json={**run, "cutoffs_min": [60]}).status_code == 200
    assert len(calls) == 2


def test_totals_od_before_after_and_lines_endpoints(china_client):
    r = china_client.post("/china/circles/totals", json={"centres": ["Shanghai"], "cutoffs_min": [60, 120]})
    assert r.status_code == 200 and len(r.json()["totals"]) == 4
    r = china_client.post("/china/od", json={"origin": "北京", "destinations": ["保定", "天津"]})
    assert r.status_code == 200, r.text
    rows = r.json()["fastest_trains"]
    assert [list(row) for row in rows][0] == [
        "from",
        "to",
        "fastest_min",
        "train",
        "from_station",
        "to_station",
        "modelled",
    ]
    assert rows[0]["modelled"] is True and rows[1]["modelled"] is False
    r = china_client.post("/china/before-after", json={"centres": ["北京"], "scenario": "without-hsr"})
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert {s["cutoff_min"] for s in summary} == {60, 120}
    assert all(f["properties"]["entered"] or f["properties"]["left"] for f in r.json()["counties"]["features"])
    r = china_client.get("/china/lines")
    assert r.status_code == 200 and len(r.json()["lines"]["features"]) > 200


def _detail(response) -> str:
    """The error text of a response, whatever the detail's shape (a string or a list)."""
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else " ".join(str(d.get("msg", d)) for d in detail)


def test_bad_china_requests_are_4xx_with_a_message(china_client):
    r = china_client.post("/china/od", json={"origin": "Gotham", "destinations": ["天津"]})
    assert r.status_code == 422 and "no prefecture or county named" in _detail(r)
    r = china_client.post("/china/circles", json={"centres": ["北京"], "cutoffs_min": [1000]})
    assert r.status_code == 422 and "max_cutoff_min" in _detail(r)
    r = china_client.post("/china/before-after", json={"centres": ["北京"], "scenario": "without-line", "line": "x"})
    assert r.status_code == 422 and "no line named" in _detail(r)


def test_china_endpoints_are_404_without_china_data(client):
    r = client.post("/china/od", json={"origin": "北京", "destinations": ["天津"]})
    assert r.status_code == 404 and "ACCESS_API_CHINA_DATA" in _detail(r)
