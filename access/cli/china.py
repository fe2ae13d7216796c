"""``access china``: county commuting circles, fastest trains, before/after and the rail layer
for China's city clusters (names in Chinese or English, 市 optional)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import Quiet, TransitOptions, Use, grouped, parse_cutoffs
from access.config import (
    CHINA_CORE_CITIES,
    CHINA_DEPARTURE,
    CHINA_WINDOW_MIN,
    REGIONAL_BAND_LIMITS_KM,
    REGIONAL_BAND_SPEEDS_KMH,
    REGIONAL_DETOUR_FACTOR,
    RegionalSettings,
)
from access.errors import InputError
from access.io.wording import plural

__all__ = ["china_app"]

china_app = typer.Typer(
    help="China: county circles of the core cities, fastest trains, before/after, the national rail layer.",
    no_args_is_help=True,
)
app.add_typer(china_app, name="china")

# The shared data folder: ACCESS_CHINA_DATA, else ../shared/data beside the repository.
DEFAULT_DATA = os.environ.get("ACCESS_CHINA_DATA", "../shared/data")

Data = Annotated[
    Path, typer.Option("--data", help="Shared data folder (china_admin/, china_rail/, china_gtfs/, china/).")
]
Centres = Annotated[
    list[str] | None,
    typer.Option(
        "--centre", help="Centre: 北京 / Beijing / 北京市 / a county / lon,lat; repeatable or comma-separated."
    ),
]
Cutoffs = Annotated[list[str] | None, typer.Option(help="Circle sizes in minutes, e.g. --cutoffs 60 120.")]
# the shared transit options (access.cli._options) with China's morning window as defaults
ChinaTransit = Annotated[
    TransitOptions,
    Use(omit=("access_mode", "arrive_by"), defaults={"departure": CHINA_DEPARTURE, "window": CHINA_WINDOW_MIN}),
]
Penalty = Annotated[
    float | None,
    typer.Option(help="Station penalty (min) at the first boarding: security check etc.; 0 allowed. Default 15."),
]
TransferOpt = Annotated[float | None, typer.Option(help="Minimum minutes to change trains (default 10).")]
Detour = Annotated[
    float, typer.Option(help="Road model: road km per great-circle km (1.324 in 25 Chinese cities, cited).")
]
BandLimits = Annotated[str, typer.Option(help="Road model: upper ends of the speed bands, km, comma-separated.")]
BandSpeeds = Annotated[str, typer.Option(help="Road model: speed of each band, km/h, comma-separated.")]
MaxAccess = Annotated[float | None, typer.Option(help="Longest road leg to or from a station (min, default 120).")]
MaxTime = Annotated[float | None, typer.Option(help="Search budget door to door (min, default 300).")]
Osm = Annotated[
    Path | None,
    typer.Option("--osm", help="OSM extract: its car network for legs it covers, the approximate model elsewhere."),
]


def _centres(values: list[str] | None) -> list[str]:
    names = [n.strip() for v in (values or []) for n in re.split(r"[,，、]", v) if n.strip()]
    return names


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(t) for t in text.replace(",", " ").split())
    except ValueError:
        raise InputError(f"{what} must be numbers like 5,20, got {text!r}.") from None


def _settings(penalty, transfer, detour, band_limits, band_speeds, max_access):
    values = {
        "detour_factor": detour,
        "band_limits_km": _floats(band_limits, "--band-limits"),
        "band_speeds_kmh": _floats(band_speeds, "--band-speeds"),
    }
    if penalty is not None:
        values["station_penalty_min"] = penalty
    if transfer is not None:
        values["min_transfer_min"] = transfer
    if max_access is not None:
        values["max_access_min"] = max_access
    try:
        return RegionalSettings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"road model / station options: {first['msg']} ({'.'.join(map(str, first['loc']))})."
        ) from None


def _load(data: Path, quiet: bool):
    # start-up: the China stack (pandas, geopandas, numba) loads only when a command runs
    from access.china.data import load_china

    if not quiet:
        typer.echo(f"loading counties and the national rail layer from {data} ...", err=True)
    return load_china(data)


def _roads(osm: Path | None, settings):
    if osm is None:
        return None
    # start-up: the China stack (pandas, geopandas, numba) loads only when a command runs
    from access.network.multimodal import build_network
    from access.regional.roads import HybridRoads

    return HybridRoads(build_network(osm, ("car",), progress=False), settings)


def _sidecar(out: Path, suffix: str) -> Path:
    return out.with_name(f"{out.stem}_{suffix}.csv")


def _safe(name: str) -> str:
    return re.sub(r"[^\w]+", "_", str(name)).strip("_") or "centre"


@china_app.command("circles", context_settings={"allow_extra_args": True})
@friendly
@grouped
def circles_command(
    ctx: typer.Context,
    *,
    out: Annotated[Path, typer.Option(help="One row per county (x centre): .csv, .parquet, .geojson or .gpkg.")],
    centre: Centres = None,
    cutoffs: Cutoffs = None,
    png: Annotated[
        Path | None, typer.Option(help="Map(s): this PNG (several centres: one per centre, name_<centre>.png).")
    ] = None,
    totals_out: Annotated[
        Path | None, typer.Option(help="Totals per centre x cutoff x mode (default <out>_totals.csv).")
    ] = None,
    coverage_out: Annotated[Path | None, typer.Option(help="Coverage per county (default <out>_coverage.csv).")] = None,
    polycentric: Annotated[bool, typer.Option(help="One row per county: its nearest centre's circle.")] = False,
    origins: Annotated[str, typer.Option(help="counties, or townships (points, no population).")] = "counties",
    data: Data = Path(DEFAULT_DATA),
    transit: ChinaTransit,
    station_penalty: Penalty = None,
    min_transfer: TransferOpt = None,
    detour: Detour = REGIONAL_DETOUR_FACTOR,
    band_limits: BandLimits = ",".join(f"{v:g}" for v in REGIONAL_BAND_LIMITS_KM),
    band_speeds: BandSpeeds = ",".join(f"{v:g}" for v in REGIONAL_BAND_SPEEDS_KMH),
    max_access: MaxAccess = None,
    max_time: MaxTime = None,
    osm: Osm = None,
    quiet: Quiet = False,
) -> None:
    """Every county (all 2,948, outside ones included) with its door-to-door minutes into
    each centre by road and by road + rail, the smallest circle it lies in, the station it
    uses; totals per centre x cutoff x mode; the coverage report; a map per centre."""
    # start-up: the China stack (pandas, geopandas, numba) loads only when a command runs
    from access.china.circles import county_circles
    from access.io.output import write_table
    from access.viz.china_map import plot_county_circles

    cutoff_values = parse_cutoffs(cutoffs, list(ctx.args))
    check_outputs(out, totals_out, coverage_out, png)
    names = _centres(centre) or list(CHINA_CORE_CITIES)
    settings = _settings(station_penalty, min_transfer, detour, band_limits, band_speeds, max_access)
    china = _load(data, quiet)
    result = county_circles(
        china,
        names,
        cutoffs_min=cutoff_values,
        **transit.query(),
        settings=settings,
        roads=_roads(osm, settings),
        polycentric=polycentric,
        origins=origins,
        max_time_min=max_time,
    )
    members = result.members
    write_table(members if out.suffix.lower() in (".geojson", ".gpkg") else members.drop(columns="geometry"), out)
    write_table(result.totals, totals_out or _sidecar(out, "totals"))
    write_table(result.coverage.counties, coverage_out or _sidecar(out, "coverage"))
    if png is not None:
        lines, stations = china.rail.lines.geometry(), china.rail.station_service()
        drawn = list(dict.fromkeys(members["centre"])) if not polycentric else [str(members["centre"].iloc[0])]
        for name in drawn:
            target = png if len(drawn) == 1 else png.with_name(f"{png.stem}_{_safe(name)}{png.suffix or '.png'}")
            plot_county_circles(result, target, polygons=china.polygons, lines=lines, stations=stations, centre=name)
    if not quiet:
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)
        typer.echo(result.coverage.text(), err=True)
        for row in result.totals.itertuples():
            people = f"{row.population / 1e6:.1f} M people ({row.rural_population / 1e6:.1f} M rural)"
            typer.echo(f"{row.centre} {row.mode} {row.cutoff_min:g} min: {plural(row.counties, 'county')}, {people}")
        typer.echo(f"wrote {out}, {totals_out or _sidecar(out, 'totals')}, {coverage_out or _sidecar(out, 'coverage')}")


@china_app.command("od")
@friendly
def od_command(
    from_: Annotated[str, typer.Option("--from", help="Origin place: 北京 / Beijing / a county.")],
    to: Annotated[list[str], typer.Option("--to", help="Destination place; repeatable or comma-separated.")],
    out: Annotated[Path | None, typer.Option(help="Table: .csv or .parquet.")] = None,
    data: Data = Path(DEFAULT_DATA),
    quiet: Quiet = False,
) -> None:
    """Fastest single train between the places' stations: from, to, fastest_min, train,
    from_station, to_station, modelled (one row per destination)."""
    # start-up: the China stack (pandas, geopandas, numba) loads only when a command runs
    from access.china.od import fastest_trains
    from access.io.output import write_table

    check_outputs(out)
    china = _load(data, quiet)
    table = fastest_trains(
        china.rail, china.place(from_), [china.place(n) for n in _centres(to)], china.rail.station_city
    )
    if out is not None:
        write_table(table, out)
    if not quiet:
        typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.0f}"))
        if table["modelled"].any():
            typer.echo(f"note: modelled = only the modelled service links them ({china.rail.model.summary()})")


@china_app.command("before-after", context_settings={"allow_extra_args": True})
@friendly
@grouped
def before_after_command(
    ctx: typer.Context,
    *,
    out: Annotated[Path, typer.Option(help="Summary per centre x cutoff: .csv or .parquet.")],
    scenario: Annotated[
        str, typer.Option(help="without-hsr, without-line, new-line, without-lines-since, with-later-lines.")
    ] = "without-hsr",
    centre: Centres = None,
    line: Annotated[str | None, typer.Option(help="without-line: the line's name (e.g. 京津城际).")] = None,
    since: Annotated[str | None, typer.Option(help="without-lines-since: a date, e.g. 2020-01-01.")] = None,
    new_line: Annotated[
        str | None, typer.Option(help="new-line: its stations in order, comma-separated (station table names).")
    ] = None,
    new_line_name: Annotated[str, typer.Option(help="new-line: its name.")] = "new line",
    design_speed: Annotated[float, typer.Option(help="new-line: design speed, km/h.")] = 350.0,
    line_class: Annotated[str, typer.Option(help="new-line: high-speed, rapid or conventional.")] = "high-speed",
    cutoffs: Cutoffs = None,
    counties_out: Annotated[
        Path | None, typer.Option(help="Per county before/after (default <out>_counties.csv).")
    ] = None,
    png: Annotated[Path | None, typer.Option(help="Map of the counties entering each circle (per centre).")] = None,
    data: Data = Path(DEFAULT_DATA),
    transit: ChinaTransit,
    station_penalty: Penalty = None,
    min_transfer: TransferOpt = None,
    detour: Detour = REGIONAL_DETOUR_FACTOR,
    band_limits: BandLimits = ",".join(f"{v:g}" for v in REGIONAL_BAND_LIMITS_KM),
    band_speeds: BandSpeeds = ",".join(f"{v:g}" for v in REGIONAL_BAND_SPEEDS_KMH),
    max_access: MaxAccess = None,
    quiet: Quiet = False,
) -> None:
    """Counties and rural people entering each centre's circles with high-speed rail, a
    named line, the lines opened since a date, or a modelled new line."""
    # start-up: the China stack (pandas, geopandas, numba) loads only when a command runs
    from access.china.before_after import county_before_after, scenario_layers
    from access.io.output import write_table
    from access.viz.china_map import plot_before_after

    cutoff_values = parse_cutoffs(cutoffs, list(ctx.args))
    check_outputs(out, counties_out, png)
    names = _centres(centre) or ["北京"]
    settings = _settings(station_penalty, min_transfer, detour, band_limits, band_speeds, max_access)
    china = _load(data, quiet)
    added = None
    if scenario == "new-line":
        stations = _centres([new_line] if new_line else None)
        if len(stations) < 2:
            raise InputError("scenario new-line needs --new-line with two or more stations, e.g. 北京西,雄安,天津南.")
        added = china.rail.with_new_line(new_line_name, stations, design_speed_kmh=design_speed, line_class=line_class)
    before, after, what = scenario_layers(china.rail, scenario, line=line, since=since, new_line=added)
    result = county_before_after(
        china,
        names,
        before,
        after,
        change=what,
        cutoffs_min=cutoff_values,
        **transit.query(),
        settings=settings,
    )
    write_table(result.summary, out)
    target = counties_out or _sidecar(out, "counties")
    write_table(result.counties.drop(columns="geometry"), target)
    if png is not None:
        lines, stations = after.lines.geometry(), after.station_service()
        for name in dict.fromkeys(result.counties["centre"]):
            path = png if len(names) == 1 else png.with_name(f"{png.stem}_{_safe(name)}{png.suffix or '.png'}")
            plot_before_after(result, path, polygons=china.polygons, lines=lines, stations=stations, centre=name)
    if not quiet:
        typer.echo(f"change: {what}", err=True)
        for note in result.after.notes:
            typer.echo(f"note: {note}", err=True)
        for row in result.summary.itertuples():
            typer.echo(
                f"{row.centre} {row.cutoff_min:g} min: {row.counties_before} -> {row.counties_after} counties; "
                f"{row.entered} enter ({row.entered_population / 1e6:.2f} M people, "
                f"{row.entered_rural_population / 1e6:.2f} M rural), {row.left} leave"
            )
        typer.echo(f"wrote {out}, {target}")


@china_app.command("lines")
@friendly
def lines_command(
    out: Annotated[Path, typer.Option(help="Lines with geometry: .geojson or .gpkg (or .csv without geometry).")],
    stations_out: Annotated[Path | None, typer.Option(help="Stations with their service.")] = None,
    data: Data = Path(DEFAULT_DATA),
    quiet: Quiet = False,
) -> None:
    """The national rail layer: every line through its stations (class, design speed,
    opening date, whether the modelled service runs on it) and every station's service."""
    # start-up: the China stack (pandas, geopandas, numba) loads only when a command runs
    from access.io.output import write_table

    check_outputs(out, stations_out)
    china = _load(data, quiet)
    rail = china.rail
    geo = rail.lines.geometry().assign(modelled_service=lambda f: f["line"].isin(set(rail.served_lines)))
    geo["opened"] = geo["opened"].dt.strftime("%Y-%m-%d")
    write_table(geo if out.suffix.lower() in (".geojson", ".gpkg") else geo.drop(columns="geometry"), out)
    if stations_out is not None:
        write_table(rail.station_service(), stations_out)
    if not quiet:
        typer.echo(f"{rail!r}")
        typer.echo(rail.summary().to_string(index=False))
        for note in rail.notes:
            typer.echo(f"note: {note}", err=True)
        typer.echo(f"wrote {out}")
