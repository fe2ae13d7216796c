"""`access compare-engines`: the same query on two engines, with agreement statistics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._options import STREET_BUILD, NetworkOptions, Use, grouped
from access.errors import InputError

__all__ = ["compare_engines"]

# each engine builds its own network from the same OSM extract and feeds
EngineInputs = Annotated[NetworkOptions, Use(omit=("bbox", "rail_spec", "service_date", "cache_dir", *STREET_BUILD))]


@app.command("compare-engines")
@friendly
@grouped
def compare_engines(
    *,
    network: EngineInputs,
    origins: Annotated[Path, typer.Option(help="CSV id,lon,lat or GeoJSON/GPKG/GeoParquet points.")],
    destinations: Annotated[Path | None, typer.Option(help="Default: the origins.")] = None,
    engine_a: Annotated[str, typer.Option(help="native or r5.")] = "native",
    engine_b: Annotated[str, typer.Option(help="native or r5.")] = "r5",
    modes: Annotated[str, typer.Option(help="r5py transport modes, e.g. TRANSIT,WALK or CAR.")] = "TRANSIT,WALK",
    departure: Annotated[str, typer.Option(help="ISO datetime, e.g. 2019-05-13T14:00.")] = "2019-05-13T14:00",
    window: Annotated[float, typer.Option(help="Departure window in minutes (r5py default 10).")] = 10,
    max_time: Annotated[float, typer.Option(help="Maximum trip duration in minutes (r5py default 120).")] = 120,
) -> None:
    """Run one r5py-style travel-time query on two engines and print how well they agree."""
    # start-up: the library loads when the command runs, not for --help
    from access.engines import agreement, engine_travel_times
    from access.io.tables import read_points

    try:
        start = dt.datetime.fromisoformat(departure)
    except ValueError:
        raise InputError(f"departure {departure!r} is not an ISO datetime like 2019-05-13T14:00.") from None
    origin_points = read_points(origins)
    dest_points = read_points(destinations) if destinations is not None else origin_points
    query = {
        "departure": start,
        "departure_time_window": dt.timedelta(minutes=window),
        "max_time": dt.timedelta(minutes=max_time),
        "transport_modes": [m.strip().upper() for m in modes.split(",") if m.strip()],
    }
    tables = [
        engine_travel_times(e, network.osm, network.gtfs or [], origin_points, dest_points, **query)
        for e in (engine_a, engine_b)
    ]
    stats = agreement(*tables)
    for key, value in stats.items():
        typer.echo(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
