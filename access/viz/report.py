"""Write a comparison to a folder: per-origin deltas, summary CSV, maps, a one-page report."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from access.config import DEFAULT_DEPARTURE_TIME
from access.errors import AccessError
from access.io.output import atomic_path, write_table
from access.io.rail_spec import RailSpec, read_rail_spec
from access.network.multimodal import Network
from access.scenarios.compare import Comparison, _slug, as_centres
from access.scenarios.model import AddLine, AddRoad, Scenario
from access.surfaces.isochrones import isochrones
from access.viz.compare_maps import folium_map, plot_circles, plot_values

__all__ = ["write_comparison", "scenario_lines"]


def scenario_lines(scenario: Scenario | None) -> list[tuple[str, list[float], list[float]]]:
    """(label, lons, lats) of every line and road the scenario adds (for maps)."""

    out = []
    for mod in scenario.modifications if scenario is not None else []:
        if isinstance(mod, AddLine):
            spec = mod.spec if isinstance(mod.spec, RailSpec) else read_rail_spec(mod.spec)
            out.append((spec.line, [s.lon for s in spec.stations], [s.lat for s in spec.stations]))
        elif isinstance(mod, AddRoad):
            out.append(
                (mod.name or f"new {mod.highway}", [c[0] for c in mod.coordinates], [c[1] for c in mod.coordinates])
            )
    return out


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, (int, np.integer)) or float(value).is_integer() and abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def _tables(comparison: Comparison) -> list[tuple[str, pd.DataFrame]]:
    """The report's key tables from the tidy summary."""
    s = comparison.summary
    opp = comparison.settings["opportunity"]
    tables = []
    circles = s[(s["metric"] == "population_inside") & (s["by"].isin(["all", comparison.settings.get("class_column")]))]
    if len(circles):
        enter = s[s["metric"] == "population_entering"].set_index(["by", "group", "centre", "cutoff_min"])["value"]
        leave = s[s["metric"] == "population_leaving"].set_index(["by", "group", "centre", "cutoff_min"])["value"]
        t = circles.assign(
            entering=[enter.get((r.by, r.group, r.centre, r.cutoff_min)) for r in circles.itertuples()],
            leaving=[leave.get((r.by, r.group, r.centre, r.cutoff_min)) for r in circles.itertuples()],
        )[["centre", "cutoff_min", "group", "before", "after", "entering", "leaving"]]
        tables.append(("Population inside each circle", t.rename(columns={"group": "people"})))
    mean = s[(s["metric"] == f"mean_{opp}") & (s["by"] != comparison.settings.get("by"))]
    tables.append(
        (f"Mean {opp} reachable (population-weighted)", mean[["cutoff_min", "group", "before", "after", "change"]])
    )
    eq = s[s["metric"].isin([f"gini_{opp}", f"cv_{opp}"])]
    tables.append(("Inequality of access", eq[["metric", "cutoff_min", "before", "after", "change"]]))
    wl = s[
        (s["by"] == "all")
        & s["metric"].isin(
            [
                "winners",
                "losers",
                "winners_population",
                "losers_population",
                f"mean_{opp}_newly_reachable",
                f"origins_from_zero_{opp}",
            ]
        )
    ]
    tables.append(("Winners and losers", wl[["metric", "cutoff_min", "value"]]))
    reach = s[
        s["metric"].isin(["origins_newly_reachable", "origins_no_longer_reachable", "origins_faster", "origins_slower"])
    ]
    if len(reach):
        tables.append(("Travel time to centres (origins)", reach[["centre", "metric", "value"]]))
    by = comparison.settings.get("by")
    if by:
        county = s[(s["metric"] == f"mean_{opp}") & (s["by"] == by)]
        if len(county):
            tables.append(
                (f"Mean {opp} reachable by {by}", county[["cutoff_min", "group", "before", "after", "change"]])
            )
    return tables


def _markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |\n|" + "---|" * len(frame.columns) + "\n"
    rows = "".join(
        "| " + " | ".join(_fmt(v) if not isinstance(v, str) else v for v in r) + " |\n"
        for r in frame.itertuples(index=False)
    )
    return head + rows


def write_comparison(
    comparison: Comparison,
    out_dir: str | Path,
    *,
    scenario: Scenario | None = None,
    base: Network | None = None,
    after: Network | None = None,
    maps: bool = True,
    circles: bool = True,
) -> dict[str, Path]:
    """Write ``deltas.parquet`` (GeoParquet) and ``deltas.geojson`` (per origin),
    ``summary.csv``, PNG maps (accessibility before / after / change, circles before /
    after per centre with the new lines drawn), ``map.html`` (folium) and
    ``report.md`` / ``report.html``. Returns ``{label: path}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    st = comparison.settings
    opp = st["opportunity"]
    files: dict[str, Path] = {}
    files["deltas (GeoParquet)"] = write_table(comparison.origins, out / "deltas.parquet")
    files["deltas (GeoJSON)"] = write_table(comparison.origins, out / "deltas.geojson")
    files["summary"] = write_table(comparison.summary, out / "summary.csv")
    lines = scenario_lines(scenario)
    street = None
    if base is not None:
        street = base.streets.get("car") or next(iter(base.streets.values()))
    images: list[tuple[str, Path]] = []
    if maps:
        c = max(st["cutoffs_min"])
        col = f"{opp}_{c:g}min"
        top = float(np.nanmax(comparison.origins[[f"{col}_before", f"{col}_after"]].to_numpy()))
        for label, column, diverging in (
            ("before", f"{col}_before", False),
            ("after", f"{col}_after", False),
            ("change", f"{col}_change", True),
        ):
            path = out / f"access_{label}.png"
            plot_values(
                comparison.origins,
                column,
                path,
                title=f"{opp} within {c:g} min ({st['mode']}): {label}",
                street=street,
                lines=lines if label != "before" else (),
                diverging=diverging,
                vmax=None if diverging else top,
                weight=st.get("population"),
            )
            images.append((f"{opp} within {c:g} min, {label}", path))
        centres = as_centres([{"name": n, "lon": 0, "lat": 0} for n in st["centres"]]) if st["centres"] else None
        for name in st["centres"]:
            slug = _slug(name)
            columns = [f"{slug}_{cut:g}min_circle" for cut in st["cutoffs_min"]]
            isos = (None, None)
            point = None
            if scenario is not None:
                match = [ce for ce in scenario.compare.centres if ce.name == name]
                point = (match[0].lon, match[0].lat) if match else None
            if circles and base is not None and after is not None and point is not None:
                isos = tuple(_circle(net, point, st) for net in (base, after))
            path = out / f"circles_{slug}.png"
            plot_circles(
                comparison.origins,
                columns,
                path,
                isochrones=isos,
                centre=point,
                street=street,
                lines=lines,
                title=f"{' / '.join(f'{x:g}' for x in st['cutoffs_min'])}-min circles of {name}",
            )
            images.append((f"circles of {name}", path))
        if scenario is not None and scenario.compare.centres:
            centres = as_centres(scenario.compare.centres)
        popup = [
            "id",
            "name",
            st.get("population"),
            st.get("class_column"),
            st.get("by"),
            f"{col}_before",
            f"{col}_after",
            f"{col}_change",
        ] + [f"time_to_{_slug(n)}_{w}" for n in st["centres"] for w in ("before", "after")]
        files["interactive map"] = folium_map(
            comparison.origins,
            f"{col}_change",
            out / "map.html",
            lines=lines,
            centres=centres,
            popup_columns=[p for p in popup if p],
        )
        for label, path in images:
            files[label] = path
    md, page = _report(comparison, scenario, images)
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(md, encoding="utf-8")
    files["report (Markdown)"] = out / "report.md"
    with atomic_path(out / "report.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    files["report (HTML)"] = out / "report.html"
    return files


def _circle(network: Network, point, st):
    try:
        return isochrones(
            network,
            point,
            mode=st["mode"],
            cutoffs_min=st["cutoffs_min"],
            departure=st.get("departure"),
            window_min=st["window_min"],
            percentile=st["percentile"],
            access_mode=st["access_mode"],
        )
    except AccessError:
        return None  # e.g. the centre lies off the network: the origins still show the circle


def _report(comparison: Comparison, scenario: Scenario | None, images) -> tuple[str, str]:
    st = comparison.settings
    title = scenario.name if scenario is not None else "Scenario comparison"
    intro = (scenario.description + "\n\n") if scenario is not None and scenario.description else ""
    mods = ", ".join(m.type for m in scenario.modifications) if scenario is not None else ""
    setting = (
        f"Mode **{st['mode']}**"
        + (
            f" (access by {st['access_mode']}, departures from {st['departure'] or DEFAULT_DEPARTURE_TIME} "
            f"over {st['window_min']:g} min, percentile {st['percentile']:g})"
            if st["mode"] == "transit"
            else ""
        )
        + f"; {st['n_origins']} origins, {st['n_opportunities']} opportunity points; cutoffs "
        + ", ".join(f"{c:g}" for c in st["cutoffs_min"])
        + " min"
        + (f"; modifications: {mods}" if mods else "")
        + "."
    )
    tables = _tables(comparison)
    md = [f"# {title}\n\n{intro}{setting}\n"]
    for name, frame in tables:
        md.append(f"\n## {name}\n\n{_markdown_table(frame)}")
    md.append("\n## Maps\n")
    md += [f"\n![{label}]({path.name})\n" for label, path in images]
    md.append("\nFiles: `deltas.parquet` / `deltas.geojson` (per origin), `summary.csv`, `map.html` (interactive).\n")
    body = [
        f"<h1>{html.escape(title)}</h1><p>{html.escape(intro.strip())}</p><p>{html.escape(setting.replace('**', ''))}</p>"
    ]
    for name, frame in tables:
        shown = frame.map(lambda v: v if isinstance(v, str) else _fmt(v))
        body.append(f"<h2>{html.escape(name)}</h2>" + shown.to_html(index=False, border=0))
    body.append(
        "<h2>Maps</h2>"
        + "".join(
            f'<figure><img src="{path.name}" style="max-width:100%"><figcaption>{html.escape(label)}</figcaption></figure>'
            for label, path in images
        )
        + '<p><a href="map.html">interactive map</a></p>'
    )
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}"
    )
    page = f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{style}</style></head><body>{''.join(body)}</body></html>"
    return "".join(md), page
