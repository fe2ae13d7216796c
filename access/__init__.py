"""commuting-circles: transport accessibility and commuting-circle analysis.

A notebook user needs only these names::

    import access
    net = access.build_network("region.osm.pbf", modes=("walk", "car"))
    iso = access.isochrones(net, (116.40, 39.90), mode="car", cutoffs_min=(60, 120))
    tt = access.travel_times(net, origins, destinations, mode="walk")
"""

from access.china.national_rail import drop_trains, national_rail_network
from access.china.rail import china_rail_circles, load_china_rail, rail_before_after
from access.china.timetable import RailTimetable, read_rail_timetable, timetable_to_gtfs, write_timetable_gtfs
from access.circles.circles import CommutingCircles, centre_travel_times, circle_membership, commuting_circles
from access.circles.definition import CircleDefinition
from access.circles.overlap import circle_overlap
from access.config import CIRCLE_PRESETS, DEFAULT_CUTOFFS_MIN, IsochroneSettings, RegionalSettings, StreetSettings
from access.crs import bd09_to_wgs84, convert_coordinates, gcj02_to_wgs84, wgs84_to_gcj02
from access.errors import AccessError, InputError, NetworkError, OffNetworkError
from access.io.opportunities import read_opportunities
from access.io.places import read_places
from access.io.points import as_points, read_points
from access.measures.accessibility import MEASURES as ACCESSIBILITY_MEASURES
from access.measures.accessibility import accessibility, accessibility_from_matrix
from access.measures.competition import balancing_cost, spatial_availability
from access.measures.cumulative import cumulative_interval, passive_accessibility
from access.measures.equity import gini, lorenz, palma_ratio, summarise
from access.measures.inequality import TheilDecomposition, concentration_index, theil_t
from access.measures.poverty import fgt_poverty
from access.network import Network, StreetNetwork, build_network
from access.regional.cluster import ClusterResult, cluster_circles, compare_cluster
from access.regional.network import RegionalNetwork
from access.routing.itineraries import expanded_travel_times, itineraries
from access.routing.matrix import travel_times
from access.routing.scale import travel_time_matrix
from access.scenarios.apply import Region, load_region
from access.scenarios.apply import apply as apply_scenario
from access.scenarios.apply import build as build_scenario
from access.scenarios.compare import Comparison, compare
from access.scenarios.model import Scenario, parse_scenario, read_scenario, write_scenario
from access.surfaces.isochrones import isochrones
from access.surfaces.outputs import TravelTimeSurface, surface_h3_cells, travel_time_surface, write_travel_time_raster
from access.viz.report import write_comparison

__version__ = "0.1.0"

from access import _moved

_moved.install()

__all__ = [
    "travel_time_matrix",
    "Comparison",
    "Region",
    "Scenario",
    "apply_scenario",
    "build_scenario",
    "compare",
    "load_region",
    "parse_scenario",
    "read_scenario",
    "write_comparison",
    "write_scenario",
    "TravelTimeSurface",
    "surface_h3_cells",
    "travel_time_surface",
    "write_travel_time_raster",
    "RailTimetable",
    "bd09_to_wgs84",
    "china_rail_circles",
    "convert_coordinates",
    "drop_trains",
    "gcj02_to_wgs84",
    "load_china_rail",
    "national_rail_network",
    "rail_before_after",
    "read_rail_timetable",
    "timetable_to_gtfs",
    "wgs84_to_gcj02",
    "write_timetable_gtfs",
    "ACCESSIBILITY_MEASURES",
    "accessibility",
    "accessibility_from_matrix",
    "gini",
    "lorenz",
    "palma_ratio",
    "read_opportunities",
    "summarise",
    "fgt_poverty",
    "theil_t",
    "TheilDecomposition",
    "concentration_index",
    "cumulative_interval",
    "passive_accessibility",
    "spatial_availability",
    "balancing_cost",
    "AccessError",
    "CIRCLE_PRESETS",
    "CircleDefinition",
    "ClusterResult",
    "CommutingCircles",
    "RegionalNetwork",
    "RegionalSettings",
    "centre_travel_times",
    "circle_membership",
    "circle_overlap",
    "cluster_circles",
    "commuting_circles",
    "compare_cluster",
    "read_places",
    "DEFAULT_CUTOFFS_MIN",
    "InputError",
    "IsochroneSettings",
    "Network",
    "NetworkError",
    "OffNetworkError",
    "StreetNetwork",
    "StreetSettings",
    "as_points",
    "build_network",
    "isochrones",
    "read_points",
    "travel_times",
    "itineraries",
    "expanded_travel_times",
]
