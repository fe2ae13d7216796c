"""`access.accessibility` over a network (the built-in sample region, by car): every measure
equals the matrix route (travel_times + accessibility_from_matrix); FCA conserves supply."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import access
from access.errors import InputError
from access.io.opportunities import read_opportunities
from access.measures.accessibility import accessibility, accessibility_from_matrix


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    from access.sample import write_sample_region

    sample = write_sample_region(tmp_path_factory.mktemp("sample"))
    network = access.build_network(sample.osm_pbf, modes=("car",), progress=False)
    return network, read_opportunities(sample.places_csv)


def test_public_entry_equals_matrix_route_and_keeps_origin_columns(region):
    network, places = region
    result = accessibility(
        network, places, places, measure="gravity", mode="car", decay="gaussian", decay_param=40, max_time_min=300
    )
    assert result.crs.to_epsg() == 4326
    assert result["id"].tolist() == places["id"].tolist()
    assert {"name", "kind", "class", "population", "jobs"} <= set(result.columns)
    table = access.travel_times(network, places, places, mode="car", max_time_min=300)
    expected = accessibility_from_matrix(table, places, measure="gravity", decay="gaussian", decay_param=40)
    np.testing.assert_allclose(result["jobs_gravity"], expected["jobs_gravity"], rtol=1e-12)


def test_two_step_fca_shares_every_reachable_job_among_residents(region):
    network, places = region
    # demand lives at the origins, supply at the destinations (separate tables)
    homes = places[["id", "population", "class", "geometry"]]
    work = places[["id", "jobs", "geometry"]]
    result = accessibility(network, homes, work, measure="2sfca", mode="car", cutoffs_min=(60,))
    table = access.travel_times(network, homes, work, mode="car", max_time_min=60)
    reachable = table.loc[table.travel_time_min <= 60, "to_id"].unique()
    supply = work.set_index("id").loc[reachable, "jobs"].sum()
    assert (result["jobs_2sfca_60min"] * result["population"]).sum() == pytest.approx(supply, rel=1e-9)
    rural = result[result["class"] == "rural"]["jobs_2sfca_60min"]
    assert rural.notna().all() and (rural >= 0).all()


def test_villages_are_further_from_the_core_city_than_urban_districts(region):
    network, places = region
    centres = places[places["kind"] == "core_city"]
    result = accessibility(network, places, centres, measure="centres", mode="car", opportunity="population")
    by_class = result.groupby("class")["time_to_nearest_centre_min"].median()
    assert by_class["rural"] > by_class["urban"]
    assert result["avg_time_to_centres_min"].notna().all()  # no 120-minute ceiling: every village reaches
    assert result["avg_time_to_centres_min"].max() > 120
    assert (result["avg_time_to_centres_min"] >= result["time_to_nearest_centre_min"] - 1e-9).all()


def test_unknown_measure_or_parameter_is_an_input_error(region):
    network, places = region
    with pytest.raises(InputError, match="use one of cumulative"):
        accessibility(network, places, places, measure="potential")
    with pytest.raises(InputError, match="opportunity column 'schools' not found"):
        accessibility(network, places, places, opportunity="schools")  # before any routing
    with pytest.raises(InputError, match="unknown accessibility parameter"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            accessibility(network, places, places, measure="gravity", beta=0.1)
