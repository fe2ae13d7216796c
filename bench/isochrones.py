"""Isochrones side by side with Valhalla on Porto Alegre: time per origin and polygon shape.

Run: ``make bench-isochrones`` (it makes the side venv ``.venv-valhalla`` with Python >= 3.12
and ``pyvalhalla``, which has no wheels for the project's Python), or directly
``python bench/isochrones.py [--valhalla-python .venv-valhalla/bin/python]``. Valhalla's
tiles are built offline from the same extract on first use (``.venv-valhalla/poa/``).

Each engine runs in its own process (ours here, Valhalla in ``bench/_valhalla_peer.py``);
calls alternate call by call so both see the same machine load, and the ratio of the two
per-origin times is printed, wall and CPU time (steadier on a shared machine), for one call
with every cutoff and for one call per cutoff (one contour each). Shapes are measured
against each engine's own search: the share of nodes reached within the cutoff that the
polygon covers, and the share of the polygon's area farther than 100 m from every reached
edge part. Each engine uses its own defaults (Valhalla's walking speed set to ours,
4.8 km/h). Nothing is asserted (timings never go in tests; the shape targets are tested in
tests/test_isochrone_shapes.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"
CASES = [("walk", "pedestrian", (10, 20, 30)), ("car", "auto", (10, 20))]
REPEAT = 15  # calls per engine and origin, alternating; the best of each counts


def timed(fn) -> tuple[float, float, object]:
    """Wall and CPU milliseconds of one call, and its result."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = fn()
    return (time.perf_counter() - start) * 1e3, (time.process_time() - start_cpu) * 1e3, result


class Peer:
    """The Valhalla process: one JSON request per line, one JSON answer per line."""

    def __init__(self, python: Path, pbf: Path, folder: Path):
        self.proc = subprocess.Popen(
            [str(python), str(REPO / "bench" / "_valhalla_peer.py"), str(pbf), str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.version = self._read()["version"]

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the Valhalla peer stopped; run it by hand to see why")
        return json.loads(line)

    def ask(self, **message) -> dict:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def ours_shapes(network, street, point, cutoffs, iso) -> list[tuple[float, float]]:
    """(nodes inside, area beyond 100 m) per cutoff, against our own node times."""
    from access.routing.street import node_times, snap
    from tests.iso_shape import reached_segments, share_beyond, share_inside

    seconds = node_times(street, snap(street, point, strict=True), 0, 10**9)
    out = []
    for cutoff, polygon in zip(cutoffs, iso.to_crs(street.crs_epsg).geometry, strict=True):
        cut = cutoff * 60.0
        reached = seconds <= cut
        segs = reached_segments(street.tails, street.indices, street.x, street.y, street.travel_s, seconds, cut)
        out.append((share_inside(polygon, street.x[reached], street.y[reached]), share_beyond(polygon, segs)))
    return out


def valhalla_shapes(edges, geojson, cutoffs, crs_epsg) -> list[tuple[float, float]]:
    """(nodes inside, area beyond 100 m) per cutoff, against Valhalla's own expansion: each
    settled edge's end is reached at its duration, its start at its predecessor's."""
    from shapely.ops import substring

    from access._geo import to_projected

    end_s: dict[int, float] = {}
    for _, duration, edge, _ in edges:
        end_s[edge] = min(end_s.get(edge, np.inf), float(duration))
    lines, t0, t1 = [], [], []
    for coords, duration, edge, pred in edges:
        if float(duration) != end_s[edge] or len(coords) < 2:
            continue
        xy = np.asarray(coords, dtype=float)
        x, y = to_projected(xy[:, 0], xy[:, 1], crs_epsg)
        lines.append(shapely.LineString(np.column_stack([x, y])))
        t0.append(end_s.get(pred, 0.0))
        t1.append(float(duration))
    t0, t1 = np.minimum(np.array(t0), np.array(t1)), np.array(t1)
    polygons = {}
    for feature in geojson["features"]:
        geometry = shape(feature["geometry"])
        coords = shapely.get_coordinates(geometry)
        x, y = to_projected(coords[:, 0], coords[:, 1], crs_epsg)
        polygons[float(feature["properties"]["contour"])] = shapely.set_coordinates(geometry, np.column_stack([x, y]))
    out = []
    for cutoff in cutoffs:
        cut = cutoff * 60.0
        polygon = shapely.make_valid(polygons[float(cutoff)])
        ends = np.array([shapely.get_point(g, -1) for g, t in zip(lines, t1, strict=True) if t <= cut])
        parts = []
        for g, a, b in zip(lines, t0, t1, strict=True):
            if a > cut:
                continue
            share = 1.0 if b <= cut or b <= a else (cut - a) / (b - a)
            parts.append(g if share >= 1.0 else substring(g, 0.0, share, normalized=True))
        ex, ey = shapely.get_x(ends), shapely.get_y(ends)
        from tests.iso_shape import share_beyond, share_inside

        out.append((share_inside(polygon, ex, ey), share_beyond(polygon, np.array(parts))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=DATA / "poa" / "poa_osm.pbf")
    parser.add_argument("--valhalla-python", type=Path, default=REPO / ".venv-valhalla" / "bin" / "python")
    args = parser.parse_args()

    import access
    from access.config import IsochroneSettings
    from access.errors import ExtentWarning

    # central Porto Alegre is small: car areas reach the extract's edge (truncated_by_extent)
    warnings.simplefilter("ignore", ExtentWarning)

    network = access.build_network(args.osm, modes=("walk", "car"), progress=False)
    poi = pd.read_csv(DATA / "poa" / "poa_points_of_interest.csv")
    origins = poi.iloc[[0, 3, 6, 9, 12]]
    walk_kmh = network.street("walk").connector_speed_kmh
    peer = None
    if args.valhalla_python.exists():
        try:
            peer = Peer(args.valhalla_python, args.osm, args.valhalla_python.parents[1] / args.osm.stem)
        except RuntimeError as error:
            print(f"{error}; ours only\n")
    else:
        print(f"no Valhalla side venv at {args.valhalla_python}: `make bench-isochrones` makes it; ours only\n")
    settings = IsochroneSettings()
    rows = []
    for mode, costing, cutoffs in CASES:
        street = network.street(mode)
        access.isochrones(network, tuple(origins[["lon", "lat"]].iloc[0]), mode=mode, cutoffs_min=cutoffs)  # compile
        for origin in origins.itertuples():
            point = (origin.lon, origin.lat)
            request = {"costing": costing, "lon": origin.lon, "lat": origin.lat, "contours_min": list(cutoffs)}
            if costing == "pedestrian":
                request["costing_options"] = {"walking_speed": walk_kmh}
            # call by call, alternating engines, so load spikes hit both; best of REPEAT each
            ours, theirs_t, iso, answer = [np.inf, np.inf], [np.inf, np.inf], None, None
            for _ in range(REPEAT):
                ms, cpu, iso = timed(
                    lambda p=point, m=mode, c=cutoffs: access.isochrones(network, p, mode=m, cutoffs_min=c)
                )
                ours = [min(ours[0], ms), min(ours[1], cpu)]
                if peer is not None:
                    answer = peer.ask(op="isochrone", repeat=1, **request)
                    theirs_t = [min(theirs_t[0], answer["ms"]), min(theirs_t[1], answer["cpu_ms"])]
            ours_ms, valhalla_ms = ours[0], theirs_t[0]
            per_cutoff = {}  # cutoff -> (ours wall, ours CPU, Valhalla wall, Valhalla CPU): one contour a call
            for cutoff in cutoffs:
                one = [np.inf] * 4
                for _ in range(REPEAT):
                    ms, cpu, _ = timed(
                        lambda p=point, m=mode, c=cutoff: access.isochrones(network, p, mode=m, cutoffs_min=(c,))
                    )
                    one[0], one[1] = min(one[0], ms), min(one[1], cpu)
                    if peer is not None:
                        single = peer.ask(op="isochrone", repeat=1, **{**request, "contours_min": [cutoff]})
                        one[2], one[3] = min(one[2], single["ms"]), min(one[3], single["cpu_ms"])
                per_cutoff[cutoff] = one
            row = {"mode": mode, "origin": origin.id, "ours_ms": ours_ms, "ours_cpu": ours[1]}
            for cutoff, one in per_cutoff.items():
                row[f"ours_ms_{cutoff}"], row[f"ours_cpu_{cutoff}"] = one[0], one[1]
                row[f"vh_ms_{cutoff}"], row[f"vh_cpu_{cutoff}"] = one[2], one[3]
            shapes = ours_shapes(network, street, point, cutoffs, iso)
            if peer is not None:
                row["valhalla_ms"], row["valhalla_cpu"] = valhalla_ms, theirs_t[1]
                edges = peer.ask(op="expansion", **request)["edges"]
                theirs = valhalla_shapes(edges, answer["geojson"], cutoffs, street.crs_epsg)
            for k, cutoff in enumerate(cutoffs):
                row[f"ours_in_{cutoff}"], row[f"ours_far_{cutoff}"] = shapes[k]
                if peer is not None:
                    row[f"vh_in_{cutoff}"], row[f"vh_far_{cutoff}"] = theirs[k]
            rows.append(row)
            print(
                f"{mode:4} {origin.id:24} ours {ours_ms:7.1f} ms"
                + (
                    f"   valhalla {row['valhalla_ms']:7.1f} ms   ratio {ours_ms / row['valhalla_ms']:.2f}"
                    f" (CPU {ours[1]:.1f} / {theirs_t[1]:.1f} ms: {ours[1] / theirs_t[1]:.2f});"
                    + " alone: "
                    + ", ".join(
                        f"{c} min {one[0]:.1f}/{one[2]:.1f} ms {one[0] / one[2]:.2f}" for c, one in per_cutoff.items()
                    )
                    if peer
                    else f" (CPU {ours[1]:.1f} ms)"
                ),
                flush=True,
            )
    if peer is not None:
        peer.close()
    frame = pd.DataFrame(rows)
    print(f"\nresolution {dict(settings.resolution_m)} m, off-network walk {dict(settings.offnet_max_m)} m")
    for mode, _, cutoffs in CASES:
        part = frame[frame["mode"] == mode]
        line = f"{mode}: ours {part['ours_ms'].min():.1f}-{part['ours_ms'].max():.1f} ms per origin"
        if peer is not None:
            ratio = statistics.median(part["ours_ms"] / part["valhalla_ms"])
            ratios = part["ours_ms"] / part["valhalla_ms"]
            cpu_ratio = statistics.median(part["ours_cpu"] / part["valhalla_cpu"])
            line += (
                f", Valhalla {peer.version} {part['valhalla_ms'].min():.1f}-{part['valhalla_ms'].max():.1f} ms:"
                f" ours/Valhalla median {ratio:.2f}x (per origin {ratios.min():.2f}-{ratios.max():.2f}x;"
                f" CPU time {cpu_ratio:.2f}x)"
            )
        print(line)
        for cutoff in cutoffs:
            text = f"  {cutoff:>3} min alone: ours {part[f'ours_ms_{cutoff}'].min():.1f}-{part[f'ours_ms_{cutoff}'].max():.1f} ms"
            if peer is not None:
                ratios = part[f"ours_ms_{cutoff}"] / part[f"vh_ms_{cutoff}"]
                cpu = statistics.median(part[f"ours_cpu_{cutoff}"] / part[f"vh_cpu_{cutoff}"])
                text += (
                    f", Valhalla {part[f'vh_ms_{cutoff}'].min():.1f}-{part[f'vh_ms_{cutoff}'].max():.1f} ms:"
                    f" median {statistics.median(ratios):.2f}x (per origin {ratios.min():.2f}-{ratios.max():.2f}x;"
                    f" CPU time {cpu:.2f}x)"
                )
            print(text)
        for cutoff in cutoffs:
            text = (
                f"  {cutoff:>3} min  nodes inside ours {part[f'ours_in_{cutoff}'].min():.1%}-"
                f"{part[f'ours_in_{cutoff}'].max():.1%}, area beyond 100 m ours {part[f'ours_far_{cutoff}'].min():.1%}-"
                f"{part[f'ours_far_{cutoff}'].max():.1%}"
            )
            if peer is not None:
                text += (
                    f" | Valhalla nodes inside {part[f'vh_in_{cutoff}'].min():.1%}-{part[f'vh_in_{cutoff}'].max():.1%},"
                    f" beyond 100 m {part[f'vh_far_{cutoff}'].min():.1%}-{part[f'vh_far_{cutoff}'].max():.1%}"
                )
            print(text)


if __name__ == "__main__":
    main()
