"""Static maps: isochrones over the street network they were computed on."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib import colormaps
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from access.io.points import as_points
from access.io.wording import plural
from access.network.street import StreetNetwork
from access.viz._cartography import A4_FIGSIZE_IN, decorate, draw_network, draw_rail, new_figure, save_figure
from access.viz._labels import MAX_LEGEND_ORIGINS, isochrone_title, origin_colours

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
    ids = list(dict.fromkeys(isochrones["origin_id"])) if "origin_id" in isochrones else [None]
    if len(ids) > 1:  # several origins: a colour each, the cutoffs told apart by shade
        handles, labels, by_origin = _by_origin(ax, isochrones, ids, cutoffs)
    else:
        by_origin = None
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
        stars = "crimson" if by_origin is None else [by_origin.get(i, "crimson") for i in origins["id"]]
        origins.plot(ax=ax, color=stars, markersize=60, marker="*", edgecolor="black", linewidth=0.4, zorder=6)
        handles.append(Line2D([], [], color="crimson" if by_origin is None else "grey", marker="*", linestyle=""))
        labels.append("origin" if len(origins) == 1 else "origins")
    if street is not None:
        draw_network(ax, street, (minx, miny, maxx, maxy))
    pad = 0.05 * max(maxx - minx, maxy - miny, 0.01)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    legend_title = "travel time" if by_origin is None else "origin, travel time"
    ax.legend(handles, labels, loc="best", title=legend_title, fontsize=8, title_fontsize=9, framealpha=0.9)
    decorate(ax, title=title or isochrone_title(isochrones))
    return save_figure(fig, path)


def _by_origin(ax, isochrones, ids, cutoffs):
    """Each origin's areas in its own colour (shorter cutoffs more opaque, drawn on top);
    legend handles for the first origins and the cutoff shades; {origin id: colour}."""
    colours = dict(zip(ids, origin_colours(len(ids)), strict=True))
    alphas = dict(zip(cutoffs, np.linspace(0.2, 0.55, max(len(cutoffs), 1)), strict=True))
    for cutoff in cutoffs:
        rows = isochrones[isochrones["cutoff_min"] == cutoff]
        rows.plot(
            ax=ax,
            color=[colours[i] for i in rows["origin_id"]],
            alpha=float(alphas[cutoff]),
            edgecolor=[colours[i] for i in rows["origin_id"]],
            linewidth=0.8,
            zorder=2,
        )
    shown = ids[:MAX_LEGEND_ORIGINS]
    handles = [Rectangle((0, 0), 1, 1, color=colours[i], alpha=0.6) for i in shown]
    labels = [f"origin {i}" for i in shown]
    if len(ids) > len(shown):
        handles.append(Rectangle((0, 0), 1, 1, color="white", alpha=0.0))
        labels.append(f"and {plural(len(ids) - len(shown), 'more origin')}")
    handles += [Rectangle((0, 0), 1, 1, color="grey", alpha=float(alphas[c])) for c in cutoffs]
    labels += [f"within {c:g} min" for c in cutoffs]
    return handles, labels, colours
