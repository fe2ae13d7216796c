"""Static accessibility maps: zones (choropleth) or points coloured by a measure."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from access.io.wording import column_label
from access.viz._cartography import decorate, new_figure, save_figure
from access.viz._labels import accessibility_title

__all__ = ["plot_accessibility"]


def plot_accessibility(
    results: gpd.GeoDataFrame,
    value: str,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    cmap: str = "viridis",
):
    """Colour each zone (``zone_geometry`` when present) or point by ``value``; NaN grey.

    Writes a PNG when ``path`` is given (atomically) and returns the matplotlib Figure.
    """
    frame = results
    zones = frame.get("zone_geometry")
    if zones is not None and gpd.GeoSeries(zones).notna().all():
        frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=gpd.GeoSeries(zones.to_numpy()), crs=4326)
    fig, ax = new_figure(figsize=(8, 8))
    values = frame[value].astype(float)
    is_point = frame.geom_type.eq("Point").all()
    size = max(4.0, 3000.0 / max(len(frame), 1)) if is_point else None
    reached = values.notna()
    if (~reached).any():
        frame[~reached].plot(ax=ax, color="#cccccc", markersize=size)
    if reached.any():
        frame[reached].plot(
            ax=ax,
            column=value,
            cmap=cmap,
            legend=True,
            markersize=size,
            legend_kwds={"label": column_label(value), "shrink": 0.6},
        )
    decorate(ax, title=title or accessibility_title(value))
    return save_figure(fig, path)
