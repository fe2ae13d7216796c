"""A modelled train service along every line, for the stations the real timetable does not
serve (保定东, 唐山, 无锡东, ...), calibrated on the station pairs it does.

Per line class (high-speed / rapid / conventional) the model has three numbers:

- ``speed_share``: running speed as a share of the line's design speed, over the
  great-circle km between consecutive stations. Fitted by least squares to the fastest
  real ride between consecutive key stations of lines of that class (trains of the
  matching family: G/D/C on high-speed and rapid lines, the others on conventional
  lines), so the ride between two key stations without stops matches the real one. A
  line with real rides of its own runs at its own fitted share (``line_share``); the
  class share serves the others, and its error is reported leaving each line out.
- ``dwell_min``: the median real dwell (departure - arrival) at intermediate calls.
- ``stop_loss_min``: what one more intermediate stop adds to a ride, dwell included: per
  station pair, the fastest real ride with one intermediate call minus the fastest
  without, the median over pairs (floored at the dwell).

Two patterns run in both directions from ``first_departure`` to ``last_departure``: a
local calling at every station (every ``headway_min``) and an express calling at the
line's two ends and at one station per prefecture-level city the line passes without a key
station (the line's station nearest the city's seat, if within ``express_seat_km``), every
``express_headway_min`` - the way real G trains serve 保定东 or 无锡 without stopping at
every halt. Defaults in :class:`access.config.ChinaRailSettings`. Trips are labelled
``modelled`` in every output; the calibration error is reported per class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from access._geo import haversine_m
from access.china.lines import RailLines
from access.china.timetable import RailTimetable
from access.config import ChinaRailSettings
from access.errors import InputError

__all__ = ["ServiceModel", "calibrate_service", "modelled_events", "express_stops", "FAST_TRAIN_CLASSES"]

FAST_TRAIN_CLASSES = ("G", "D", "C")  # EMU classes of high-speed and rapid lines
_CLASSES = ("high-speed", "rapid", "conventional")


@dataclass(frozen=True)
class ServiceModel:
    """Calibrated per-class parameters (``table``: ``line_class, speed_share, dwell_min,
    stop_loss_min, headway_min, express_headway_min, pairs, lines, mae_min,
    median_abs_pct, max_abs_min`` - the errors of the class model predicting each line's
    real rides with that line left out of the fit), the calibration pairs (``pairs``:
    ``line, line_class, from_station, to_station, km, design_speed_kmh, real_min,
    model_min`` (leave-one-line-out), ``error_min``) and per-line fitted shares."""

    table: pd.DataFrame
    pairs: pd.DataFrame
    settings: ChinaRailSettings
    line_share: dict[str, float] = field(default_factory=dict)

    def of(self, line_class: str) -> pd.Series:
        return self.table.set_index("line_class").loc[line_class]

    def share(self, line: str, line_class: str) -> float:
        """The running speed share of a line: its own fit, else its class's."""
        return float(self.line_share.get(line, self.of(line_class)["speed_share"]))

    def summary(self) -> str:
        """One line per class: share, dwell, stop loss and the calibration error."""
        parts = []
        for r in self.table.itertuples():
            parts.append(
                f"{r.line_class}: {r.speed_share:.2f} x design speed, dwell {r.dwell_min:.1f} min, "
                f"{r.stop_loss_min:.1f} min per stop, locals every {r.headway_min:g} min, expresses every "
                f"{r.express_headway_min:g} min; error on {r.pairs} real pairs of {r.lines} lines (each line left "
                f"out of the fit): mean {r.mae_min:.1f} min, median {r.median_abs_pct:.0f} %"
            )
        return "; ".join(parts)


def _family(trains: pd.DataFrame) -> pd.Series:
    return trains.set_index("train")["train_class"].isin(FAST_TRAIN_CLASSES)


def _rides(timetable: RailTimetable) -> pd.DataFrame:
    """Every ordered pair of calls of every train: ``train, fast, a, b, ride_min,
    between`` (intermediate calls); quadratic per train, ~10^5 rows on the real data."""
    ev = timetable.events
    fast = ev["train"].map(_family(timetable.trains)).to_numpy()
    train = ev["train"].to_numpy()
    stop = ev["stop"].to_numpy()
    arr, dep = ev["arrival_s"].to_numpy(np.int64), ev["departure_s"].to_numpy(np.int64)
    starts = np.flatnonzero(np.r_[True, train[1:] != train[:-1]])
    ends = np.r_[starts[1:], len(train)]
    rows_i, rows_j = [], []
    for s, e in zip(starts, ends, strict=True):
        i, j = np.triu_indices(e - s, 1)
        rows_i.append(i + s)
        rows_j.append(j + s)
    i, j = np.concatenate(rows_i), np.concatenate(rows_j)
    return pd.DataFrame(
        {
            "train": train[i],
            "fast": fast[i],
            "a": stop[i],
            "b": stop[j],
            "ride_min": (arr[j] - dep[i]) / 60.0,
            "between": j - i - 1,
            "dwell_min": np.where(j - i == 1, 0.0, np.nan),
        }
    )


def calibrate_service(
    lines: RailLines, timetable: RailTimetable, settings: ChinaRailSettings | None = None
) -> ServiceModel:
    """Fit :class:`ServiceModel` on the real timetable (see the module docstring)."""
    settings = settings or ChinaRailSettings()
    ev = timetable.events
    fast_of = _family(timetable.trains)
    stay = (ev["departure_s"] - ev["arrival_s"]) / 60.0
    first = ev["seq"] == 1
    last = ev["seq"] == ev.groupby("train")["seq"].transform("max")
    middle = ~first & ~last & (stay > 0)
    dwell = {
        True: float(np.median(stay[middle & ev["train"].map(fast_of)])),
        False: float(np.median(stay[middle & ~ev["train"].map(fast_of)])),
    }
    rides = _rides(timetable)
    rides = rides[rides["ride_min"] > 0]
    # the cost of one more stop: per station pair, the fastest ride with one intermediate
    # call minus the fastest without; the median over pairs (fastest rides compare like with
    # like: a slower train class does not pass for a stop)
    slope = {}
    for fast in (True, False):
        r = rides[(rides["fast"] == fast) & (rides["between"] <= 1)]
        best = r.groupby(["a", "b", "between"])["ride_min"].min().unstack()
        if 0 in best and 1 in best and (best[1] - best[0]).notna().any():
            slope[fast] = float((best[1] - best[0]).dropna().median())
        else:
            slope[fast] = dwell[fast]
    fastest = rides.groupby(["fast", "a", "b"])["ride_min"].min()
    key_pairs = []
    stops = lines.stops
    for line in lines.lines.itertuples(index=False):
        mine = stops[(stops["line"] == line.line) & stops["key"]]
        fast = line.line_class != "conventional"
        for (a, ka), (b, kb) in zip(
            mine[["station", "km"]].to_numpy()[:-1], mine[["station", "km"]].to_numpy()[1:], strict=True
        ):
            for x, y in ((a, b), (b, a)):
                real = fastest.get((fast, x, y))
                if real is not None and np.isfinite(real):
                    key_pairs.append(
                        (line.line, line.line_class, x, y, abs(kb - ka), line.design_speed_kmh, float(real))
                    )
    pairs = pd.DataFrame(
        key_pairs, columns=["line", "line_class", "from_station", "to_station", "km", "design_speed_kmh", "real_min"]
    )
    # each physical section once per direction: a section shared by two lines of the class
    # (京沪高铁 and 沪宁城际 between 常州 and 苏州) counts once
    pairs = pairs.drop_duplicates(["line_class", "from_station", "to_station"]).reset_index(drop=True)
    rows = []
    line_share: dict[str, float] = {}
    pairs["model_min"] = np.nan
    for line_class in _CLASSES:
        fast = line_class != "conventional"
        mine = pairs[pairs["line_class"] == line_class]
        k = (mine["km"] / mine["design_speed_kmh"] * 60.0).to_numpy()
        r = mine["real_min"].to_numpy()
        given = settings.speed_share.get(line_class)
        if given is not None:
            share = float(given)
        elif len(k) and (k * r).sum() > 0:
            share = float((k * k).sum() / (k * r).sum())  # least squares on 1/share
        else:
            raise InputError(f"no real ride between key stations of {line_class} lines to calibrate on.")
        # each line with real rides runs at its own share; the class share is judged on
        # how well it predicts a line it was not fitted on
        held_out = np.empty(len(k))
        for line in mine["line"].unique():
            own = (mine["line"] == line).to_numpy()
            if given is None:
                line_share[line] = float((k[own] * k[own]).sum() / (k[own] * r[own]).sum())
            rest = ~own
            other = share if given is not None or not rest.any() else (k[rest] ** 2).sum() / (k[rest] * r[rest]).sum()
            held_out[own] = k[own] / other
        pairs.loc[mine.index, "model_min"] = held_out
        err = held_out - r
        d = settings.dwell_min.get(line_class, dwell[fast])
        loss = settings.stop_loss_min.get(line_class, max(slope[fast], d))
        rows.append(
            {
                "line_class": line_class,
                "speed_share": share,
                "dwell_min": float(d),
                "stop_loss_min": float(loss),
                "headway_min": float(settings.headway_min[line_class]),
                "express_headway_min": float(settings.express_headway_min[line_class]),
                "pairs": int(len(k)),
                "lines": int(mine["line"].nunique()),
                "mae_min": float(np.mean(np.abs(err))) if len(k) else np.nan,
                "median_abs_pct": float(np.median(np.abs(err) / r) * 100) if len(k) else np.nan,
                "max_abs_min": float(np.max(np.abs(err))) if len(k) else np.nan,
            }
        )
    pairs["error_min"] = pairs["model_min"] - pairs["real_min"]
    return ServiceModel(table=pd.DataFrame(rows), pairs=pairs, settings=settings, line_share=line_share)


def _clock_s(text: str) -> int:
    h, m = str(text).split(":")[:2]
    return int(h) * 3600 + int(m) * 60


def express_stops(lines: RailLines, station_city: pd.DataFrame, seat_km: float) -> dict[str, set[str]]:
    """Per line, the stations its express calls at between the ends: for each prefecture
    the line passes that none of its key stations serves, the line's station nearest the
    prefecture's seat, if within ``seat_km``. ``station_city``: ``station, prefecture,
    seat_lon, seat_lat``."""

    info = station_city.drop_duplicates("station").set_index("station")
    out: dict[str, set[str]] = {}
    for line, group in lines.stops.groupby("line", sort=False):
        known = group[group["station"].isin(info.index)]
        if known.empty:
            out[line] = set()
            continue
        pref = info.loc[known["station"], "prefecture"].to_numpy()
        served = set(pref[known["key"].to_numpy()])
        d = haversine_m(
            known["lon"].to_numpy(),
            known["lat"].to_numpy(),
            info.loc[known["station"], "seat_lon"].to_numpy(),
            info.loc[known["station"], "seat_lat"].to_numpy(),
        )
        frame = pd.DataFrame({"station": known["station"].to_numpy(), "prefecture": pref, "km": d / 1000.0})
        frame = frame[~frame["prefecture"].isin(served) & (frame["km"] <= seat_km)]
        out[line] = set(frame.sort_values("km").drop_duplicates("prefecture")["station"])
    return out


def modelled_events(
    lines: RailLines, model: ServiceModel, express: dict[str, set[str]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stop events and trips of the modelled service on every line of ``lines``: locals at
    every station and, where ``express`` (:func:`express_stops`) names stations for a
    line, expresses calling at its ends and those.

    Returns ``events`` (``train, seq, stop, arrival_s, departure_s``, the layout of
    :class:`~access.china.timetable.RailTimetable`) and ``trips`` (``train, line,
    line_class, pattern, direction, route_type``); ids ``M~<line>~<pattern>~<dir>~<HHMM>``.
    """
    settings = model.settings
    first_s, last_s = _clock_s(settings.first_departure), _clock_s(settings.last_departure)
    ev_parts, trip_rows = [], []
    for line in lines.lines.itertuples(index=False):
        p = model.of(line.line_class)
        mine = lines.stops[lines.stops["line"] == line.line]
        if len(mine) < 2:
            continue
        speed = model.share(line.line, line.line_class) * line.design_speed_kmh
        route_type = 102 if line.line_class == "conventional" else 101
        patterns = [("local", np.ones(len(mine), dtype=bool), p.headway_min)]
        calls = (express or {}).get(line.line, set())
        if calls:
            stops = mine["station"].isin(calls).to_numpy().copy()
            stops[0] = stops[-1] = True
            if stops.sum() < len(mine):
                patterns.append(("express", stops, p.express_headway_min))
        for pattern, stopping, headway in patterns:
            sub = mine[stopping]
            km = sub["km"].to_numpy()
            run_s = np.diff(km) / speed * 3600.0
            dwell_s = p.dwell_min * 60.0
            # the stop loss beyond the dwell is braking + accelerating, half on each leg
            extra_s = max(p.stop_loss_min * 60.0 - dwell_s, 0.0)
            n = len(km)
            starts = np.arange(first_s, last_s + 1, headway * 60.0).astype(np.int64)
            for direction, names, legs in (
                ("down", sub["station"].to_numpy(), run_s),
                ("up", sub["station"].to_numpy()[::-1], run_s[::-1]),
            ):
                k = np.arange(n - 1)
                leg = legs + extra_s / 2 * (k > 0) + extra_s / 2 * (k < n - 2)
                arrive = np.r_[0.0, np.cumsum(leg) + dwell_s * k]
                depart = arrive + dwell_s * ((np.arange(n) > 0) & (np.arange(n) < n - 1))
                arrive, depart = np.rint(arrive).astype(np.int64), np.rint(depart).astype(np.int64)
                ids = [f"M~{line.line}~{pattern}~{direction}~{t // 3600:02d}{t // 60 % 60:02d}" for t in starts]
                ev_parts.append(
                    pd.DataFrame(
                        {
                            "train": np.repeat(ids, n),
                            "seq": np.tile(np.arange(1, n + 1, dtype=np.int32), len(starts)),
                            "stop": np.tile(names, len(starts)),
                            "arrival_s": (arrive[None, :] + starts[:, None]).ravel().astype(np.int32),
                            "departure_s": (depart[None, :] + starts[:, None]).ravel().astype(np.int32),
                        }
                    )
                )
                trip_rows += [(i, line.line, line.line_class, pattern, direction, route_type) for i in ids]
    columns = ["train", "seq", "stop", "arrival_s", "departure_s"]
    events = pd.concat(ev_parts, ignore_index=True) if ev_parts else pd.DataFrame(columns=columns)
    trips = pd.DataFrame(trip_rows, columns=["train", "line", "line_class", "pattern", "direction", "route_type"])
    return events, trips
