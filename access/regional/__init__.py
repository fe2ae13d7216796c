"""City clusters without a street network: places joined by an approximate road model and rail.

The cluster helpers live in this namespace::

    import access
    import access.regional as regional
    places = access.read_points("prefectures.csv", preset="places", units=10_000)
    network = regional.RegionalNetwork.build(places, rail_specs=["line.yaml"])
    result = regional.cluster_circles(network, ["Jinan"], cutoffs_min=(60, 120))
"""

from access.config import RegionalSettings
from access.regional.cluster import ClusterResult, cluster_circles, compare_cluster
from access.regional.network import RegionalNetwork, read_rail_feeds

__all__ = [
    "ClusterResult",
    "RegionalNetwork",
    "RegionalSettings",
    "cluster_circles",
    "compare_cluster",
    "read_rail_feeds",
]
