"""``access accessibility``: per-origin accessibility measures, a group summary and a map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import Cutoffs, Mode, NetworkOptions, TransitOptions, Use, check_choice, grouped, parse_cutoffs
from access.config import DEFAULT_MODE

__all__ = ["accessibility_command"]


@app.command("accessibility", context_settings={"allow_extra_args": True})
@friendly
@grouped
def accessibility_command(
    ctx: typer.Context,
    *,
    network: NetworkOptions,
    origins: Annotated[
        Path, typer.Option(help="Origins: CSV id,lon,lat (+ population, class) or GeoJSON/GPKG/GeoParquet.")
    ],
    opportunities: Annotated[
        Path, typer.Option(help="Opportunities with counts (jobs, ...): CSV lon/lat, H3 or geo file.")
    ],
    out: Annotated[Path, typer.Option(help="Per-origin results: .parquet, .geojson, .gpkg or .csv.")],
    measure: Annotated[
        str, typer.Option(help="cumulative, gravity, nearest, 2sfca, e2sfca, bfca or centres.")
    ] = "cumulative",
    mode: Mode = DEFAULT_MODE,
    opportunity: Annotated[str, typer.Option(help="Count column(s) of the opportunities, comma-separated.")] = "jobs",
    cutoffs: Cutoffs = None,
    decay: Annotated[
        str | None, typer.Option(help="exponential, power, gaussian, logistic, linear, step, binary.")
    ] = None,
    decay_param: Annotated[float | None, typer.Option(help="Decay parameter (exponential: per minute).")] = None,
    n: Annotated[float, typer.Option(help="nearest: number of opportunities to reach.")] = 1,
    demand: Annotated[str, typer.Option(help="2SFCA/E2SFCA/BFCA: population column competing.")] = "population",
    by: Annotated[str | None, typer.Option(help="Group column of the summary (class, county, ...).")] = "class",
    weight: Annotated[str, typer.Option(help="Residents column weighting the summary.")] = "population",
    max_time: Annotated[
        float | None, typer.Option(help="Search budget in minutes (default: from the measure).")
    ] = None,
    transit: Annotated[TransitOptions, Use(omit=("arrive_by",))],
    png: Annotated[Path | None, typer.Option(help="Also draw a PNG map of the first measure column.")] = None,
    summary: Annotated[Path | None, typer.Option(help="Write the group summary table here (.csv).")] = None,
    h3: Annotated[bool, typer.Option("--h3", help="Ids are H3 cells: cell centres, hexagon maps.")] = False,
) -> None:
    """Accessibility of every origin (jobs within 60/120 min, gravity, 2SFCA, ...) and a
    population-weighted summary by group (rural/urban, county)."""
    # start-up: the library loads when the command runs, not for --help
    import pandas as pd

    from access.io.output import check_suffix, write_table
    from access.io.tables import read_points
    from access.measures.accessibility import MEASURES, accessibility
    from access.measures.equity import OFF_NETWORK, check_group_columns, summarise

    check_choice(measure, MEASURES, "measure")
    check_suffix(out)
    cutoff_list = parse_cutoffs(cutoffs, ctx.args)
    check_outputs(out, png, summary)
    origin_points = read_points(origins, preset="opportunities", h3=h3)
    places = read_points(opportunities, preset="opportunities", h3=h3)
    if by and by != "class":  # the default class column is optional
        check_group_columns(origin_points, by, what=origins.name)
    columns = [c.strip() for c in opportunity.split(",") if c.strip()]
    built = network.build(mode, transit.access_mode)
    result = accessibility(
        built,
        origin_points,
        places,
        measure=measure,
        mode=mode,
        cutoffs_min=cutoff_list,
        opportunity=columns if len(columns) > 1 else columns[0],
        **transit.query(),
        max_time_min=max_time,
        progress=network.progress,
        decay=decay,
        decay_param=decay_param,
        n=n,
        demand=demand,
    )
    value_columns = [c for c in result.columns if c not in origin_points.columns and c != OFF_NETWORK]
    # GeoParquet keeps the zone polygons; the other formats hold one geometry column
    keep_zones = out.suffix.lower() == ".parquet"
    write_table(result if keep_zones else result.drop(columns="zone_geometry", errors="ignore"), out)
    if png is not None:
        # start-up: the library loads when the command runs, not for --help
        from access.viz._labels import accessibility_title
        from access.viz.accessibility_map import plot_accessibility

        query = transit.query("departure", "window", "percentile", "access_mode")
        title = accessibility_title(value_columns[0], mode=mode, **query)
        plot_accessibility(result, value_columns[0], png, title=title)
    group = by if by and by in result else None
    table = summarise(result, value=value_columns, weight=weight if weight in result else None, by=group)
    if summary is not None:
        write_table(table, summary)
    if not network.quiet:
        with pd.option_context("display.max_columns", 50, "display.width", 160, "display.float_format", _number):
            typer.echo(table.set_index(table.columns[0]).T.to_string())
        typer.echo(f"wrote {out}" + (f", {summary}" if summary else "") + (f", {png}" if png else ""), err=True)


def _number(value: float) -> str:
    """Summary numbers for people: 812,935 and 37,645; 0.464 and 53.9 (percent)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
