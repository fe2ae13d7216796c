"""The demo (what `make demo` runs): every output is written and the headline numbers hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import access
from access.demo import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out, progress=False)


def test_every_listed_output_exists_and_is_not_empty(demo):
    _, files = demo
    assert len(files) >= 25
    for label, path in files.items():
        assert path.is_file() and path.stat().st_size > 0, label
    kinds = {p.suffix for p in files.values()}
    assert {".geojson", ".parquet", ".csv", ".png", ".html", ".md", ".txt"} <= kinds


def _summary(out):
    s = pd.read_csv(out / "intercity_impact" / "summary.csv")
    return s[s["by"] == "all"]


def test_new_line_brings_people_into_the_circles_and_nobody_leaves(demo):
    out, _ = demo
    s = _summary(out)
    inside = s[s["metric"] == "population_inside"].set_index(["centre", "cutoff_min"])
    assert inside.loc[("Core City", 120.0), "after"] > inside.loc[("Core City", 120.0), "before"]
    assert inside.loc[("Second City", 60.0), "after"] > inside.loc[("Second City", 60.0), "before"]
    assert (inside["after"] >= inside["before"]).all()
    assert (s.loc[s["metric"] == "population_leaving", "value"] == 0).all()
    entering = s[(s["metric"] == "population_entering")].set_index(["centre", "cutoff_min"])["value"]
    # entering = after - before when nobody leaves
    assert np.allclose(entering, (inside["after"] - inside["before"]).loc[entering.index])


def test_rural_mean_job_access_by_transit_rises_and_nobody_loses(demo):
    out, _ = demo
    s = pd.read_csv(out / "intercity_impact" / "summary.csv")
    rural = s[(s["metric"] == "mean_jobs") & (s["by"] == "class") & (s["group"] == "rural")]
    assert (rural["after"] > rural["before"]).all()
    assert (s.loc[(s["metric"] == "losers") & (s["by"] == "all"), "value"] == 0).all()


def test_car_accessibility_is_the_same_with_and_without_the_line(demo):
    out, _ = demo
    scenario = access.read_scenario(out / "sample" / "intercity_scenario.yaml")
    base, after = access.build_scenario(scenario, progress=False)
    places = access.read_opportunities(out / "sample" / "places.csv")
    before = access.accessibility(base, places, places, mode="car")
    with_line = access.accessibility(after, places, places, mode="car")
    assert np.array_equal(before["jobs_60min"].to_numpy(), with_line["jobs_60min"].to_numpy())
    recorded = pd.read_parquet(out / "job_access_car.parquet")
    assert np.array_equal(recorded["jobs_120min"].to_numpy(), with_line["jobs_120min"].to_numpy())


def test_two_hour_circles_hold_at_least_the_one_hour_circles_people(demo):
    out, _ = demo
    for mode in ("car", "transit"):
        summary = pd.read_csv(out / f"circles_{mode}_summary.csv")
        for _, group in summary.groupby("centre"):
            people = group.sort_values("cutoff_min")["population"].to_numpy()
            assert np.all(np.diff(people) >= 0), mode


def test_rural_residents_reach_fewer_jobs_than_urban_ones_in_the_sample(demo):
    out, _ = demo
    table = pd.read_csv(out / "job_access_rural_urban.csv").set_index(["mode", "class"])
    for mode in ("car", "transit+HSR"):
        assert (
            table.loc[(mode, "rural"), "jobs within 60 min mean"]
            < table.loc[(mode, "urban"), "jobs within 60 min mean"]
        )
    assert (
        table.loc[("car", "rural"), "jobs within 120 min mean"]
        > table.loc[("transit+HSR", "rural"), "jobs within 120 min mean"]
    )
