"""commuting-circles: transport accessibility and commuting-circle analysis.

A notebook user needs only these names::

    import access
    net = access.build_network("region.osm.pbf", modes=("walk", "car"))
    iso = access.isochrones(net, (116.40, 39.90), mode="car", cutoffs_min=(60, 120))
    tt = access.travel_times(net, origins, destinations, mode="walk")

The names are loaded on first use (PEP 562 ``__getattr__``), so ``import access`` and the
``access`` command start in a fraction of a second; the heavy libraries (geopandas,
numba, matplotlib, dask) load with the first function that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> the module that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    # networks
    "Network": "access.network.multimodal",
    "StreetNetwork": "access.network.street",
    "build_network": "access.network.multimodal",
    # routing
    "travel_times": "access.routing.matrix",
    "travel_time_matrix": "access.routing.scale",
    "itineraries": "access.routing.itineraries",
    "expanded_travel_times": "access.routing.itineraries",
    # points and tables
    "as_points": "access.io.points",
    "read_points": "access.io.points",
    "read_opportunities": "access.io.opportunities",
    "read_places": "access.io.places",
    # surfaces
    "isochrones": "access.surfaces.isochrones",
    "TravelTimeSurface": "access.surfaces.outputs",
    "surface_h3_cells": "access.surfaces.outputs",
    "travel_time_surface": "access.surfaces.outputs",
    "write_travel_time_raster": "access.surfaces.outputs",
    # measures
    "accessibility": "access.measures.accessibility",
    "accessibility_from_matrix": "access.measures.accessibility",
    "gini": "access.measures.equity",
    "lorenz": "access.measures.equity",
    "palma_ratio": "access.measures.equity",
    "summarise": "access.measures.equity",
    "fgt_poverty": "access.measures.poverty",
    "TheilDecomposition": "access.measures.inequality",
    "concentration_index": "access.measures.inequality",
    "theil_t": "access.measures.inequality",
    "cumulative_interval": "access.measures.cumulative",
    "passive_accessibility": "access.measures.cumulative",
    "balancing_cost": "access.measures.competition",
    "spatial_availability": "access.measures.competition",
    # circles
    "CommutingCircles": "access.circles.circles",
    "centre_travel_times": "access.circles.circles",
    "circle_membership": "access.circles.circles",
    "commuting_circles": "access.circles.circles",
    "CircleDefinition": "access.circles.definition",
    "circle_overlap": "access.circles.overlap",
    # scenarios
    "Region": "access.scenarios.apply",
    "load_region": "access.scenarios.apply",
    "Comparison": "access.scenarios.compare",
    "compare": "access.scenarios.compare",
    "Scenario": "access.scenarios.model",
    "parse_scenario": "access.scenarios.model",
    "read_scenario": "access.scenarios.model",
    "write_scenario": "access.scenarios.model",
    "write_comparison": "access.viz.report",
    # city clusters
    "ClusterResult": "access.regional.cluster",
    "cluster_circles": "access.regional.cluster",
    "compare_cluster": "access.regional.cluster",
    "RegionalNetwork": "access.regional.network",
    # China
    "drop_trains": "access.china.national_rail",
    "national_rail_network": "access.china.national_rail",
    "china_rail_circles": "access.china.rail",
    "load_china_rail": "access.china.rail",
    "rail_before_after": "access.china.rail",
    "RailTimetable": "access.china.timetable",
    "read_rail_timetable": "access.china.timetable",
    "timetable_to_gtfs": "access.china.timetable",
    "write_timetable_gtfs": "access.china.timetable",
    "bd09_to_wgs84": "access.crs",
    "convert_coordinates": "access.crs",
    "gcj02_to_wgs84": "access.crs",
    "wgs84_to_gcj02": "access.crs",
    # settings and errors
    "CIRCLE_PRESETS": "access.config",
    "DEFAULT_CUTOFFS_MIN": "access.config",
    "IsochroneSettings": "access.config",
    "RegionalSettings": "access.config",
    "StreetSettings": "access.config",
    "AccessError": "access.errors",
    "InputError": "access.errors",
    "NetworkError": "access.errors",
    "OffNetworkError": "access.errors",
}
# public name -> (module, the name there): exported under another name
_RENAMED: dict[str, tuple[str, str]] = {
    "ACCESSIBILITY_MEASURES": ("access.measures.accessibility", "MEASURES"),
    "apply_scenario": ("access.scenarios.apply", "apply"),
    "build_scenario": ("access.scenarios.apply", "build"),
}

__all__ = sorted([*_EXPORTS, *_RENAMED])


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562) and keep the name here."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _RENAMED:
        module, attribute = _RENAMED[name]
        value = getattr(importlib.import_module(module), attribute)
    else:
        raise AttributeError(f"module 'access' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # static analysers and IDEs see the names directly
    from access.network.multimodal import Network, build_network  # noqa: F401
    from access.routing.matrix import travel_times  # noqa: F401

from access import _moved  # noqa: E402  (old module paths, installed at import: cheap)

_moved.install()
