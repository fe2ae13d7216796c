"""``access build``, ``access isochrone`` and ``access travel-times``: networks and routing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import (
    Cutoffs,
    Mode,
    NetworkOptions,
    TransitOptions,
    Use,
    grouped,
    parse_cutoffs,
    parse_modes,
)
from access.config import DEFAULT_MAX_TIME_MIN, DEFAULT_MODE
from access.errors import InputError

__all__ = ["build", "isochrone", "travel_times_command"]

# isochrones and travel times answer either departing or arriving, with every transit option
_MATRIX_TRANSIT = Use(omit=("percentile",), add=("percentiles", "park_ride", "max_walk"))
_ISOCHRONE_TRANSIT = Use(add=("park_ride", "max_walk"))


@app.command()
@friendly
@grouped
def build(
    *,
    network: NetworkOptions,
    modes: Annotated[str, typer.Option(help="Comma-separated modes: walk, bike, car.")] = "walk,car",
) -> None:
    """Build (or load from cache) street and transit networks and print their sizes."""
    from access.network._rules import CarSpeeds  # start-up: the library loads when the command runs

    built = network.build(parse_modes(modes))
    if not network.quiet:
        if "elevation" in built.source:
            typer.echo(f"elevation: {network.elevation} (walk: Tobler, bike: Minetti; car unchanged)")
        if "car_speeds" in built.source:
            typer.echo(CarSpeeds.from_dict(built.source["car_speeds"]).describe())
        for mode, street in built.streets.items():
            typer.echo(f"{mode}: {street.n_nodes:,} nodes, {street.n_edges:,} edges, EPSG:{street.crs_epsg}")
        if built.transit is not None:
            typer.echo(f"transit: {built.transit!r}")
            for note in built.transit.warnings:
                typer.echo(f"  note: {note}")


@app.command(context_settings={"allow_extra_args": True})
@friendly
@grouped
def isochrone(
    ctx: typer.Context,
    *,
    network: NetworkOptions,
    out: Annotated[Path, typer.Option(help="Output: .geojson, .gpkg, .parquet, .csv or .png.")],
    lon: Annotated[float | None, typer.Option(help="Origin longitude (EPSG:4326).")] = None,
    lat: Annotated[float | None, typer.Option(help="Origin latitude (EPSG:4326).")] = None,
    origins: Annotated[Path | None, typer.Option(help="Many origins: CSV id,lon,lat or GeoJSON/GPKG.")] = None,
    mode: Mode = DEFAULT_MODE,
    cutoffs: Cutoffs = None,
    png: Annotated[Path | None, typer.Option(help="Also draw a PNG map here.")] = None,
    transit: Annotated[TransitOptions, _ISOCHRONE_TRANSIT],
    output: Annotated[str, typer.Option("--output", help="polygons, or lines (reached streets by time).")] = "polygons",
    denoise: Annotated[float, typer.Option(help="Drop parts below this share (0..1) of the largest.")] = 0.0,
    generalize: Annotated[float, typer.Option(help="Simplify polygons by this tolerance in metres.")] = 0.0,
    resolution: Annotated[float | None, typer.Option(help="Grid cell in metres (default per mode).")] = None,
    raster: Annotated[Path | None, typer.Option(help="Also write the travel-time surface as GeoTIFF (.tif).")] = None,
    h3: Annotated[int | None, typer.Option(help="Write H3 cells (this resolution) with times to --out.")] = None,
) -> None:
    """Isochrones (areas reachable within each cutoff) from one point or many; with
    --arrive-by the areas from which the point is reached."""
    # start-up: the library loads when the command runs, not for --help
    from access.io.output import TABLE_SUFFIXES, check_suffix, write_table
    from access.io.points import as_points
    from access.io.tables import read_points
    from access.io.wording import isochrone_lines
    from access.routing.transit import describe_service_day
    from access.surfaces.isochrones import isochrones
    from access.surfaces.outputs import origins_h3_cells, travel_time_surface, write_travel_time_raster
    from access.viz import plot_isochrones
    from access.viz._labels import isochrone_title

    cutoff_list = parse_cutoffs(cutoffs, ctx.args)
    check_outputs(out, png, raster)
    if origins is not None:
        points = read_points(origins)
    elif lon is not None and lat is not None:
        points = as_points((lon, lat)).to_frame()
    else:
        raise InputError("give an origin: --lon X --lat Y, or --origins FILE.")
    check_suffix(out, (*TABLE_SUFFIXES, ".png") if h3 is None else TABLE_SUFFIXES)
    if raster is not None and len(points) != 1:
        raise InputError(f"--raster takes one origin (got {len(points)}); use --lon/--lat.")
    built = transit.apply(network.build(mode, transit.access_mode, moment=transit.moment))
    times = {"mode": mode, **transit.query(), "resolution_m": resolution}
    if raster is not None:
        surface = travel_time_surface(built, points, max_time_min=max(cutoff_list), **times)
        write_travel_time_raster(surface, raster)
        if not network.quiet:
            rows, cols = surface.minutes.shape
            typer.echo(
                f"wrote {raster} ({cols} x {rows} cells of {surface.cell_m:.0f} m, EPSG:{surface.crs_epsg})", err=True
            )
    if h3 is not None:
        cells = origins_h3_cells(built, points, h3, max_time_min=max(cutoff_list), **times)
        write_table(cells, out)
        if not network.quiet:
            typer.echo(f"wrote {out}: {len(cells):,} H3 cells at resolution {h3}", err=True)
        return
    result = isochrones(
        built,
        points,
        cutoffs_min=cutoff_list,
        progress=network.progress,
        output=output,
        denoise=denoise,
        generalize=generalize,
        **times,
    )
    base = built.street("walk" if mode == "transit" else mode)
    is_png = out.suffix.lower() == ".png"
    for target in [p for p in (out if is_png else None, png) if p is not None]:
        plot_isochrones(result, base, target, origins=points, title=isochrone_title(result, **times))
    if not is_png:
        write_table(result, out)
    if not network.quiet:
        if mode == "transit" and "service_date" in result.attrs:
            typer.echo(f"transit: {describe_service_day(result.attrs)}", err=True)
        for line in isochrone_lines(result) if output == "polygons" else ():
            typer.echo(line, err=True)
        typer.echo(f"wrote {out}", err=True)


@app.command("travel-times")
@friendly
@grouped
def travel_times_command(
    *,
    network: NetworkOptions,
    origins: Annotated[Path, typer.Option(help="CSV id,lon,lat or GeoJSON/GPKG/GeoParquet points.")],
    out: Annotated[Path, typer.Option(help="Output: .csv or .parquet.")],
    destinations: Annotated[Path | None, typer.Option(help="Default: the origins.")] = None,
    mode: Mode = DEFAULT_MODE,
    max_time: Annotated[float, typer.Option(help="Budget in minutes (no 120 ceiling).")] = DEFAULT_MAX_TIME_MIN,
    transit: Annotated[TransitOptions, _MATRIX_TRANSIT],
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
) -> None:
    """Travel-time matrix (from_id, to_id, travel_time_min) between points; with
    --scheduler or --batch-size a .parquet output is streamed batch by batch."""
    # start-up: the library loads when the command runs, not for --help
    from access.io.output import check_suffix, travel_time_column, write_table
    from access.io.tables import read_points
    from access.routing.matrix import travel_times
    from access.routing.transit import describe_service_day, describe_transit_share

    check_suffix(out, (".csv", ".parquet"))
    check_outputs(out)
    origin_points = read_points(origins)
    dest_points = read_points(destinations) if destinations is not None else None
    percentiles = transit.percentile_list()
    built = transit.apply(network.build(mode, transit.access_mode, moment=transit.moment))
    if scheduler is None and workers is not None:
        scheduler = "processes"  # --workers alone: a local process pool
    batched = scheduler is not None or batch_size is not None
    streamed = batched and out.suffix.lower() == ".parquet"
    result = travel_times(
        built,
        origin_points,
        dest_points,
        mode=mode,
        max_time_min=max_time,
        percentiles=percentiles,
        **transit.query("departure", "window", "access_mode", "arrive_by"),
        progress=network.progress,
        scheduler=scheduler,
        batch_size=batch_size,
        n_workers=workers,
        out=out if streamed else None,
    )
    if not streamed:
        write_table(result, out)
    if not network.quiet:
        times = travel_time_column(result)
        typer.echo(
            f"wrote {out}: {len(times):,} pairs, {times.notna().mean():.1%} reached within {max_time:g} min", err=True
        )
        if mode == "transit" and "service_date" in result.attrs:
            typer.echo(f"transit: {describe_service_day(result.attrs)}", err=True)
            if "transit_share" in result.attrs:
                typer.echo(f"transit: {describe_transit_share(result.attrs['transit_share'])}", err=True)
