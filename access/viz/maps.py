"""Static maps: isochrones over the street network they were computed on."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib import colormaps
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from access.io.points import as_points
from access.network.street import StreetNetwork
from access.viz._cartography import A4_FIGSIZE_IN, decorate, draw_network, draw_rail, new_figure, save_figure

__all__ = ["plot_isochrones"]


def plot_isochrones(
    isochrones: gpd.GeoDataFrame,
    street: StreetNetwork | None = None,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    origins=None,
    transit=None,
):
    """Draw isochrone polygons (largest cutoff underneath) over the network's edges, with
    the rail lines of ``transit`` (a TransitNetwork), a legend in minutes, a scale bar and a
    north arrow.

    ``origins``: points as :func:`access.as_points` reads them (a GeoDataFrame, Points,
    ``(lon, lat)`` tuples), drawn as stars. Writes a PNG when ``path`` is given
    (atomically) and returns the matplotlib Figure.
    """
    if origins is not None:
        origins = as_points(origins, what="origins").to_frame()
    fig, ax = new_figure(figsize=A4_FIGSIZE_IN)
    minx, miny, maxx, maxy = isochrones.total_bounds
    cutoffs = sorted(isochrones["cutoff_min"].unique(), reverse=True)
    # largest cutoff palest, drawn first; the shortest strongest, on top
    colours = colormaps["YlOrRd"](np.linspace(0.25, 0.85, max(len(cutoffs), 1)))
    for colour, cutoff in zip(colours, cutoffs, strict=True):
        isochrones[isochrones["cutoff_min"] == cutoff].plot(
            ax=ax,
            color=colour,
            alpha=0.45,
            edgecolor=colour,
            linewidth=0.8,
            zorder=2,
        )
    handles = [Rectangle((0, 0), 1, 1, color=c, alpha=0.6) for c in colours]
    labels = [f"within {c:g} min" for c in cutoffs]
    rail_bounds = draw_rail(ax, transit)
    if rail_bounds is not None:
        minx, miny = min(minx, rail_bounds[0]), min(miny, rail_bounds[1])
        maxx, maxy = max(maxx, rail_bounds[2]), max(maxy, rail_bounds[3])
        handles.append(Line2D([], [], color="#1f3a93", linewidth=2.2, marker="o", markerfacecolor="white"))
        labels.append("rail line, stations")
    if origins is not None:
        ox, oy = origins.geometry.x.to_numpy(), origins.geometry.y.to_numpy()
        minx, miny, maxx, maxy = min(minx, ox.min()), min(miny, oy.min()), max(maxx, ox.max()), max(maxy, oy.max())
        origins.plot(ax=ax, color="crimson", markersize=60, marker="*", zorder=6)
        handles.append(Line2D([], [], color="crimson", marker="*", linestyle="", markersize=10))
        labels.append("origin")
    if street is not None:
        draw_network(ax, street, (minx, miny, maxx, maxy))
    pad = 0.05 * max(maxx - minx, maxy - miny, 0.01)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.legend(handles, labels, loc="best", title="travel time", fontsize=8, title_fontsize=9, framealpha=0.9)
    decorate(ax, title=title or "Isochrones")
    return save_figure(fig, path)
