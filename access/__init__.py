"""commuting-circles: transport accessibility and commuting-circle analysis.

A notebook user needs only these names::

    import access
    net = access.build_network("region.osm.pbf", modes=("walk", "car"), gtfs=["buses.zip"])
    iso = access.isochrones(net, (116.40, 39.90), cutoffs_min=(60, 120))        # by car
    tt = access.travel_times(net, origins, destinations, mode="transit")
    jobs = access.accessibility(net, origins, access.read_points("jobs.csv", preset="opportunities"))
    circles = access.commuting_circles(net, "Core City", zones=zones)

Nouns: :class:`Network` (a :class:`StreetNetwork` per mode and a :class:`TransitNetwork`),
their settings, :class:`Scenario`, and the results :class:`CommutingCircles`,
:class:`Comparison`, :class:`TravelTimeSurface`. Every verb's ``mode`` defaults to
:data:`access.config.DEFAULT_MODE` (car). China and city-cluster helpers live in
:mod:`access.china` and :mod:`access.regional`; settings and defaults in :mod:`access.config`.

The names are loaded on first use (PEP 562 ``__getattr__``), so ``import access`` and the
``access`` command start in a fraction of a second; geopandas, numba and matplotlib load
with the first function that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> "module:name" that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    # networks and their settings
    "build_network": "access.network.multimodal:build_network",
    "Network": "access.network.multimodal:Network",
    "StreetNetwork": "access.network.street:StreetNetwork",
    "TransitNetwork": "access.network.transit:TransitNetwork",
    "StreetSettings": "access.config:StreetSettings",
    "TransitSettings": "access.config:TransitSettings",
    "IsochroneSettings": "access.config:IsochroneSettings",
    # points in
    "read_points": "access.io.tables:read_points",
    "as_points": "access.io.points:as_points",
    # routing and what is drawn from it
    "travel_times": "access.routing.matrix:travel_times",
    "isochrones": "access.surfaces.isochrones:isochrones",
    "travel_time_surface": "access.surfaces.outputs:travel_time_surface",
    "TravelTimeSurface": "access.surfaces.outputs:TravelTimeSurface",
    "itineraries": "access.routing.itineraries:itineraries",
    "expanded_travel_times": "access.routing.itineraries:expanded_travel_times",
    # accessibility and equity
    "accessibility": "access.measures.accessibility:accessibility",
    "accessibility_from_matrix": "access.measures.accessibility:accessibility_from_matrix",
    "summarise": "access.measures.equity:summarise",
    "fgt_poverty": "access.measures.poverty:fgt_poverty",
    "theil_t": "access.measures.inequality:theil_t",
    "TheilDecomposition": "access.measures.inequality:TheilDecomposition",
    "concentration_index": "access.measures.inequality:concentration_index",
    "cumulative_interval": "access.measures.cumulative:cumulative_interval",
    "passive_accessibility": "access.measures.cumulative:passive_accessibility",
    "spatial_availability": "access.measures.competition:spatial_availability",
    "balancing_cost": "access.measures.competition:balancing_cost",
    # commuting circles
    "commuting_circles": "access.circles.circles:commuting_circles",
    "CommutingCircles": "access.circles.circles:CommutingCircles",
    "CircleDefinition": "access.circles.definition:CircleDefinition",
    "circle_overlap": "access.circles.overlap:circle_overlap",
    # scenarios
    "Scenario": "access.scenarios.model:Scenario",
    "read_scenario": "access.scenarios.model:read_scenario",
    "build_scenario": "access.scenarios.apply:build",
    "compare": "access.scenarios.compare:compare",
    "Comparison": "access.scenarios.compare:Comparison",
    "write_comparison": "access.viz.report:write_comparison",
    # errors
    "AccessError": "access.errors:AccessError",
    "InputError": "access.errors:InputError",
    "NetworkError": "access.errors:NetworkError",
    "OffNetworkError": "access.errors:OffNetworkError",
}
_NAMESPACES = ("china", "regional", "config")  # subpackages reached as access.china, ...

# 0.1 names, kept for one release: old name -> ("module:name", what to use instead)
_DEPRECATED: dict[str, tuple[str, str]] = {
    "travel_time_matrix": (
        "access.routing.scale:travel_time_matrix",
        "access.travel_times(..., scheduler=..., batch_size=..., out=...) (one operation)",
    ),
    "read_opportunities": (
        "access.io.opportunities:read_opportunities",
        'access.read_points(..., preset="opportunities")',
    ),
    "read_places": ("access.io.places:read_places", 'access.read_points(..., preset="places")'),
    "ACCESSIBILITY_MEASURES": ("access.measures.accessibility:MEASURES", "access.measures.accessibility.MEASURES"),
    "gini": ("access.measures.equity:gini", "access.measures.equity.gini"),
    "lorenz": ("access.measures.equity:lorenz", "access.measures.equity.lorenz"),
    "palma_ratio": ("access.measures.equity:palma_ratio", "access.measures.equity.palma_ratio"),
    "centre_travel_times": ("access.circles.circles:centre_travel_times", ""),
    "circle_membership": ("access.circles.circles:circle_membership", ""),
    "CIRCLE_PRESETS": ("access.config:CIRCLE_PRESETS", ""),
    "DEFAULT_CUTOFFS_MIN": ("access.config:DEFAULT_CUTOFFS_MIN", ""),
    "surface_h3_cells": ("access.surfaces.outputs:surface_h3_cells", ""),
    "write_travel_time_raster": ("access.surfaces.outputs:write_travel_time_raster", ""),
    "Region": ("access.scenarios.apply:ScenarioBase", "access.scenarios.apply.ScenarioBase"),
    "load_region": ("access.scenarios.apply:load_base", "access.scenarios.apply.load_base"),
    "apply_scenario": ("access.scenarios.apply:apply", "access.scenarios.apply.apply"),
    "parse_scenario": ("access.scenarios.model:parse_scenario", ""),
    "write_scenario": ("access.scenarios.model:write_scenario", ""),
    # city clusters: access.regional
    "RegionalNetwork": ("access.regional:RegionalNetwork", ""),
    "RegionalSettings": ("access.regional:RegionalSettings", ""),
    "ClusterResult": ("access.regional:ClusterResult", ""),
    "cluster_circles": ("access.regional:cluster_circles", ""),
    "compare_cluster": ("access.regional:compare_cluster", ""),
    # China: access.china
    **{
        name: (f"access.china:{name}", "")
        for name in (
            "RailTimetable",
            "read_rail_timetable",
            "timetable_to_gtfs",
            "write_timetable_gtfs",
            "load_china_rail",
            "china_rail_circles",
            "rail_before_after",
            "national_rail_network",
            "drop_trains",
            "bd09_to_wgs84",
            "gcj02_to_wgs84",
            "wgs84_to_gcj02",
            "convert_coordinates",
        )
    },
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562) and keep the name here."""
    if name in _EXPORTS:
        module, _, attribute = _EXPORTS[name].partition(":")
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    if name in _NAMESPACES:
        return importlib.import_module(f"access.{name}")
    if name in _DEPRECATED:
        target, use = _DEPRECATED[name]
        return _moved.moved_name(f"access.{name}", target, use or target.replace(":", "."))
    raise AttributeError(f"module 'access' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_NAMESPACES})


if TYPE_CHECKING:  # static analysers and IDEs see the names directly
    from access.circles.circles import CommutingCircles, commuting_circles  # noqa: F401
    from access.measures.accessibility import accessibility  # noqa: F401
    from access.network.multimodal import Network, build_network  # noqa: F401
    from access.routing.matrix import travel_times  # noqa: F401
    from access.surfaces.isochrones import isochrones  # noqa: F401

from access import _moved  # noqa: E402  (old module paths, installed at import: cheap)

_moved.install()
