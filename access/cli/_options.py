"""Options shared by the ``access`` commands, declared once.

A command takes a whole group as one parameter (``network: NetworkOptions``); the
:func:`grouped` decorator spreads the group's fields into typer options and packs the
parsed values back into the dataclass, so ``--osm``, ``--gtfs``, ``--departure`` … are
written here and nowhere else. A command that needs a variant says so with
``Annotated[TransitOptions, Use(omit=..., defaults=...)]``. To add an option every routing
command gets, add a field to the group; defaults come from :mod:`access.config`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer

from access.config import (
    DEFAULT_ACCESS_MODE,
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_PERCENTILE,
    DEFAULT_WINDOW_MIN,
    StreetSettings,
)
from access.errors import InputError

__all__ = [
    "NetworkOptions",
    "TransitOptions",
    "Use",
    "grouped",
    "parse_cutoffs",
    "parse_numbers",
    "parse_modes",
    "check_choice",
    "Quiet",
    "Mode",
    "Cutoffs",
    "STREET_BUILD",
]

NETWORK_PANEL = "Network"
TRANSIT_PANEL = "Transit"

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summaries.")]
Mode = Annotated[str, typer.Option(help="walk, bike, car or transit.")]
Cutoffs = Annotated[list[str] | None, typer.Option(help="Minutes, e.g. --cutoffs 60 120.")]

Osm = Annotated[Path, typer.Option("--osm", help="OSM extract: .osm.pbf or .osm (XML).", rich_help_panel=NETWORK_PANEL)]
Bbox = Annotated[
    tuple[float, float, float, float] | None,
    typer.Option(
        help="Clip to MIN_LON MIN_LAT MAX_LON MAX_LAT (EPSG:4326).", show_default=False, rich_help_panel=NETWORK_PANEL
    ),
]
CacheDir = Annotated[
    Path | None, typer.Option(help="Network cache folder.", show_default=False, rich_help_panel=NETWORK_PANEL)
]
Gtfs = Annotated[
    list[Path] | None,
    typer.Option("--gtfs", help="GTFS feed (.zip or folder); repeat for several.", rich_help_panel=NETWORK_PANEL),
]
RailSpecs = Annotated[
    list[Path] | None,
    typer.Option("--rail-spec", help="Rail line spec YAML; repeatable.", rich_help_panel=NETWORK_PANEL),
]
ServiceDate = Annotated[
    str | None,
    typer.Option(
        help="Timetable day YYYY-MM-DD of undated departures (default: the feeds' typical weekday).",
        rich_help_panel=NETWORK_PANEL,
    ),
]
Elevation = Annotated[
    Path | None,
    typer.Option(
        help="GeoTIFF elevation model (metres): walk and bike times follow slopes.",
        show_default=False,
        rich_help_panel=NETWORK_PANEL,
    ),
]
Speeds = Annotated[
    Path | None,
    typer.Option(
        help="Car speeds by highway class: CSV highway,kmh or YAML/JSON (default: the data's country).",
        show_default=False,
        rich_help_panel=NETWORK_PANEL,
    ),
]
CarSpeed = Annotated[
    list[str] | None,
    typer.Option(
        "--car-speed",
        help="Override one class: highway=kmh (repeatable).",
        show_default=False,
        rich_help_panel=NETWORK_PANEL,
    ),
]
NetworkQuiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars or summaries.", rich_help_panel=NETWORK_PANEL)
]

Departure = Annotated[
    str | None,
    typer.Option(help="First departure, 07:00 or 2019-05-13T07:00.", rich_help_panel=TRANSIT_PANEL),
]
Window = Annotated[
    float | None,
    typer.Option(
        "--window", help="Departure window in minutes (one departure a minute).", rich_help_panel=TRANSIT_PANEL
    ),
]
Percentile = Annotated[
    float | None, typer.Option(help="Percentile of the window's travel times.", rich_help_panel=TRANSIT_PANEL)
]
Percentiles = Annotated[
    str, typer.Option(help="Comma-separated percentiles of the window, e.g. 25,50,75.", rich_help_panel=TRANSIT_PANEL)
]
AccessMode = Annotated[
    str | None,
    typer.Option(help="walk, bike or car (park-and-ride) to the first stop.", rich_help_panel=TRANSIT_PANEL),
]
ArriveBy = Annotated[
    str | None,
    typer.Option(
        help="Arrive by this time (09:00 or 2019-05-13T09:00) instead of departing: inbound trips; "
        "transit deadlines every minute of --window ending here.",
        show_default=False,
        rich_help_panel=TRANSIT_PANEL,
    ),
]

ParkRide = Annotated[
    str | None,
    typer.Option(
        "--park-ride",
        help="Transit with --access-mode car: where cars may park, 'any' stop or STOP,STOP (ids or names); "
        "default: the data's car parks (OSM park_ride, GTFS parking, rail-spec stations).",
        show_default=False,
        rich_help_panel=TRANSIT_PANEL,
    ),
]
MaxWalk = Annotated[
    float | None,
    typer.Option(
        "--max-walk",
        help="Transit: longest walk-only trip in minutes (default 60).",
        show_default=False,
        rich_help_panel=TRANSIT_PANEL,
    ),
]

# NetworkOptions fields that shape the street networks built (commands that build none omit them)
STREET_BUILD = ("elevation", "speeds", "car_speed")

_REQUIRED: Any = ...  # a group field the command line must give (typer's "required")


class OptionGroup:
    """Base of the option dataclasses: their fields are typer options (``Annotated``)."""

    # fields a command gets only when it asks for them with ``Use(add=...)``
    optional_fields: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Use:
    """How one command uses a group: ``omit`` fields, ``add`` optional ones, other ``defaults``."""

    omit: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkOptions(OptionGroup):
    """Where the network comes from: the OSM extract, its clip, feeds, cache, verbosity."""

    osm: Osm = _REQUIRED
    bbox: Bbox = None
    gtfs: Gtfs = None
    rail_spec: RailSpecs = None
    service_date: ServiceDate = None
    cache_dir: CacheDir = None
    elevation: Elevation = None
    speeds: Speeds = None
    car_speed: CarSpeed = None
    quiet: NetworkQuiet = False

    @property
    def progress(self) -> bool:
        """Progress bars unless ``--quiet``."""
        return not self.quiet

    def street_settings(self):
        """:class:`access.config.StreetSettings` from ``--speeds FILE`` / ``--car-speed
        highway=kmh`` (None: the defaults, car speeds by the data's country)."""
        if self.speeds is None and not self.car_speed:
            return None
        from access.io.speeds import parse_speed_overrides, read_speed_table  # start-up: only with speeds

        given = {"car_speeds_kmh": read_speed_table(self.speeds)} if self.speeds is not None else {}
        return StreetSettings(**given, car_speed_overrides_kmh=parse_speed_overrides(self.car_speed))

    def build(self, modes: str | Sequence[str], access_mode: str | None = None, *, moment: str | None = None):
        """The :class:`access.Network` for routing by ``modes`` (transit: with the street
        network of ``access_mode`` too), built or loaded from the cache. A dated departure
        or arrive-by ``moment`` is the service date: the network is built for that day only."""
        from access.network.multimodal import build_network, modes_for  # start-up: geopandas, numba
        from access.routing.transit import date_of  # start-up: numba

        wanted = modes_for(modes, access_mode or DEFAULT_ACCESS_MODE)
        if "transit" in wanted and not self.gtfs and not self.rail_spec:
            raise InputError("mode transit needs --gtfs FEED or --rail-spec LINE.yaml.")
        service_date = self.service_date
        dated = date_of(moment) if "transit" in wanted else None
        if dated is not None and service_date is not None and str(dated) != str(service_date):
            raise InputError(
                f"--service-date {service_date} and the departure's date {dated} differ: a dated departure is the "
                "service date; drop one."
            )
        return build_network(
            self.osm,
            wanted,
            bbox=self.bbox,
            cache_dir=self.cache_dir,
            progress=self.progress,
            gtfs=self.gtfs or (),
            rail_specs=self.rail_spec or (),
            service_date=service_date if dated is None else str(dated),
            elevation=self.elevation,
            settings=self.street_settings(),
        )


@dataclass(frozen=True)
class TransitOptions(OptionGroup):
    """When and how transit trips run: the departure window, its percentile(s), access mode."""

    # park_ride / max_walk: query-time settings of the built network (Use(add=...))
    optional_fields: ClassVar[tuple[str, ...]] = ("percentiles", "park_ride", "max_walk")

    departure: Departure = None
    window: Window = DEFAULT_WINDOW_MIN
    percentile: Percentile = DEFAULT_PERCENTILE
    percentiles: Percentiles = str(DEFAULT_PERCENTILE)
    access_mode: AccessMode = DEFAULT_ACCESS_MODE
    park_ride: ParkRide = None
    max_walk: MaxWalk = None
    arrive_by: ArriveBy = None

    @property
    def moment(self) -> str | None:
        """The departure or arrive-by time given (its date, if any, is the service date)."""
        return self.departure or self.arrive_by

    def apply(self, network):
        """``network`` with the query-time transit settings of ``--park-ride`` / ``--max-walk``."""
        changes: dict[str, Any] = {}
        if self.park_ride is not None:
            names = [p.strip() for p in self.park_ride.split(",") if p.strip()]
            changes["park_ride_stops"] = "any" if names == ["any"] else names
        if self.max_walk is not None:
            changes["max_walk_min"] = self.max_walk
        return network.with_transit_settings(**changes) if changes and network.transit is not None else network

    def percentile_list(self) -> list[float]:
        """``--percentiles 25,50,75`` as numbers."""
        return parse_numbers(self.percentiles, "percentiles")

    def query(self, *names: str) -> dict[str, Any]:
        """The library's keyword arguments (``window_min``, ``percentile``, …) for ``names``
        (default: the options this command takes, ``percentiles`` excepted)."""
        library = {"window": "window_min"}
        skip = {"percentiles", "park_ride", "max_walk", *getattr(self, "_omitted", ())}
        chosen = names or tuple(f.name for f in dataclasses.fields(self) if f.name not in skip)
        return {library.get(n, n): getattr(self, n) for n in chosen}


def grouped(command: Callable) -> Callable:
    """Spread a command's :class:`OptionGroup` parameters into typer options.

    Typer reads the wrapper's signature: the group's fields appear where the group
    parameter stood; the command is called with one dataclass per group."""
    hints = typing.get_type_hints(command, include_extras=True)
    params: list[inspect.Parameter] = []
    groups: list[tuple[str, type, dict[str, Any]]] = []  # (parameter, group class, fixed values)
    for param in inspect.signature(command).parameters.values():
        hint = hints.get(param.name, param.annotation)
        cls, use = _group(hint)
        if cls is None:
            params.append(param.replace(annotation=hint, kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        unknown = (set(use.omit) | set(use.add) | set(use.defaults)) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"{command.__name__}: {cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
        fixed = {}
        field_hints = typing.get_type_hints(cls, include_extras=True)
        for f in dataclasses.fields(cls):
            skipped = f.name in use.omit or (f.name in cls.optional_fields and f.name not in use.add)
            if skipped:
                fixed[f.name] = f.default
                continue
            default = use.defaults.get(f.name, f.default)
            params.append(
                inspect.Parameter(
                    f.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=default,  # _REQUIRED is typer's own 'required' marker (...)
                    annotation=field_hints[f.name],
                )
            )
        groups.append((param.name, cls, fixed))

    names = [p.name for p in params]
    if len(names) != len(set(names)):
        raise TypeError(f"{command.__name__}: an option is declared twice ({names})")

    @functools.wraps(command)
    def wrapper(**kwargs):
        for name, cls, fixed in groups:
            values = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(cls) if f.name not in fixed}
            group = cls(**values, **fixed)
            object.__setattr__(group, "_omitted", frozenset(fixed))  # what this command does not offer
            kwargs[name] = group
        return command(**kwargs)

    wrapper.__signature__ = inspect.Signature(params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper


def _group(hint) -> tuple[type | None, Use]:
    use = Use()
    if typing.get_origin(hint) is Annotated:
        hint, *extras = typing.get_args(hint)
        use = next((e for e in extras if isinstance(e, Use)), use)
    if isinstance(hint, type) and issubclass(hint, OptionGroup):
        return hint, use
    return None, use


def parse_numbers(text: str, what: str) -> list[float]:
    """``"25,50,75"`` or ``"25 50 75"`` as floats; anything else is an :class:`InputError`."""
    try:
        return [float(p) for p in text.replace(",", " ").split()]
    except ValueError:
        raise InputError(f"{what} must be numbers, got {text!r}.") from None


def parse_cutoffs(values: list[str] | None, extra: Sequence[str] = ()) -> list[float]:
    """Cutoffs from ``--cutoffs 60 120`` (the extra words typer leaves in ``ctx.args``),
    ``--cutoffs 60,120`` or repeated options; none given: :data:`DEFAULT_CUTOFFS_MIN`."""
    tokens = [t for v in (values or []) for t in v.replace(",", " ").split()] + list(extra)
    if not tokens:
        return list(DEFAULT_CUTOFFS_MIN)
    try:
        return [float(t) for t in tokens]
    except ValueError:
        raise InputError(f"cutoffs must be minutes, got {' '.join(tokens)!r}.") from None


def parse_modes(value: str) -> tuple[str, ...]:
    """``"walk,car"`` or ``"walk car"`` as a tuple of modes."""
    return tuple(m.strip() for m in value.replace(",", " ").split() if m.strip())


def check_choice(value: str, choices: Sequence[str], option: str) -> str:
    """``value`` when it is one of ``choices``, else an :class:`InputError` listing them
    (before any file is read or network built)."""
    if value not in choices:
        raise InputError(f"unknown {option} {value!r}; use one of {', '.join(choices)}.")
    return value
