"""``access circles`` and ``access overlap``: commuting circles of centres and their overlaps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import (
    ArriveBy,
    Bbox,
    CacheDir,
    Departure,
    Gtfs,
    Osm,
    Quiet,
    RailSpecs,
    ServiceDate,
    _network,
    _parse_cutoffs,
    app,
    friendly,
)
from access.cli._errors import check_outputs

__all__ = ["circles_command", "overlap_command"]

_GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".shp")

Zones = Annotated[
    Path,
    typer.Option(
        help="Zones: CSV id,name,lon,lat,population,jobs or GeoJSON/GPKG/GeoParquet "
        "points or polygons (counties, grid cells)."
    ),
]
Centre = Annotated[
    list[str] | None,
    typer.Option(
        "--centre",
        help="Centre: a zone name or id, or a GeoJSON/GPKG file of stations or a core polygon; repeat for several.",
    ),
]
CentreLon = Annotated[list[float] | None, typer.Option("--centre-lon", help="Centre longitude; repeatable.")]
CentreLat = Annotated[list[float] | None, typer.Option("--centre-lat", help="Centre latitude; repeatable.")]
Mode = Annotated[str | None, typer.Option(help="walk, bike, car or transit (default car, or the preset's).")]
Preset = Annotated[str | None, typer.Option(help="Circle definition preset, e.g. metropolitan_1h.")]
Direction = Annotated[str | None, typer.Option(help="to_centre (commuters travelling in; default) or from_centre.")]
Window = Annotated[float | None, typer.Option("--window", help="Transit: departure window in minutes.")]
Percentile = Annotated[float | None, typer.Option(help="Transit: percentile of the window's times (default 50).")]
AccessMode = Annotated[str | None, typer.Option(help="Transit: walk, bike or car (park-and-ride) to the first stop.")]
Population = Annotated[str, typer.Option(help="Population column of the zones ('none' to skip).")]
Jobs = Annotated[str, typer.Option(help="Jobs column of the zones ('none' to skip).")]


def read_zones(path: Path):
    """Zones from CSV (lon/lat columns) or a vector file (points or polygons, any CRS)."""
    import geopandas as gpd
    import pandas as pd

    from access.errors import InputError
    from access.io.points import as_points

    if not path.is_file():
        raise InputError(f"zones file {path} does not exist; check the path.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return as_points(pd.read_csv(path), what=f"zones in {path.name}").to_frame()
        if suffix == ".parquet":
            return gpd.read_parquet(path)
        if suffix in _GEO_SUFFIXES:
            return gpd.read_file(path)
    except InputError:
        raise
    except Exception as exc:  # readers raise many types for malformed files
        raise InputError(f"cannot read zones from {path}: {exc}") from None
    raise InputError(f"cannot read zones from {path.name}; use .csv, .geojson, .gpkg or .parquet.")


def _centres(names: list[str] | None, lons: list[float] | None, lats: list[float] | None):
    """Centre specs in the order given: names / files first, then lon/lat pairs."""
    import geopandas as gpd

    from access.errors import InputError

    lons, lats = lons or [], lats or []
    if len(lons) != len(lats):
        raise InputError(f"give as many --centre-lon as --centre-lat (got {len(lons)} and {len(lats)}).")
    specs: dict[str, object] = {}
    for name in names or []:
        path = Path(name)
        if path.suffix.lower() in _GEO_SUFFIXES:
            if not path.is_file():
                raise InputError(f"centre file {path} does not exist; check the path.")
            specs[path.stem] = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
        else:
            specs[name] = name
    for lon, lat in zip(lons, lats, strict=True):
        specs[f"{lon:.5f},{lat:.5f}"] = (lon, lat)
    if not specs:
        raise InputError("give a centre: --centre NAME (a zone), --centre FILE, or --centre-lon X --centre-lat Y.")
    return specs


def _column(value: str) -> str | None:
    return None if value.strip().lower() in ("", "none") else value


def _check_suffix(path: Path | None, allowed: tuple[str, ...]) -> None:
    from access.errors import InputError

    if path is not None and path.suffix.lower() not in allowed:
        raise InputError(f"cannot write {path.name}: use one of {', '.join(allowed)}.")


def _run(
    ctx,
    osm,
    zones,
    centre,
    centre_lon,
    centre_lat,
    mode,
    cutoffs,
    preset,
    direction,
    gtfs,
    rail_spec,
    service_date,
    departure,
    arrive_by,
    window,
    percentile,
    access_mode,
    population,
    jobs,
    max_time,
    bbox,
    cache_dir,
    quiet,
    polygons,
):
    """Shared by both commands: read, build, compute; returns (result, network, street)."""
    from access.circles.circles import commuting_circles
    from access.circles.definition import resolve_definition

    cutoff_list = _parse_cutoffs(cutoffs, ctx.args) if (cutoffs or ctx.args or not preset) else None
    spec = resolve_definition(
        preset,
        cutoffs_min=tuple(cutoff_list) if cutoff_list else None,
        mode=mode,
        direction=direction,
        departure=departure,
        arrive_by=arrive_by,
        window_min=window,
        percentile=percentile,
        access_mode=access_mode,
    )
    zone_frame = read_zones(zones)
    centres = _centres(centre, centre_lon, centre_lat)
    modes = (spec.mode, spec.access_mode) if spec.mode == "transit" and spec.access_mode != "walk" else (spec.mode,)
    network = _network(
        osm,
        modes,
        bbox=bbox,
        cache_dir=cache_dir,
        quiet=quiet,
        gtfs=gtfs,
        rail_specs=rail_spec,
        service_date=service_date,
    )
    routing = {"max_time_min": max_time} if max_time is not None else {}
    result = commuting_circles(
        network,
        centres,
        zones=zone_frame,
        definition=spec,
        population=_column(population),
        jobs=_column(jobs),
        polygons=polygons,
        progress=not quiet,
        **routing,
    )
    street = network.street("walk" if spec.mode == "transit" else spec.mode)
    return result, street


def _write_definition(result, out: Path) -> Path:
    from access.io.output import atomic_path

    path = out.with_name(f"{out.stem}.definition.json")
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(json.loads(result.definition.to_json()), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return path


@app.command("circles", context_settings={"allow_extra_args": True})
@friendly
def circles_command(
    ctx: typer.Context,
    osm: Osm,
    zones: Zones,
    out: Annotated[Path, typer.Option(help="Zones with membership: .geojson, .gpkg, .parquet or .csv.")],
    centre: Centre = None,
    centre_lon: CentreLon = None,
    centre_lat: CentreLat = None,
    mode: Mode = None,
    cutoffs: Annotated[list[str] | None, typer.Option(help="Minutes, e.g. --cutoffs 60 120.")] = None,
    preset: Preset = None,
    direction: Direction = None,
    summary: Annotated[Path | None, typer.Option(help="Per centre and cutoff totals: .csv or .parquet.")] = None,
    polygons: Annotated[Path | None, typer.Option(help="Circle polygons: .geojson, .gpkg, .parquet.")] = None,
    png: Annotated[Path | None, typer.Option(help="Map of zones by circle with the circle outlines.")] = None,
    gtfs: Gtfs = None,
    rail_spec: RailSpecs = None,
    service_date: ServiceDate = None,
    departure: Departure = None,
    arrive_by: ArriveBy = None,
    window: Window = None,
    percentile: Percentile = None,
    access_mode: AccessMode = None,
    population: Population = "population",
    jobs: Jobs = "jobs",
    max_time: Annotated[float | None, typer.Option(help="Search budget in minutes (default max(180, cutoff)).")] = None,
    bbox: Bbox = None,
    cache_dir: CacheDir = None,
    quiet: Quiet = False,
) -> None:
    """Commuting circles: each zone's time to the centre(s), circle membership, totals, map."""
    from access.io.output import TABLE_SUFFIXES, write_table
    from access.viz.circles import plot_circles

    _check_suffix(out, TABLE_SUFFIXES)
    _check_suffix(summary, (".csv", ".parquet"))
    _check_suffix(polygons, (".geojson", ".gpkg", ".parquet"))
    _check_suffix(png, (".png",))
    check_outputs(out, summary, polygons, png)
    want_polygons = polygons is not None or png is not None
    result, street = _run(
        ctx,
        osm,
        zones,
        centre,
        centre_lon,
        centre_lat,
        mode,
        cutoffs,
        preset,
        direction,
        gtfs,
        rail_spec,
        service_date,
        departure,
        arrive_by,
        window,
        percentile,
        access_mode,
        population,
        jobs,
        max_time,
        bbox,
        cache_dir,
        quiet,
        want_polygons,
    )
    written = [write_table(result.zones, out), _write_definition(result, out)]
    if summary is not None:
        written.append(write_table(result.summary, summary))
    if polygons is not None:
        written.append(write_table(result.polygons, polygons))
    if png is not None:
        plot_circles(result, street, png)
        written.append(png)
    if not quiet:
        typer.echo(f"definition: {result.definition.describe()}", err=True)
        for row in result.summary.itertuples():
            people = (
                f", population {row.population:,.0f} ({row.population_share:.1%})"
                if "population" in result.summary
                else ""
            )
            typer.echo(f"{row.centre}: {row.circle}: {row.zones} zones{people}", err=True)
        typer.echo(f"wrote {', '.join(map(str, written))}", err=True)


@app.command("overlap", context_settings={"allow_extra_args": True})
@friendly
def overlap_command(
    ctx: typer.Context,
    osm: Osm,
    zones: Zones,
    out: Annotated[Path, typer.Option(help="Overlap area: .geojson, .gpkg, .parquet or .csv.")],
    centre: Centre = None,
    centre_lon: CentreLon = None,
    centre_lat: CentreLat = None,
    cutoff: Annotated[float | None, typer.Option(help="Circle in minutes (default: 60, or the preset's).")] = None,
    how: Annotated[str, typer.Option(help="intersection, union, difference or symmetric_difference.")] = "intersection",
    mode: Mode = None,
    preset: Preset = None,
    direction: Direction = None,
    png: Annotated[Path | None, typer.Option(help="Map of both circles and the zones.")] = None,
    gtfs: Gtfs = None,
    rail_spec: RailSpecs = None,
    service_date: ServiceDate = None,
    departure: Departure = None,
    arrive_by: ArriveBy = None,
    window: Window = None,
    percentile: Percentile = None,
    access_mode: AccessMode = None,
    population: Population = "population",
    jobs: Jobs = "jobs",
    bbox: Bbox = None,
    cache_dir: CacheDir = None,
    quiet: Quiet = False,
) -> None:
    """Overlap of two centres' circles (e.g. the 'same-city' zone inside both 1-h circles)."""
    from access.circles.overlap import OVERLAP_HOWS
    from access.errors import InputError
    from access.io.output import TABLE_SUFFIXES, write_table
    from access.viz.circles import plot_circles

    if how not in OVERLAP_HOWS:
        raise InputError(f"unknown --how {how!r}; use one of {', '.join(OVERLAP_HOWS)}.")
    _check_suffix(out, TABLE_SUFFIXES)
    _check_suffix(png, (".png",))
    check_outputs(out, png)
    n_centres = len(centre or []) + len(centre_lon or [])
    if n_centres != 2:
        raise InputError(f"overlap needs exactly two centres (--centre A --centre B), got {n_centres}.")
    cutoffs = [str(cutoff)] if cutoff is not None else (None if preset else ["60"])
    result, street = _run(
        ctx,
        osm,
        zones,
        centre,
        centre_lon,
        centre_lat,
        mode,
        cutoffs,
        preset,
        direction,
        gtfs,
        rail_spec,
        service_date,
        departure,
        arrive_by,
        window,
        percentile,
        access_mode,
        population,
        jobs,
        None,
        bbox,
        cache_dir,
        quiet,
        True,
    )
    a, b = result.centres["centre"].tolist()
    chosen = cutoff if cutoff is not None else result.definition.cutoffs_min[0]
    overlap = result.overlap(a, b, how=how, cutoff_min=chosen, population=_column(population), jobs=_column(jobs))
    written = [write_table(overlap, out), _write_definition(result, out)]
    if png is not None:
        plot_circles(result, street, png, title=f"{how} of the {chosen:g}-min circles of {a} and {b}")
        written.append(png)
    if not quiet:
        typer.echo(f"definition: {result.definition.describe()}", err=True)
        for row in overlap.itertuples():
            people = f", population {row.population:,.0f}" if "population" in overlap else ""
            typer.echo(
                f"{how} of {a} and {b} ({row.cutoff_min:g} min): {row.area_km2:,.1f} km2, {row.zones} zones{people}",
                err=True,
            )
        typer.echo(f"wrote {', '.join(map(str, written))}", err=True)
