"""Travel-time matrices at scale: batches of origins, in-process, on a process pool or on
dask.distributed, gathered into one DataFrame or streamed to Parquet."""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numba
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from access._cancel import checkpoint
from access.config import (
    DASK_CONNECT_TIMEOUT_S,
    DEFAULT_BATCH_CELLS,
    DEFAULT_MAX_TIME_MIN,
    DEFAULT_MODE,
    DEFAULT_PERCENTILES,
    DEFAULT_WINDOW_MIN,
)
from access.errors import InputError, OffNetworkWarning
from access.io.output import write_parquet_batches
from access.io.points import Points, as_points
from access.network.multimodal import Network
from access.routing.street import check_budget_min, long_table, snap, street_travel_times
from access.routing.transit import parse_departures, service_day
from access.routing.transit_matrix import check_percentiles, transit_summary, transit_travel_times

__all__ = ["travel_time_matrix", "SCHEDULERS"]

SCHEDULERS = ("processes", "local", "tcp://host:port")  # None: in-process (numba threads)
_BATCHES_PER_WORKER = 2  # parallel backends: enough batches to balance, few egress tables
_IN_FLIGHT_PER_WORKER = 2  # batches submitted ahead per worker: bounds results held at once
_ADDRESS = re.compile(r"^([a-z0-9+]+://)?[^\s/:]+:\d+$")


@dataclass(frozen=True)
class _Packed:
    """A Network as plain picklable parts (Network keeps its streets in a read-only
    mapping proxy, which does not pickle); derived indexes stay behind (networks pickle
    their fields only), workers rebuild what they use."""

    streets: dict
    source: dict
    transit: object
    transit_settings: object

    @classmethod
    def of(cls, network: Network) -> _Packed:
        return cls(dict(network.streets), dict(network.source), network.transit, network.transit_settings)

    def network(self) -> Network:
        return Network(
            streets=MappingProxyType(self.streets),
            source=self.source,
            transit=self.transit,
            transit_settings=self.transit_settings,
        )


def travel_time_matrix(
    network: Network,
    origins,
    destinations=None,
    *,
    mode: str = DEFAULT_MODE,
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    departure=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    access_mode: str = "walk",
    batch_size: int | None = None,
    out: str | Path | None = None,
    rounded: bool = True,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool = False,
    connect_timeout_s: float = DASK_CONNECT_TIMEOUT_S,
    **options,
) -> pd.DataFrame | Path:
    """Travel times from every origin to every destination, in batches of origins.

    Each batch runs :func:`access.travel_times` (same parameters, same result), so the
    result does not depend on the backend or the batch size.

    Parameters
    ----------
    network, origins, destinations, mode, max_time_min, departure, window_min, percentiles, access_mode
        As :func:`access.travel_times` (points in EPSG:4326, minutes); further keyword
        ``options`` are passed on to it.
    batch_size
        Origins per batch. Default: as many as keep one batch under
        :data:`access.config.DEFAULT_BATCH_CELLS` origin-destination pairs (~60 bytes
        each at the peak), and at least two batches per worker on parallel backends.
    out
        ``.parquet`` path: batches are streamed to a temporary file beside it (memory
        bounded by the batches in flight) that is renamed onto ``out`` at the end; an
        error or Ctrl-C leaves no file. ``None``: return one DataFrame.
    rounded
        With ``out``: the file's numbers are rounded for people, as every file the package
        writes (:func:`access.io.output.write_table`; minutes up to the next 0.1), and
        read back equal to the returned DataFrame written by ``write_table``. ``False``:
        full precision, equal to the returned DataFrame. Without ``out`` the result is
        never rounded.
    scheduler
        ``None``: in this process (numba threads over all cores). ``"processes"``: a pool
        of ``n_workers`` processes, each given the network once. ``"local"``: a dask
        ``LocalCluster`` of ``n_workers`` single-threaded workers. ``"tcp://host:port"``:
        an existing dask scheduler (workers need ``access`` installed); the network is
        scattered to every worker once.
    n_workers
        Worker processes for ``"processes"`` / ``"local"`` (default: CPU count).
    connect_timeout_s
        Seconds to wait for a dask scheduler address before :class:`InputError`.

    Returns
    -------
    DataFrame ``from_id``, ``to_id``, ``travel_time_min`` (or ``travel_time_p{NN}_min``),
    origin-major, NaN where unreachable; or the Parquet path when ``out`` is given.
    """
    query = {
        "mode": mode,
        "max_time_min": max_time_min,
        "departure": departure,
        "window_min": window_min,
        "percentiles": tuple(percentiles),
        "access_mode": access_mode,
        **options,
    }
    _check_query(network, query)
    if mode == "transit":  # a dated departure routes that day: resolve it before shipping the network
        network = network.on_date(parse_departures(departure, window_min).date)
    out_path = _check_out(out)
    same = destinations is None
    origins = as_points(origins, what="origins")
    destinations = origins if same else as_points(destinations, what="destinations")
    _warn_off_network(network, mode, origins, None if same else destinations)
    workers = _workers(scheduler, n_workers)
    size = _batch_size(batch_size, len(origins), len(destinations), workers if scheduler else 1)
    batches = [origins.take(slice(i, i + size)) for i in range(0, len(origins), size)]
    bar = tqdm(total=len(origins), desc=f"{mode} matrix", unit="origin", disable=not progress)
    try:
        with _backend(scheduler, workers, network, destinations, connect_timeout_s) as submit:
            ahead = _IN_FLIGHT_PER_WORKER * workers if scheduler else 1
            results = _ordered(submit, [(batch, query) for batch in batches], ahead)
            result = _collect(_counted(results, bar, len(destinations)), out_path, rounded)
    finally:
        bar.close()
    if mode == "transit" and isinstance(result, pd.DataFrame):  # batches' attrs do not survive concat
        result.attrs.update(service_day(network.transit, parse_departures(departure, window_min)))
        result.attrs["transit_share"] = transit_summary(result)
    return result


def _check_query(network: Network, query: dict) -> None:
    """Fail before any worker starts: unknown modes, budgets, percentiles, departures."""
    check_budget_min(query["max_time_min"])
    if query["mode"] == "transit":
        network.require_transit()
        network.street("walk")
        check_percentiles(query["percentiles"])
        parse_departures(query["departure"], query["window_min"])  # a readable departure and window
    else:
        network.street(query["mode"])


def _check_out(out: str | Path | None) -> Path | None:
    if out is None:
        return None
    path = Path(out)
    if path.suffix.lower() != ".parquet":
        raise InputError(f"cannot stream a matrix to {path.name}: use a .parquet file (or out=None).")
    return path


def _warn_off_network(network: Network, mode: str, origins: Points, destinations: Points | None) -> None:
    """One off-network warning per point set here, instead of one per batch in workers
    (``destinations`` None: they are the origins)."""
    street = network.street("walk" if mode == "transit" else mode)
    snap(street, origins, what="origins")
    if destinations is not None:
        snap(street, destinations, what="destinations")


def _workers(scheduler: str | None, n_workers: int | None) -> int:
    if scheduler is None:
        return 1
    if scheduler not in ("processes", "local") and not _ADDRESS.match(str(scheduler)):
        raise InputError(
            f"unknown scheduler {scheduler!r}: use 'processes', 'local' (a dask LocalCluster) "
            "or a dask scheduler address like tcp://10.0.0.5:8786."
        )
    if n_workers is not None and n_workers < 1:
        raise InputError(f"n_workers must be at least 1, got {n_workers}.")
    return int(n_workers or os.cpu_count() or 1)


def _batch_size(batch_size: int | None, n_origins: int, n_destinations: int, workers: int) -> int:
    if batch_size is not None:
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1 origin, got {batch_size}.")
        return int(batch_size)
    by_memory = max(1, DEFAULT_BATCH_CELLS // max(n_destinations, 1))
    by_balance = math.ceil(n_origins / (_BATCHES_PER_WORKER * workers)) if workers > 1 else n_origins
    return max(1, min(by_memory, by_balance))


def _run(network: Network, origins: Points, destinations: Points, query: dict) -> pd.DataFrame:
    """One batch: the in-process matrix of a slice of the origins."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OffNetworkWarning)  # warned once by the caller
        if query["mode"] == "transit":
            return transit_travel_times(network, origins, destinations, progress=False, **_without(query, "mode"))
        clock = ("departure", "window_min", "percentiles", "access_mode")  # transit only
        return street_travel_times(network, origins, destinations, progress=False, **_without(query, *clock))


def _without(query: dict, *names: str) -> dict:
    return {k: v for k, v in query.items() if k not in names}


# --- process pool: each worker holds the network and destinations from its initializer
_WORKER: dict = {}


def _init_worker(packed: _Packed, destinations: Points, threads: int) -> None:
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    _WORKER.update(network=packed.network(), destinations=destinations)


def _pool_batch(origins: Points, query: dict) -> _Reached:
    return _Reached.of(_run(_WORKER["network"], origins, _WORKER["destinations"], query))


# --- dask: network and destinations scattered once, unpacked per task (cheap: no copies)
def _dask_batch(packed: _Packed, destinations: Points, origins: Points, query: dict, threads: int | None) -> _Reached:
    if threads is not None:
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    return _Reached.of(_run(packed.network(), origins, destinations, query))


_ID_COLUMNS = ("from_id", "to_id")


@dataclass(frozen=True)
class _Reached:
    """A batch's long table as a worker sends it back: the reached pairs only.

    The long table has a row for every origin x destination pair, NaN where the budget ends,
    and within a budget most pairs of a large region are unreached (99.7 % of a 60-min car
    matrix on the 1 M-node region): pickling it whole sent ~92 MB per 400-origin batch
    through dask's scheduler. This keeps the positions of the rows where any float column
    has a number (int32) and those columns' values there in their own dtype (so the
    rebuilt table is bit for bit the worker's); the ids are rebuilt by the caller, which
    holds the origins and destinations, with the same :func:`long_table`. Other columns
    (none today) travel whole.
    """

    n_rows: int
    positions: np.ndarray  # int32 (int64 past 2**31 rows): rows with any float value
    sparse: dict[str, np.ndarray]  # float columns at ``positions``
    dense: dict[str, np.ndarray]  # any other non-id column, every row
    columns: tuple[str, ...]  # the table's column order
    attrs: dict

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Reached:
        floats = [c for c in table.columns if c not in _ID_COLUMNS and pd.api.types.is_float_dtype(table[c].dtype)]
        others = [c for c in table.columns if c not in _ID_COLUMNS and c not in floats]
        reached = np.zeros(len(table), dtype=bool)
        for name in floats:
            reached |= table[name].notna().to_numpy()
        positions = np.flatnonzero(reached).astype(np.int32 if len(table) < 2**31 else np.int64)
        return cls(
            n_rows=len(table),
            positions=positions,
            sparse={name: table[name].to_numpy()[positions] for name in floats},
            dense={name: table[name].to_numpy() for name in others},
            columns=tuple(table.columns),
            attrs=dict(table.attrs),
        )

    def frame(self, origins: Points, destinations: Points) -> pd.DataFrame:
        """The batch's long table again (``origins``: the batch's, origin-major)."""
        table = long_table(origins.ids, destinations.ids, {})
        if len(table) != self.n_rows:
            raise AssertionError(f"a batch came back with {self.n_rows:,} rows for {len(table):,} pairs")
        for name in self.columns:
            if name in self.sparse:
                values = self.sparse[name]
                full = np.full(self.n_rows, np.nan, dtype=values.dtype)
                full[self.positions] = values
                table[name] = full
            elif name in self.dense:
                table[name] = self.dense[name]
        table = table[list(self.columns)]
        table.attrs.update(self.attrs)
        return table


class _Rebuilt:
    """The future of a worker's :class:`_Reached`, whose result is the full long table."""

    def __init__(self, future, origins: Points, destinations: Points) -> None:
        self.future, self.origins, self.destinations = future, origins, destinations

    def result(self) -> pd.DataFrame:
        return self.future.result().frame(self.origins, self.destinations)

    def cancel(self) -> bool:
        return self.future.cancel()


class _backend:
    """Context manager yielding ``submit((origins, query)) -> future`` for a scheduler;
    shuts down what it started (pools, LocalClusters) on exit, cancelling pending work."""

    def __init__(self, scheduler, workers, network, destinations, timeout_s) -> None:
        self.scheduler, self.workers, self.network = scheduler, workers, network
        self.destinations, self.timeout_s = destinations, timeout_s
        self.closers: list[Callable[[], None]] = []

    def __enter__(self) -> Callable:
        try:
            return self._start()
        except BaseException:
            self.__exit__()  # __exit__ is not called when __enter__ fails: close what started
            raise

    def _start(self) -> Callable:
        if self.scheduler is None:
            return lambda job: _Lazy(_run, self.network, job[0], self.destinations, job[1])
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        if self.scheduler == "processes":
            # spawn, not fork: the parent may already run numba's worker threads
            pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(_Packed.of(self.network), self.destinations, threads),
            )
            self.closers.append(lambda: pool.shutdown(wait=True, cancel_futures=True))
            return lambda job: _Rebuilt(pool.submit(_pool_batch, *job), job[0], self.destinations)
        client = self._client()
        packed = client.scatter(_Packed.of(self.network), broadcast=True)
        dests = client.scatter(self.destinations, broadcast=True)
        per_task = threads if self.scheduler == "local" else None
        return lambda job: _Rebuilt(
            client.submit(_dask_batch, packed, dests, job[0], job[1], per_task, pure=False), job[0], self.destinations
        )

    def _client(self):
        try:  # start-up: dask.distributed is an optional extra
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                f"scheduler {self.scheduler!r} needs dask.distributed: pip install 'commuting-circles[dask]'."
            ) from None

        if self.scheduler == "local":
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            self.closers.append(cluster.close)
            client = Client(cluster)
        else:
            try:
                client = Client(self.scheduler, timeout=self.timeout_s)
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"no dask scheduler answered at {self.scheduler} within {self.timeout_s:g} s ({exc}); "
                    "start one with `dask scheduler` and `dask worker ADDRESS`, or use scheduler 'local'."
                ) from None
        self.closers.insert(0, client.close)
        return client

    def __exit__(self, *exc) -> None:
        for close in self.closers:
            close()


class _Lazy:
    """In-process work with the future interface of the other backends, run when its
    result is asked for (so only the batch being consumed is in memory)."""

    def __init__(self, function: Callable, *args) -> None:
        self.function, self.args = function, args

    def result(self):
        return self.function(*self.args)

    def cancel(self) -> bool:
        return False


def _ordered(submit: Callable, jobs: Iterable, in_flight: int) -> Iterator[pd.DataFrame]:
    """Results of ``jobs`` in submission order, with at most ``in_flight`` submitted and
    not yet consumed (so memory holds a bounded number of batch results)."""
    todo = iter(jobs)
    pending: deque = deque()
    try:
        for job in todo:
            pending.append(submit(job))
            if len(pending) >= in_flight:
                break
        while pending:
            result = pending.popleft().result()
            job = next(todo, None)
            if job is not None:
                pending.append(submit(job))
            yield result
    finally:
        for future in pending:
            future.cancel()


def _counted(results: Iterator[pd.DataFrame], bar: tqdm, n_dest: int) -> Iterator[pd.DataFrame]:
    for frame in results:
        checkpoint()
        bar.update(len(frame) // n_dest)
        yield frame


def _collect(results: Iterator[pd.DataFrame], out: Path | None, rounded: bool) -> pd.DataFrame | Path:
    """One DataFrame, or every batch appended to a Parquet file written atomically."""
    if out is None:
        return pd.concat(list(results), ignore_index=True)
    return write_parquet_batches(results, out, rounded=rounded)
