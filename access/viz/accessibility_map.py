"""Static accessibility maps: zones (choropleth) or points coloured by a measure."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # headless: files only
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from access.io.output import atomic_path  # noqa: E402

__all__ = ["plot_accessibility"]

_DPI = 150  # dots per inch of written PNGs


def plot_accessibility(results: gpd.GeoDataFrame, value: str, path: str | Path | None = None, *,
                       title: str | None = None, cmap: str = "viridis"):  # fmt: skip
    """Colour each zone (``zone_geometry`` when present) or point by ``value``; NaN grey.

    Writes a PNG when ``path`` is given (atomically) and returns the matplotlib Figure.
    """
    frame = results
    zones = frame.get("zone_geometry")
    if zones is not None and gpd.GeoSeries(zones).notna().all():
        frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=gpd.GeoSeries(zones.to_numpy()), crs=4326)
    fig, ax = plt.subplots(figsize=(8, 8))
    values = frame[value].astype(float)
    is_point = frame.geom_type.eq("Point").all()
    size = max(4.0, 3000.0 / max(len(frame), 1)) if is_point else None
    reached = values.notna()
    if (~reached).any():
        frame[~reached].plot(ax=ax, color="#cccccc", markersize=size)
    if reached.any():
        frame[reached].plot(ax=ax, column=value, cmap=cmap, legend=True, markersize=size,
                            legend_kwds={"label": value, "shrink": 0.6})  # fmt: skip
    ax.set_title(title or value)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect(1 / np.cos(np.radians(float(np.mean(frame.total_bounds[[1, 3]])))))
    fig.tight_layout()
    if path is not None:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=_DPI, format="png")
        plt.close(fig)
    return fig
