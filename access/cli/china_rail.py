"""``access rail-timetable``: import real train timetables, circles and before/after on them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import Quiet
from access.config import DEFAULT_CUTOFFS_MIN, DEFAULT_DEPARTURE_TIME, DEFAULT_REGIONAL_WINDOW_MIN, RegionalSettings
from access.errors import InputError
from access.io.wording import plural

__all__ = ["rail_timetable_app"]

rail_timetable_app = typer.Typer(
    help="Real train timetables (city-level stop events) as GTFS, circles, scenarios.", no_args_is_help=True
)
app.add_typer(rail_timetable_app, name="rail-timetable")

Prefectures = Annotated[Path, typer.Option(help="Prefecture table (prefectures_cityinfo.csv): seats, population.")]
RailData = Annotated[Path, typer.Option(help="Folder with railwayvis_trains.json and the station tables.")]
TimetableOpt = Annotated[
    Path | None,
    typer.Option(
        "--timetable", help="Timetable .json or CSV train,seq,stop,arrival,departure (default: the folder's)."
    ),
]
Hubs = Annotated[str, typer.Option(help="main-station (busiest station of each city) or seat (prefecture seat).")]
Penalty = Annotated[
    float | None, typer.Option(help="Station penalty (min) at the first boarding; default by route type (15 for HSR).")
]
TransferMin = Annotated[float | None, typer.Option(help="Minimum transfer time between trains (min); default 10.")]
Cutoffs = Annotated[str, typer.Option(help="Circle sizes in minutes, comma-separated.")]
DepartureOpt = Annotated[str, typer.Option(help="First departure of the morning window, HH:MM.")]
WindowOpt = Annotated[float, typer.Option("--window", help="Departure window (min), one departure per minute.")]


def _settings(penalty: float | None, transfer: float | None):
    values = {}
    if penalty is not None:
        values["station_penalty_min"] = penalty
    if transfer is not None:
        values["min_transfer_min"] = transfer
    return RegionalSettings(**values)


def _cutoffs(text: str) -> list[float]:
    try:
        return [float(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise InputError(f"cutoffs must be minutes like 60,120, got {text!r}.") from None


@rail_timetable_app.command("to-gtfs")
@friendly
def to_gtfs_command(
    timetable: Annotated[Path, typer.Argument(help="RailwayVIS .json or CSV train,seq,stop,arrival,departure.")],
    out: Annotated[Path, typer.Argument(help="GTFS zip to write.")],
    prefectures: Annotated[Path | None, typer.Option(help="Prefecture table for city coordinates.")] = None,
    stations: Annotated[Path | None, typer.Option(help="Station table (WGS-84, GCJ-02 or BD-09 columns).")] = None,
    station2city: Annotated[Path | None, typer.Option(help="Station -> city JSON (RailwayVIS).")] = None,
    station_timetables: Annotated[
        Path | None, typer.Option(help="Per-station timetables zip: hubs at each city's busiest station.")
    ] = None,
    unknown_out: Annotated[
        Path | None, typer.Option(help="Also write the unknown stops (stop, events, trains).")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Convert a train timetable to GTFS: one stop per city hub, one route per train class,
    daily calendar (the source has no dates). Unknown cities are listed with counts."""
    # start-up: the library loads when the command runs, not for --help
    from access.china.tables import read_prefectures, read_station2city, read_station_activity, read_station_table
    from access.china.timetable import read_rail_timetable, write_timetable_gtfs
    from access.io.output import write_table

    check_outputs(out, unknown_out)
    tt = read_rail_timetable(
        timetable,
        prefectures=read_prefectures(prefectures) if prefectures else None,
        stations=read_station_table(stations) if stations else None,
        station2city=read_station2city(station2city) if station2city else None,
        activity=read_station_activity(station_timetables) if station_timetables else None,
    )
    write_timetable_gtfs(tt, out)
    if unknown_out is not None:
        write_table(tt.unknown, unknown_out)
    if not quiet:
        typer.echo(f"wrote {out}: {len(tt.trains):,} trains, {len(tt.events):,} stop events, {len(tt.hubs)} hubs")
        for row in tt.summary().itertuples():
            typer.echo(f"  {row.train_class}: {row.trains:,} trains")
        for note in tt.notes:
            typer.echo(f"  note: {note}")


@rail_timetable_app.command("circles")
@friendly
def circles_command(
    rail_data: RailData,
    prefectures: Prefectures,
    out: Annotated[Path, typer.Option(help="Circles table: .csv, .parquet, .geojson or .gpkg.")],
    centre: Annotated[
        list[str] | None,
        typer.Option(help="Centre (English or Chinese name); repeatable. Default: the seven core cities."),
    ] = None,
    png_dir: Annotated[Path | None, typer.Option(help="Write one PNG map per centre into this folder.")] = None,
    members_out: Annotated[Path | None, typer.Option(help="Also write every place's minutes to each centre.")] = None,
    timetable: TimetableOpt = None,
    hubs: Hubs = "main-station",
    station_penalty: Penalty = None,
    min_transfer: TransferMin = None,
    cutoffs: Cutoffs = ",".join(str(c) for c in DEFAULT_CUTOFFS_MIN),
    departure: DepartureOpt = DEFAULT_DEPARTURE_TIME,
    window: WindowOpt = DEFAULT_REGIONAL_WINDOW_MIN,
    quiet: Quiet = False,
) -> None:
    """Circles of real city clusters: prefectures within the cutoffs door to door (morning
    commute into each centre) by road and by road + real trains, with 2010 population."""
    # start-up: the library loads when the command runs, not for --help
    from access.china.rail import CHINA_CLUSTER_CENTRES, china_rail_circles, load_china_rail
    from access.io.output import write_table
    from access.viz.cluster_map import plot_cluster

    check_outputs(out, members_out, folders=[png_dir])
    data = load_china_rail(rail_data, prefectures, timetable=timetable, hubs=hubs)
    centres = list(centre) if centre else list(CHINA_CLUSTER_CENTRES)
    result = china_rail_circles(
        data,
        centres,
        cutoffs_min=_cutoffs(cutoffs),
        departure=departure,
        window_min=window,
        settings=_settings(station_penalty, min_transfer),
        progress=not quiet,
    )
    write_table(result.circles, out)
    if members_out is not None:
        write_table(result.members, members_out)
    if png_dir is not None:
        for name in result.circles["centre"].unique():  # each map is written and closed
            plot_cluster(
                result,
                Path(png_dir) / f"{name}.png",
                centre=name,
                title=f"{name}: commuting circles on the real timetable",
            )
    if not quiet:
        for row in result.circles.itertuples():
            typer.echo(
                f"{row.centre} {row.mode} {row.cutoff_min:g} min: {plural(row.n_places, 'place')}, "
                f"{row.population / 1e6:.1f} M people",
                err=True,
            )


@rail_timetable_app.command("before-after")
@friendly
def before_after_command(
    rail_data: RailData,
    prefectures: Prefectures,
    out: Annotated[Path, typer.Option(help="Summary table (.csv or .parquet): one row per scenario.")],
    remove_class: Annotated[str, typer.Option(help="Train classes to remove, comma-separated (C = intercity).")] = "C",
    serving: Annotated[str, typer.Option(help="Remove only trains stopping at all these cities.")] = "北京,天津",
    centre: Annotated[str, typer.Option(help="Centre of the circles.")] = "Beijing",
    origin: Annotated[str, typer.Option(help="Place whose time to the centre is reported.")] = "Tianjin",
    places_out: Annotated[Path | None, typer.Option(help="Also write per-place before/after.")] = None,
    timetable: TimetableOpt = None,
    hubs: Hubs = "main-station",
    station_penalty: Penalty = None,
    min_transfer: TransferMin = None,
    cutoffs: Cutoffs = ",".join(str(c) for c in DEFAULT_CUTOFFS_MIN),
    departure: DepartureOpt = DEFAULT_DEPARTURE_TIME,
    window: WindowOpt = DEFAULT_REGIONAL_WINDOW_MIN,
    quiet: Quiet = False,
) -> None:
    """What a line's trains change: the centre's circles and the origin's time with all
    trains and without the selected ones (default: Beijing-Tianjin C intercity)."""
    # start-up: the library loads when the command runs, not for --help
    from access.china.rail import load_china_rail, rail_before_after
    from access.io.output import write_table

    check_outputs(out, places_out)
    data = load_china_rail(rail_data, prefectures, timetable=timetable, hubs=hubs)
    classes = [c.strip() for c in remove_class.split(",") if c.strip()] or None
    cities = [c.strip() for c in serving.replace("，", ",").split(",") if c.strip()] or None
    result = rail_before_after(
        data,
        classes=classes,
        serving=cities,
        centre=centre,
        origin=origin,
        cutoffs_min=_cutoffs(cutoffs),
        departure=departure,
        window_min=window,
        settings=_settings(station_penalty, min_transfer),
        progress=not quiet,
    )
    write_table(result.summary, out)
    if places_out is not None:
        write_table(result.places, places_out)
    if not quiet:
        typer.echo(result.removed, err=True)
        typer.echo(result.summary.to_string(index=False), err=True)
