"""Benchmark: apply a scenario and recompute accessibility vs rebuilding from scratch.

On the real Porto Alegre data (OSM + EPTC buses + Trensurb), a new light-rail line
(rail spec: bus central station - Moinhos de Vento - Iguatemi - PUCRS) is added:

- base run: build the network from scratch (no cache) + transit accessibility (jobs within
  30 / 45 min) of every grid cell;
- scenario: ``apply`` the ``add_line`` (streets shared, transit rebuilt from the feed
  tables) + the same accessibility;
- rebuild: ``build_network`` from scratch with the line as a rail spec + accessibility.

Prints the times and the ratios scenario / base (target < 2) and apply / full rebuild.
Usage: ``python bench/scenarios.py [--origins N] [--window MIN]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
import yaml

from access.config import TransitSettings
from access.measures.accessibility import accessibility_from_matrix
from access.network import build_network
from access.routing.matrix import travel_times
from access.scenarios.apply import apply, load_region
from access.scenarios.model import parse_scenario

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "poa"
DATE = "2019-05-13"
SETTINGS = TransitSettings(board_penalty_min={"poa_trensurb": 0})
LINE = {
    "line": "POA light rail",
    "route_id": "LRT1",
    "route_type": 0,
    "stations": [
        {"name": "Rodoviaria", "lon": -51.218856, "lat": -30.023285},
        {"name": "Moinhos", "lon": -51.208565, "lat": -30.024909},
        {"name": "Iguatemi", "lon": -51.162409, "lat": -30.026512},
        {"name": "PUCRS", "lon": -51.176073, "lat": -30.057972},
    ],
    "design_speed_kmh": 60,
    "detour_factor": 1.2,
    "periods": [{"start": "11:00", "end": "17:00", "headway_min": 6}],
    "start_date": "20190101",
    "end_date": "20191231",
}


def _access(network, cells: pd.DataFrame, window: float) -> pd.DataFrame:
    tt = travel_times(network, cells, cells, mode="transit", departure="14:00", window_min=window, max_time_min=45)
    return accessibility_from_matrix(tt, cells, opportunity="jobs", cutoffs_min=(30, 45))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=0, help="grid cells to use (0: all 1,227)")
    parser.add_argument("--window", type=float, default=30.0, help="departure window, minutes")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cells = pd.read_csv(DATA / "poa_hexgrid.csv").fillna({"jobs": 0})  # 5 cells have no count
    if args.origins:
        cells = cells.sample(args.origins, random_state=0).reset_index(drop=True)
    gtfs = [DATA / "poa_eptc.zip", DATA / "poa_trensurb.zip"]
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "poa_lrt.yaml"
        spec.write_text(yaml.safe_dump(LINE), encoding="utf-8")
        # warm the numba kernels so no timing below pays for compilation
        warm = build_network(
            DATA / "poa_osm.pbf",
            ("walk",),
            gtfs=gtfs,
            service_date=DATE,
            cache=False,
            transit_settings=SETTINGS,
            progress=False,
        )
        _access(warm, cells.head(3), 2)

        t0 = time.perf_counter()
        base = build_network(
            DATA / "poa_osm.pbf",
            ("walk",),
            gtfs=gtfs,
            service_date=DATE,
            cache=False,
            transit_settings=SETTINGS,
            progress=False,
        )
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        before = _access(base, cells, args.window)
        t_access = time.perf_counter() - t0

        scenario = parse_scenario(
            {
                "base": {
                    "osm": str(DATA / "poa_osm.pbf"),
                    "gtfs": [str(p) for p in gtfs],
                    "service_date": DATE,
                    "modes": ["walk"],
                    "transit_settings": SETTINGS.model_dump(),
                },
                "modifications": [{"type": "add_line", "spec": LINE, "board_penalty_min": 0}],
            }
        )
        region = load_region(scenario, progress=False)
        region.network = base  # the base run's network: only the scenario's own work is timed
        t0 = time.perf_counter()
        feed = region.feed  # the base feed tables (read once, kept by the region)
        t_feed = time.perf_counter() - t0
        t0 = time.perf_counter()
        after = apply(region, scenario.modifications)
        t_apply = time.perf_counter() - t0
        t0 = time.perf_counter()
        later = _access(after, cells, args.window)
        t_access_after = time.perf_counter() - t0

        t0 = time.perf_counter()
        settings = SETTINGS.model_copy(update={"board_penalty_min": {**SETTINGS.board_penalty_min, "rail_poa_lrt": 0}})
        scratch = build_network(
            DATA / "poa_osm.pbf",
            ("walk",),
            gtfs=gtfs,
            rail_specs=[spec],
            service_date=DATE,
            cache=False,
            transit_settings=settings,
            progress=False,
        )
        t_rebuild = time.perf_counter() - t0
        _access(scratch, cells.head(3), 2)
    gained = (later["jobs_45min"] - before["jobs_45min"]).clip(lower=0)
    print(f"origins: {len(cells):,}, window {args.window:g} min, {feed.stop_times.shape[0]:,} stop_times")
    print(f"base: build {t_build:.2f} s + accessibility {t_access:.2f} s = {t_build + t_access:.2f} s")
    print(
        f"scenario add_line: read feed tables {t_feed:.2f} s (once per region), apply {t_apply:.2f} s, "
        f"accessibility {t_access_after:.2f} s"
    )
    scenario_s = t_apply + t_access_after
    print(
        f"scenario / base run: {scenario_s / (t_build + t_access):.2f}x (target < 2x); "
        f"with the feed read: {(scenario_s + t_feed) / (t_build + t_access):.2f}x"
    )
    print(
        f"apply vs rebuilding the network from scratch: {t_apply:.2f} s vs {t_rebuild:.2f} s "
        f"({t_rebuild / max(t_apply, 1e-9):.1f}x faster)"
    )
    print(f"origins gaining jobs within 45 min: {(gained > 0).sum():,}; {after.transit!r}")


if __name__ == "__main__":
    main()
