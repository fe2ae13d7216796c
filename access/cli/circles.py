"""``access circles`` and ``access overlap``: commuting circles of centres and their overlaps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import Cutoffs, NetworkOptions, TransitOptions, Use, check_choice, grouped, parse_cutoffs
from access.config import DEFAULT_CUTOFFS_MIN
from access.errors import InputError
from access.io.wording import modes_help, plural

MODES_HELP = modes_help().rstrip(".")  # every routing --mode: walk, bike, car or transit

__all__ = ["circles_command", "overlap_command"]

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
Mode = Annotated[str | None, typer.Option(help=MODES_HELP + " (default car, or the preset's).")]
Preset = Annotated[str | None, typer.Option(help="Circle definition preset, e.g. metropolitan_1h.")]
Direction = Annotated[str | None, typer.Option(help="to_centre (commuters travelling in; default) or from_centre.")]
Population = Annotated[str, typer.Option(help="Population column of the zones ('none' to skip).")]
Jobs = Annotated[str, typer.Option(help="Jobs column of the zones ('none' to skip).")]
# unset transit options fall back to the preset's (then to access.config's defaults)
CircleTransit = Annotated[TransitOptions, Use(defaults={"window": None, "percentile": None, "access_mode": None})]


def _cutoff_list(values: list[str] | None, extra: list[str], preset: str | None) -> list[float] | None:
    """The cutoffs given, or None to take the preset's."""
    return parse_cutoffs(values, extra) if (values or extra or not preset) else None


def _column(value: str) -> str | None:
    return None if value.strip().lower() in ("", "none") else value


def _centres(centre: list[str] | None, lons: list[float] | None, lats: list[float] | None) -> dict[str, object]:
    # start-up: the library loads when the command runs, not for --help
    from access.circles.centres import centre_specs

    lons, lats = lons or [], lats or []
    if len(lons) != len(lats):
        raise InputError(f"give as many --centre-lon as --centre-lat (got {len(lons)} and {len(lats)}).")
    return centre_specs(centre, list(zip(lons, lats, strict=True)))


def _circles(network: NetworkOptions, transit: TransitOptions, zones: Path, centres: dict, cutoffs, **definition):
    """Read the zones, build the network, compute the circles; returns (result, street)."""
    # start-up: the library loads when the command runs, not for --help
    from access.circles.circles import commuting_circles
    from access.circles.definition import resolve_definition
    from access.io.tables import read_points

    options = definition.pop("options")
    spec = resolve_definition(
        definition.pop("preset"), cutoffs_min=tuple(cutoffs) if cutoffs else None, **transit.query(), **definition
    )
    zone_frame = read_points(zones, preset="zones")
    built = network.build(spec.mode, spec.access_mode)
    result = commuting_circles(built, centres, zones=zone_frame, definition=spec, progress=network.progress, **options)
    return result, built.street("walk" if spec.mode == "transit" else spec.mode)


@app.command("circles", context_settings={"allow_extra_args": True})
@friendly
@grouped
def circles_command(
    ctx: typer.Context,
    *,
    network: NetworkOptions,
    zones: Zones,
    out: Annotated[
        Path, typer.Option(help="Zones with membership: .geojson, .gpkg, .parquet, or .csv (a table, no geometry).")
    ],
    centre: Centre = None,
    centre_lon: CentreLon = None,
    centre_lat: CentreLat = None,
    mode: Mode = None,
    cutoffs: Cutoffs = None,
    preset: Preset = None,
    direction: Direction = None,
    summary: Annotated[Path | None, typer.Option(help="Per centre and cutoff totals: .csv or .parquet.")] = None,
    polygons: Annotated[Path | None, typer.Option(help="Circle polygons: .geojson, .gpkg, .parquet.")] = None,
    png: Annotated[Path | None, typer.Option(help="Map of zones by circle with the circle outlines.")] = None,
    transit: CircleTransit,
    population: Population = "population",
    jobs: Jobs = "jobs",
    max_time: Annotated[float | None, typer.Option(help="Search budget in minutes (default max(180, cutoff)).")] = None,
) -> None:
    """Commuting circles: each zone's time to the centre(s), circle membership, totals, map."""
    # start-up: the library loads when the command runs, not for --help
    from access.circles.definition import write_definition
    from access.io.output import check_suffix, write_table
    from access.viz.circles import plot_circles

    check_suffix(out)
    check_suffix(summary, (".csv", ".parquet"))
    check_suffix(polygons, (".geojson", ".gpkg", ".parquet"))
    check_suffix(png, (".png",))
    check_outputs(out, summary, polygons, png)
    options = {
        "population": _column(population),
        "jobs": _column(jobs),
        "polygons": polygons is not None or png is not None,
    }
    if max_time is not None:
        options["max_time_min"] = max_time
    result, street = _circles(
        network,
        transit,
        zones,
        _centres(centre, centre_lon, centre_lat),
        _cutoff_list(cutoffs, ctx.args, preset),
        preset=preset,
        mode=mode,
        direction=direction,
        options=options,
    )
    written = [write_table(result.zones, out, wkt=False), write_definition(result.definition, out)]
    if summary is not None:
        written.append(write_table(result.summary, summary))
    if polygons is not None:
        written.append(write_table(result.polygons, polygons))
    if png is not None:
        plot_circles(result, street, png)
        written.append(png)
    if not network.quiet:
        typer.echo(f"definition: {result.definition.describe()}", err=True)
        for row in result.summary.itertuples():
            people = (
                f", population {row.population:,.0f} ({row.population_share:.1%})"
                if "population" in result.summary
                else ""
            )
            typer.echo(f"{row.centre}: {row.circle}: {plural(row.zones, 'zone')}{people}", err=True)
        typer.echo(f"wrote {', '.join(map(str, written))}", err=True)


@app.command("overlap", context_settings={"allow_extra_args": True})
@friendly
@grouped
def overlap_command(
    ctx: typer.Context,
    *,
    network: NetworkOptions,
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
    transit: CircleTransit,
    population: Population = "population",
    jobs: Jobs = "jobs",
) -> None:
    """Overlap of two centres' circles (e.g. the 'same-city' zone inside both 1-h circles)."""
    # start-up: the library loads when the command runs, not for --help
    from access.circles.definition import write_definition
    from access.circles.overlap import OVERLAP_HOWS
    from access.io.output import check_suffix, write_table
    from access.viz.circles import plot_circles

    check_choice(how, OVERLAP_HOWS, "--how")
    check_suffix(out)
    check_suffix(png, (".png",))
    check_outputs(out, png)
    n_centres = len(centre or []) + len(centre_lon or [])
    if n_centres != 2:
        raise InputError(f"overlap needs exactly two centres (--centre A --centre B), got {n_centres}.")
    cutoffs = [str(cutoff)] if cutoff is not None else (None if preset else [str(DEFAULT_CUTOFFS_MIN[0])])
    options = {"population": _column(population), "jobs": _column(jobs), "polygons": True}
    result, street = _circles(
        network,
        transit,
        zones,
        _centres(centre, centre_lon, centre_lat),
        _cutoff_list(cutoffs, ctx.args, preset),
        preset=preset,
        mode=mode,
        direction=direction,
        options=options,
    )
    a, b = result.centres["centre"].tolist()
    chosen = cutoff if cutoff is not None else result.definition.cutoffs_min[0]
    overlap = result.overlap(a, b, how=how, cutoff_min=chosen, population=_column(population), jobs=_column(jobs))
    written = [write_table(overlap, out, wkt=False), write_definition(result.definition, out)]
    if png is not None:
        plot_circles(result, street, png, title=f"{how} of the {chosen:g}-min circles of {a} and {b}")
        written.append(png)
    if not network.quiet:
        typer.echo(f"definition: {result.definition.describe()}", err=True)
        for row in overlap.itertuples():
            people = f", population {row.population:,.0f}" if "population" in overlap else ""
            typer.echo(
                f"{how} of {a} and {b} ({row.cutoff_min:g} min): {row.area_km2:,.1f} km2, {plural(row.zones, 'zone')}{people}",
                err=True,
            )
        typer.echo(f"wrote {', '.join(map(str, written))}", err=True)
