"""Street routing benchmark on the largest real extract: ours (numba, Dial's bucket queue) vs networkx vs scipy, same run.

Also snapping (the grid index vs the STRtree it replaced, 100 k points) and end-to-end
``travel_times`` (snapping and the output table included) vs networkx one-to-all from the
same 20 origins.

Run: ``python bench/street_routing.py [--osm PATH]`` (``make bench``). Prints a table and
ratios; nothing is asserted (timings never go in tests).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
N_ORIGINS = 20
N_SNAP = 100_000  # points snapped
N_DESTINATIONS = 2_000


def timed(fn, *args, repeat: int = 1, **kwargs):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return result, best


def one_to_all_block(street, mode: str, rng, limit_min: float | None) -> dict[str, float]:
    from access._kernels.dijkstra import UNREACHED, one_to_all

    sources = rng.choice(street.n_nodes, N_ORIGINS, replace=False)
    limit_s = int(limit_min * 60) if limit_min else 10**12
    started = time.perf_counter()
    one_to_all(street.indptr, street.indices, street.travel_s, sources[:1], [0], limit_s)
    compile_s = time.perf_counter() - started
    ours = []
    start = time.perf_counter()
    for s in sources:
        ours.append(one_to_all(street.indptr, street.indices, street.travel_s, [s], [0], limit_s))
    ours_s = (time.perf_counter() - start) / N_ORIGINS
    matrix = street.to_csr_matrix()
    start = time.perf_counter()
    sp = dijkstra(matrix, indices=sources, limit=limit_s if limit_min else np.inf)
    scipy_s = (time.perf_counter() - start) / N_ORIGINS
    # scipy turns zero-second edges into 1e-9 and drops labels equal to the limit: compare
    # below the limit only.
    agree = all(
        np.array_equal(np.where(o < limit_s, o, -1), np.where(r < limit_s, np.rint(r), -1).astype(np.int64))
        for o, r in zip(ours, sp, strict=True)
    )
    row = {
        "case": f"{mode} one-to-all" + (f" ≤{limit_min:g} min" if limit_min else ""),
        "ours_ms": ours_s * 1e3,
        "scipy_ms": scipy_s * 1e3,
        "compile_s": compile_s,
        "agree": agree,
    }
    if not limit_min:
        graph = street.to_networkx()
        ids = street.node_id
        start = time.perf_counter()
        ref = [nx.single_source_dijkstra_path_length(graph, int(ids[s]), weight="travel_time") for s in sources]
        row["networkx_ms"] = (time.perf_counter() - start) / N_ORIGINS * 1e3
        pos = {int(n): i for i, n in enumerate(ids)}
        for o, r in zip(ours, ref, strict=True):
            expected = np.full(street.n_nodes, -1, dtype=np.int64)
            expected[[pos[k] for k in r]] = list(r.values())
            row["agree"] &= bool(np.array_equal(np.where(o == UNREACHED, -1, o), expected))
    return row


def strtree_snap(street, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The snapping this project used before the grid index: shapely's STRtree nearest
    query, then the position along the edge (the reference, timed from a built tree)."""
    import shapely

    seg = street.segments
    lines = shapely.linestrings(np.stack([np.c_[seg.ax, seg.ay], np.c_[seg.bx, seg.by]], axis=1))
    tree = shapely.STRtree(lines)
    tree.query(lines[:1])  # build it outside the timing, as the network's cached index was
    start = time.perf_counter()
    points = shapely.points(x, y)
    (rows, index), distance = tree.query_nearest(
        points, max_distance=street.max_snap_m, return_distance=True, all_matches=False
    )
    fraction = shapely.line_locate_point(lines[index], points[rows], normalized=True)
    shapely.length(lines[index])
    return rows, index, distance, fraction, time.perf_counter() - start


def snapping_block(street, rng) -> dict:
    """100 k points over the extract: the grid index vs the STRtree, same points."""
    from access.network._segments import build_segments
    from access.network.snap import snap_points

    x = rng.uniform(street.x.min(), street.x.max(), N_SNAP)
    y = rng.uniform(street.y.min(), street.y.max(), N_SNAP)
    start = time.perf_counter()
    build_segments(street.tails, street.indices, street.travel_s, street.x, street.y)
    build_s = time.perf_counter() - start
    snap_points(street, x[:4096], y[:4096])  # compiled and the index built
    _, ours = timed(snap_points, street, x, y, repeat=3)
    rows, index, distance, fraction, theirs = strtree_snap(street, x, y)
    snapped = snap_points(street, x, y)
    agree = np.array_equal(np.flatnonzero(snapped.ok), rows) and np.array_equal(snapped.distance_m[rows], distance)
    same = snapped.segment[rows] == index  # elsewhere: equally near edges (ties at a node)
    agree &= bool(np.array_equal(snapped.fraction[rows][same], fraction[same]))
    return {
        "mode": street.mode,
        "ours_ms": ours * 1e3,
        "strtree_ms": theirs * 1e3,
        "ratio": theirs / ours,
        "index_build_ms": build_s * 1e3,
        "ties_%": 100 * (1 - same.mean()),
        "agree": agree,
    }


def end_to_end_block(network, mode: str, rng) -> list[dict]:
    """``access.travel_times`` from 20 node origins to 2,000 nodes and to every node
    (snapping and the long table included) vs networkx one-to-all from the same origins."""
    import warnings

    from scipy.spatial import cKDTree

    import access
    from access.config import MAX_TIME_LIMIT_MIN

    street = network.street(mode)
    nodes = pd.DataFrame({"id": street.node_id, "lon": street.lon, "lat": street.lat})
    gap, _ = cKDTree(np.c_[street.x, street.y]).query(np.c_[street.x, street.y], k=2)
    lonely = gap[:, 1] >= 1.0  # metres to the nearest other node
    origins = nodes.iloc[rng.choice(np.flatnonzero(lonely), N_ORIGINS, replace=False)]
    graph = street.to_networkx()
    start = time.perf_counter()
    ref = [nx.single_source_dijkstra_path_length(graph, int(i), weight="travel_time") for i in origins["id"]]
    networkx_s = time.perf_counter() - start
    rows = []
    for label, dests in (
        (f"{N_DESTINATIONS:,} destinations", nodes.iloc[rng.choice(street.n_nodes, N_DESTINATIONS, replace=False)]),
        ("every node", nodes),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            access.travel_times(network, origins.head(2), dests.head(50), mode=mode)  # warm-up
            table, ours = timed(
                access.travel_times, network, origins, dests, mode=mode, max_time_min=MAX_TIME_LIMIT_MIN, repeat=3
            )
        got = table["travel_time_min"].to_numpy().reshape(len(origins), len(dests)) * 60
        expected = np.array([[r.get(int(i), np.nan) for i in dests["id"]] for r in ref])
        # a node within 1 m of another is the same place for us (a point within 0.5 m of a
        # node is at it, whatever one-way rule joins them): compare the other nodes
        clear = lonely[dests.index.to_numpy()]
        agree = bool(lonely[origins.index.to_numpy()].all()) and np.allclose(
            got[:, clear], expected[:, clear], rtol=0, atol=1e-6, equal_nan=True
        )
        rows.append(
            {
                "case": f"{mode}, {N_ORIGINS} origins x {label}",
                "ours_ms": ours * 1e3,
                "networkx_ms": networkx_s * 1e3,
                "ratio": networkx_s / ours,
                "rows": len(table),
                "agree": agree,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=DATA / "poa" / "poa_osm.pbf")
    parser.add_argument("--grid", type=Path, default=DATA / "poa" / "poa_hexgrid.csv")
    args = parser.parse_args()
    if not args.osm.exists():
        sys.exit(f"error: {args.osm} not found; the benchmark needs ../shared/data beside the repo.")
    import access

    rng = np.random.default_rng(42)
    with tempfile.TemporaryDirectory() as cache:
        network, cold = timed(access.build_network, args.osm, modes=("walk", "car"), cache_dir=cache, progress=False)
        _, warm = timed(
            access.build_network, args.osm, modes=("walk", "car"), cache_dir=cache, progress=False, repeat=3
        )
    print(f"network build: cold {cold:.2f} s, cached {warm * 1e3:.0f} ms")
    for mode in network.modes:
        s = network.street(mode)
        print(f"  {mode}: {s.n_nodes:,} nodes, {s.n_edges:,} edges")

    rows = [
        one_to_all_block(network.street("car"), "car", rng, None),
        one_to_all_block(network.street("walk"), "walk", rng, None),
        one_to_all_block(network.street("walk"), "walk", rng, 30),
    ]
    table = pd.DataFrame(rows)
    print("\none-to-all, per origin (20 origins):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))

    if args.grid.exists():
        import warnings

        grid = pd.read_csv(args.grid)
        print(f"\nmany-to-many, {len(grid):,} x {len(grid):,} grid cells (parallel numba, all cores):")
        for mode, budget in (("walk", 30), ("car", 60)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                access.travel_times(network, grid.head(4), mode=mode, max_time_min=budget)  # warm-up
                _, ours = timed(access.travel_times, network, grid, mode=mode, max_time_min=budget)
                from access.routing.street import snap

                snapped = snap(network.street(mode), grid)
            nodes = snapped.a[snapped.ok]
            start = time.perf_counter()
            dijkstra(network.street(mode).to_csr_matrix(), indices=nodes, limit=budget * 60)
            sp = time.perf_counter() - start
            print(
                f"  {mode} ≤{budget} min: ours {ours:.2f} s, scipy csgraph (node-to-all only) {sp:.2f} s, "
                f"ratio {sp / ours:.1f}x"
            )

    pois = pd.read_csv(DATA / "poa" / "poa_points_of_interest.csv")
    print("\nisochrones, per origin (15 points of interest):")
    for mode, cutoffs in (("walk", (10, 20, 30)), ("car", (10, 20))):
        access.isochrones(network, pois.iloc[[0]], mode=mode, cutoffs_min=cutoffs)  # warm-up
        _, seconds = timed(access.isochrones, network, pois, mode=mode, cutoffs_min=cutoffs)
        print(f"  {mode} {cutoffs}: {seconds / len(pois) * 1e3:.0f} ms per origin")

    snaps = pd.DataFrame([snapping_block(network.street(mode), rng) for mode in ("walk", "car")])
    print(f"\nsnapping {N_SNAP:,} points (grid index, numba) vs shapely STRtree.query_nearest + line_locate_point:")
    print(snaps.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    ends = pd.DataFrame([row for mode in ("walk", "car") for row in end_to_end_block(network, mode, rng)])
    print("\nend to end: travel_times (snapping + routing + long table) vs networkx one-to-all, same origins:")
    print(ends.to_string(index=False, float_format=lambda v: f"{v:.1f}"))

    car, walk = rows[0], rows[1]
    print("\nsummary:")
    for row in (car, walk):
        print(
            f"  {row['case']}: ours {row['ours_ms']:.2f} ms, networkx {row['networkx_ms']:.1f} ms "
            f"({row['networkx_ms'] / row['ours_ms']:.0f}x), scipy {row['scipy_ms']:.2f} ms "
            f"({row['scipy_ms'] / row['ours_ms']:.1f}x); agree: {'yes' if row['agree'] else 'NO'}"
        )
    print(f"  cached network load {warm * 1e3:.0f} ms (target < 1 s); cold build {cold:.2f} s (pandana: 7 s)")
    for row in snaps.itertuples():
        print(
            f"  snapping {N_SNAP:,} points, {row.mode}: {row.ours_ms:.0f} ms vs STRtree {row.strtree_ms:.0f} ms "
            f"({row.ratio:.1f}x, target >= 10x); identical: {'yes' if row.agree else 'NO'}"
        )
    for row in ends.itertuples():
        target = 60 if "every" not in row.case else 15
        print(
            f"  travel_times {row.case}: {row.ours_ms:.0f} ms vs networkx {row.networkx_ms:.0f} ms "
            f"({row.ratio:.0f}x, target >= {target}x); agree: {'yes' if row.agree else 'NO'}"
        )


if __name__ == "__main__":
    main()
