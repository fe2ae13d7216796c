"""``access cluster``: city-cluster commuting circles between places over roads and HSR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import STREET_BUILD, NetworkOptions, TransitOptions, Use, grouped, parse_cutoffs
from access.config import DEFAULT_REGIONAL_WINDOW_MIN, RegionalSettings
from access.io.wording import plural

__all__ = ["cluster_command"]

Places = Annotated[
    Path,
    typer.Option(
        "--places",
        help="Place table: CSV with lon/lat (or coord_long/coord_lat), "
        "name, population ... or GeoJSON/GPKG/GeoParquet.",
    ),
]
Centres = Annotated[
    list[str] | None,
    typer.Option("--centre", help="Core city (name, local name or id); repeatable. Default: the most populous place."),
]
Out = Annotated[Path, typer.Option("--out", help="Output folder (tables, GeoJSON, PNG maps).")]
# a city cluster has no street network of its own: its feeds, service date and verbosity only
Feeds = Annotated[NetworkOptions, Use(omit=("osm", "bbox", "cache_dir", *STREET_BUILD))]
ClusterTransit = Annotated[
    TransitOptions, Use(omit=("access_mode", "arrive_by"), defaults={"window": DEFAULT_REGIONAL_WINDOW_MIN})
]


@app.command("cluster", context_settings={"allow_extra_args": True})
@friendly
@grouped
def cluster_command(
    ctx: typer.Context,
    *,
    places: Places,
    out: Out,
    centre: Centres = None,
    cutoffs: Annotated[list[str] | None, typer.Option(help="Circle sizes in minutes, e.g. --cutoffs 60 120.")] = None,
    network: Feeds,
    scenario_rail_spec: Annotated[
        list[Path] | None,
        typer.Option("--scenario-rail-spec", help="Lines added in a scenario run: writes before/after changes."),
    ] = None,
    units: Annotated[
        float, typer.Option(help="Multiplier of the population columns (10000 for tables in 10,000s).")
    ] = 1.0,
    osm: Annotated[
        Path | None, typer.Option(help="OSM extract: use its car network instead of the approximate road model.")
    ] = None,
    transit: ClusterTransit,
    direction: Annotated[str, typer.Option(help="to_centre (commuting in) or from_centre.")] = "to_centre",
    detour: Annotated[float | None, typer.Option(help="Road model detour factor (default 1.3).")] = None,
    station_penalty: Annotated[
        float | None, typer.Option(help="Minutes from arriving at a station to boarding (default: 15 for HSR).")
    ] = None,
    min_transfer: Annotated[float | None, typer.Option(help="Minimum minutes to change trains (default 10).")] = None,
) -> None:
    """Places within each cutoff of the centres by road and by road + rail; matrices,
    accessibility, GeoJSON and a PNG map per centre (road model clearly marked approximate)."""
    # start-up: the library loads when the command runs, not for --help
    from access.io.output import write_table
    from access.io.tables import read_points
    from access.regional.cluster import cluster_circles, compare_cluster
    from access.regional.network import RegionalNetwork
    from access.viz.cluster_map import plot_cluster

    cutoff_values = parse_cutoffs(cutoffs, list(ctx.args))
    check_outputs(folders=[out])
    overrides = {
        k: v
        for k, v in {
            "detour_factor": detour,
            "station_penalty_min": station_penalty,
            "min_transfer_min": min_transfer,
        }.items()
        if v is not None
    }
    settings = RegionalSettings(**overrides)
    table = read_points(places, preset="places", units=units)
    rail_specs, gtfs = list(network.rail_spec or ()), network.gtfs or ()
    kwargs = {"settings": settings, "service_date": network.service_date, "osm": osm}
    regional = RegionalNetwork.build(table, rail_specs=rail_specs, gtfs=gtfs, **kwargs)
    run = {"cutoffs_min": cutoff_values, **transit.query(), "direction": direction, "progress": network.progress}
    result = cluster_circles(regional, centre, **run)
    out.mkdir(parents=True, exist_ok=True)
    write_table(result.circles, out / "circles.geojson")
    write_table(result.circles.drop(columns="geometry"), out / "circles.csv")
    write_table(result.members, out / "members.geojson")
    write_table(result.matrix, out / "matrix.parquet")
    write_table(result.accessibility, out / "accessibility.geojson")
    if len(result.lines):
        write_table(result.lines, out / "lines.geojson")
    centres = list(dict.fromkeys(result.members["centre"]))
    for name in centres:
        plot_cluster(result, out / f"map_{_safe(name)}.png", centre=name)
    if scenario_rail_spec:
        scenario = RegionalNetwork.build(table, rail_specs=[*rail_specs, *scenario_rail_spec], gtfs=gtfs, **kwargs)
        after = cluster_circles(scenario, centre, **run)
        by_place, by_circle = compare_cluster(result, after)
        write_table(by_place, out / "compare_places.geojson")
        write_table(by_circle, out / "compare_circles.csv")
        for name in centres:
            plot_cluster(after, out / f"map_{_safe(name)}_scenario.png", centre=name)
    if not network.quiet:
        if regional.approximate:
            typer.echo("note: road times are APPROXIMATE (great-circle x detour factor, speed bands).")
        for _, row in result.circles.iterrows():
            typer.echo(
                f"{row['centre']}: {row['mode']} {row['cutoff_min']:g} min: {plural(row['n_places'], 'place')}, "
                f"{row['population'] / 1e6:.2f} M people"
            )
        typer.echo(f"wrote {out}/")


def _safe(name: str) -> str:
    return re.sub(r"[\W]+", "_", str(name)).strip("_") or "centre"
