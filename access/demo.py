"""The main job on the built-in sample region: the whole corridor study in one run.

Networks (roads, county and city buses, the intercity line), 1-h and 2-h isochrones from
the core city by car and by transit + HSR, commuting circles of both cities, rural vs
urban job access by car and by transit, and the before/after impact of the new intercity
line. Everything lands in one folder; the summary lists the files.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from access.circles.circles import commuting_circles
from access.config import DEFAULT_COMMUTE_WINDOW_MIN, DEFAULT_DEPARTURE_TIME
from access.io.output import atomic_path, write_table
from access.io.points import as_points
from access.io.tables import read_points
from access.measures.accessibility import accessibility
from access.measures.equity import summarise
from access.sample import write_sample_region
from access.sample.scenario import sample_scenario
from access.sample.transit import write_sample_transit
from access.scenarios.apply import build as build_scenario
from access.scenarios.compare import compare_scenario
from access.scenarios.model import read_scenario
from access.surfaces.isochrones import isochrones
from access.viz import plot_circles, plot_isochrones
from access.viz.accessibility_map import plot_accessibility
from access.viz.report import write_comparison

__all__ = ["run_demo", "CAR_CUTOFFS_MIN", "TRANSIT_DEPARTURE", "TRANSIT_WINDOW_MIN"]

CAR_CUTOFFS_MIN = (60, 120)  # the 1-hour and 2-hour commuting circles
WALK_CUTOFFS_MIN = (30,)
TRANSIT_DEPARTURE = DEFAULT_DEPARTURE_TIME  # morning peak
TRANSIT_WINDOW_MIN = DEFAULT_COMMUTE_WINDOW_MIN  # departures every minute 07:00-07:59, median


def run_demo(out: str | Path = "outputs", *, progress: bool = True) -> dict[str, Path]:
    """Run the corridor study of the sample region into ``out``; returns ``{label: path}``.

    The base network has roads and buses; the scenario adds the Core-Second intercity
    line (rail spec). Isochrones, circles and accessibility are shown with the line (the
    planned network); the comparison shows what the line changes.
    """

    started = time.perf_counter()
    out = Path(out)
    say = typer.echo if progress else (lambda *_a, **_k: None)
    say("== 1/6 sample region and networks ==", err=True)
    region = write_sample_region(out / "sample")
    feeds = write_sample_transit(region, out / "sample")
    scenario = read_scenario(sample_scenario(out / "sample", region=region, feeds=feeds, window_min=TRANSIT_WINDOW_MIN))
    base, network = build_scenario(scenario, progress=progress)
    places = read_points(region.places_csv, preset="opportunities")
    cores = places[places["kind"].isin(["core_city", "city"])]
    core = cores[cores["kind"] == "core_city"].sort_values("population").iloc[-1]
    second = cores[cores["kind"] == "city"].sort_values("population").iloc[-1]
    core_point = as_points([(core.geometry.x, core.geometry.y)]).to_frame()
    files: dict[str, Path] = {}
    lines: list[str] = []

    say("== 2/6 isochrones from the core city ==", err=True)
    transit_kw = {"departure": TRANSIT_DEPARTURE, "window_min": TRANSIT_WINDOW_MIN}
    car = isochrones(network, core_point, mode="car", cutoffs_min=CAR_CUTOFFS_MIN, progress=progress)
    files["car isochrones"] = write_table(car, out / "isochrones_car.geojson")
    files["car isochrones map"] = out / "isochrones_car.png"
    plot_isochrones(
        car,
        network.street("car"),
        files["car isochrones map"],
        origins=core_point,
        title=f"1-h and 2-h car circles of {core['name']}",
    )
    walk = isochrones(network, core_point, mode="walk", cutoffs_min=WALK_CUTOFFS_MIN, progress=progress)
    files["walk isochrone"] = write_table(walk, out / "isochrone_walk_30min.geojson")
    served = set(network.transit.stop_name.tolist())
    villages = places[(places["kind"] == "village") & places["name"].isin(served)]
    village = villages.iloc[0]
    for label, place in (("core city", core), ("village", village)):
        origin = as_points([(place.geometry.x, place.geometry.y)]).to_frame()
        iso = isochrones(network, origin, mode="transit", cutoffs_min=CAR_CUTOFFS_MIN, progress=progress, **transit_kw)
        slug = label.replace(" ", "_")
        files[f"transit isochrones, {label}"] = write_table(iso, out / f"isochrones_transit_{slug}.geojson")
        files[f"transit map, {label}"] = out / f"isochrones_transit_{slug}.png"
        plot_isochrones(
            iso,
            network.street("walk"),
            files[f"transit map, {label}"],
            origins=origin,
            transit=network.transit,
            title=f"Transit + HSR from {place['name']} ({TRANSIT_DEPARTURE}, median of {TRANSIT_WINDOW_MIN} min)",
        )
        for row in iso.itertuples():
            lines.append(f"transit+HSR {row.cutoff_min}-min isochrone from {place['name']}: {row.area_km2:,.0f} km2")
    for row in car.itertuples():
        lines.insert(0, f"car {row.cutoff_min}-min isochrone from {core['name']}: {row.area_km2:,.0f} km2")

    say("== 3/6 commuting circles of both cities ==", err=True)
    centres = [core["name"], second["name"]]
    for mode, kw in (("car", {}), ("transit", transit_kw)):
        circles = commuting_circles(
            network, centres, zones=places, mode=mode, cutoffs_min=CAR_CUTOFFS_MIN, progress=progress, **kw
        )
        files[f"{mode} circles (zones)"] = write_table(circles.zones, out / f"circles_{mode}.geojson")
        files[f"{mode} circles (summary)"] = write_table(circles.summary, out / f"circles_{mode}_summary.csv")
        files[f"{mode} circles map"] = out / f"circles_{mode}.png"
        plot_circles(
            circles,
            network.street("car"),
            files[f"{mode} circles map"],
            title=f"1-h and 2-h {mode} circles of the two cities",
        )
        for row in circles.summary.itertuples():
            if row.centre in centres:
                lines.append(
                    f"{mode} {row.cutoff_min:g}-min circle of {row.centre}: {row.population:,.0f} people, "
                    f"{row.jobs:,.0f} jobs"
                )

    say("== 4/6 rural vs urban job access ==", err=True)
    tables = []
    for label, mode, kw in (("car", "car", {}), ("transit+HSR", "transit", transit_kw)):
        result = accessibility(
            network,
            places,
            places,
            measure="cumulative",
            mode=mode,
            cutoffs_min=CAR_CUTOFFS_MIN,
            progress=progress,
            **kw,
        )
        slug = label.replace("+", "_").lower()
        files[f"job access, {label}"] = write_table(result, out / f"job_access_{slug}.parquet")
        files[f"job access map, {label}"] = out / f"job_access_{slug}.png"
        plot_accessibility(
            result, "jobs_60min", files[f"job access map, {label}"], title=f"Jobs within 60 min by {label}"
        )
        table = summarise(result, value=["jobs_60min", "jobs_120min"], by="class")
        tables.append(table.assign(mode=label))
    equity = pd.concat(tables, ignore_index=True)
    files["job access by class"] = write_table(equity, out / "job_access_rural_urban.csv")

    say("== 5/6 before/after the new intercity line ==", err=True)
    comparison = compare_scenario(scenario, base, network, places, places, progress=progress)
    report = write_comparison(comparison, out / "intercity_impact", scenario=scenario, base=base, after=network)
    files.update({f"impact: {label}": path for label, path in report.items()})

    say("== 6/6 summary ==", err=True)
    summary = _summary_lines(network, lines, equity, comparison)
    files["summary"] = out / "summary.txt"

    with atomic_path(files["summary"]) as tmp:
        tmp.write_text("\n".join(summary) + "\n", encoding="utf-8")
    if progress:
        typer.echo("\n== commuting-circles demo: the sample city cluster ==")
        typer.echo("\n".join(summary))
        typer.echo("files:")
        for label, path in files.items():
            typer.echo(f"  {label:36s} {path}")
        typer.echo(f"done in {time.perf_counter() - started:.1f} s")
    return files


def _summary_lines(network, lines: list[str], equity: pd.DataFrame, comparison) -> list[str]:
    """The headline numbers of the run, one per line."""
    out = [f"{mode} network: {s.n_nodes:,} nodes, {s.n_edges:,} edges" for mode, s in network.streets.items()]
    out.append(f"transit (county buses, city buses, intercity line): {network.transit!r}")
    out += lines
    out.append("population-weighted mean jobs reachable, by residents' class:")
    for values in equity.to_dict("records"):
        out.append(
            f"  {values['mode']:12s} {values['class']:6s} within 60 min {values['jobs within 60 min mean']:>12,.0f}"
            f"   within 120 min {values['jobs within 120 min mean']:>12,.0f}"
        )
    out.append("impact of the new intercity line (transit with park-and-ride, 07:00 window):")
    s = comparison.summary
    keep = s["metric"].isin(
        ["mean_jobs", "gini_jobs", "population_inside", "population_entering", "winners", "losers"]
    ) & s["by"].isin(["all", "class"])
    for row in s[keep].itertuples(index=False):
        where = f" [{row.centre}]" if isinstance(row.centre, str) and row.centre else ""
        group = f" ({row.group})" if row.by == "class" else ""
        value = f"{row.before:,.4g} -> {row.after:,.4g}" if pd.isna(row.value) else f"{row.value:,.4g}"
        out.append(f"  {row.metric}{where}{group} {row.cutoff_min:g} min: {value}")
    return out
