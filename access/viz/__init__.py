"""Maps of networks and results (matplotlib static PNG)."""

from access.viz.maps import plot_isochrones

__all__ = ["plot_isochrones"]
