"""On-disk cache of built networks: ``.npz`` files keyed by input bytes + parameters.

A cache entry is trusted only when it proves itself: every file carries a SHA-256 of its
arrays (names, dtypes, shapes and bytes) and, on load, the arrays must satisfy the
network's structural invariants (CSR pointers monotone and ending at the array lengths,
indices in range, lengths consistent, coordinates finite). An entry that fails - empty,
truncated, bit-flipped, hand-edited, from another version - is discarded with a
:class:`~access.errors.CacheWarning` and rebuilt; it can never give a wrong result. A
cache that cannot be written (read-only folder, full disk) warns and the build goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from access.config import MODES
from access.errors import CacheError, CacheWarning, OutputError
from access.io.output import atomic_path

__all__ = [
    "CACHE_VERSION",
    "default_cache_dir",
    "file_digest",
    "cache_key",
    "save_arrays",
    "load_arrays",
    "arrays_digest",
    "check_street_arrays",
    "check_transit_arrays",
    "load_cached",
    "store_cached",
]

CACHE_VERSION = "v4"  # bump when the network arrays or build rules change (v4: checksummed entries)
CHECKSUM_KEY = "__sha256__"  # the entry's own digest, stored beside its arrays
_CHUNK = 1 << 20  # bytes read at a time while hashing

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``$ACCESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/commuting-circles`` (~/.cache)."""
    if os.environ.get("ACCESS_CACHE_DIR"):
        return Path(os.environ["ACCESS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "commuting-circles"


def file_digest(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(*parts: object) -> str:
    """A short stable key from JSON-serialisable parts (digests, parameters)."""
    text = json.dumps([CACHE_VERSION, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def arrays_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 hex digest of named arrays: names, dtypes, shapes and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(k for k in arrays if k != CHECKSUM_KEY):
        array = np.ascontiguousarray(arrays[name])
        digest.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays and their digest to ``path`` (.npz) atomically (a temp file beside it,
    renamed when complete); :class:`OutputError` when the folder cannot take it."""
    if CHECKSUM_KEY in arrays:
        raise ValueError(f"{CHECKSUM_KEY} is reserved for the cache's checksum")
    stored = {**arrays, CHECKSUM_KEY: np.array(arrays_digest(arrays))}
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **stored)


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` written by :func:`save_arrays` (never unpickles);
    :class:`CacheError` when it is unreadable or its checksum does not match."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error, MemoryError) as exc:
        raise CacheError(f"cached network {path} is unreadable ({type(exc).__name__}: {exc})") from None
    stored = arrays.pop(CHECKSUM_KEY, None)
    if stored is None or stored.shape != () or stored.dtype.kind != "U":
        raise CacheError(f"cached network {path} has no checksum (written by another version)")
    if str(stored) != arrays_digest(arrays):
        raise CacheError(f"cached network {path} does not match its checksum (corrupted)")
    return arrays


# -- structural invariants ---------------------------------------------------------------


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise CacheError(f"inconsistent arrays: {what}")


def _int(arrays, name: str, length: int | None = None) -> np.ndarray:
    array = arrays[name]
    _need(array.ndim == 1 and array.dtype.kind in "iu", f"{name} is not a 1-d integer array")
    if length is not None:
        _need(len(array) == length, f"{name} has {len(array)} values, expected {length}")
    return array


def _float(arrays, name: str, length: int) -> np.ndarray:
    array = arrays[name]
    _need(array.ndim == 1 and array.dtype.kind == "f", f"{name} is not a 1-d float array")
    _need(len(array) == length, f"{name} has {len(array)} values, expected {length}")
    _need(bool(np.isfinite(array).all()), f"{name} has non-finite values")
    return array


def _text(arrays, name: str, length: int) -> None:
    array = arrays[name]
    _need(array.ndim == 1 and array.dtype.kind == "U", f"{name} is not a 1-d text array")
    _need(len(array) == length, f"{name} has {len(array)} values, expected {length}")


def _ptr(arrays, name: str, rows: int, total: int) -> np.ndarray:
    """A CSR pointer: rows + 1 values from 0, never decreasing, ending at ``total``."""
    ptr = _int(arrays, name, rows + 1)
    _need(ptr[0] == 0 and ptr[-1] == total, f"{name} does not run from 0 to {total}")
    _need(bool((np.diff(ptr) >= 0).all()), f"{name} decreases")
    return ptr


def _in_range(array: np.ndarray, name: str, upper: int) -> None:
    _need(len(array) == 0 or (int(array.min()) >= 0 and int(array.max()) < upper), f"{name} outside [0, {upper})")


def check_street_arrays(arrays: dict[str, np.ndarray]) -> None:
    """:class:`CacheError` unless the arrays form a valid street network (CSR graph)."""
    try:
        n = len(_int(arrays, "node_id"))
        for name in ("lon", "lat", "x", "y"):
            _float(arrays, name, n)
        _need(bool((np.abs(arrays["lon"]) <= 180).all() and (np.abs(arrays["lat"]) <= 90).all()), "lon/lat range")
        m = len(_int(arrays, "indices"))
        _ptr(arrays, "indptr", n, m)
        _in_range(arrays["indices"], "indices", n)
        travel_s = _int(arrays, "travel_s", m)
        _need(len(travel_s) == 0 or int(travel_s.min()) >= 0, "negative travel_s")
        length_m = _float(arrays, "length_m", m)
        _need(len(length_m) == 0 or float(length_m.min()) >= 0, "negative length_m")
        _int(arrays, "way_id", m)
        _need(arrays["mode"].shape == () and str(arrays["mode"]) in MODES, "mode")
        _float(arrays, "meta", 3)
    except KeyError as exc:
        raise CacheError(f"inconsistent arrays: {exc.args[0]} missing") from None


def check_transit_arrays(arrays: dict[str, np.ndarray]) -> None:
    """:class:`CacheError` unless the arrays form a valid transit network (RAPTOR arrays)."""
    try:
        n_stops = len(arrays["stop_id"])
        _text(arrays, "stop_id", n_stops)
        _text(arrays, "stop_name", n_stops)
        _float(arrays, "stop_lon", n_stops)
        _float(arrays, "stop_lat", n_stops)
        _int(arrays, "stop_board_penalty_s", n_stops)
        n_routes = len(arrays["route_id"])
        _text(arrays, "route_id", n_routes)
        _text(arrays, "route_name", n_routes)
        _int(arrays, "route_type", n_routes)
        n_patterns = len(_int(arrays, "pattern_route"))
        _in_range(arrays["pattern_route"], "pattern_route", n_routes)
        _int(arrays, "board_penalty_s", n_patterns)
        _int(arrays, "alight_penalty_s", n_patterns)
        stops_ptr = _ptr(arrays, "pattern_stop_ptr", n_patterns, len(_int(arrays, "pattern_stops")))
        _in_range(arrays["pattern_stops"], "pattern_stops", n_stops)
        n_trips = len(arrays["trip_id"])
        _text(arrays, "trip_id", n_trips)
        trips_ptr = _ptr(arrays, "pattern_trip_ptr", n_patterns, n_trips)
        n_times = len(_int(arrays, "arrival_s"))
        _int(arrays, "departure_s", n_times)
        time_ptr = _ptr(arrays, "pattern_time_ptr", n_patterns, n_times)
        _need(
            bool((np.diff(time_ptr) == np.diff(stops_ptr) * np.diff(trips_ptr)).all()),
            "pattern_time_ptr is not stops x trips per pattern",
        )
        n_entries = len(_int(arrays, "stop_pattern"))
        _ptr(arrays, "stop_pattern_ptr", n_stops, n_entries)
        _in_range(arrays["stop_pattern"], "stop_pattern", n_patterns)
        position = _int(arrays, "stop_pattern_pos", n_entries)
        if n_entries:
            _need(int(position.min()) >= 0, "negative stop_pattern_pos")
            _need(
                bool((position < np.diff(stops_ptr)[arrays["stop_pattern"]]).all()), "stop_pattern_pos past a pattern"
            )
        n_transfers = len(_int(arrays, "transfer_to"))
        _ptr(arrays, "transfer_ptr", n_stops, n_transfers)
        _in_range(arrays["transfer_to"], "transfer_to", n_stops)
        transfer_s = _int(arrays, "transfer_s", n_transfers)
        _need(n_transfers == 0 or int(transfer_s.min()) >= 0, "negative transfer_s")
        _need(arrays["service_date"].shape == (), "service_date")
    except KeyError as exc:
        raise CacheError(f"inconsistent arrays: {exc.args[0]} missing") from None


# -- the cache as the builders use it ---------------------------------------------------------


def load_cached(
    path: Path, build: Callable[[dict[str, np.ndarray]], T], check: Callable[[dict[str, np.ndarray]], None]
) -> T | None:
    """The object ``build`` makes from the cache entry at ``path``, or ``None`` when there
    is none or it fails its checksum / ``check`` (then it is deleted, with a
    :class:`CacheWarning`, so the caller rebuilds and overwrites it)."""
    if not path.exists():
        return None
    try:
        arrays = load_arrays(path)
        check(arrays)
        return build(arrays)
    except (CacheError, KeyError, ValueError, TypeError, IndexError) as exc:
        why = str(exc).removeprefix(f"cached network {path} ")
        warnings.warn(f"cached network {path.name} discarded and rebuilt: {why}", CacheWarning, stacklevel=2)
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only cache: the rebuilt network is simply not saved either
        return None


def store_cached(path: Path, arrays: dict[str, np.ndarray]) -> bool:
    """Save a cache entry; ``False`` with a :class:`CacheWarning` when the cache folder
    cannot take it (the network built in memory is still used)."""
    try:
        save_arrays(path, arrays)
    except (OutputError, OSError) as exc:
        warnings.warn(f"network not cached ({exc}); it will be rebuilt next time", CacheWarning, stacklevel=2)
        return False
    return True
