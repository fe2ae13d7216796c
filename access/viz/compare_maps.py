"""Maps of a before/after comparison: accessibility, its change, circles, an HTML map."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.lines import Line2D

from access.io.output import atomic_path
from access.network.street import StreetNetwork
from access.viz._cartography import decorate, new_figure, save_figure

__all__ = ["plot_values", "plot_circles", "folium_map", "Line"]

Line = tuple[str, Sequence[float], Sequence[float]]  # label, lons, lats of a new line / road


def _frame(ax, points: gpd.GeoDataFrame, street: StreetNetwork | None, lines: Sequence[Line]) -> None:
    minx, miny, maxx, maxy = points.total_bounds
    for _, lon, lat in lines:
        minx, maxx = min(minx, min(lon)), max(maxx, max(lon))
        miny, maxy = min(miny, min(lat)), max(maxy, max(lat))
    pad = 0.05 * max(maxx - minx, maxy - miny, 0.01)
    if street is not None:
        u, v = street.tails, street.indices
        keep = (
            (street.lon[u] > minx - pad)
            & (street.lon[u] < maxx + pad)
            & (street.lat[u] > miny - pad)
            & (street.lat[u] < maxy + pad)
        )
        # one polyline with NaN breaks: far cheaper to build and draw than a collection
        a, b = u[keep], v[keep]
        a, b = np.minimum(a, b), np.maximum(a, b)
        pairs = np.unique(np.column_stack([a, b]), axis=0)  # each two-way street once
        nan = np.full(len(pairs), np.nan)
        xs = np.column_stack([street.lon[pairs[:, 0]], street.lon[pairs[:, 1]], nan]).ravel()
        ys = np.column_stack([street.lat[pairs[:, 0]], street.lat[pairs[:, 1]], nan]).ravel()
        ax.plot(xs, ys, color="#c8c8c8", linewidth=0.3, zorder=1)
    for label, lon, lat in lines:
        ax.plot(lon, lat, color="#b2182b", linewidth=2.5, zorder=4, label=label)
        ax.scatter(lon, lat, s=30, color="white", edgecolor="#b2182b", linewidth=1.5, zorder=5)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    decorate(ax)


def _sizes(points: gpd.GeoDataFrame, weight: str | None) -> np.ndarray:
    if weight and weight in points:
        w = np.nan_to_num(points[weight].to_numpy(np.float64))
        return 8 + 120 * np.sqrt(w / max(w.max(), 1))
    return np.full(len(points), 18.0)


def plot_values(
    points: gpd.GeoDataFrame,
    column: str,
    path: str | Path | None = None,
    *,
    title: str = "",
    street: StreetNetwork | None = None,
    lines: Sequence[Line] = (),
    diverging: bool = False,
    vmax: float | None = None,
    weight: str | None = "population",
):
    """Origins coloured by ``column`` (sized by ``weight``); diverging colours around 0 for
    changes. NaN values are drawn as grey crosses. Writes a PNG when ``path`` is given."""
    fig, ax = new_figure(figsize=(9, 7))
    _frame(ax, points, street, lines)
    values = points[column].to_numpy(np.float64)
    ok = ~np.isnan(values)
    sizes = _sizes(points, weight)
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    if diverging:
        span = float(np.nanmax(np.abs(values))) if ok.any() and np.nanmax(np.abs(values)) > 0 else 1.0
        norm, cmap = TwoSlopeNorm(vmin=-span, vcenter=0.0, vmax=span), "RdBu"
    else:
        top = vmax if vmax is not None else (float(np.nanmax(values)) if ok.any() else 1.0)
        norm, cmap = Normalize(vmin=0, vmax=max(top, 1e-9)), "viridis"
    art = ax.scatter(
        xy[ok, 0], xy[ok, 1], c=values[ok], s=sizes[ok], cmap=cmap, norm=norm, edgecolor="k", linewidth=0.2, zorder=3
    )
    if (~ok).any():
        ax.scatter(xy[~ok, 0], xy[~ok, 1], marker="x", color="#777777", s=14, zorder=3, label="not reached")
    fig.colorbar(art, ax=ax, shrink=0.7, label=column)
    if lines or (~ok).any():
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or column)
    return save_figure(fig, path)


_CIRCLE_COLOURS = {"inside": "#1a9850", "entering": "#d73027", "leaving": "#4575b4", "outside": "#dddddd"}


def plot_circles(
    points: gpd.GeoDataFrame,
    columns: Sequence[str],
    path: str | Path | None = None,
    *,
    isochrones: Sequence[gpd.GeoDataFrame | None] = (None, None),
    centre=None,
    title: str = "",
    street: StreetNetwork | None = None,
    lines: Sequence[Line] = (),
):
    """Two panels, before and after: the centre's circle polygons (when given) and the
    origins of each ``columns`` (one per cutoff, values inside / entering / leaving /
    outside) — the new line drawn on both."""
    fig, axes = new_figure(1, 2, figsize=(15, 7), sharex=True, sharey=True)
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    for panel, (ax, iso) in enumerate(zip(axes, isochrones, strict=True)):
        _frame(ax, points, street, lines if panel == 1 else ())
        if iso is not None and len(iso):
            for colour, (_, row) in zip(
                colormaps["YlOrRd"](np.linspace(0.25, 0.6, len(iso))),
                iso.sort_values("cutoff_min", ascending=False).iterrows(),
                strict=True,
            ):
                gpd.GeoSeries([row.geometry], crs=4326).plot(ax=ax, color=colour, alpha=0.35, zorder=2)
        # innermost circle wins the colour: the smallest cutoff inside is drawn last
        for column, marker in zip(columns[::-1], ("o", "s", "^", "D"), strict=False):
            status = points[column].to_numpy()
            inside = status == "inside"
            if panel == 0:
                now = inside | (status == "leaving")
            else:
                now = inside | (status == "entering")
            colour = np.where(status == "entering", _CIRCLE_COLOURS["entering"], _CIRCLE_COLOURS["inside"])
            if panel == 0:
                colour = np.where(status == "leaving", _CIRCLE_COLOURS["leaving"], _CIRCLE_COLOURS["inside"])
            if column == columns[-1]:  # outside the largest circle: outside every one
                ax.scatter(xy[~now, 0], xy[~now, 1], s=10, color=_CIRCLE_COLOURS["outside"], zorder=3)
            ax.scatter(
                xy[now, 0],
                xy[now, 1],
                s=22,
                c=colour[now],
                marker=marker,
                edgecolor="k",
                linewidth=0.2,
                zorder=4,
                label=column,
            )
        if centre is not None:
            ax.scatter([centre[0]], [centre[1]], marker="*", s=250, color="gold", edgecolor="k", zorder=6)
        ax.set_title(("before" if panel == 0 else "after") + (f": {title}" if title else ""))

    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=k) for k, c in _CIRCLE_COLOURS.items()]
    handles += [
        Line2D([], [], marker=m, linestyle="", color="k", markerfacecolor="none", label=col)
        for col, m in zip(columns[::-1], ("o", "s", "^", "D"), strict=False)
    ]
    handles += [Line2D([], [], color="#b2182b", linewidth=2.5, label=label) for label, _, _ in lines]
    axes[1].legend(handles=handles, loc="lower right", fontsize=7)
    return save_figure(fig, path)


def folium_map(
    points: gpd.GeoDataFrame,
    column: str,
    path: str | Path,
    *,
    lines: Sequence[Line] = (),
    centres: gpd.GeoDataFrame | None = None,
    popup_columns: Sequence[str] = (),
) -> Path:
    """An interactive HTML map: origins coloured by ``column`` (blue gain, red loss), the
    new lines, the centres; a popup per origin with ``popup_columns``."""
    # start-up: folium (jinja2, branca) only for the HTML map
    import folium
    from branca.colormap import LinearColormap

    lat0, lon0 = float(points.geometry.y.mean()), float(points.geometry.x.mean())
    fmap = folium.Map(location=[lat0, lon0], zoom_start=9, tiles=None)
    values = points[column].to_numpy(np.float64)
    span = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() and np.nanmax(np.abs(values)) > 0 else 1.0
    scale = LinearColormap(["#b2182b", "#f7f7f7", "#2166ac"], vmin=-span, vmax=span, caption=column)
    for k, (x, y, v) in enumerate(zip(points.geometry.x, points.geometry.y, values, strict=True)):
        text = "<br>".join(f"{c}: {points[c].iloc[k]}" for c in popup_columns if c in points)
        folium.CircleMarker(
            [y, x],
            radius=5,
            color="#333333",
            weight=0.5,
            fill=True,
            fill_opacity=0.85,
            fill_color="#999999" if np.isnan(v) else scale(v),
            popup=folium.Popup(text, max_width=300) if text else None,
        ).add_to(fmap)
    for label, lon, lat in lines:
        folium.PolyLine(list(zip(lat, lon, strict=True)), color="#b2182b", weight=4, tooltip=label).add_to(fmap)
    if centres is not None:
        for name, geom in zip(centres["name"], centres.geometry, strict=True):
            folium.Marker([geom.y, geom.x], tooltip=str(name)).add_to(fmap)
    scale.add_to(fmap)
    path = Path(path)
    with atomic_path(path) as tmp:
        fmap.save(str(tmp))
    return path
