"""Itineraries (which bus, which train): leg by leg, and the same totals as the matrix.

The reference is this engine's own travel-time matrix, computed by the range-RAPTOR
kernel independently of the path-recording one: for every pair and departure minute the
rebuilt journey's total equals the matrix's time. Ride legs are checked against the
feed's stop_times (the trip's times at the boarding and alighting stops), transfers
against the network's walking-transfer table, walking legs against walking speed.
"""

from __future__ import annotations

import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import access
from access import r5py_compat as r5py
from access.io.gtfs import read_gtfs_feeds
from tests.conftest import require_data

DAY = "2019-05-13"


@pytest.fixture(scope="module")
def poa():
    feeds = [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = access.build_network(
            require_data("poa/poa_osm.pbf"), modes=("walk",), gtfs=feeds, service_date=DAY, progress=False
        )
    cells = pd.read_csv(require_data("poa/poa_hexgrid.csv")).sample(14, random_state=8)
    pts = gpd.GeoDataFrame(
        {"id": cells["id"].to_numpy()}, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]), crs=4326
    )
    return net, pts, feeds


@pytest.mark.parametrize("minute", ["14:00", "14:07", "15:31"])
def test_itinerary_totals_equal_the_travel_time_matrix(poa, minute):
    net, pts, _ = poa
    origins = pts.head(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legs = access.itineraries(net, origins, pts, departure=f"{DAY}T{minute}", window_min=1)
        matrix = access.travel_times(net, origins, pts, mode="transit", departure=f"{DAY}T{minute}", window_min=1)
    t0 = pd.Timestamp(f"{DAY}T{minute}")
    total = legs.groupby(["from_id", "to_id"])["arrival_time"].max().sub(t0).dt.total_seconds()
    expected = matrix.set_index(["from_id", "to_id"])["travel_time_min"] * 60
    assert set(total.index) == set(expected.dropna().index), "a journey for exactly the pairs the matrix reaches"
    assert np.allclose(total.loc[expected.dropna().index], expected.dropna(), atol=0.5)
    assert (legs.groupby(["from_id", "to_id"])["option"].max() == 0).all(), "one minute: one journey"
    assert (legs["transport_mode"] != "WALK").any(), "some pairs ride"


def test_legs_chain_and_rides_follow_the_timetable(poa):
    net, pts, feeds = poa
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legs = access.itineraries(net, pts.head(6), pts, departure=f"{DAY}T14:00", window_min=5)
        feed = read_gtfs_feeds(feeds, service_date=DAY, names=["poa_eptc", "poa_trensurb"])
    assert legs.crs.to_epsg() == 4326 and legs.geometry.geom_type.eq("LineString").all()
    for _, journey in legs.groupby(["from_id", "to_id", "option"]):
        journey = journey.sort_values("segment")
        gaps = journey["departure_time"].iloc[1:].to_numpy() - journey["arrival_time"].iloc[:-1].to_numpy()
        assert (gaps >= np.timedelta64(0)).all(), "a leg departs after the previous one arrives"
        assert (journey["wait_time"].iloc[1:].to_numpy() == gaps).all()
        kinds = journey["transport_mode"].tolist()
        assert kinds[0] == "WALK" and kinds[-1] == "WALK", "walk to the first stop and from the last"
    st = feed.stop_times.set_index(["trip_id", "stop_id"])
    rides = legs[legs["transport_mode"] != "WALK"]
    assert len(rides) > 10 and set(rides["transport_mode"]) <= {"BUS", "RAIL"}
    midnight = pd.Timestamp(DAY)
    for _, ride in rides.head(40).iterrows():
        trip = f"{ride['feed']}:{ride['trip_id']}"
        board = st.loc[(trip, f"{ride['feed']}:{ride['start_stop_id']}")]
        alight = st.loc[(trip, f"{ride['feed']}:{ride['end_stop_id']}")]
        board = board.iloc[0] if isinstance(board, pd.DataFrame) else board
        alight = alight.iloc[-1] if isinstance(alight, pd.DataFrame) else alight
        assert ride["departure_time"] == midnight + pd.Timedelta(seconds=int(board["departure_s"]))
        assert ride["arrival_time"] == midnight + pd.Timedelta(seconds=int(alight["arrival_s"]))
        assert ride["route_id"] and ride["route_short_name"] != "" or ride["feed"] == "poa_trensurb"
    walks = legs[(legs["transport_mode"] == "WALK") & (legs["travel_time"] > pd.Timedelta(minutes=2))]
    speed = walks["distance"] / walks["travel_time"].dt.total_seconds()
    # street paths at 4.8 km/h (1.33 m/s); edge times are whole seconds, so a few % either way
    assert (speed < 1.4).all() and speed.median() == pytest.approx(4.8 / 3.6, rel=0.05)


def test_transfer_legs_take_the_networks_transfer_time(poa):
    net, pts, _ = poa
    transit = net.transit
    index = {s: k for k, s in enumerate(transit.stop_id)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legs = access.itineraries(net, pts, pts, departure=f"{DAY}T14:00", window_min=3)
    transfers = legs[(legs["transport_mode"] == "WALK") & (legs["start_stop_id"] != "") & (legs["end_stop_id"] != "")]
    assert len(transfers) > 0
    for _, leg in transfers.iterrows():
        feeds = [f for f in ("poa_eptc", "poa_trensurb") if f"{f}:{leg['start_stop_id']}" in index]
        u = index[f"{feeds[0]}:{leg['start_stop_id']}"]
        v = [
            index[f"{f}:{leg['end_stop_id']}"]
            for f in ("poa_eptc", "poa_trensurb")
            if f"{f}:{leg['end_stop_id']}" in index
        ][0]
        row = slice(transit.transfer_ptr[u], transit.transfer_ptr[u + 1])
        seconds = dict(zip(transit.transfer_to[row].tolist(), transit.transfer_s[row].tolist(), strict=True))
        assert leg["travel_time"] == dt.timedelta(seconds=seconds[v])


def test_r5py_detailed_itineraries_pair_row_by_row_and_agree_with_the_matrix(poa):
    net, pts, feeds = poa
    network = r5py.TransportNetwork(require_data("poa/poa_osm.pbf"), feeds)
    departure = dt.datetime(2019, 5, 13, 14, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det = r5py.DetailedItineraries(
            network,
            origins=pts.head(4),
            destinations=pts.tail(4),
            departure=departure,
            transport_modes=[r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK],
        )
        walk_only = r5py.DetailedItineraries(
            network, origins=pts.head(4), destinations=pts.tail(4), departure=departure, transport_modes=["WALK"]
        )
        ttm = r5py.TravelTimeMatrix(
            network, origins=pts.head(4), destinations=pts.tail(4), departure=departure, transport_modes=["WALK"]
        )
    assert isinstance(det, gpd.GeoDataFrame) and not det.all_to_all
    assert list(det.columns[:15]) == [
        "from_id",
        "to_id",
        "option",
        "segment",
        "transport_mode",
        "departure_time",
        "distance",
        "travel_time",
        "wait_time",
        "feed",
        "agency_id",
        "route_id",
        "start_stop_id",
        "end_stop_id",
        "geometry",
    ]
    pairs = set(zip(pts.head(4)["id"], pts.tail(4)["id"], strict=True))
    assert set(zip(det["from_id"], det["to_id"], strict=True)) <= pairs, "row by row"
    assert all(isinstance(m, r5py.TransportMode) for m in det["transport_mode"])
    assert (det.loc[det["transport_mode"] == r5py.TransportMode.BUS, "route_id"] != "").all()
    # a walk-only itinerary takes the matrix's walking time (R5's whole minutes)
    walk_min = walk_only.set_index(["from_id", "to_id"])["travel_time"].dt.total_seconds() // 60
    expected = ttm.set_index(["from_id", "to_id"])["travel_time"]
    common = walk_min.index.intersection(expected.dropna().index)
    assert len(common) and (walk_min.loc[common] == expected.loc[common]).all()
    both = r5py.DetailedItineraries(
        network, origins=pts.head(2), destinations=pts.tail(3), departure=departure, transport_modes=["WALK"]
    )
    assert both.all_to_all and len(set(zip(both["from_id"], both["to_id"], strict=True))) <= 6


def test_expanded_travel_times_give_every_minute_its_time_and_routes(poa):
    net, pts, _ = poa
    origins = pts.head(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expanded = access.expanded_travel_times(net, origins, pts, departure=f"{DAY}T14:00", window_min=4)
        for minute in range(4):
            dep = f"{DAY}T14:0{minute}"
            matrix = access.travel_times(net, origins, pts, mode="transit", departure=dep, window_min=1)
            rows = expanded[expanded["departure_time"] == pd.Timestamp(dep)].set_index(["from_id", "to_id"])
            reached = matrix.set_index(["from_id", "to_id"])["travel_time_min"].dropna()
            assert set(rows.index) == set(reached.index)
            assert np.allclose(rows.loc[reached.index, "total_time"], reached, atol=0.01)
    parts = expanded[["access_time", "wait_time", "ride_time", "transfer_time", "egress_time"]].sum(axis=1)
    rides = expanded["n_rides"] > 0
    assert rides.any() and np.allclose(parts[rides], expanded.loc[rides, "total_time"])
    assert (expanded.loc[~rides, "routes"] == "[WALK]").all()
    assert (expanded.loc[rides, "routes"].str.count(r"\|") + 1 == expanded.loc[rides, "n_rides"]).all()
