"""The corridor-study notebook (examples/corridor_study.ipynb) runs end to end, its key
numbers agree with a direct computation, the committed file carries no outputs, and it is
paired with its jupytext percent script (examples/corridor_study.py), cell for cell.

The notebook is executed once per test module with nbclient in a python3 kernel (ipykernel,
the interpreter running the tests), working directory = examples/ (where Jupyter starts
it). It writes its outputs to a temporary folder and its key numbers to a JSON file
(``CORRIDOR_STUDY_OUT``, ``CORRIDOR_STUDY_SUMMARY``). A missing kernel or nbclient is an
error, not a skip: ``make test`` installs both with the ``dev`` extra.
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

import access
from tests.conftest import DATA, REPO, require_data

NOTEBOOK = REPO / "examples" / "corridor_study.ipynb"
SCRIPT = REPO / "examples" / "corridor_study.py"  # the jupytext pair: the text to review and edit
CELL_TIMEOUT_S = 600  # per cell; the whole notebook takes well under 90 s
KERNEL = "python3"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """(executed notebook, summary dict, output folder)."""
    out = tmp_path_factory.mktemp("corridor-study")
    summary_path = out / "summary.json"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        # the kernel inherits the environment, including the session's ACCESS_CACHE_DIR
        mp.setenv("CORRIDOR_STUDY_OUT", str(out))
        mp.setenv("CORRIDOR_STUDY_SUMMARY", str(summary_path))
        mp.setenv("CORRIDOR_STUDY_DATA", str(DATA))  # the folder require_data() looks in
        client = NotebookClient(
            nb, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        )
        client.execute()  # raises CellExecutionError naming the failing cell
    return nb, json.loads(summary_path.read_text(encoding="utf-8")), out


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cells"
    for cell in code:
        assert cell.outputs == [], f"cell {cell.id} has outputs; run `make notebook` (jupytext --sync)"
        assert cell.execution_count is None, f"cell {cell.id} has an execution count"
    assert nb.metadata["kernelspec"]["name"] == KERNEL


def test_the_notebook_and_its_percent_script_are_the_same_cells():
    """jupytext pairs the two (``formats: ipynb,py:percent``); an edit to one without
    ``make notebook`` (``jupytext --sync``) leaves them apart."""
    script = jupytext.read(SCRIPT)
    committed = nbformat.read(NOTEBOOK, as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in script.cells], (
        "run `make notebook`"
    )
    for nb in (script, committed):
        assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"


def test_notebook_executes_without_errors(executed):
    nb, summary, out = executed
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"cell {cell.id}: {errors[0]['ename']}: {errors[0]['evalue']}"
    for png in ("isochrones_transit_park_and_ride.png", "circles_car.png", "gain_jobs_120min.png"):
        assert (out / png).stat().st_size > 10_000, png
    assert summary["population_total"] > 0


def test_the_new_line_never_shrinks_a_circle_and_brings_people_into_the_core_citys(executed):
    _, summary, _ = executed
    ba = summary["before_after"]
    for centre in ("Core City", "Second City"):
        for cutoff in (60, 120):
            before, after = ba[f"{centre} {cutoff} min before"], ba[f"{centre} {cutoff} min after"]
            assert after >= before, (centre, cutoff)
    assert ba["Core City 120 min entering"] > 0
    assert ba["Core City 120 min leaving"] == 0
    assert ba["Core City 120 min after"] - ba["Core City 120 min before"] == pytest.approx(
        ba["Core City 120 min entering"]
    )
    assert ba["rural mean jobs 120 min after"] > ba["rural mean jobs 120 min before"]
    assert ba["losers 120 min"] == 0 and ba["winners 120 min"] > 0


def _sample_networks(out: Path):
    from access.sample.transit import SAMPLE_SERVICE_DATE

    folder = out / "sample"
    pbf = next(folder.glob("*.osm.pbf"))
    common = {"modes": ("walk", "car"), "service_date": SAMPLE_SERVICE_DATE, "progress": False}
    today = access.build_network(pbf, gtfs=[folder / "sample_buses.zip"], **common)
    with_line = access.build_network(
        pbf, gtfs=[folder / "sample_buses.zip"], rail_specs=[folder / "sample_intercity.yaml"], **common
    )
    places = access.read_points(folder / "places.csv", preset="opportunities")
    return today, with_line, places


def _population_within(times, places, cutoff_min: float) -> float:
    """Residents of the places whose time (one row per place, in the places' order) is <= cutoff."""
    minutes = times.set_index("from_id").loc[places["id"], "travel_time_min"].to_numpy()
    return float(places["population"].to_numpy()[minutes <= cutoff_min].sum())


def test_circle_populations_equal_a_direct_travel_time_computation(executed):
    _, summary, out = executed
    today, with_line, places = _sample_networks(out)
    core = tuple(summary["core_point"])
    # car circles: every place's car time to the core centre, summed directly
    car = access.travel_times(with_line, places, core, mode="car", max_time_min=180)
    for cutoff in (60, 120):
        expected = _population_within(car, places, cutoff)
        assert summary["car_circle_population"][f"{summary['core_centre']} {cutoff} min"] == expected
    # before / after: transit with park-and-ride, the notebook's window and percentile
    s = summary["before_after_settings"]
    for label, network in (("before", today), ("after", with_line)):
        times = access.travel_times(
            network,
            places,
            core,
            mode=s["mode"],
            access_mode=s["access_mode"],
            departure=s["departure"],
            window_min=s["window_min"],
            percentiles=(s["percentile"],),
            max_time_min=180,
        )
        for cutoff in (60, 120):
            expected = _population_within(times, places, cutoff)
            assert summary["before_after"][f"Core City {cutoff} min {label}"] == expected, (label, cutoff)


def test_rural_residents_reach_fewer_jobs_than_urban_ones(executed):
    _, summary, _ = executed
    ja = summary["job_access"]
    for mode in ("car", "transit"):
        for cutoff in (60, 120):
            rural, urban = (
                ja[f"{mode} rural jobs within {cutoff} min mean"],
                ja[f"{mode} urban jobs within {cutoff} min mean"],
            )
            assert 0 <= rural < urban, (mode, cutoff)
        assert ja[f"{mode} rural jobs within 60 min mean"] <= ja[f"{mode} rural jobs within 120 min mean"]
    assert ja["car rural jobs within 60 min mean"] > ja["transit rural jobs within 60 min mean"]


def test_real_data_section_ran_on_porto_alegre_and_beijing_tianjin(executed):
    require_data("poa/poa_osm.pbf")
    require_data("china/prefectures_cityinfo.csv")
    _, summary, _ = executed
    real = summary["real_data"]
    assert real["porto_alegre"] and real["beijing_tianjin"]
    assert real["poa_cells"] == 50
    jobs = real["poa_mean_jobs_60min"]
    assert jobs["bus + Trensurb"] >= jobs["walk"] > 0  # a direct walk is always a transit option
    minutes = real["tianjin_to_beijing_min"]
    # default rules: the 30-min train plus the station process put Tianjin outside 1 h;
    # the commuter profile (5-min check, chosen train) brings it inside; roads alone are slower
    assert 60 < minutes["with rail, default"] < 80
    assert minutes["with rail, commuter"] < 60
    assert minutes["roads only"] > minutes["with rail, default"]
