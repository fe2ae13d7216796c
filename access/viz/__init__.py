"""Maps of networks and results (matplotlib static PNG)."""

from access.viz.circles import plot_circles
from access.viz.cluster_map import plot_cluster
from access.viz.maps import plot_isochrones

__all__ = ["plot_circles", "plot_cluster", "plot_isochrones"]
