"""Derived indexes (snapping segments, reverse graphs, stop links, egress tables) belong to
the network object that derives them: built once, never shared with a modified copy, never
pickled."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pytest

import access
from access.network.street import StreetNetwork
from access.network.transit import TransitNetwork
from access.regional.network import RegionalNetwork
from access.sample import write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return access.build_network(
            region.osm_pbf,
            modes=("walk", "car"),
            gtfs=[files["buses"]],
            service_date=SAMPLE_SERVICE_DATE,
            progress=False,
        )


def _fastest_by_direction(street: StreetNetwork) -> dict[tuple[int, int], float]:
    """Brute force: the fastest edge u -> v for every ordered node pair."""
    best: dict[tuple[int, int], float] = {}
    for u, v, t in zip(street.tails.tolist(), street.indices.tolist(), street.travel_s.tolist(), strict=True):
        best[(u, v)] = min(best.get((u, v), np.inf), float(t))
    return best


def test_network_classes_hold_no_ad_hoc_cache_dict():
    for cls in (StreetNetwork, TransitNetwork, RegionalNetwork):
        names = [f.name for f in dataclasses.fields(cls)]
        assert "_cache" not in names, cls.__name__


def test_snapping_segments_are_built_once_and_carry_each_directions_fastest_edge(sample):
    street = sample.street("car")
    seg = street.segments
    assert street.segments is seg
    best = _fastest_by_direction(street)
    for k in np.random.default_rng(0).choice(len(seg.a), 200, replace=False):
        a, b = int(seg.a[k]), int(seg.b[k])
        assert seg.forward_s[k] == best.get((a, b), np.inf)
        assert seg.backward_s[k] == best.get((b, a), np.inf)


def test_a_replaced_street_network_builds_its_own_indexes_from_its_own_times(sample):
    street = sample.street("car")
    old_segments, old_reverse = street.segments, street.reverse
    slower = dataclasses.replace(street, travel_s=street.travel_s * 2)
    assert slower.segments is not old_segments
    finite = np.isfinite(old_segments.forward_s)
    assert np.array_equal(slower.segments.forward_s[finite], 2 * old_segments.forward_s[finite])
    assert slower.reverse is not old_reverse
    assert np.array_equal(slower.reverse.travel_s, 2 * old_reverse.travel_s)
    # the original keeps its own, untouched
    assert street.segments is old_segments and street.reverse is old_reverse


def test_reverse_graph_has_every_edge_turned_around(sample):
    street = sample.street("car")
    rev = street.reverse
    tails = np.repeat(np.arange(street.n_nodes), np.diff(rev.indptr))
    forward = sorted(zip(street.tails.tolist(), street.indices.tolist(), street.travel_s.tolist(), strict=True))
    turned = sorted(zip(rev.indices.tolist(), tails.tolist(), rev.travel_s.tolist(), strict=True))
    assert forward == turned
    assert not rev.travel_s.flags.writeable


def test_networks_pickle_their_fields_only_and_stay_read_only(sample):
    street = sample.street("walk")
    street.segments, street.reverse  # noqa: B018 - build them
    clone = pickle.loads(pickle.dumps(street))
    assert "segments" not in clone.__dict__ and "reverse" not in clone.__dict__
    assert not clone.travel_s.flags.writeable
    assert np.array_equal(clone.segments.forward_s, street.segments.forward_s)
    transit = sample.transit
    transit.links.on(street)
    assert "links" not in pickle.loads(pickle.dumps(transit)).__dict__


def test_excluded_ways_never_take_a_snapped_point_but_shared_segments_stay(sample):
    street = sample.street("car")
    way = int(street.way_id[0])
    excluded = dataclasses.replace(street, snap_excluded_way_ids=(way,))
    on_way = street.way_id == way
    seg_keys = lambda s: set(zip(s.segments.a.tolist(), s.segments.b.tolist(), strict=True))  # noqa: E731
    gone = seg_keys(street) - seg_keys(excluded)
    tails, heads = street.tails, street.indices
    # brute force: a segment goes when every edge along it lies on the excluded way
    expected = set()
    for a, b in seg_keys(street):
        along = ((tails == a) & (heads == b)) | ((tails == b) & (heads == a))
        if on_way[along].all():
            expected.add((a, b))
    assert gone == expected and gone


def test_stop_links_follow_the_street_network_object_not_its_mode(sample):
    walk, transit = sample.street("walk"), sample.transit
    first = transit.links.on(walk)
    assert transit.links.on(walk) is first
    moved = dataclasses.replace(walk, x=walk.x + 5000.0)  # the same mode, other geometry
    assert transit.links.on(moved) is not first
    assert not np.array_equal(transit.links.on(moved).distance_m, first.distance_m)


def test_a_transit_copy_keeps_stop_links_only_while_its_stops_stay(sample):
    transit, walk = sample.transit, sample.street("walk")
    table = transit.links.node_targets(walk, 5.0)
    assert transit.links.node_targets(walk, 5.0) is table
    penalised = transit.with_changes(board_penalty_s=transit.board_penalty_s + 60)
    assert penalised.links is transit.links
    moved = transit.with_changes(stop_lon=transit.stop_lon + 0.01)
    assert moved.links is not transit.links
    assert dataclasses.replace(transit).links is not transit.links  # a plain copy rebuilds
