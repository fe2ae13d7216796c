"""A corrupted network cache is discarded and rebuilt (never trusted, never fatal); a
cache that cannot be written warns and the build goes on; concurrent runs share one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import access
from access.config import TransitSettings
from access.errors import CacheError, CacheWarning
from access.network.cache import (
    CHECKSUM_KEY,
    arrays_digest,
    check_street_arrays,
    check_transit_arrays,
    load_arrays,
    save_arrays,
)
from tests.conftest import require_data

REPO = Path(__file__).resolve().parents[1]
MARKET = (-51.2278, -30.0276)  # Porto Alegre's public market
DATE = "2019-05-13"


def _build(pbf, folder, **kwargs):
    return access.build_network(pbf, modes=("walk",), cache_dir=folder, progress=False, **kwargs)


@pytest.fixture(scope="module")
def fresh(poa_pbf, tmp_path_factory):
    """The walk network built without any cache, and a folder holding its good cache file."""
    folder = tmp_path_factory.mktemp("good-cache")
    network = _build(poa_pbf, folder)
    (entry,) = folder.glob("street-walk-*.npz")
    return network, entry


def _rewrite(arrays: dict, path: Path, *, checksum: bool) -> None:
    """Save arrays as an .npz, with a checksum recomputed over the changed arrays or with
    the entry's old checksum (the bytes changed behind the cache's back)."""
    stored = dict(arrays)
    if checksum:
        stored[CHECKSUM_KEY] = np.array(arrays_digest(arrays))
    with open(path, "wb") as fh:
        np.savez(fh, **stored)


def _corrupt(kind: str, entry: Path, path: Path) -> None:
    raw = entry.read_bytes()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif kind == "garbage":
        path.write_bytes(np.random.default_rng(1).bytes(4096))
    elif kind == "byte-flipped":
        flipped = bytearray(raw)
        flipped[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(flipped))
    else:
        with np.load(entry, allow_pickle=False) as data:
            arrays = {k: np.array(data[k]) for k in data.files}
        old = arrays.pop(CHECKSUM_KEY)
        if kind == "travel-times-zeroed":  # plausible values, checksum of the original
            arrays["travel_s"] = np.zeros_like(arrays["travel_s"])
            _rewrite({**arrays, CHECKSUM_KEY: old}, path, checksum=False)
            return
        if kind == "no-checksum":
            _rewrite(arrays, path, checksum=False)
            return
        if kind == "negative-indices":
            arrays["indices"] = arrays["indices"].copy()
            arrays["indices"][::7] = -3
        elif kind == "indices-out-of-range":
            arrays["indices"] = arrays["indices"] + len(arrays["node_id"])
        elif kind == "indptr-decreasing":
            arrays["indptr"] = arrays["indptr"].copy()
            arrays["indptr"][10], arrays["indptr"][11] = arrays["indptr"][11] + 5, arrays["indptr"][10]
        elif kind == "lengths-inconsistent":
            arrays["travel_s"] = arrays["travel_s"][:-100]
        elif kind == "coordinates-nan":
            arrays["lon"] = arrays["lon"].copy()
            arrays["lon"][0] = np.nan
        elif kind == "array-missing":
            del arrays["length_m"]
        _rewrite(arrays, path, checksum=True)  # a consistent checksum: only the invariants catch it


CORRUPTIONS = [
    "empty",
    "truncated",
    "garbage",
    "byte-flipped",
    "travel-times-zeroed",
    "no-checksum",
    "negative-indices",
    "indices-out-of-range",
    "indptr-decreasing",
    "lengths-inconsistent",
    "coordinates-nan",
    "array-missing",
]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_corrupted_street_cache_entry_is_discarded_with_a_warning_and_rebuilt_identically(
    poa_pbf, fresh, tmp_path, kind
):
    network, entry = fresh
    target = tmp_path / entry.name
    _corrupt(kind, entry, target)
    with pytest.warns(CacheWarning, match="discarded and rebuilt"):
        rebuilt = _build(poa_pbf, tmp_path)
    walk, reference = rebuilt.street("walk"), network.street("walk")
    for name in ("indptr", "indices", "travel_s", "length_m", "lon", "lat"):
        assert np.array_equal(getattr(walk, name), getattr(reference, name)), name
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # healed: the entry now loads silently
        again = _build(poa_pbf, tmp_path)
    assert np.array_equal(again.street("walk").travel_s, reference.travel_s)


def test_a_corrupted_cache_never_changes_a_result_15_min_walk_isochrone(poa_pbf, fresh, tmp_path):
    network, entry = fresh
    expected = access.isochrones(network, MARKET, mode="walk", cutoffs_min=(15,))["area_km2"].iloc[0]
    # independent bound: a 15-min walk at 4.8 km/h reaches at most 1.2 km, a disc of 4.52 km2
    assert 1.0 < expected < np.pi * 1.2**2
    for kind in ("travel-times-zeroed", "negative-indices", "indptr-decreasing"):
        _corrupt(kind, entry, tmp_path / entry.name)
        with pytest.warns(CacheWarning):
            rebuilt = _build(poa_pbf, tmp_path)
        area = access.isochrones(rebuilt, MARKET, mode="walk", cutoffs_min=(15,))["area_km2"].iloc[0]
        assert area == pytest.approx(expected, rel=1e-9), kind


def test_checksum_and_invariants_reject_what_they_should(fresh, tmp_path):
    _, entry = fresh
    arrays = load_arrays(entry)
    check_street_arrays(arrays)  # the good entry passes
    _corrupt("byte-flipped", entry, tmp_path / "flipped.npz")
    with pytest.raises(CacheError):
        load_arrays(tmp_path / "flipped.npz")
    _corrupt("travel-times-zeroed", entry, tmp_path / "zeroed.npz")
    with pytest.raises(CacheError, match="checksum"):
        load_arrays(tmp_path / "zeroed.npz")
    for kind, words in [
        ("negative-indices", "indices outside"),
        ("indices-out-of-range", "indices outside"),
        ("indptr-decreasing", "indptr decreases"),
        ("lengths-inconsistent", "travel_s has"),
        ("coordinates-nan", "lon has non-finite"),
    ]:
        _corrupt(kind, entry, tmp_path / f"{kind}.npz")
        with pytest.raises(CacheError, match=words):
            check_street_arrays(load_arrays(tmp_path / f"{kind}.npz"))


def test_save_refuses_the_reserved_checksum_name(tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        save_arrays(tmp_path / "x.npz", {CHECKSUM_KEY: np.zeros(1)})


@pytest.fixture(scope="module")
def trensurb_cache(poa_pbf, tmp_path_factory):
    folder = tmp_path_factory.mktemp("transit-cache")
    feeds = [require_data("poa/poa_trensurb.zip")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = _build(poa_pbf, folder, gtfs=feeds, service_date=DATE, transit_settings=TransitSettings())
    (entry,) = folder.glob("transit-*.npz")
    return network, entry, feeds


@pytest.mark.parametrize(
    "kind", ["empty", "pattern-stops-out-of-range", "time-pointer-inconsistent", "stop-position-past-its-pattern"]
)
def test_a_corrupted_transit_cache_entry_is_discarded_and_rebuilt_identically(poa_pbf, trensurb_cache, tmp_path, kind):
    network, entry, feeds = trensurb_cache
    for street in entry.parent.glob("street-*.npz"):
        shutil.copy(street, tmp_path / street.name)
    target = tmp_path / entry.name
    if kind == "empty":
        target.write_bytes(b"")
    else:
        arrays = load_arrays(entry)
        check_transit_arrays(arrays)
        if kind == "pattern-stops-out-of-range":
            arrays["pattern_stops"] = arrays["pattern_stops"] + len(arrays["stop_id"])
        elif kind == "time-pointer-inconsistent":
            arrays["arrival_s"] = arrays["arrival_s"][:-1]
            arrays["departure_s"] = arrays["departure_s"][:-1]
            arrays["pattern_time_ptr"] = np.minimum(arrays["pattern_time_ptr"], len(arrays["arrival_s"]))
        else:
            arrays["stop_pattern_pos"] = arrays["stop_pattern_pos"] + 1000
        with pytest.raises(CacheError):
            check_transit_arrays(arrays)
        _rewrite(arrays, target, checksum=True)
    with pytest.warns(CacheWarning, match="discarded and rebuilt"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("always", CacheWarning)
        rebuilt = _build(poa_pbf, tmp_path, gtfs=feeds, service_date=DATE, transit_settings=TransitSettings())
    for name in ("pattern_stops", "arrival_s", "departure_s", "transfer_to", "transfer_s"):
        assert np.array_equal(getattr(rebuilt.transit, name), getattr(network.transit, name)), name


def test_a_cache_folder_that_cannot_be_written_warns_and_the_build_goes_on(poa_pbf, fresh, tmp_path):
    network, _ = fresh
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(CacheWarning, match="not cached"):
        built = _build(poa_pbf, blocker / "cache")
    assert np.array_equal(built.street("walk").travel_s, network.street("walk").travel_s)
    assert blocker.read_text().startswith("a file")


def test_a_failed_cache_write_midway_warns_and_leaves_no_temp_file(poa_pbf, fresh, tmp_path, monkeypatch):
    network, _ = fresh

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.warns(CacheWarning, match="No space left on device"):
        built = _build(poa_pbf, tmp_path)
    assert np.array_equal(built.street("walk").indices, network.street("walk").indices)
    assert list(tmp_path.iterdir()) == []


def test_concurrent_cli_runs_sharing_one_cache_folder_all_succeed_with_one_valid_entry(tmp_path):
    pbf = require_data("osm/pyrosm_test.osm.pbf")
    cache = tmp_path / "shared-cache"
    env = {**os.environ, "ACCESS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "access.cli", "build", "--osm", str(pbf), "--modes", "walk,car,bike"]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1, "every run reports the same network"
    assert not [err for _, err in outputs if "warning" in err]
    entries = sorted(cache.iterdir())
    assert [p.name.split("-")[1] for p in entries] == ["bike", "car", "walk"], "no temp file left"
    reference = access.build_network(pbf, modes=("walk", "car", "bike"), cache=False, progress=False)
    for path in entries:
        arrays = load_arrays(path)
        check_street_arrays(arrays)
        assert np.array_equal(arrays["travel_s"], reference.street(str(arrays["mode"])).travel_s)
