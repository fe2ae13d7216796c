"""Friction at the interfaces (issue 17 item 7): numbers rounded in files, plain CSV
tables, one summary line per cutoff, plurals, only penalties that apply, every mode in
the --mode help, maps that say what they show — on the sample region and Porto Alegre."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import access
from access.io.wording import TRAVEL_MODES, column_label, plural
from access.sample import write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit
from tests.conftest import require_data

# more than 7 decimals: float noise (170.01814328393863); coordinates have 7 at most
NOISE = re.compile(r"\d\.\d{8,}")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("friction")
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    places = pd.read_csv(region.places_csv)
    return folder, region, files, places


def cli(*args):
    from access.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_circles_csv_is_a_plain_rounded_table_and_the_library_keeps_full_precision(sample):
    folder, region, _, places = sample
    out, summary = folder / "circles.csv", folder / "circles_summary.csv"
    result = cli(
        "circles",
        "--osm",
        region.osm_pbf,
        "--zones",
        region.places_csv,
        "--centre",
        "P000",
        "--mode",
        "car",
        "--cutoffs",
        "60",
        "120",
        "--out",
        out,
        "--summary",
        summary,
        "-q",
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "POINT" not in text and "POLYGON" not in text and not NOISE.search(text)
    table = pd.read_csv(out)
    assert {"lon", "lat", "travel_time_min", "circle"} <= set(table.columns) and len(table) == len(places)
    # minutes up to the next 0.1 (a zone at 60.0 is inside the 60-min circle), counts whole
    minutes = table["travel_time_min"].dropna().to_numpy()
    assert np.allclose(minutes * 10, np.round(minutes * 10))
    totals = pd.read_csv(summary)
    assert not NOISE.search(summary.read_text())
    assert totals["population"].dtype.kind == "i" and totals["zones"].dtype.kind == "i"
    # the library's own result is not rounded: the same run has minutes off the 0.1 grid
    network = access.build_network(region.osm_pbf, modes=("car",), progress=False)
    circles = access.commuting_circles(network, {"P000": "P000"}, zones=places, mode="car", cutoffs_min=(60, 120))
    exact = circles.zones.set_index("id")["travel_time_min"]
    assert (np.abs(exact * 10 - np.round(exact * 10)) > 1e-6).any()
    shown = table.set_index("id")["travel_time_min"]
    gap = (shown - exact.reindex(shown.index)).dropna()
    assert (gap > -1e-9).all() and (gap < 0.1 + 1e-9).all()
    # the population summed over the table equals the summary's (whole people)
    inside = table[table["circle_min"] == 60]
    assert int(inside["population"].sum()) == int(totals.loc[totals["cutoff_min"] == 60, "population"].iloc[0])


def test_travel_time_csv_of_porto_alegre_holds_tenths_of_minutes(poa_pbf, tmp_path):
    points = pd.read_csv(require_data("poa/poa_points_of_interest.csv"))[["id", "lon", "lat"]].head(20)
    points.to_csv(tmp_path / "pts.csv", index=False)
    out = tmp_path / "tt.csv"
    args = ("--osm", poa_pbf, "--origins", tmp_path / "pts.csv", "--mode", "car", "--max-time", "60")
    assert cli("travel-times", *args, "--out", out, "-q").exit_code == 0
    assert not NOISE.search(out.read_text())
    times = pd.read_csv(out)["travel_time_min"].dropna()
    assert len(times) > 200 and np.allclose(times * 10, np.round(times * 10))


def test_many_origins_print_one_line_per_cutoff_not_one_per_origin(sample):
    folder, region, _, places = sample
    villages = places[places["kind"] == "village"].head(40)[["id", "lon", "lat"]]
    villages.to_csv(folder / "villages.csv", index=False)
    out = folder / "walk.gpkg"
    args = ("--osm", region.osm_pbf, "--origins", folder / "villages.csv", "--mode", "walk", "--cutoffs", "30", "60")
    result = cli("isochrone", *args, "--out", out)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip() and "%|" not in line]  # no progress bars
    assert not [line for line in lines if line.startswith("origin ")]
    per_cutoff = [line for line in lines if re.match(r"(30|60) min: 40 origins, area median [\d.]+ km2", line)]
    assert len(per_cutoff) == 2, result.output
    assert len(lines) <= 6, result.output  # two summaries, "wrote", perhaps an edge-of-data warning
    # one origin keeps its own lines
    one = cli("isochrone", "--osm", region.osm_pbf, "--lon", 116.6365, "--lat", 36.7974, "--out", folder / "one.gpkg")
    assert re.search(r"^origin 0: 60 min -> [\d,.]+ km2$", one.output, flags=re.M), one.output


def test_counts_read_in_the_singular_for_one():
    assert [plural(1, "place"), plural(2, "place"), plural(1, "county"), plural(3, "county")] == [
        "1 place",
        "2 places",
        "1 county",
        "3 counties",
    ]
    assert plural(1234, "zone") == "1,234 zones" and plural(0, "origin") == "0 origins"


def test_hsr_boarding_penalty_is_reported_only_for_networks_that_run_rail(sample):
    _, region, files, places = sample
    kwargs = {"modes": ("walk",), "service_date": SAMPLE_SERVICE_DATE, "progress": False}
    buses = access.build_network(region.osm_pbf, gtfs=[files["buses"]], **kwargs)
    rail = access.build_network(region.osm_pbf, gtfs=[files["buses"]], rail_specs=[files["rail_spec"]], **kwargs)
    query = {"zones": places.head(40), "mode": "transit", "departure": "07:00", "window_min": 10, "cutoffs_min": (60,)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bus_only = access.commuting_circles(buses, {"P000": "P000"}, **query).definition
        with_rail = access.commuting_circles(rail, {"P000": "P000"}, **query).definition
    assert bus_only.board_penalty_hsr_min is None and "HSR" not in bus_only.describe()
    assert "departures from 07:00 over 10 min, p50" in bus_only.describe()
    assert with_rail.board_penalty_hsr_min == 15.0  # TransitSettings.rail_spec_board_penalty_min
    assert "HSR boarding penalty 15 min" in with_rail.describe()


def test_every_mode_option_lists_the_modes_it_takes():
    import click
    import typer

    from access.cli import app

    def commands(group, path=()):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from commands(command, (*path, name))
            else:
                yield (*path, name), command

    found = 0
    for path, command in commands(typer.main.get_command(app)):
        for param in command.params:
            if "--mode" in getattr(param, "opts", ()):
                found += 1
                missing = [m for m in TRAVEL_MODES if m not in (param.help or "").lower()]
                assert not missing, f"access {' '.join(path)} --mode help {param.help!r} omits {missing}"
    assert found >= 5  # isochrone, travel-times, accessibility, circles, overlap


def test_isochrone_map_names_what_was_computed_and_colours_each_origin(sample):
    from matplotlib.colors import to_hex

    from access.viz import plot_isochrones
    from access.viz._labels import isochrone_title

    _, region, files, places = sample
    network = access.build_network(region.osm_pbf, modes=("car",), progress=False)
    origins = places[places["kind"] == "county_seat"].head(3)[["id", "lon", "lat"]]
    iso = access.isochrones(network, origins, mode="car", cutoffs_min=(30, 60), progress=False)
    fig = plot_isochrones(iso, network.street("car"), origins=origins, title=isochrone_title(iso, mode="car"))
    ax = fig.axes[0]
    assert ax.get_title() == "Areas reached from 3 origins within 30 / 60 min by car"
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    ids = origins["id"].tolist()
    assert [f"origin {i}" for i in ids] == texts[:3] and "within 30 min" in texts and "within 60 min" in texts
    colours = {to_hex(h.get_facecolor(), keep_alpha=False) for h in legend.legend_handles[:3]}
    assert len(colours) == 3  # three origins, three colours
    # transit titles carry the departure, the window, the percentile and the service day
    transit = access.build_network(
        region.osm_pbf, modes=("walk",), gtfs=[files["buses"]], service_date=SAMPLE_SERVICE_DATE, progress=False
    )
    query = {"mode": "transit", "departure": "07:00", "window_min": 10, "percentile": 50}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iso = access.isochrones(transit, origins.head(1), cutoffs_min=(60,), progress=False, **query)
    assert isochrone_title(iso, **query) == (
        f"Areas reached from 1 origin within 60 min by transit (walk access), departing 07:00 on {SAMPLE_SERVICE_DATE},"
        " 10-min window, median"
    )


def test_accessibility_map_legend_uses_words_not_column_names(sample):
    from access.viz._labels import accessibility_title
    from access.viz.accessibility_map import plot_accessibility

    _, region, _, places = sample
    network = access.build_network(region.osm_pbf, modes=("car",), progress=False)
    result = access.accessibility(network, places, places, mode="car", cutoffs_min=(60,), progress=False)
    fig = plot_accessibility(result, "jobs_60min", title=accessibility_title("jobs_60min", mode="car"))
    assert fig.axes[0].get_title() == "Jobs within 60 min by car"
    assert fig.axes[1].get_ylabel() == "jobs within 60 min"  # the colour bar
    assert column_label("jobs_gravity") == "jobs, gravity-weighted"
    assert column_label("time_to_nearest_centre_min") == "minutes to the nearest centre"
