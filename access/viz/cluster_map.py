"""Static map of a city cluster: places by travel time from a centre, circles, rail lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from access.viz._cartography import A4_FIGSIZE_IN, decorate, new_figure, save_figure

__all__ = ["plot_cluster"]

_MODE_STYLE = {"road": ("#d35400", "--"), "road+rail": ("#1f3a93", "-")}
_LABELS = 25  # most populous places labelled inside the largest circle


def plot_cluster(result, path: str | Path | None = None, *, centre: str | None = None, title: str | None = None):
    """Draw places (size ~ population, colour = road + rail minutes from ``centre``), the
    circles (hulls of the places inside, dashed road, solid road + rail) and the rail lines.
    Writes a PNG when ``path`` is given (atomically); returns the Figure."""
    members = result.members
    centre = centre or str(members["centre"].iloc[0])
    mine = members[members["centre"] == centre]
    circles = result.circles[result.circles["centre"] == centre]
    fig, ax = new_figure(figsize=A4_FIGSIZE_IN)
    largest = circles[circles["cutoff_min"] == circles["cutoff_min"].max()]
    if len(largest) and not largest.geometry.is_empty.all():
        minx, miny, maxx, maxy = largest.total_bounds
    else:
        minx, miny, maxx, maxy = mine.total_bounds
    pad = 0.15 * max(maxx - minx, maxy - miny, 0.5)
    for cutoff in sorted(circles["cutoff_min"].unique(), reverse=True):
        for mode, (colour, style) in _MODE_STYLE.items():
            row = circles[(circles["mode"] == mode) & (circles["cutoff_min"] == cutoff)]
            if len(row) and not row.geometry.iloc[0].is_empty:
                row.boundary.plot(
                    ax=ax,
                    color=colour,
                    linestyle=style,
                    linewidth=1.2 if cutoff < 100 else 0.8,
                    label=f"{mode} {cutoff:g} min ({row['population'].iloc[0] / 1e6:.1f} M people)",
                )
    if len(result.lines):
        result.lines.plot(ax=ax, color="black", linewidth=1.6, zorder=4)
        ax.plot([], [], color="black", linewidth=1.6, label="rail lines")
    pop = mine["population"].fillna(0).to_numpy()
    size = 8 + 120 * np.sqrt(pop / max(pop.max(), 1.0))
    times = mine["road_rail_min"].to_numpy()
    points = ax.scatter(
        mine.geometry.x,
        mine.geometry.y,
        s=size,
        c=np.where(np.isfinite(times), times, np.nan),
        cmap="viridis_r",
        vmin=0,
        vmax=max(float(circles["cutoff_min"].max()) * 1.5, 1),
        zorder=5,
        edgecolors="white",
        linewidths=0.4,
    )
    fig.colorbar(points, ax=ax, shrink=0.6, label=f"road + rail minutes from {centre}")
    inside = mine[(mine.geometry.x.between(minx - pad, maxx + pad)) & (mine.geometry.y.between(miny - pad, maxy + pad))]
    for _, row in inside.nlargest(_LABELS, "population").iterrows():
        ax.annotate(
            str(row["name"]),
            (row.geometry.x, row.geometry.y),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=6,
            zorder=6,
        )
    me = mine[mine["name"] == centre]
    ax.scatter(me.geometry.x, me.geometry.y, marker="*", s=220, color="#c0392b", zorder=7, label=centre)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.legend(loc="best", fontsize=7, framealpha=0.9)
    label = " (APPROXIMATE road model: great-circle x detour)" if result.approximate else ""
    decorate(ax, title=title or f"Commuting circles of {centre}{label}")
    return save_figure(fig, path)
