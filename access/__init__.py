"""commuting-circles: transport accessibility and commuting-circle analysis.

A notebook user needs only these names::

    import access
    net = access.build_network("region.osm.pbf", modes=("walk", "car"))
    iso = access.isochrones(net, (116.40, 39.90), mode="car", cutoffs_min=(60, 120))
    tt = access.travel_times(net, origins, destinations, mode="walk")
"""

from access.analysis.isochrones import isochrones
from access.config import DEFAULT_CUTOFFS_MIN, IsochroneSettings, StreetSettings
from access.errors import AccessError, InputError, NetworkError, OffNetworkError
from access.io.points import as_points, read_points
from access.network import Network, StreetNetwork, build_network
from access.routing.matrix import travel_times

__version__ = "0.1.0"

__all__ = [
    "AccessError",
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
]
