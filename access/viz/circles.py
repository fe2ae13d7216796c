"""Static maps of commuting circles: zones coloured by membership under the circle outlines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from access.viz._cartography import decorate, draw_network, new_figure, save_figure

__all__ = ["plot_circles"]

_OUTSIDE_COLOUR = "#d9d9d9"
_LINESTYLES = ("-", "--", ":", "-.")


def plot_circles(circles, street=None, path: str | Path | None = None, *, title: str | None = None):
    """Zones of a :class:`access.circles.circles.CommutingCircles` coloured by circle
    (inside the shortest cutoff darkest, outside grey; polygons filled, points as dots
    sized by population), circle outlines per centre and cutoff, centres as stars, over
    the street network. Writes a PNG when ``path`` is given (atomically); returns the Figure."""
    zones = circles.zones
    cutoffs = sorted(circles.definition.cutoffs_min)
    colours = dict(zip(cutoffs, colormaps["YlOrRd"](np.linspace(0.85, 0.35, len(cutoffs))), strict=True))
    fig, ax = new_figure(figsize=(8.27, 8.27))
    bounds = zones.total_bounds
    if circles.polygons is not None and len(circles.polygons):
        b = circles.polygons.total_bounds
        bounds = np.array([min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]), max(bounds[3], b[3])])
    if street is not None:
        _draw_network(ax, street, bounds)
    colour_of = [colours.get(c, _OUTSIDE_COLOUR) if np.isfinite(c) else _OUTSIDE_COLOUR for c in zones["circle_min"]]
    is_point = (zones.geometry.geom_type == "Point").to_numpy()
    if (~is_point).any():
        zones[~is_point].plot(
            ax=ax,
            color=np.array(colour_of, dtype=object)[~is_point].tolist(),
            alpha=0.8,
            edgecolor="white",
            linewidth=0.3,
            zorder=2,
        )
    if is_point.any():
        pts = zones[is_point]
        size = 8.0
        population = [c for c in zones.columns if c == "population"]
        if population:
            values = np.asarray(pts["population"], dtype=float)
            size = 6 + 60 * np.sqrt(np.nan_to_num(values) / max(np.nanmax(values), 1.0))
        ax.scatter(
            pts.geometry.x,
            pts.geometry.y,
            s=size,
            c=np.array(colour_of, dtype=object)[is_point].tolist(),
            edgecolor="#444444",
            linewidth=0.3,
            zorder=3,
        )
    handles = [Patch(color=colours[c], label=f"inside {c:g} min") for c in cutoffs]
    handles.append(Patch(color=_OUTSIDE_COLOUR, label="outside"))
    if circles.polygons is not None:
        centres = list(dict.fromkeys(circles.polygons["centre"]))
        edge_colours = colormaps["tab10"](np.arange(len(centres)) % 10)
        for k, centre in enumerate(centres):
            for j, cutoff in enumerate(cutoffs):
                rows = circles.polygons[
                    (circles.polygons["centre"] == centre) & (circles.polygons["cutoff_min"].astype(float) == cutoff)
                ]
                if len(rows):
                    rows.boundary.plot(
                        ax=ax,
                        color=edge_colours[k],
                        linewidth=1.2,
                        linestyle=_LINESTYLES[j % len(_LINESTYLES)],
                        zorder=4,
                    )
            handles.append(Line2D([], [], color=edge_colours[k], label=f"{centre} circles"))
    centre_points = circles.centres.geometry.representative_point() if circles.centres.geometry.notna().all() else None
    if centre_points is not None:
        ax.scatter(
            centre_points.x,
            centre_points.y,
            marker="*",
            s=160,
            color="crimson",
            edgecolor="black",
            linewidth=0.5,
            zorder=5,
        )
    ax.legend(handles=handles, loc="best", fontsize=7, title="commuting circle", title_fontsize=8)
    pad = 0.03 * max(bounds[2] - bounds[0], bounds[3] - bounds[1], 0.01)
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    decorate(ax)
    ax.set_title(textwrap.fill(title or circles.definition.describe(), 100), fontsize=8)
    return save_figure(fig, path)


def _draw_network(ax, street, bounds) -> None:
    """The street network under the map (the shared map furniture)."""
    draw_network(ax, street, tuple(bounds))
