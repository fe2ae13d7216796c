"""Before/after comparison of two networks on the same origins, destinations and window."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.config import (
    DEFAULT_CUTOFFS_MIN,
    DEFAULT_MAX_TIME_MIN,
    DEFAULT_MODE,
    DEFAULT_PERCENTILE,
    DEFAULT_WINDOW_MIN,
)
from access.errors import InputError
from access.io.opportunities import count_values
from access.io.points import Points, as_points, read_points
from access.measures.accessibility import accessibility_from_matrix
from access.measures.equity import gini
from access.network.multimodal import Network
from access.network.snap import snap_points
from access.routing.matrix import travel_times
from access.scenarios.model import Scenario

__all__ = ["Comparison", "compare", "as_centres", "compare_scenario", "scenario_points"]

CHANGE_TOLERANCE_MIN = 0.0  # minutes: a centre time change beyond this makes a winner / loser


@dataclass
class Comparison:
    """Result of :func:`compare`.

    ``origins``: one row per origin (EPSG:4326 points) with before / after / change
    columns; ``summary``: a tidy table (``metric``, ``by``, ``group``, ``centre``,
    ``cutoff_min``, ``before``, ``after``, ``change``, ``value``); ``settings``: what was
    computed (mode, window, cutoffs, columns).
    """

    origins: gpd.GeoDataFrame
    summary: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def headline(self) -> dict[str, float]:
        """The key numbers as ``{label: value}`` (for reports and APIs)."""
        out: dict[str, float] = {}
        s = self.summary
        for row in s[s["by"] == "all"].itertuples():
            label = row.metric + (f" [{row.centre}]" if isinstance(row.centre, str) and row.centre else "")
            label += f" {row.cutoff_min:g} min" if pd.notna(row.cutoff_min) else ""
            if pd.notna(row.value):
                out[label] = float(row.value)
            else:
                out[f"{label} before"] = float(row.before)
                out[f"{label} after"] = float(row.after)
        return out

    def to_dict(self) -> dict:
        """JSON-friendly: settings, summary records and per-origin records (lon/lat, NaN as None)."""

        def clean(records):
            return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in records]

        frame = pd.DataFrame(self.origins.drop(columns="geometry"))
        frame["lon"], frame["lat"] = self.origins.geometry.x, self.origins.geometry.y
        return {
            "settings": self.settings,
            "summary": clean(self.summary.astype(object).to_dict("records")),
            "origins": clean(frame.astype(object).to_dict("records")),
        }


def as_centres(centres) -> gpd.GeoDataFrame:
    """Centres as points with a ``name``: a GeoDataFrame/DataFrame (``name`` column, else
    ``id``), a list of :class:`~access.scenarios.model.Centre` / dicts
    ``{name, lon, lat}``, or ``{name: (lon, lat)}``."""
    if centres is None:
        return gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    if isinstance(centres, dict):
        centres = [{"name": k, "lon": v[0], "lat": v[1]} for k, v in centres.items()]
    if isinstance(centres, list) and centres and not isinstance(centres[0], (tuple, list)):
        rows = [c.model_dump() if hasattr(c, "model_dump") else dict(c) for c in centres]
        centres = pd.DataFrame(rows)
    frame = as_points(centres, what="centres").to_frame()
    names = (
        centres["name"].astype(str).to_numpy()
        if isinstance(centres, pd.DataFrame) and "name" in centres
        else (frame["id"].astype(str).to_numpy())
    )
    if len(set(names)) != len(names):
        raise InputError(f"centres: names must be unique, got {list(names)}.")
    return gpd.GeoDataFrame({"name": names}, geometry=frame.geometry.to_numpy(), crs=4326)


def _matrix(network: Network, origins: Points, dest: Points, kw: dict) -> np.ndarray:
    if kw["mode"] == "transit" and network.transit is None:
        # a base without any transit (lines only in the scenario): by transit one walks
        kw = {"mode": "walk", "max_time_min": kw["max_time_min"], "progress": kw["progress"]}
    table = travel_times(network, origins, dest, **kw)
    return table.iloc[:, 2].to_numpy(np.float64).reshape(len(origins), len(dest))


def _weighted(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Weighted mean and coefficient of variation (NaN values left out)."""
    keep = ~np.isnan(values) & (weights > 0)
    v, w = values[keep], weights[keep]
    if w.sum() <= 0:
        return float("nan"), float("nan")
    mean = float(np.average(v, weights=w))
    std = float(np.sqrt(np.average((v - mean) ** 2, weights=w)))
    return mean, (std / mean if mean > 0 else float("nan"))


def compare(
    base: Network,
    scenario: Network,
    origins,
    opportunities=None,
    *,
    centres=None,
    mode: str = DEFAULT_MODE,
    cutoffs_min: Sequence[float] = DEFAULT_CUTOFFS_MIN,
    opportunity: str = "jobs",
    population: str = "population",
    by: str | None = "county",
    class_column: str | None = "class",
    departure=None,
    window_min: float = DEFAULT_WINDOW_MIN,
    percentile: float = DEFAULT_PERCENTILE,
    access_mode: str = "walk",
    max_time_min: float = DEFAULT_MAX_TIME_MIN,
    progress: bool = False,
) -> Comparison:
    """Accessibility and travel times to centres before (``base``) and after (``scenario``).

    Both networks are routed with the same origins, destinations, departure window and
    percentile. Per origin: minutes to each centre before / after / change (NaN:
    unreachable within ``max_time_min``), a status (``newly_reachable``,
    ``no_longer_reachable``, ``faster``, ``slower``, ``unchanged``, ``unreachable``),
    opportunities reachable within each cutoff before / after / change / relative change,
    and the opportunities gained and lost. Summary: population inside each centre's
    circle before / after, entering and leaving it; population-weighted mean access (all,
    by ``class_column`` e.g. urban / rural, by ``by`` e.g. county), its Gini and CV;
    winners and losers. When ``scenario is base`` nothing is routed twice and every
    change is exactly zero.

    Parameters
    ----------
    origins, opportunities
        Points (EPSG:4326) as :func:`access.as_points` reads them; ``origins`` carry
        ``population`` (weights; 1 each when absent), ``class`` and ``county`` columns when
        given; ``opportunities`` (default: the origins) carry the ``opportunity`` counts.
    centres
        Centres whose ``cutoffs_min`` circles are compared (see :func:`as_centres`).
    mode, access_mode, departure, window_min, percentile, max_time_min
        As :func:`access.travel_times` (minutes).
    """
    origin_points = as_points(origins, what="origins")  # normalised once, routed as Points
    opp_points = origin_points if opportunities is None else as_points(opportunities, what="opportunities")
    origin_frame = origin_points.to_frame()
    opp_frame = origin_frame if opportunities is None else opp_points.to_frame()
    if opportunity not in opp_frame:
        raise InputError(
            f"opportunities have no column {opportunity!r}; columns: {', '.join(map(str, opp_frame.columns))}."
        )
    cutoffs = sorted({float(c) for c in cutoffs_min})
    if not cutoffs or any(not 0 < c <= 1440 for c in cutoffs):
        raise InputError(f"cutoffs must lie in (0, 1440] minutes, got {list(cutoffs_min)}.")
    centre_frame = as_centres(centres)
    n_o, n_opp = len(origin_frame), len(opp_frame)
    dest = Points(
        ids=np.arange(n_opp + len(centre_frame)),
        lon=np.r_[opp_points.lon, centre_frame.geometry.x.to_numpy(dtype=float)],
        lat=np.r_[opp_points.lat, centre_frame.geometry.y.to_numpy(dtype=float)],
        attributes=pd.DataFrame(index=pd.RangeIndex(n_opp + len(centre_frame))),
    )
    kw = {"mode": mode, "max_time_min": max(float(max_time_min), max(cutoffs)), "progress": progress}
    if mode == "transit":
        kw |= {
            "departure": departure,
            "window_min": window_min,
            "percentiles": (percentile,),
            "access_mode": access_mode,
        }
    before = _matrix(base, origin_points, dest, kw)
    after = before if scenario is base else _matrix(scenario, origin_points, dest, kw)

    weights = count_values(origin_frame, population, "origins") if population in origin_frame else np.ones(n_o)
    opp = count_values(opp_frame, opportunity, "opportunities")
    # residents beyond the snapping limit (on either network): no access to measure, so
    # NaN and left out of means, Gini, winners and losers, and counted apart
    off = _off_network(base, mode, origin_points) | _off_network(scenario, mode, origin_points)
    out = {"id": origin_frame["id"].to_numpy()}
    for column in (population, by, class_column):
        if column and column in origin_frame and column not in out:
            out[column] = origin_frame[column].to_numpy()
    summary: list[dict] = []
    groups = [("all", np.full(n_o, "all", dtype=object))]
    for column in (class_column, by):
        if column and column in origin_frame:
            groups.append((column, origin_frame[column].astype(str).to_numpy()))

    def row(metric, *, group_by="all", group="all", centre="", cutoff=np.nan, b=np.nan, a=np.nan, value=np.nan):
        summary.append(
            {
                "metric": metric,
                "by": group_by,
                "group": group,
                "centre": centre,
                "cutoff_min": cutoff,
                "before": b,
                "after": a,
                "change": a - b,
                "value": value,
            }
        )

    for group_by, labels in groups:
        for g in pd.unique(labels):
            sel = labels == g
            row("off_network_origins", group_by=group_by, group=g, value=int((sel & off).sum()))
            row("off_network_population", group_by=group_by, group=g, value=weights[sel & off].sum())

    # -- accessibility: cumulative opportunities within each cutoff --------------------
    acc_before = _cumulative(before[:, :n_opp], origin_frame, opp_frame, opportunity, cutoffs)
    acc_after = (
        acc_before if after is before else _cumulative(after[:, :n_opp], origin_frame, opp_frame, opportunity, cutoffs)
    )
    acc_before[off] = np.nan
    if acc_after is not acc_before:
        acc_after[off] = np.nan
    for i, c in enumerate(cutoffs):
        name = f"{opportunity}_{c:g}min"
        b, a = acc_before[:, i], acc_after[:, i]
        within_b = before[:, :n_opp] <= c
        within_a = after[:, :n_opp] <= c
        gained = np.where(off, np.nan, (within_a & ~within_b) @ opp)
        lost = np.where(off, np.nan, (within_b & ~within_a) @ opp)
        out[f"{name}_before"], out[f"{name}_after"], out[f"{name}_change"] = b, a, a - b
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_change_pct"] = np.where(b > 0, 100.0 * (a - b) / b, np.nan)
        out[f"{name}_gained"], out[f"{name}_lost"] = gained, lost
        change = a - b
        for group_by, labels in groups:
            for g in pd.unique(labels):
                sel = labels == g
                mb, cvb = _weighted(b[sel], weights[sel])
                ma, cva = _weighted(a[sel], weights[sel])
                row(f"mean_{opportunity}", group_by=group_by, group=g, cutoff=c, b=mb, a=ma)
                row("winners_population", group_by=group_by, group=g, cutoff=c, value=weights[sel & (change > 0)].sum())
                row("losers_population", group_by=group_by, group=g, cutoff=c, value=weights[sel & (change < 0)].sum())
                row("winners", group_by=group_by, group=g, cutoff=c, value=int((sel & (change > 0)).sum()))
                row("losers", group_by=group_by, group=g, cutoff=c, value=int((sel & (change < 0)).sum()))
                if group_by == "all":
                    row(f"gini_{opportunity}", cutoff=c, b=gini(b, weights), a=gini(a, weights))
                    row(f"cv_{opportunity}", cutoff=c, b=cvb, a=cva)
                    row(f"mean_{opportunity}_newly_reachable", cutoff=c, value=_weighted(gained, weights)[0])
                    row(f"origins_from_zero_{opportunity}", cutoff=c, value=int(((b == 0) & (a > 0)).sum()))

    # -- centres: minutes before / after, circles entered and left ---------------------
    for k, centre in enumerate(centre_frame["name"]):
        tb, ta = before[:, n_opp + k], after[:, n_opp + k]
        slug = _slug(centre)
        out[f"time_to_{slug}_before"], out[f"time_to_{slug}_after"], out[f"time_to_{slug}_change"] = tb, ta, ta - tb
        status = np.select(
            [
                np.isnan(tb) & np.isnan(ta),
                np.isnan(tb),
                np.isnan(ta),
                ta < tb - CHANGE_TOLERANCE_MIN,
                ta > tb + CHANGE_TOLERANCE_MIN,
            ],
            ["unreachable", "newly_reachable", "no_longer_reachable", "faster", "slower"],
            "unchanged",
        )
        status = np.where(off, "off_network", status)
        out[f"time_to_{slug}_status"] = status
        for s in ("newly_reachable", "no_longer_reachable", "faster", "slower"):
            row(f"origins_{s}", centre=centre, value=int((status == s).sum()))
        for c in cutoffs:
            ib, ia = tb <= c, ta <= c
            out[f"{slug}_{c:g}min_circle"] = np.select([ib & ia, ia, ib], ["inside", "entering", "leaving"], "outside")
            for group_by, labels in groups:
                for g in pd.unique(labels):
                    sel = labels == g
                    row(
                        "population_inside",
                        group_by=group_by,
                        group=g,
                        centre=centre,
                        cutoff=c,
                        b=weights[sel & ib].sum(),
                        a=weights[sel & ia].sum(),
                    )
                    row(
                        "population_entering",
                        group_by=group_by,
                        group=g,
                        centre=centre,
                        cutoff=c,
                        value=weights[sel & ia & ~ib].sum(),
                    )
                    row(
                        "population_leaving",
                        group_by=group_by,
                        group=g,
                        centre=centre,
                        cutoff=c,
                        value=weights[sel & ib & ~ia].sum(),
                    )
            row("origins_entering", centre=centre, cutoff=c, value=int((ia & ~ib).sum()))
            row("origins_leaving", centre=centre, cutoff=c, value=int((ib & ~ia).sum()))
    out["off_network"] = off
    result = gpd.GeoDataFrame(out, geometry=origin_frame.geometry.to_numpy(), crs=4326)
    settings = {
        "mode": mode,
        "access_mode": access_mode,
        "departure": str(departure) if departure is not None else None,
        "window_min": float(window_min),
        "percentile": float(percentile),
        "cutoffs_min": cutoffs,
        "max_time_min": kw["max_time_min"],
        "opportunity": opportunity,
        "population": population,
        "by": by,
        "class_column": class_column,
        "centres": list(centre_frame["name"]),
        "n_origins": n_o,
        "n_opportunities": n_opp,
    }
    return Comparison(origins=result, summary=pd.DataFrame(summary), settings=settings)


def scenario_points(scenario: Scenario, origins: str | Path | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``(origins, opportunities)`` a scenario is compared on: the points of ``origins``
    (default ``base.origins``, else ``base.opportunities``) and of ``base.opportunities``."""
    opportunities = scenario.base.opportunities
    origin_file = origins or scenario.base.origins or opportunities
    if origin_file is None or opportunities is None:
        raise InputError(f"scenario {scenario.name!r}: base.opportunities (points with counts) is needed to compare.")
    return read_points(origin_file), read_points(opportunities)


def compare_scenario(
    scenario: Scenario, base: Network, after: Network, origins, opportunities, *, progress: bool = False
) -> Comparison:
    """:func:`compare` with the settings of the scenario's ``compare:`` block (mode,
    window, cutoffs, centres, columns)."""
    c = scenario.compare
    return compare(
        base,
        after,
        origins,
        opportunities,
        centres=c.centres,
        mode=c.mode,
        cutoffs_min=c.cutoffs_min,
        opportunity=c.opportunity,
        population=c.population,
        by=c.by,
        class_column=c.class_column,
        departure=c.departure,
        window_min=c.window_min,
        percentile=c.percentile,
        access_mode=c.access_mode,
        max_time_min=c.max_time_min,
        progress=progress,
    )


def _cumulative(t_min: np.ndarray, origins, opps, column: str, cutoffs) -> np.ndarray:
    """(n_origins, n_cutoffs) opportunities within each cutoff, by the cumulative measure."""
    n_o, n_d = t_min.shape
    table = pd.DataFrame(
        {
            "from_id": np.repeat(np.arange(n_o), n_d),
            "to_id": np.tile(np.arange(n_d), n_o),
            "travel_time_min": t_min.ravel(),
        }
    )
    opp = pd.DataFrame({"id": np.arange(n_d), column: count_values(opps, column, "opportunities")})
    acc = accessibility_from_matrix(
        table, opp, measure="cumulative", opportunity=column, cutoffs_min=cutoffs, origins=np.arange(n_o)
    )
    acc = acc.set_index("id").reindex(np.arange(n_o))
    return np.array(acc.drop(columns=[c for c in acc.columns if not str(c).startswith(column)]), dtype=np.float64)


def _off_network(network: Network, mode: str, origins: Points) -> np.ndarray:
    """Origins beyond ``max_snap_m`` of the network their trips start on (walk for transit)."""
    street = network.street("walk" if mode == "transit" else mode)
    return ~snap_points(street, *origins.projected(street.crs_epsg)).ok


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", str(name)).strip("_").lower() or "centre"
