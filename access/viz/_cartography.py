"""Map furniture shared by every static map: network background, rail lines, scale bar,
north arrow, degree ticks. Maps are drawn in EPSG:4326 with an equal-distance aspect.

Figures are made with :func:`new_figure`: a :class:`~matplotlib.figure.Figure` on its own
Agg canvas, outside pyplot, so drawing a map never changes the user's backend or pyplot's
list of open figures (no ``matplotlib.use``, nothing to close).
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from access.io.output import atomic_path

__all__ = [
    "new_figure",
    "draw_network",
    "draw_rail",
    "decorate",
    "save_figure",
    "RAIL_ROUTE_TYPES",
    "A4_FIGSIZE_IN",
    "DPI",
]

DPI = 150  # dots per inch of written PNGs
A4_FIGSIZE_IN = (8.27, 8.27)  # inches: A4 width, square map; readable when printed
EARTH_M_PER_DEG = 111_320.0  # metres per degree of latitude (mean); longitude × cos(lat)
RAIL_ROUTE_TYPES = (2, 100, 101, 102, 103, 106, 109)  # GTFS rail and extended rail types
_NICE_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=A4_FIGSIZE_IN, **subplots):
    """``(figure, axes)``: a Figure on its own Agg canvas (never pyplot's global state) with
    ``nrows`` x ``ncols`` axes (``subplots`` as :meth:`Figure.subplots` takes them)."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **subplots)


def draw_network(ax, street, bounds, *, colour: str = "#9a9a9a", width: float = 0.3, pad: float = 0.1) -> None:
    """Street edges of ``street`` (a StreetNetwork) inside ``bounds`` (minx, miny, maxx,
    maxy in degrees) enlarged by ``pad`` of the span, as one LineCollection."""
    minx, miny, maxx, maxy = bounds
    margin = pad * max(maxx - minx, maxy - miny, 0.01)
    u, v = street.tails, street.indices
    lon, lat = street.lon, street.lat
    inside = (lon[u] > minx - margin) & (lon[u] < maxx + margin) & (lat[u] > miny - margin) & (lat[u] < maxy + margin)
    segments = np.stack(
        [np.column_stack([lon[u[inside]], lat[u[inside]]]), np.column_stack([lon[v[inside]], lat[v[inside]]])],
        axis=1,
    )
    ax.add_collection(LineCollection(segments, colors=colour, linewidths=width, zorder=1))


def draw_rail(ax, transit, *, colour: str = "#1f3a93", label: str = "rail line"):
    """Rail patterns of ``transit`` (route types in :data:`RAIL_ROUTE_TYPES`) as thick
    lines through their stops, stations as white dots; the stations' bounds (minx, miny,
    maxx, maxy) when any was drawn, else None."""
    if transit is None:
        return None
    rail_routes = np.isin(transit.route_type, RAIL_ROUTE_TYPES)
    drawn = False
    stations: set[int] = set()  # small: rail patterns only
    for p in range(transit.n_patterns):
        if not rail_routes[transit.pattern_route[p]]:
            continue
        stops = transit.pattern_stops[transit.pattern_stop_ptr[p] : transit.pattern_stop_ptr[p + 1]]
        ax.plot(
            transit.stop_lon[stops],
            transit.stop_lat[stops],
            color=colour,
            linewidth=2.2,
            zorder=4,
            label=None if drawn else label,
            solid_capstyle="round",
        )
        stations.update(int(s) for s in stops)
        drawn = True
    if stations:
        index = np.array(sorted(stations))
        ax.scatter(
            transit.stop_lon[index],
            transit.stop_lat[index],
            s=28,
            facecolor="white",
            edgecolor=colour,
            linewidth=1.5,
            zorder=5,
            label="station",
        )
        lon, lat = transit.stop_lon[index], transit.stop_lat[index]
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())
    return None


def _scale_length_km(span_km: float) -> float:
    target = span_km / 5
    return max((k for k in _NICE_KM if k <= target), default=_NICE_KM[0])


def decorate(ax, *, title: str | None = None) -> None:
    """Equal-distance aspect, degree tick labels, a scale bar (lower left) and a north
    arrow (upper right) on a map drawn in lon/lat degrees."""
    (minx, maxx), (miny, maxy) = ax.get_xlim(), ax.get_ylim()
    mid_lat = (miny + maxy) / 2
    cos_lat = max(np.cos(np.radians(mid_lat)), 1e-6)
    ax.set_aspect(1 / cos_lat)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.2f}°{'E' if v >= 0 else 'W'}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.2f}°{'N' if v >= 0 else 'S'}"))
    ax.tick_params(labelsize=7)
    span_km = (maxx - minx) * EARTH_M_PER_DEG * cos_lat / 1000
    length_km = _scale_length_km(span_km)
    length_deg = length_km * 1000 / (EARTH_M_PER_DEG * cos_lat)
    x0 = minx + 0.05 * (maxx - minx)
    y0 = miny + 0.05 * (maxy - miny)
    bar_h = 0.008 * (maxy - miny)
    for i, shade in enumerate(("black", "white")):  # two-tone bar, halves alternate
        ax.add_patch(
            Rectangle(
                (x0 + i * length_deg / 2, y0),
                length_deg / 2,
                bar_h,
                facecolor=shade,
                edgecolor="black",
                linewidth=0.6,
                zorder=10,
            )
        )
    text = f"{length_km:g} km" if length_km >= 1 else f"{length_km * 1000:g} m"
    ax.text(x0 + length_deg / 2, y0 + 2.2 * bar_h, text, ha="center", va="bottom", fontsize=8, zorder=10)
    ax.annotate(
        "",
        xy=(0.95, 0.96),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        zorder=10,
        arrowprops={"facecolor": "black", "edgecolor": "black", "width": 4, "headwidth": 12, "headlength": 12},
    )
    ax.text(0.95, 0.83, "N", transform=ax.transAxes, ha="center", va="top", fontsize=11, fontweight="bold", zorder=10)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    if title:
        ax.set_title(title, fontsize=11)


def save_figure(fig, path):
    """Write ``fig`` as a PNG at ``path`` atomically (tight bounding box); with ``path``
    None only lay it out. Returns the figure."""
    fig.tight_layout()
    if path is not None:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=DPI, format="png", bbox_inches="tight")
    return fig
