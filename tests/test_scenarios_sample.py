"""The sample region's intercity line, before / after: monotonicity and the headline case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access.io.rail_spec import read_rail_spec
from access.scenarios.apply import apply, build, load_base
from access.scenarios.compare import compare
from access.scenarios.model import read_scenario
from access.viz.report import write_comparison
from tests.conftest import REPO

WINDOW_MIN = 20  # departures 07:00-07:19: enough for sign checks, cheap


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from access.sample import write_sample_region
    from access.sample.scenario import sample_scenario

    folder = tmp_path_factory.mktemp("sample-scenario")
    region = write_sample_region(folder)
    feeds = {
        "buses": REPO / "gtfs_samples" / "sample_buses.zip",
        "rail_spec": REPO / "gtfs_samples" / "sample_intercity.yaml",
    }
    path = sample_scenario(folder, region=region, feeds=feeds, window_min=WINDOW_MIN)
    scenario = read_scenario(path)
    return scenario, load_base(scenario, progress=False), pd.read_csv(region.places_csv)


def _slow_line():
    """The intercity line at 30 km/h: slower than the expressway (100 km/h) beside it."""
    spec = read_rail_spec(REPO / "gtfs_samples" / "sample_intercity.yaml")
    return {"type": "add_line", "spec": {**spec.model_dump(), "design_speed_kmh": 30.0, "route_id": "SLOW"}}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_line_slower_than_the_road_leaves_car_times_alone_and_never_slows_transit(sample, seed):
    scenario, region, places = sample
    slow = type(scenario).model_validate({**scenario.model_dump(), "modifications": [_slow_line()]})
    after = apply(region, slow.modifications)
    base = region.network
    rng = np.random.default_rng(seed)
    picked = places.iloc[rng.choice(len(places), 25, replace=False)]
    lon0, lat0, lon1, lat1 = base.street("car").bounds()
    random_points = pd.DataFrame(
        {"id": [f"r{k}" for k in range(10)], "lon": rng.uniform(lon0, lon1, 10), "lat": rng.uniform(lat0, lat1, 10)}
    )
    origins = pd.concat([picked[["id", "lon", "lat", "population", "class", "county"]], random_points])
    centres = {"Core City": tuple(places.loc[places["kind"] == "core_city", ["lon", "lat"]].iloc[0])}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # random points off the network: NaN on both sides
        car = compare(base, after, origins, places, mode="car", centres=centres)
        transit = compare(
            base,
            after,
            origins,
            places,
            mode="transit",
            departure="07:00",
            window_min=WINDOW_MIN,
            access_mode="car",
            centres=centres,
        )
    changes = car.origins.filter(regex="_change$").to_numpy(np.float64)
    assert np.all((changes == 0) | np.isnan(changes)), "the car network is untouched"
    before = transit.origins["time_to_core_city_before"].to_numpy()
    later = transit.origins["time_to_core_city_after"].to_numpy()
    assert not np.any(np.isfinite(before) & np.isnan(later)), "nothing becomes unreachable"
    assert np.all(later[np.isfinite(before)] <= before[np.isfinite(before)])
    on = ~transit.origins["off_network"]  # random points off the network: NaN access, left out
    assert transit.origins.loc[~on, "jobs_60min_change"].isna().all()
    for c in (60, 120):
        assert (transit.origins.loc[on, f"jobs_{c}min_change"] >= 0).all()
        assert (transit.origins.loc[on, f"jobs_{c}min_lost"] == 0).all()


def test_headline_the_intercity_line_pulls_people_into_the_circles_and_raises_rural_access(sample, tmp_path):
    scenario, region, places = sample
    after = apply(region, scenario.modifications)
    c = scenario.compare
    # every city, seat and town, and a third of the villages (the routing is the costly part)
    villages = places[places["kind"] == "village"].sample(50, random_state=0)
    places = pd.concat([places[places["kind"] != "village"], villages]).reset_index(drop=True)
    result = compare(
        region.network,
        after,
        places,
        centres=c.centres,
        mode=c.mode,
        access_mode=c.access_mode,
        departure=c.departure,
        window_min=c.window_min,
        cutoffs_min=c.cutoffs_min,
    )
    s = result.summary.set_index(["metric", "by", "group", "centre", "cutoff_min"])
    entering = s.loc[("population_entering", "all", "all", "Core City", 120.0), "value"]
    leaving = s.loc[("population_leaving", "all", "all", "Core City", 120.0), "value"]
    assert entering > 0 and leaving == 0
    # the second city itself and both county seats on the line enter its 2-h circle
    status = result.origins.set_index(places["name"])["second_city_120min_circle"]
    assert status.loc[["Xiyang", "Dongping"]].isin(["entering", "inside"]).all()
    rural = s.loc[("mean_jobs", "class", "rural", "", 120.0)]
    assert rural["after"] > rural["before"]
    # the people entering equal the population of origins whose status says so (same origins)
    inside = result.origins["core_city_120min_circle"] == "entering"
    assert entering == pytest.approx(places.loc[inside.to_numpy(), "population"].sum())
    files = write_comparison(result, tmp_path, scenario=scenario, base=region.network, after=after, circles=False)
    for name in (
        "deltas.parquet",
        "deltas.geojson",
        "summary.csv",
        "access_change.png",
        "circles_core_city.png",
        "map.html",
        "report.md",
        "report.html",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "Core-Second intercity" in (tmp_path / "map.html").read_text()
    report = (tmp_path / "report.md").read_text()
    assert f"{entering:,.0f}" in report
    assert len(files) >= 10


def test_the_sample_scenario_file_names_the_committed_feeds_and_the_line(sample):
    scenario, _, _ = sample
    assert scenario.base.gtfs[0].endswith("sample_buses.zip")
    assert [m.type for m in scenario.modifications] == ["add_line"]
    assert {ce.name for ce in scenario.compare.centres} == {"Core City", "Second City"}
    base, after = build(scenario, progress=False)
    assert after.transit.n_stops == base.transit.n_stops + 4
    assert after.street("car") is base.street("car")
