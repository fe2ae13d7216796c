"""travel_times: origins x destinations for any mode (street modes or transit)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_MODE, DEFAULT_PERCENTILES, DEFAULT_WINDOW_MIN
from access.errors import ExtentWarning, InputError
from access.network.multimodal import Network
from access.routing.inbound import inbound_street_travel_times, inbound_transit_travel_times
from access.routing.scale import travel_time_matrix
from access.routing.street import note, street_travel_times
from access.routing.transit import check_time_options
from access.routing.transit_matrix import (
    check_percentiles,
    percentile_columns,
    transit_travel_times,
    window_percentiles,
)

__all__ = ["travel_times", "check_percentiles", "percentile_columns", "window_percentiles"]


def travel_times(
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
    progress: bool = False,
    arrive_by=None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    out=None,
    n_workers: int | None = None,
    rounded: bool = True,
) -> pd.DataFrame:
    """Travel times from every origin to every destination, in minutes.

    Parameters
    ----------
    network
        A :class:`access.Network`.
    origins, destinations
        Points in EPSG:4326 (GeoDataFrame with ``id``, DataFrame with lon/lat, tuples,
        arrays). Destinations default to the origins.
    mode
        ``"walk"``, ``"bike"``, ``"car"`` or ``"transit"`` (scheduled transit and rail
        with ``access_mode`` to the first stop and walking egress; a direct walk counts).
    max_time_min
        Budget in minutes (no 120-minute ceiling); longer trips are NaN.
    departure, window_min, percentiles
        Transit only: departures every minute from ``departure`` (``"07:00"`` or
        ``"2019-05-13T07:00"``) over ``window_min`` minutes; the travel time reported is
        each percentile of the per-minute travel times (waiting at the origin included).
    arrive_by
        Instead of ``departure``: arrive at each destination by every minute of the
        ``window_min`` window ending at ``arrive_by`` (``"09:00"``; window 30 → deadlines
        08:31 … 09:00). Transit: reverse range-RAPTOR, travel time = deadline − latest
        departure (waiting at the destination included), walking access only. Street
        modes do not depend on the clock: same times, computed on the reverse graph.
    scheduler, batch_size, out, n_workers, rounded
        Any of the first three given: run in batches of origins via
        :func:`access.routing.scale.travel_time_matrix` (``"processes"``, dask ``"local"``
        or ``"tcp://host:port"`` with ``n_workers`` workers; ``out`` a ``.parquet`` path
        to stream to, then returned). The file is rounded for people like every file the
        package writes (minutes up to the next 0.1); ``rounded=False`` keeps full precision.

    Returns
    -------
    DataFrame ``from_id``, ``to_id`` and ``travel_time_min`` (or ``travel_time_p{NN}_min``
    per percentile), origin-major order; NaN where not reachable.
    """
    if arrive_by is not None:
        check_time_options(departure, arrive_by)
        if scheduler is not None or batch_size is not None or out is not None:
            raise InputError("arrive_by runs in this process: drop scheduler/batch_size/out.")
        street, transit, what = inbound_street_travel_times, inbound_transit_travel_times, "destinations"
        clock = {"arrive_by": arrive_by}
    elif scheduler is not None or batch_size is not None or out is not None:
        return travel_time_matrix(
            network,
            origins,
            destinations,
            mode=mode,
            max_time_min=max_time_min,
            departure=departure,
            window_min=window_min,
            percentiles=percentiles,
            access_mode=access_mode,
            progress=progress,
            scheduler=scheduler,
            batch_size=batch_size,
            out=out,
            rounded=rounded,
            n_workers=n_workers,
        )
    else:
        street, transit, what = street_travel_times, transit_travel_times, "origins"
        clock = {"departure": departure}
    if mode != "transit":
        table = street(network, origins, destinations, mode=mode, max_time_min=max_time_min, progress=progress)
    else:
        table = transit(
            network,
            origins,
            destinations,
            max_time_min=max_time_min,
            window_min=window_min,
            percentiles=percentiles,
            access_mode=access_mode,
            progress=progress,
            **clock,
        )
    return _said_extent(table, mode, max_time_min, what)


def _said_extent(table: pd.DataFrame, mode: str, max_time_min: float, what: str) -> pd.DataFrame:
    """``table``, after an :class:`ExtentWarning` (and a note, see :func:`collect_notes`)
    naming the points in ``table.attrs["truncated_by_extent"]``, if any."""
    cut = table.attrs.get("truncated_by_extent") or []
    if cut:
        how = {"transit": "by transit or on foot", "walk": "on foot"}.get(mode, f"by {mode}")
        who = f"{len(cut)} {what} reach" if len(cut) > 1 else f"1 of the {what} reaches"
        note(
            f"{who} the edge of the street data {how} within the {max_time_min:g}-min budget "
            f"(first: id {cut[0]}): places beyond the extract are missing from their results (NaN), "
            "not out of reach (table.attrs['truncated_by_extent']); use a larger extract to include them.",
            ExtentWarning,
            stacklevel=3,
        )
    return table
