"""The main job on the built-in sample region: networks, isochrones, who lives inside."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from access.analysis.isochrones import isochrones
from access.io.output import write_table
from access.io.points import as_points
from access.network import build_network
from access.routing.matrix import travel_times
from access.viz import plot_isochrones

__all__ = ["run_demo"]

CAR_CUTOFFS_MIN = (60, 120)  # the 1-hour and 2-hour commuting circles
WALK_CUTOFFS_MIN = (30,)
TRANSIT_DEPARTURE = "07:00"
TRANSIT_WINDOW_MIN = 60


def run_demo(out: str | Path = "outputs", *, progress: bool = True) -> dict[str, Path]:
    """Build the sample region's networks, draw car and walk isochrones from the core city
    and count the people living inside its 1-h and 2-h car circles. Returns the files."""
    from access.sample import write_sample_region
    from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit

    started = time.perf_counter()
    out = Path(out)
    region = write_sample_region(out / "sample")
    road = build_network(region.osm_pbf, modes=("car",), progress=progress)
    feeds = write_sample_transit(region, out / "sample", network=road)
    network = build_network(region.osm_pbf, modes=("walk", "car"), gtfs=[feeds["buses"]],
                            rail_specs=[feeds["rail_spec"]], service_date=SAMPLE_SERVICE_DATE,
                            progress=progress)  # fmt: skip
    places = pd.read_csv(region.places_csv)
    core_place = places[places["kind"] == "core_city"].sort_values("population").iloc[-1]
    core = as_points([(core_place["lon"], core_place["lat"])])
    files: dict[str, Path] = {}

    car = isochrones(network, core, mode="car", cutoffs_min=CAR_CUTOFFS_MIN, progress=progress)
    files["car isochrones"] = write_table(car, out / "isochrones_car.geojson")
    files["car map"] = out / "isochrones_car.png"
    plot_isochrones(car, network.street("car"), files["car map"], origins=core,
                    title=f"1-h and 2-h car circles of {core_place['name']}")  # fmt: skip
    walk = isochrones(network, core, mode="walk", cutoffs_min=WALK_CUTOFFS_MIN, progress=progress)
    files["walk isochrone"] = write_table(walk, out / "isochrone_walk_30min.geojson")
    files["walk map"] = out / "isochrone_walk_30min.png"
    plot_isochrones(walk, network.street("walk"), files["walk map"], origins=core,
                    title=f"30-min walk from {core_place['name']}")  # fmt: skip

    # transit + HSR (walk access, buses, the intercity line with its 15-min station penalty)
    # a village on a county bus line (remote villages without a bus reach little)
    served = set(network.transit.stop_name.tolist())
    villages = places[places["kind"] == "village"]
    village_place = villages[villages["name"].isin(served)].iloc[0]
    transit_isochrones = []
    for label, place in (("core city", core_place), ("village", village_place)):
        origin = as_points([(place["lon"], place["lat"])])
        iso = isochrones(network, origin, mode="transit", cutoffs_min=CAR_CUTOFFS_MIN, departure=TRANSIT_DEPARTURE,
                         window_min=TRANSIT_WINDOW_MIN, progress=progress)  # fmt: skip
        slug = label.replace(" ", "_")
        files[f"transit {label}"] = write_table(iso, out / f"isochrones_transit_{slug}.geojson")
        files[f"transit {label} map"] = out / f"isochrones_transit_{slug}.png"
        plot_isochrones(iso, network.street("walk"), files[f"transit {label} map"], origins=origin, transit=network.transit,
                        title=f"Transit + HSR from {place['name']} ({TRANSIT_DEPARTURE}, median of {TRANSIT_WINDOW_MIN} min)")  # fmt: skip
        transit_isochrones.append((place["name"], iso))

    times = travel_times(network, core, places, mode="car", max_time_min=max(CAR_CUTOFFS_MIN))
    places["car_min_from_core"] = times["travel_time_min"].to_numpy()
    files["places"] = write_table(places, out / "places_car_time_from_core.csv")
    summary = _circle_summary(places)
    files["circle summary"] = write_table(summary, out / "car_circles_summary.csv")

    if progress:
        typer.echo("\n== commuting-circles demo: sample region ==")
        for mode, street in network.streets.items():
            typer.echo(f"{mode} network: {street.n_nodes:,} nodes, {street.n_edges:,} edges")
        for row in car.itertuples():
            typer.echo(f"car {row.cutoff_min}-min isochrone from {core_place['name']}: {row.area_km2:,.0f} km2")
        typer.echo(f"walk 30-min isochrone: {walk['area_km2'].iloc[0]:,.1f} km2")
        typer.echo(f"transit network: {network.transit!r}")
        for name, iso in transit_isochrones:
            for row in iso.itertuples():
                typer.echo(f"transit+HSR {row.cutoff_min}-min isochrone from {name}: {row.area_km2:,.0f} km2")
        typer.echo(summary.to_string(index=False))
        typer.echo("files:")
        for label, path in files.items():
            typer.echo(f"  {label:22s} {path}")
        typer.echo(f"done in {time.perf_counter() - started:.1f} s")
    return files


def _circle_summary(places: pd.DataFrame) -> pd.DataFrame:
    """People and places inside each car circle, by residential class."""
    rows = []
    for cutoff in CAR_CUTOFFS_MIN:
        inside = places["car_min_from_core"] <= cutoff
        for cls in ("urban", "rural"):
            group = places["class"] == cls
            rows.append(
                {
                    "circle_min": cutoff,
                    "class": cls,
                    "places_inside": int((inside & group).sum()),
                    "population_inside": int(places.loc[inside & group, "population"].sum()),
                    "share_of_class_population": float(
                        places.loc[inside & group, "population"].sum() / max(places.loc[group, "population"].sum(), 1)
                    ),
                }
            )
    return pd.DataFrame(rows)
