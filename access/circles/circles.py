"""Commuting circles: zones within 1 h / 2 h of one or several centres, and who lives there.

:func:`commuting_circles` runs the steps, each its own module a newcomer can read apart:

1. the zones checked into one table (:mod:`access.circles.zones`) and the centres resolved
   into point sets on the network (:mod:`access.circles.centres`);
2. zone <-> centre travel times (:mod:`access.circles.times`, :func:`centre_travel_times`);
3. membership, nearest centre and totals from that table (:mod:`access.circles.membership`,
   :func:`circle_membership`: network-free, e.g. on a regional place-to-place matrix);
4. the circle polygons, unions of isochrones (:mod:`access.circles.polygons`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from access.circles.centres import Centre, centre_frame, resolve_centres
from access.circles.definition import CircleDefinition, resolve_definition
from access.circles.membership import OUTSIDE, CommutingCircles, circle_label, circle_membership
from access.circles.polygons import circle_polygons
from access.circles.times import TRANSIT_KEYS, centre_times, centre_travel_times
from access.circles.zones import as_zones
from access.config import DEFAULT_DEPARTURE_TIME
from access.errors import InputError
from access.network.multimodal import Network

__all__ = [
    "CommutingCircles",
    "commuting_circles",
    "centre_travel_times",
    "circle_membership",
    "circle_label",
    "OUTSIDE",
]


def commuting_circles(
    network: Network,
    centres,
    *,
    zones,
    cutoffs_min: Sequence[float] | None = None,
    mode: str | None = None,
    direction: str | None = None,
    statistic: str | None = None,
    population: str | None = "population",
    jobs: str | None = "jobs",
    definition: str | CircleDefinition | dict | None = None,
    zone_points: int | None = None,
    polygons: bool = True,
    progress: bool = False,
    **routing,
) -> CommutingCircles:
    """Zones inside each centre's commuting circles, their people and jobs, and the circles.

    Parameters
    ----------
    network
        A :class:`access.Network` with ``mode`` built (transit: GTFS / rail specs).
    centres
        One centre or several (a list, or a ``{name: centre}`` dict). A centre is a
        ``(lon, lat)`` tuple or shapely Point; the name (or id) of a zone; a set of
        stations (GeoDataFrame of points, DataFrame with lon/lat, or MultiPoint: the
        time is the least over them);
        or a core polygon (reached at any street node inside it, at no extra cost; zones
        inside it get 0 min). A GeoDataFrame with a ``centre`` column gives one centre per
        value (DataFrames too). With several centres each zone is assigned to the one it reaches soonest.
    zones
        Counties, towns, villages or grid cells: GeoDataFrame (points or polygons) or a
        DataFrame with lon/lat; ids from an ``id`` column (else the row number). A polygon
        zone is represented by its representative point, or by ``zone_points`` points (its
        representative point plus points of a regular grid inside it) combined with
        ``statistic``.
    cutoffs_min
        Door-to-door limits in minutes (default 60 and 120; no 120-minute ceiling).
    mode
        ``"walk"``, ``"bike"``, ``"car"`` (default) or ``"transit"``.
    direction
        ``"to_centre"`` (default: commuters travelling in, zone -> centre) or
        ``"from_centre"``.
    statistic
        ``"min"`` (default) or ``"median"`` over a polygon zone's sample points.
    population, jobs
        Columns of ``zones`` to total (None: skip); a missing column is an error.
    definition
        A preset name (``"metropolitan_1h"``), a :class:`CircleDefinition` or a dict;
        explicit arguments override its fields. Reported as ``result.definition``.
    polygons
        Also draw the circles with :func:`access.isochrones` from the centre(s) (the union
        over a centre's stations or core points). These are *outbound* isochrones (from
        the centre) even when ``direction="to_centre"``, unless ``arrive_by`` is given
        (then they are the areas from which the centre is reached by that time); zone
        membership always comes from the travel times in the chosen direction.
    **routing
        ``departure``, ``window_min``, ``percentile``, ``access_mode`` (transit; defaults
        from the definition), ``arrive_by``, ``max_time_min`` (search budget, default
        max(180, largest cutoff)) and any further keyword of :func:`access.travel_times`
        and :func:`access.isochrones`.

    Returns
    -------
    :class:`CommutingCircles` (``zones``, ``times``, ``summary``, ``polygons``,
    ``definition``, ``centres``).
    """
    overrides = {k: routing.pop(k) for k in TRANSIT_KEYS if k in routing}
    spec = resolve_definition(
        definition,
        cutoffs_min=tuple(cutoffs_min) if cutoffs_min is not None else None,
        mode=mode,
        direction=direction,
        statistic=statistic,
        zone_points=zone_points,
        **overrides,
    )
    zone_frame = as_zones(zones, population, jobs)
    centre_list = resolve_centres(centres, zone_frame, network, spec.mode)
    spec = _report_network(spec, network, centre_list)
    times = centre_times(network, zone_frame, centre_list, spec, progress, routing)
    result = circle_membership(
        times,
        zone_frame,
        cutoffs_min=spec.cutoffs_min,
        population=population,
        jobs=jobs,
        definition=spec,
        centres=centre_frame(centre_list),
    )
    if polygons:
        result = replace(result, polygons=circle_polygons(network, centre_list, spec, progress, routing))
    return result


def runs_rail(transit) -> bool:
    """The transit network has HSR / rail routes (GTFS route_type 2 or 100-199, which
    rail specs use) or lines from rail specs (feeds named ``rail_*``), to which the HSR
    boarding penalty applies."""
    if transit is None:
        return False
    types = np.asarray(transit.route_type)
    from_specs = any(str(r).startswith("rail_") for r in np.asarray(transit.route_id))
    return bool(((types == 2) | ((types >= 100) & (types < 200))).any() or from_specs)


def _report_network(spec: CircleDefinition, network: Network, centres: list[Centre]) -> CircleDefinition:
    """Fill in what the network uses (HSR boarding penalty, transfers) and the centres;
    a preset asking for a penalty the network was not built with is an error."""
    updates: dict = {
        "centres": tuple(f"{c.name} ({c.kind}, {len(c.points)} point{'s' * (len(c.points) > 1)})" for c in centres)
    }
    if spec.mode == "transit":
        settings = network.transit_settings
        used = float(settings.rail_spec_board_penalty_min)
        if not runs_rail(network.transit):  # bus-only: no HSR penalty applies, none is reported
            used = None
        elif spec.board_penalty_hsr_min is not None and float(spec.board_penalty_hsr_min) != used:
            raise InputError(
                f"definition {spec.name!r} sets an HSR boarding penalty of {spec.board_penalty_hsr_min:g} min but the "
                f"network was built with {used:g} min; build it with TransitSettings(rail_spec_board_penalty_min="
                f"{spec.board_penalty_hsr_min:g}, board_penalty_by_route_type_min=...) or change the definition."
            )
        updates |= {"board_penalty_hsr_min": used, "max_transfers": settings.max_transfers}
        if spec.departure is None and spec.arrive_by is None:
            updates["departure"] = DEFAULT_DEPARTURE_TIME
    else:  # street modes have no window, percentile or boarding penalty
        updates |= {"board_penalty_hsr_min": None, "max_transfers": None, "departure": None}
    return spec.model_copy(update=updates)
