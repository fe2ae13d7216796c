"""Static maps: isochrones over the street network they were computed on."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # headless: files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from access.io.output import atomic_path  # noqa: E402
from access.network.street import StreetNetwork  # noqa: E402

__all__ = ["plot_isochrones"]

_DPI = 150  # dots per inch of written PNGs


def plot_isochrones(
    isochrones: gpd.GeoDataFrame,
    street: StreetNetwork | None = None,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    origins: gpd.GeoDataFrame | None = None,
):
    """Draw isochrone polygons (largest cutoff underneath) over the network's edges.

    Writes a PNG when ``path`` is given (atomically) and returns the matplotlib Figure.
    """
    fig, ax = plt.subplots(figsize=(8, 8))
    if street is not None:
        minx, miny, maxx, maxy = isochrones.total_bounds
        pad = 0.1 * max(maxx - minx, maxy - miny, 0.01)
        u, v = street.tails, street.indices
        lon, lat = street.lon, street.lat
        inside = (lon[u] > minx - pad) & (lon[u] < maxx + pad) & (lat[u] > miny - pad) & (lat[u] < maxy + pad)
        segments = np.stack(
            [np.column_stack([lon[u[inside]], lat[u[inside]]]), np.column_stack([lon[v[inside]], lat[v[inside]]])],
            axis=1,
        )
        ax.add_collection(LineCollection(segments, colors="#9a9a9a", linewidths=0.3, zorder=1))
    cutoffs = sorted(isochrones["cutoff_min"].unique(), reverse=True)
    # largest cutoff palest, drawn first; the shortest strongest, on top
    colours = plt.cm.YlOrRd(np.linspace(0.25, 0.85, max(len(cutoffs), 1)))
    for colour, cutoff in zip(colours, cutoffs, strict=True):
        isochrones[isochrones["cutoff_min"] == cutoff].plot(
            ax=ax, color=colour, alpha=0.45, edgecolor=colour, linewidth=0.8, zorder=2,
            label=f"{cutoff:g} min",
        )  # fmt: skip
    if origins is not None:
        origins.plot(ax=ax, color="crimson", markersize=30, marker="*", zorder=3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.6) for c in colours]
    ax.legend(handles, [f"{c:g} min" for c in cutoffs], loc="lower right", title="travel time")
    ax.set_title(title or "Isochrones")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect(1 / np.cos(np.radians(float(np.mean(isochrones.total_bounds[[1, 3]])))))
    fig.tight_layout()
    if path is not None:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=_DPI, format="png")
        plt.close(fig)
    return fig
