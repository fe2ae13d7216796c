"""The national rail network from a real timetable: trains between city hubs, joined to
places (prefecture seats) by the regional road model (:mod:`access.regional.network`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from access.china.timetable import RailTimetable, timetable_to_gtfs
from access.config import RegionalSettings, TransitSettings
from access.errors import InputError
from access.io.gtfs import read_gtfs
from access.network.transit import TransitNetwork
from access.regional.network import RegionalNetwork, RegionalWarning

__all__ = ["NOMINAL_SERVICE_DATE", "timetable_feed", "drop_trains", "national_rail_network"]

# The timetables carry no dates; the GTFS calendar runs daily, so any date selects every
# train. A fixed Monday keeps results and caches reproducible.
NOMINAL_SERVICE_DATE = "2020-01-06"
_DAY_S = 86_400


def timetable_feed(
    timetable: RailTimetable, *, name: str = "cr", service_date: str = NOMINAL_SERVICE_DATE, previous_days: bool = True
):
    """A :class:`~access.io.gtfs.GtfsFeed` of the timetable for one (nominal) day.

    With ``previous_days`` every train still running after 24:00 is also added as the
    previous day's (and the day before's) run, shifted by -24 h (-48 h) with ids
    ``"train@-1d"``: a daily overnight train that left yesterday evening passes through
    this morning's window (times before midnight become negative seconds, which the router
    handles).
    """

    feed = read_gtfs(timetable_to_gtfs(timetable), service_date=service_date, name=name)
    if not previous_days:
        return feed
    st, trips = feed.stop_times, feed.trips
    last = st.groupby("trip_id")["arrival_s"].max()
    extra_st, extra_trips = [], []
    for days in (1, 2):
        late = last.index[last.to_numpy() >= days * _DAY_S]
        if not len(late):
            continue
        copy = st[st["trip_id"].isin(set(late))]
        shift = np.int32(days * _DAY_S)
        extra_st.append(
            copy.assign(
                trip_id=copy["trip_id"] + f"@-{days}d",
                arrival_s=copy["arrival_s"] - shift,
                departure_s=copy["departure_s"] - shift,
            )
        )
        t = trips[trips["trip_id"].isin(set(late))]
        extra_trips.append(t.assign(trip_id=t["trip_id"] + f"@-{days}d"))
    if not extra_st:
        return feed
    n = sum(len(t) for t in extra_trips)
    return replace(
        feed,
        stop_times=pd.concat([st, *extra_st], ignore_index=True),
        trips=pd.concat([trips, *extra_trips], ignore_index=True),
        warnings=(*feed.warnings, f"{n} runs of overnight trains from the previous day(s) added (shifted -24 h)"),
    )


def drop_trains(
    timetable: RailTimetable,
    *,
    classes: Sequence[str] | None = None,
    serving: Sequence[str] | None = None,
    trains: Sequence[str] | None = None,
) -> RailTimetable:
    """The timetable without some trains: those of ``classes`` (``"C"``) that stop at every
    city of ``serving`` (``("北京", "天津")``), and/or the numbers in ``trains``.

    A scenario "without the Beijing-Tianjin intercity" is
    ``drop_trains(tt, classes=["C"], serving=["北京", "天津"])``. The removed count goes
    into ``notes``; :class:`InputError` when nothing matches (a typo in a name).
    """
    if classes is None and serving is None and trains is None:
        raise InputError("say which trains to drop: classes=, serving= and/or trains=.")
    t = timetable.trains
    chosen = pd.Series(True, index=t.index)
    if classes is not None:
        chosen &= t["train_class"].isin(list(classes))
    if serving is not None:
        unknown = [c for c in serving if c not in set(timetable.hubs["stop_id"])]
        if unknown:
            raise InputError(f"no train stops at {', '.join(unknown)}; stops are city names such as 北京, 天津.")
        stops = timetable.events.groupby("train")["stop"].agg(set)
        chosen &= t["train"].map(lambda k: set(serving) <= stops.get(k, set()))
    if trains is not None:
        chosen &= t["train"].isin(list(trains))
    removed = set(t.loc[chosen, "train"])
    if not removed:
        raise InputError("no train matches the selection; nothing to drop.")
    what = (
        " ".join(
            filter(
                None,
                [
                    f"class {'/'.join(classes)}" if classes else "",
                    f"serving {' and '.join(serving)}" if serving else "",
                ],
            )
        )
        or "listed"
    )
    return replace(
        timetable,
        events=timetable.events[~timetable.events["train"].isin(removed)].reset_index(drop=True),
        trains=t[~chosen].reset_index(drop=True),
        notes=(*timetable.notes, f"scenario: {len(removed)} {what} trains removed"),
        source=f"{timetable.source} minus {len(removed)} {what} trains",
        _cache={},
    )


def national_rail_network(
    timetable: RailTimetable,
    places,
    *,
    settings: RegionalSettings | None = None,
    transit_settings: TransitSettings | None = None,
    units: float = 1.0,
    service_date: str = NOMINAL_SERVICE_DATE,
    previous_days: bool = True,
) -> RegionalNetwork:
    """A :class:`~access.regional.network.RegionalNetwork` of ``places`` (prefecture seats,
    see :func:`access.io.places.read_places`) and every train of ``timetable``.

    Places reach city hubs and leave them by the regional road model (great-circle x
    detour at banded speeds); the first boarding costs the station penalty (15 min for
    G/D/C and K/Z/T by route type, ``settings.station_penalty_min`` to override), every
    change of trains ``settings.min_transfer_min`` (10 min).
    """

    settings = settings or RegionalSettings()
    transit_settings = transit_settings or TransitSettings()
    # the rail network depends on the timetable and these only: penalties and the road
    # model are applied on top, so sensitivity runs reuse it
    key = ("transit", service_date, previous_days, settings.transfer_radius_m, transit_settings.model_dump_json())
    if timetable.events.empty:  # a scenario may remove every train: roads only
        return RegionalNetwork.from_transit(
            places, None, settings=settings, transit_settings=transit_settings, units=units
        )
    if key not in timetable._cache:
        feed = timetable_feed(timetable, service_date=service_date, previous_days=previous_days)
        timetable._cache[key] = TransitNetwork.from_feed(
            feed, None, transit_settings, transfer_radius_m=settings.transfer_radius_m
        )
    with warnings.catch_warnings():
        # hubs far from every place (Tibet, border towns) are expected on a national network
        # whose place table covers 279 prefectures; the note stays in ``network.warnings``
        warnings.simplefilter("ignore", RegionalWarning)
        return RegionalNetwork.from_transit(
            places, timetable._cache[key], settings=settings, transit_settings=transit_settings, units=units
        )
