"""The ``access`` command: build networks, isochrones, travel times, the sample region."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._errors import check_outputs, friendly, run_console, set_debug
from access.config import DEFAULT_CUTOFFS_MIN, DEFAULT_MAX_TIME_MIN, DEFAULT_WINDOW_MIN

__all__ = ["app", "main", "friendly"]

app = typer.Typer(
    name="access",
    help="Commuting circles: isochrones and travel times on OSM road networks (offline).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks (and warnings as they happen) instead of one line.")
    ] = False,
) -> None:
    """Commuting circles: isochrones and travel times on OSM road networks (offline)."""
    set_debug(debug)


Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summaries.")]
Osm = Annotated[Path, typer.Option("--osm", help="OSM extract: .osm.pbf or .osm (XML).")]
Bbox = Annotated[
    tuple[float, float, float, float] | None,
    typer.Option(help="Clip to MIN_LON MIN_LAT MAX_LON MAX_LAT (EPSG:4326).", show_default=False),
]
CacheDir = Annotated[Path | None, typer.Option(help="Network cache folder.", show_default=False)]
Elevation = Annotated[
    Path | None,
    typer.Option(help="GeoTIFF elevation model (metres): walk and bike times follow slopes.", show_default=False),
]
Speeds = Annotated[
    Path | None,
    typer.Option(
        help="Car speeds by highway class: CSV highway,kmh or YAML/JSON (default: the data's country).",
        show_default=False,
    ),
]
CarSpeed = Annotated[
    list[str] | None,
    typer.Option("--car-speed", help="Override one class: highway=kmh (repeatable).", show_default=False),
]


def _street_settings(speeds, car_speed):
    """StreetSettings from --speeds FILE / --car-speed highway=kmh (None: the defaults)."""
    if speeds is None and not car_speed:
        return None
    from access.config import StreetSettings
    from access.io.speeds import parse_speed_overrides, read_speed_table

    given = {"car_speeds_kmh": read_speed_table(speeds)} if speeds is not None else {}
    return StreetSettings(**given, car_speed_overrides_kmh=parse_speed_overrides(car_speed))


Gtfs = Annotated[list[Path] | None, typer.Option("--gtfs", help="GTFS feed (.zip or folder); repeat for several.")]
RailSpecs = Annotated[list[Path] | None, typer.Option("--rail-spec", help="Rail line spec YAML; repeatable.")]
ServiceDate = Annotated[
    str | None,
    typer.Option(help="Timetable day YYYY-MM-DD of undated departures (default: the feeds' typical weekday)."),
]
Departure = Annotated[str | None, typer.Option(help="Transit: first departure, 07:00 or 2019-05-13T07:00.")]
Window = Annotated[float, typer.Option("--window", help="Transit: departure window in minutes (one per minute).")]
AccessMode = Annotated[str, typer.Option(help="Transit: walk, bike or car (park-and-ride) to the first stop.")]
ParkRide = Annotated[
    str | None,
    typer.Option(
        "--park-ride",
        help="Transit with --access-mode car: where cars may park, 'any' stop or STOP,STOP (ids or names); "
        "default: the data's car parks (OSM park_ride, GTFS parking, rail-spec stations).",
        show_default=False,
    ),
]
MaxWalk = Annotated[
    float | None,
    typer.Option("--max-walk", help="Transit: longest walk-only trip in minutes (default 60).", show_default=False),
]
ArriveBy = Annotated[
    str | None,
    typer.Option(
        help="Arrive by this time (09:00 or 2019-05-13T09:00) instead of departing: inbound trips; "
        "transit deadlines every minute of --window ending here.",
        show_default=False,
    ),
]


def _parse_cutoffs(values: list[str] | None, extra: list[str]) -> list[float]:
    """Cutoffs from ``--cutoffs 60 120``, ``--cutoffs 60,120`` or repeated options."""
    tokens = [t for v in (values or []) for t in v.replace(",", " ").split()] + list(extra)
    if not tokens:
        return list(DEFAULT_CUTOFFS_MIN)
    try:
        return [float(t) for t in tokens]
    except ValueError:
        from access.errors import InputError

        raise InputError(f"cutoffs must be minutes, got {' '.join(tokens)!r}.") from None


def _modes(value: str) -> tuple[str, ...]:
    return tuple(m.strip() for m in value.replace(",", " ").split() if m.strip())


def _transit_options(network, park_ride: str | None, max_walk: float | None):
    """The network with the query-time transit options of --park-ride / --max-walk."""
    changes: dict = {}
    if park_ride is not None:
        names = [p.strip() for p in park_ride.split(",") if p.strip()]
        changes["park_ride_stops"] = "any" if names == ["any"] else names
    if max_walk is not None:
        changes["max_walk_min"] = max_walk
    return network.with_transit_settings(**changes) if changes and network.transit is not None else network


def _network(
    osm,
    modes,
    *,
    bbox,
    cache_dir,
    quiet,
    gtfs=None,
    rail_specs=None,
    service_date=None,
    moment=None,
    elevation=None,
    speeds=None,
    car_speed=None,
):
    """Build or load the network; transit needs --gtfs or --rail-spec. A dated departure
    (``moment``) is the service date: the network is built for that day only."""
    from access.errors import InputError
    from access.network.multimodal import build_network
    from access.routing.transit import date_of

    dated = date_of(moment) if "transit" in modes else None
    if dated is not None and service_date is not None and str(dated) != str(service_date):
        raise InputError(
            f"--service-date {service_date} and the departure's date {dated} differ: a dated departure is the "
            "service date; drop one."
        )
    service_date = service_date if dated is None else str(dated)

    street_modes = tuple(m for m in modes if m != "transit")
    if "transit" in modes:
        if not gtfs and not rail_specs:
            raise InputError("mode transit needs --gtfs FEED or --rail-spec LINE.yaml.")
        street_modes = ("walk", *street_modes)
    return build_network(
        osm,
        street_modes,
        bbox=bbox,
        cache_dir=cache_dir,
        progress=not quiet,
        gtfs=gtfs or (),
        rail_specs=rail_specs or (),
        service_date=service_date,
        elevation=elevation,
        settings=_street_settings(speeds, car_speed),
    )


@app.command()
@friendly
def build(
    osm: Osm,
    modes: Annotated[str, typer.Option(help="Comma-separated modes: walk, bike, car.")] = "walk,car",
    bbox: Bbox = None,
    gtfs: Gtfs = None,
    rail_spec: RailSpecs = None,
    service_date: ServiceDate = None,
    cache_dir: CacheDir = None,
    elevation: Elevation = None,
    speeds: Speeds = None,
    car_speed: CarSpeed = None,
    quiet: Quiet = False,
) -> None:
    """Build (or load from cache) street and transit networks and print their sizes."""
    from access.network import build_network

    network = build_network(
        osm,
        _modes(modes),
        bbox=bbox,
        cache_dir=cache_dir,
        progress=not quiet,
        gtfs=gtfs or (),
        rail_specs=rail_spec or (),
        service_date=service_date,
        elevation=elevation,
        settings=_street_settings(speeds, car_speed),
    )
    if not quiet:
        if "elevation" in network.source:
            typer.echo(f"elevation: {elevation} (walk: Tobler, bike: Minetti; car unchanged)")
        if "car_speeds" in network.source:
            from access.network._rules import CarSpeeds

            typer.echo(CarSpeeds.from_dict(network.source["car_speeds"]).describe())
        for mode, street in network.streets.items():
            typer.echo(f"{mode}: {street.n_nodes:,} nodes, {street.n_edges:,} edges, EPSG:{street.crs_epsg}")
        if network.transit is not None:
            typer.echo(f"transit: {network.transit!r}")
            for note in network.transit.warnings:
                typer.echo(f"  note: {note}")


@app.command(context_settings={"allow_extra_args": True})
@friendly
def isochrone(
    ctx: typer.Context,
    osm: Osm,
    out: Annotated[Path, typer.Option(help="Output: .geojson, .gpkg, .parquet, .csv or .png.")],
    lon: Annotated[float | None, typer.Option(help="Origin longitude (EPSG:4326).")] = None,
    lat: Annotated[float | None, typer.Option(help="Origin latitude (EPSG:4326).")] = None,
    origins: Annotated[Path | None, typer.Option(help="Many origins: CSV id,lon,lat or GeoJSON/GPKG.")] = None,
    mode: Annotated[str, typer.Option(help="walk, bike or car.")] = "car",
    cutoffs: Annotated[list[str] | None, typer.Option(help="Minutes, e.g. --cutoffs 60 120.")] = None,
    png: Annotated[Path | None, typer.Option(help="Also draw a PNG map here.")] = None,
    gtfs: Gtfs = None,
    rail_spec: RailSpecs = None,
    service_date: ServiceDate = None,
    departure: Departure = None,
    window: Window = DEFAULT_WINDOW_MIN,
    percentile: Annotated[float, typer.Option(help="Transit: percentile of the window's times.")] = 50,
    access_mode: AccessMode = "walk",
    park_ride: ParkRide = None,
    max_walk: MaxWalk = None,
    arrive_by: ArriveBy = None,
    output: Annotated[str, typer.Option("--output", help="polygons, or lines (reached streets by time).")] = "polygons",
    denoise: Annotated[float, typer.Option(help="Drop parts below this share (0..1) of the largest.")] = 0.0,
    generalize: Annotated[float, typer.Option(help="Simplify polygons by this tolerance in metres.")] = 0.0,
    resolution: Annotated[float | None, typer.Option(help="Grid cell in metres (default per mode).")] = None,
    raster: Annotated[Path | None, typer.Option(help="Also write the travel-time surface as GeoTIFF (.tif).")] = None,
    h3: Annotated[int | None, typer.Option(help="Write H3 cells (this resolution) with times to --out.")] = None,
    bbox: Bbox = None,
    cache_dir: CacheDir = None,
    elevation: Elevation = None,
    speeds: Speeds = None,
    car_speed: CarSpeed = None,
    quiet: Quiet = False,
) -> None:
    """Isochrones (areas reachable within each cutoff) from one point or many; with
    --arrive-by the areas from which the point is reached."""
    from access.errors import InputError
    from access.io.output import write_table
    from access.io.points import as_points, read_points
    from access.surfaces.isochrones import isochrones
    from access.viz import plot_isochrones

    cutoff_list = _parse_cutoffs(cutoffs, ctx.args)
    check_outputs(out, png, raster)
    if origins is not None:
        points = read_points(origins)
    elif lon is not None and lat is not None:
        points = as_points((lon, lat)).to_frame()
    else:
        raise InputError("give an origin: --lon X --lat Y, or --origins FILE.")
    suffix = out.suffix.lower()
    if suffix != ".png":
        from access.io.output import TABLE_SUFFIXES

        if suffix not in TABLE_SUFFIXES:
            raise InputError(f"cannot write {out.name}: use .geojson, .gpkg, .parquet, .csv or .png.")
    modes = (mode, access_mode) if mode == "transit" and access_mode != "walk" else (mode,)
    network = _network(
        osm,
        modes,
        bbox=bbox,
        cache_dir=cache_dir,
        quiet=quiet,
        gtfs=gtfs,
        rail_specs=rail_spec,
        service_date=service_date,
        moment=departure or arrive_by,
        elevation=elevation,
        speeds=speeds,
        car_speed=car_speed,
    )
    network = _transit_options(network, park_ride, max_walk)
    times = {
        "mode": mode,
        "departure": departure,
        "arrive_by": arrive_by,
        "window_min": window,
        "percentile": percentile,
        "access_mode": access_mode,
        "resolution_m": resolution,
    }
    if raster is not None or h3 is not None:
        _surface_outputs(network, points, times, max(cutoff_list), raster, h3, out if h3 is not None else None, quiet)
        if h3 is not None:
            return
    result = isochrones(
        network,
        points,
        cutoffs_min=cutoff_list,
        progress=not quiet,
        output=output,
        denoise=denoise,
        generalize=generalize,
        **times,
    )
    base = network.street("walk" if mode == "transit" else mode)
    for target in [p for p in (out if suffix == ".png" else None, png) if p is not None]:
        plot_isochrones(result, base, target, origins=points, title=f"{mode} isochrones")
    if suffix != ".png":
        write_table(result, out)
    if not quiet:
        if mode == "transit" and "service_date" in result.attrs:
            from access.routing.transit import describe_service_day

            typer.echo(f"transit: {describe_service_day(result.attrs)}", err=True)
        for row in result.itertuples() if output == "polygons" else ():
            walked = " (walking only: no vehicle boarded)" if getattr(row, "transit_used", True) is False else ""
            typer.echo(f"origin {row.origin_id}: {row.cutoff_min} min -> {row.area_km2:,.1f} km2{walked}", err=True)
        typer.echo(f"wrote {out}", err=True)


def _surface_outputs(network, points, times, max_time_min, raster, h3, h3_out, quiet) -> None:
    """Travel-time surface outputs of ``access isochrone``: a GeoTIFF and/or H3 cells."""
    import pandas as pd

    from access.errors import InputError
    from access.io.output import write_table
    from access.surfaces.outputs import surface_h3_cells, travel_time_surface, write_travel_time_raster

    if raster is not None and len(points) != 1:
        raise InputError(f"--raster takes one origin (got {len(points)}); use --lon/--lat.")
    cells = []
    for k in range(len(points)):
        surface = travel_time_surface(network, points.iloc[[k]], max_time_min=max_time_min, **times)
        if raster is not None:
            write_travel_time_raster(surface, raster)
            if not quiet:
                typer.echo(
                    f"wrote {raster} ({surface.minutes.shape[1]} x {surface.minutes.shape[0]} "
                    f"cells of {surface.cell_m:.0f} m, EPSG:{surface.crs_epsg})",
                    err=True,
                )
        if h3 is not None:
            frame = surface_h3_cells(surface, h3)
            frame.insert(0, "origin_id", points["id"].iloc[k])
            cells.append(frame)
    if h3 is not None:
        if h3_out.suffix.lower() == ".png":
            raise InputError("--h3 writes a table: give --out cells.geojson (or .gpkg, .parquet, .csv).")
        write_table(pd.concat(cells, ignore_index=True), h3_out)
        if not quiet:
            typer.echo(f"wrote {h3_out}: {sum(len(c) for c in cells):,} H3 cells at resolution {h3}", err=True)


@app.command("travel-times")
@friendly
def travel_times_command(
    osm: Osm,
    origins: Annotated[Path, typer.Option(help="CSV id,lon,lat or GeoJSON/GPKG/GeoParquet points.")],
    out: Annotated[Path, typer.Option(help="Output: .csv or .parquet.")],
    destinations: Annotated[Path | None, typer.Option(help="Default: the origins.")] = None,
    mode: Annotated[str, typer.Option(help="walk, bike or car.")] = "walk",
    max_time: Annotated[float, typer.Option(help="Budget in minutes (no 120 ceiling).")] = DEFAULT_MAX_TIME_MIN,
    gtfs: Gtfs = None,
    rail_spec: RailSpecs = None,
    service_date: ServiceDate = None,
    departure: Departure = None,
    window: Window = DEFAULT_WINDOW_MIN,
    percentiles: Annotated[str, typer.Option(help="Transit: comma-separated percentiles, e.g. 25,50,75.")] = "50",
    access_mode: AccessMode = "walk",
    park_ride: ParkRide = None,
    max_walk: MaxWalk = None,
    arrive_by: ArriveBy = None,
    bbox: Bbox = None,
    cache_dir: CacheDir = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run in batches: processes, local (dask LocalCluster) or a dask address tcp://host:port."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Origins per batch (default: bounded memory, 2 batches per worker).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes for processes / local (default: CPU count).")
    ] = None,
    elevation: Elevation = None,
    speeds: Speeds = None,
    car_speed: CarSpeed = None,
    quiet: Quiet = False,
) -> None:
    """Travel-time matrix (from_id, to_id, travel_time_min) between points; with
    --scheduler or --batch-size a .parquet output is streamed batch by batch."""
    from access.errors import InputError
    from access.io.output import write_table
    from access.io.points import read_points
    from access.routing.matrix import travel_times

    if out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"cannot write {out.name}: use .csv or .parquet.")
    check_outputs(out)
    origin_points = read_points(origins)
    dest_points = read_points(destinations) if destinations is not None else None
    try:
        pct = [float(p) for p in percentiles.replace(",", " ").split()]
    except ValueError:
        raise InputError(f"percentiles must be numbers, got {percentiles!r}.") from None
    modes = (mode, access_mode) if mode == "transit" and access_mode != "walk" else (mode,)
    network = _network(
        osm,
        modes,
        bbox=bbox,
        cache_dir=cache_dir,
        quiet=quiet,
        gtfs=gtfs,
        rail_specs=rail_spec,
        service_date=service_date,
        moment=departure or arrive_by,
        elevation=elevation,
        speeds=speeds,
        car_speed=car_speed,
    )
    network = _transit_options(network, park_ride, max_walk)
    query = {
        "mode": mode,
        "max_time_min": max_time,
        "progress": not quiet,
        "departure": departure,
        "window_min": window,
        "percentiles": pct,
        "access_mode": access_mode,
    }
    if arrive_by is not None:
        if scheduler is not None or batch_size is not None or workers is not None:
            raise InputError("--arrive-by runs in one process: drop --scheduler/--batch-size/--workers.")
        query["arrive_by"] = arrive_by
    if scheduler is not None or batch_size is not None or workers is not None:
        from access.routing.scale import travel_time_matrix

        stream = out.suffix.lower() == ".parquet"
        if scheduler is None and workers is not None:
            scheduler = "processes"
        result = travel_time_matrix(
            network,
            origin_points,
            dest_points,
            scheduler=scheduler,
            n_workers=workers,
            batch_size=batch_size,
            out=out if stream else None,
            **query,
        )
        if stream and not quiet:
            import pyarrow.parquet as pq

            result = pq.read_table(out, columns=[pq.read_schema(out).names[2]]).to_pandas()
        elif not stream:
            write_table(result, out)
    else:
        result = travel_times(network, origin_points, dest_points, **query)
        write_table(result, out)
    if not quiet:
        reached = result[[c for c in result.columns if c.startswith("travel_time")][0]].notna().mean()
        typer.echo(f"wrote {out}: {len(result):,} pairs, {reached:.1%} reached within {max_time:g} min", err=True)
        if mode == "transit" and "service_date" in result.attrs:
            from access.routing.transit import describe_service_day, describe_transit_share

            typer.echo(f"transit: {describe_service_day(result.attrs)}", err=True)
            if "transit_share" in result.attrs:
                typer.echo(f"transit: {describe_transit_share(result.attrs['transit_share'])}", err=True)


@app.command()
@friendly
def sample(
    out: Annotated[Path, typer.Option(help="Folder for the sample region files.")] = Path("outputs/sample"),
    quiet: Quiet = False,
) -> None:
    """Write the built-in fictional city-cluster sample region (OSM PBF + places)."""
    from access.sample import write_sample_region
    from access.sample.transit import write_sample_transit

    check_outputs(folders=[out])
    region = write_sample_region(out)
    transit = write_sample_transit(region, out)
    if not quiet:
        typer.echo(f"wrote {region.osm_pbf}, {region.places_csv}")
        for path in transit.values():
            typer.echo(f"wrote {path}")


rail_spec_app = typer.Typer(help="Rail line specs (planned HSR / intercity lines in YAML).", no_args_is_help=True)
app.add_typer(rail_spec_app, name="rail-spec")


@rail_spec_app.command("to-gtfs")
@friendly
def rail_spec_to_gtfs_command(
    spec: Annotated[Path, typer.Argument(help="Rail spec YAML.")],
    out: Annotated[Path, typer.Argument(help="GTFS zip to write.")],
    quiet: Quiet = False,
) -> None:
    """Convert a rail line spec to a GTFS zip (daily service over its date range)."""
    from access.io.rail_spec import read_rail_spec, spec_trip_minutes, write_rail_spec_gtfs

    check_outputs(out)
    parsed = read_rail_spec(spec)
    write_rail_spec_gtfs(parsed, out)
    if not quiet:
        typer.echo(
            f"wrote {out}: {parsed.line}, {len(parsed.stations)} stations, "
            f"{spec_trip_minutes(parsed, (parsed.patterns or [None])[0].name if parsed.patterns else 'all'):.0f} min end to end"
        )


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option(help="Folder for every demo output.")] = Path("outputs"),
    quiet: Quiet = False,
) -> None:
    """Run the main job on the built-in sample region; results land in --out."""
    from access.demo import run_demo

    check_outputs(folders=[out])
    run_demo(out, progress=not quiet)


def main() -> None:
    """Console-script entry point: every error on one line (``access.cli._errors``)."""
    run_console(app)


def register_commands() -> None:
    """Import the command modules of :mod:`access.cli`; each registers its commands on ``app``."""
    import importlib

    for module in _COMMAND_MODULES:
        importlib.import_module(f"access.cli.{module}")


_COMMAND_MODULES = ("accessibility", "china", "china_rail", "circles", "cluster", "engines", "scenarios", "serve")
