"""Cooperative cancellation: library loops stop at their checkpoints once the caller's event
is set (the service's deadline, a client's hang-up, shutdown), and never otherwise."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import access
from access._cancel import cancellable, checkpoint
from access.errors import Cancelled
from tests import _api_support
from tests._api_support import SAMPLE_CORE

api_data_dir = _api_support.api_data_dir  # shared fixture
sample_network = _api_support.sample_network  # shared fixture


def test_a_checkpoint_raises_only_inside_a_cancelled_scope():
    checkpoint()  # no scope: never raises
    event = threading.Event()
    with cancellable(event):
        checkpoint()  # not set yet
        event.set()
        with pytest.raises(Cancelled):
            checkpoint()
    checkpoint()  # the scope ended with the block
    assert not issubclass(Cancelled, Exception)  # `except Exception` in library code lets it through


def test_a_real_transit_matrix_cancelled_before_it_starts_routes_nothing(sample_network):
    stop = threading.Event()
    stop.set()
    with cancellable(stop), pytest.raises(Cancelled):
        access.travel_times(sample_network, [SAMPLE_CORE], mode="transit", departure="07:00")
    table = access.travel_times(sample_network, [SAMPLE_CORE], [SAMPLE_CORE], mode="transit", departure="07:00")
    assert len(table) == 1  # outside the scope the same call runs to the end


def test_a_street_matrix_stops_between_batches(sample_network, monkeypatch):
    import access.routing.street as street_routing

    walk = sample_network.street("walk")
    nodes = np.linspace(0, walk.n_nodes - 1, 1100).astype(int)  # three batches of 512 origins
    points = np.column_stack([walk.lon[nodes], walk.lat[nodes]])
    stop = threading.Event()
    calls: list[int] = []
    real = street_routing.many_to_all_points

    def first_batch_then_cancel(*args, **kwargs):
        calls.append(1)
        out = real(*args, **kwargs)
        stop.set()  # as the service does from another thread while the batch runs
        return out

    monkeypatch.setattr(street_routing, "many_to_all_points", first_batch_then_cancel)
    with cancellable(stop), pytest.raises(Cancelled):
        access.travel_times(sample_network, points, points[:5], mode="walk")
    assert calls == [1]  # stopped at the next batch, not run to the end
