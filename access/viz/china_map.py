"""Maps of China's county commuting circles a planner can read: counties shaded by the circle
they lie in (non-members shown), every rail line drawn through its stations, stations by
the service they have, legends in words, the departure and the penalty in the title."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.font_manager import FontProperties, findSystemFonts
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from access.viz._cartography import A4_FIGSIZE_IN, decorate, new_figure, save_figure

__all__ = ["plot_county_circles", "plot_before_after", "cjk_font"]

# circle shades, innermost first; then the colour of counties outside every circle
_SHADES = ("#08519c", "#6baed6", "#c6dbef", "#deebf7")
_OUTSIDE = "#eeeeee"
_LINE_STYLE = {
    "high-speed": ("#b2182b", "-", 1.5, "high-speed line (250-350 km/h)"),
    "rapid": ("#ef8a62", "-", 1.0, "rapid line (160-250 km/h)"),
    "conventional": ("#7f7f7f", "--", 0.6, "conventional line"),
    "new line (scenario)": ("#1a9850", "-", 2.2, "new line (scenario)"),
}
_CJK_NAMES = ("Noto Sans CJK", "Source Han Sans", "WenQuanYi", "SimHei", "Microsoft YaHei", "PingFang", "Heiti")
_LABELS = 18  # most populous counties named on the map


def cjk_font() -> FontProperties | None:
    """A font with Chinese glyphs if the system has one (Noto Sans CJK, WenQuanYi, ...);
    None otherwise, and maps then label in English / pinyin."""
    for path in findSystemFonts():
        if any(key.lower().replace(" ", "") in path.lower().replace(" ", "").replace("-", "") for key in _CJK_NAMES):
            return FontProperties(fname=path)
    return None


def _label(zh: str, en: str, font) -> str:
    if font is not None:
        return f"{zh} {en}".strip() if en else zh
    return en or zh.encode("ascii", "ignore").decode() or "?"


def _extent(members, cutoff: float, centre_xy) -> tuple[float, float, float, float]:
    inside = members[np.nan_to_num(members["road_rail_min"].to_numpy(float), nan=np.inf) <= cutoff]
    if inside.empty:
        inside = members.nsmallest(10, "road_min")
    minx, miny, maxx, maxy = inside.total_bounds
    minx, maxx = min(minx, centre_xy[0]), max(maxx, centre_xy[0])
    miny, maxy = min(miny, centre_xy[1]), max(maxy, centre_xy[1])
    pad = 0.25 * max(maxx - minx, maxy - miny, 0.6)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _draw_base(ax, shade_of, members, polygons, lines, stations, bounds, font):
    minx, miny, maxx, maxy = bounds
    if polygons is not None and len(polygons):
        shapes = polygons.cx[minx:maxx, miny:maxy]
        colour = shapes["adcode"].map(shade_of).fillna(_OUTSIDE)
        shapes.plot(ax=ax, color=colour.to_numpy(), edgecolor="white", linewidth=0.25, zorder=1)
    else:
        visible = members.cx[minx:maxx, miny:maxy]
        ax.scatter(
            visible.geometry.x,
            visible.geometry.y,
            s=14,
            c=visible["adcode"].map(shade_of).fillna(_OUTSIDE).to_list(),
            edgecolors="#999999",
            linewidths=0.3,
            zorder=2,
        )
    handles = []
    for line_class, (colour, style, width, text) in _LINE_STYLE.items():
        mine = lines[lines["line_class"] == line_class] if "line_class" in lines else lines.iloc[0:0]
        if line_class == "new line (scenario)":
            mine = lines[lines["service"] == "new line (scenario)"] if "service" in lines else mine
        if len(mine):
            mine.plot(ax=ax, color=colour, linestyle=style, linewidth=width, zorder=3)
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=width, label=text))
    if len(stations):
        vis = stations[stations["lon"].between(minx, maxx) & stations["lat"].between(miny, maxy)]
        real = vis[vis["service"] != "modelled"]
        modelled = vis[vis["service"] == "modelled"]
        ax.scatter(real["lon"], real["lat"], s=9, color="black", zorder=4)
        ax.scatter(modelled["lon"], modelled["lat"], s=9, facecolor="white", edgecolor="black", linewidth=0.6, zorder=4)
        handles.append(
            Line2D([], [], marker="o", color="black", linestyle="", markersize=4, label="station, real trains")
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markerfacecolor="white",
                markeredgecolor="black",
                linestyle="",
                markersize=4,
                label="station, modelled service only",
            )
        )
    return handles


def _name_counties(ax, members, mask, font, n=_LABELS):
    shown = members[mask].nlargest(n, "population")
    for row in shown.itertuples():
        text = _label(str(row.name), str(getattr(row, "name_en", "") or ""), font)
        ax.annotate(
            text,
            (row.geometry.x, row.geometry.y),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=5.5,
            zorder=6,
            fontproperties=font,
        )


def plot_county_circles(
    result,
    path: str | Path | None = None,
    *,
    polygons=None,
    lines=None,
    stations=None,
    centre: str | None = None,
    title: str | None = None,
):
    """One centre's county circles (:func:`access.china.circles.county_circles`): counties
    shaded by the smallest road + rail circle they lie in, the rest in grey; ``lines``
    (:meth:`access.china.lines.RailLines.geometry` with ``line_class``) and ``stations``
    (:meth:`access.china.national.NationalRail.station_service`); a legend in words with
    counties, people and rural people per circle; the coverage in a footnote. Writes a
    PNG at ``path`` (atomically) and returns the Figure."""

    members = result.members
    centre = centre or str(members["centre"].iloc[0])
    mine = members[members["centre"] == centre]
    if mine.empty:
        raise ValueError(f"no centre {centre!r} in the result; centres are {', '.join(members['centre'].unique())}.")
    place = next((p for p in result.centres if p.name == centre), result.centres[0])
    cutoffs = sorted(result.parameters["cutoffs_min"])
    font = cjk_font()
    shade_of = {}
    minutes = np.nan_to_num(mine["road_rail_min"].to_numpy(float), nan=np.inf)
    for k, c in reversed(list(enumerate(cutoffs))):
        for code in mine["adcode"].to_numpy()[minutes <= c]:
            shade_of[code] = _SHADES[min(k, len(_SHADES) - 1)]
    bounds = _extent(mine, cutoffs[-1], (place.lon, place.lat))
    fig, ax = new_figure(figsize=A4_FIGSIZE_IN)
    lines = lines if lines is not None else gpd.GeoDataFrame({"line_class": []}, geometry=[], crs=4326)
    stations = stations if stations is not None else pd.DataFrame(columns=["lon", "lat", "service"])
    handles = _draw_base(ax, shade_of, mine, polygons, lines, stations, bounds, font)
    totals = result.totals[(result.totals["mode"] == "road+rail")]
    totals = totals[totals["centre"].isin([centre, *[t for t in totals["centre"] if str(t).startswith("any of")]])]
    patches = []
    for k, c in enumerate(cutoffs):
        row = totals[totals["cutoff_min"] == c]
        people = (
            f": {int(row['counties'].iloc[0])} counties, {row['population'].iloc[0] / 1e6:.1f} M people "
            f"({row['rural_population'].iloc[0] / 1e6:.1f} M rural)"
            if len(row) and np.isfinite(row["population"].iloc[0])
            else ""
        )
        patches.append(Patch(color=_SHADES[min(k, len(_SHADES) - 1)], label=f"within {c:g} min by road + rail{people}"))
    patches.append(Patch(color=_OUTSIDE, label=f"outside the {cutoffs[-1]:g}-min circle"))
    ax.scatter([place.lon], [place.lat], marker="*", s=260, color="#ffd700", edgecolor="black", zorder=7)
    handles.append(
        Line2D(
            [], [], marker="*", color="#ffd700", markeredgecolor="black", linestyle="", markersize=12, label="centre"
        )
    )
    _name_counties(ax, mine, minutes <= cutoffs[-1], font)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    legend = ax.legend(handles=patches + handles, loc="lower right", fontsize=6.5, framealpha=0.92)
    legend.set_zorder(20)
    p = result.parameters
    name = _label(place.name, place.name_en, font)
    decorate(
        ax,
        title=title
        or (
            f"{name}: counties by door-to-door time into the centre\n"
            f"departing {p['departure']} to +{p['window_min']:g} min (median), station penalty {p['station_penalty']}, "
            f"transfers {p['min_transfer_min']:g} min; roads APPROXIMATE"
        ),
    )
    ax.title.set_fontsize(8.5)
    if font is not None:
        ax.title.set_fontproperties(font)
        ax.title.set_fontsize(8.5)
    cov = result.coverage.summary.iloc[0]
    fig.text(
        0.01,
        0.005,
        f"Coverage: {cov['counties']:,} counties ({cov['population'] / 1e6:.0f} M people) have no station with service "
        f"within {result.coverage.km:g} km. Modelled trains (labelled) serve stations the c. 2020 timetable lacks.",
        fontsize=6,
    )
    return save_figure(fig, path)


def plot_before_after(
    before_after,
    path: str | Path | None = None,
    *,
    polygons=None,
    lines=None,
    stations=None,
    centre: str | None = None,
    title: str | None = None,
):
    """What a change did to one centre's circles: counties entering each circle, those
    inside before and after, those leaving, the rest in grey."""

    counties = before_after.counties
    centre = centre or str(counties["centre"].iloc[0])
    mine = counties[counties["centre"] == centre]
    cutoffs = sorted(before_after.after.parameters["cutoffs_min"])
    font = cjk_font()
    colours = {"entered": ("#1a9850", "#91cf60"), "inside": "#bdbdbd", "left": "#d73027"}
    shade_of = {}
    for code, entered, left, circle in zip(
        mine["adcode"], mine["entered"], mine["left"], mine["circle_after"], strict=True
    ):
        if entered:
            shade_of[code] = colours["entered"][0 if entered == f"{cutoffs[0]:g}" else 1]
        elif left:
            shade_of[code] = colours["left"]
        elif circle != "outside":
            shade_of[code] = colours["inside"]
    place = next((p for p in before_after.after.centres if p.name == centre), before_after.after.centres[0])
    both = mine.rename(columns={"after_min": "road_rail_min"}).assign(road_min=mine["before_min"])
    bounds = _extent(both, cutoffs[-1], (place.lon, place.lat))
    fig, ax = new_figure(figsize=A4_FIGSIZE_IN)
    lines = lines if lines is not None else gpd.GeoDataFrame({"line_class": []}, geometry=[], crs=4326)
    stations = stations if stations is not None else pd.DataFrame(columns=["lon", "lat", "service"])
    handles = _draw_base(ax, shade_of, mine, polygons, lines, stations, bounds, font)
    summary = before_after.summary[before_after.summary["centre"] == centre]
    patches = []
    for k, c in enumerate(cutoffs):
        row = summary[summary["cutoff_min"] == c].iloc[0]
        patches.append(
            Patch(
                color=colours["entered"][min(k, 1)],
                label=f"enters the {c:g}-min circle: {row['entered']} counties, "
                f"{row['entered_population'] / 1e6:.1f} M people ({row['entered_rural_population'] / 1e6:.1f} M rural)",
            )
        )
    patches.append(Patch(color=colours["inside"], label="inside before and after"))
    patches.append(Patch(color=colours["left"], label="leaves a circle"))
    patches.append(Patch(color=_OUTSIDE, label="outside, before and after"))
    ax.scatter([place.lon], [place.lat], marker="*", s=260, color="#ffd700", edgecolor="black", zorder=7)
    _name_counties(ax, mine, mine["entered"].astype(bool).to_numpy(), font)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.legend(handles=patches + handles, loc="lower right", fontsize=6.5, framealpha=0.92).set_zorder(20)
    p = before_after.after.parameters
    decorate(
        ax,
        title=title
        or (
            f"{_label(place.name, place.name_en, font)}: what {before_after.change} changes\n"
            f"departing {p['departure']} to +{p['window_min']:g} min (median), station penalty {p['station_penalty']}; "
            "roads APPROXIMATE"
        ),
    )
    ax.title.set_fontsize(8.5)
    return save_figure(fig, path)
