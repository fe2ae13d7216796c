"""Scenarios on the real Porto Alegre feeds: the busiest bus route twice as often, or gone."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from access.scenarios.apply import apply, load_base
from access.scenarios.compare import compare
from access.scenarios.model import parse_scenario
from tests.conftest import require_data

DATE = "2019-05-13"  # the r5r sample's customary Monday; the EPTC feed runs 11:00-16:00
DEPARTURE, WINDOW_MIN = "14:00", 20
PEAK = ("13:00", "16:00")


@pytest.fixture(scope="module")
def poa():
    files = {name: str(require_data(f"poa/{name}")) for name in ("poa_osm.pbf", "poa_eptc.zip", "poa_trensurb.zip")}
    scenario = parse_scenario(
        {
            "base": {
                "osm": files["poa_osm.pbf"],
                "gtfs": [files["poa_eptc.zip"], files["poa_trensurb.zip"]],
                "service_date": DATE,
                "modes": ["walk"],
                "transit_settings": {"board_penalty_min": {"poa_trensurb": 0}},  # turnstile commuter rail
            }
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the EPTC feed's interpolated times and far stops are reported
        region = load_base(scenario, progress=False)
        feed = region.feed
    first = feed.stop_times.sort_values(["trip_id", "stop_sequence"]).groupby("trip_id")["departure_s"].first()
    trips = feed.trips.set_index("trip_id").join(first.rename("start_s"))
    start, end = (int(t[:2]) * 3600 for t in PEAK)
    peak = trips[(trips["start_s"] >= start) & (trips["start_s"] < end) & trips["route_id"].str.startswith("poa_eptc")]
    busiest = peak["route_id"].value_counts().index[0]
    gaps = peak[peak["route_id"] == busiest].groupby("direction_id")["start_s"].apply(lambda s: s.sort_values().diff())
    headway_min = float(np.nanmedian(gaps)) / 60
    counts = {
        "in_peak": int((peak["route_id"] == busiest).sum()),
        "directions": peak.loc[peak["route_id"] == busiest, "direction_id"].nunique(),
    }
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv"))
    origins = cells.sample(40, random_state=11).reset_index(drop=True)
    return region, busiest, headway_min, origins, cells, counts


def _run(region, origins, cells, modification):
    after = apply(region, parse_scenario({"base": {"osm": "x"}, "modifications": [modification]}).modifications)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few grid cells lie off the extract's streets
        return after, compare(
            region.network,
            after,
            origins,
            cells,
            mode="transit",
            departure=DEPARTURE,
            window_min=WINDOW_MIN,
            cutoffs_min=(30, 45),
            by=None,
            class_column=None,
        )


def test_halving_the_headway_of_the_busiest_bus_route_doubles_its_trips_and_raises_access(poa):
    region, busiest, headway, origins, cells, counts = poa
    new = round(headway / 2, 1)
    mod = {
        "type": "change_headway",
        "routes": [busiest],
        "periods": [{"start": PEAK[0], "end": PEAK[1], "headway_min": new}],
    }
    after, result = _run(region, origins, cells, mod)
    base = region.network.transit

    def route(t):
        trips_route = t.pattern_route[np.searchsorted(t.pattern_trip_ptr, np.arange(t.n_trips), "right") - 1]
        return int(np.isin(trips_route, np.flatnonzero(t.route_id == busiest)).sum())

    # the peak's trips are replaced by one every `new` minutes from 13:00 in each direction
    regenerated = counts["directions"] * int(np.ceil(3 * 60 / new))
    assert route(after.transit) == route(base) - counts["in_peak"] + regenerated
    assert regenerated >= 1.8 * counts["in_peak"], "about twice the trips in the peak"
    assert after.transit.n_trips - route(after.transit) == base.n_trips - route(base), "other routes untouched"
    on = result.origins[~result.origins["off_network"]]  # off-network cells: NaN access, left out
    change = on["jobs_45min_change"]
    affected = int((change != 0).sum())
    assert 0 < affected < len(origins)
    # a regenerated timetable can shift a few departures later, but gains dominate
    assert (change > 0).sum() > 3 * (change < 0).sum()
    assert np.average(change, weights=on["population"]) > 0


def test_removing_the_busiest_bus_route_never_helps_anyone(poa):
    region, busiest, _, origins, cells, _ = poa
    after, result = _run(region, origins, cells, {"type": "remove_route", "routes": [busiest]})
    assert busiest not in set(after.transit.route_id)
    on = ~result.origins["off_network"]  # off-network cells: NaN access, left out
    for c in (30, 45):
        change = result.origins.loc[on, f"jobs_{c}min_change"]
        assert (change <= 0).all(), "fewer options can only lower access"
        assert (result.origins.loc[on, f"jobs_{c}min_gained"] == 0).all()
    losers = int((result.origins["jobs_45min_change"] < 0).sum())
    assert 0 < losers < len(origins)
    summary = result.summary.set_index(["metric", "cutoff_min"])
    assert summary.loc[("losers", 45.0), "value"] == losers
    assert summary.loc[("winners", 45.0), "value"] == 0
