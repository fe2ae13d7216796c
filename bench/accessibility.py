"""Travel-time matrices at scale on the real Porto Alegre grid: every cell to every cell
by walk (30 and 60 min) and by transit (60-min window from 14:00, median), in-process vs
a process pool vs dask (LocalCluster); baselines in the same run: pandana's 30-minute
walking aggregation of jobs, and ferrobus's one-departure transit matrix.

Run: ``python bench/accessibility.py`` (``make bench``; pandana and ferrobus are optional:
``pip install pandana ferrobus``). Prints seconds, origin cells per second and peak
memory; nothing is asserted. ``--quick`` routes transit for 300 origins only.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "poa"
DATE = "2019-05-13"
DEPARTURE = "14:00"
WORKERS = 2


def measure(label: str, n_origins: int, run):
    """Run once; print seconds, origin cells per second and the driver's peak Python
    memory (tracemalloc: numpy arrays included, numba's internal buffers not)."""
    tracemalloc.start()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  {label:<34} {seconds:7.2f} s  {n_origins / seconds:8.0f} cells/s  driver peak {peak / 2**20:6.0f} MB")
    return result, seconds


def rss_mb() -> float:
    """Peak resident memory of this process, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    if not (DATA / "poa_osm.pbf").exists():
        sys.exit(f"error: {DATA} not found; the benchmark needs ../shared/data beside the repo.")
    quick = "--quick" in sys.argv
    import access
    from access.config import TransitSettings
    from access.routing.scale import travel_time_matrix

    warnings.simplefilter("ignore")
    grid = pd.read_csv(DATA / "poa_hexgrid.csv")
    cells = access.as_points(grid).to_frame()
    n = len(cells)
    feeds = [DATA / "poa_eptc.zip", DATA / "poa_trensurb.zip"]
    settings = TransitSettings(board_penalty_min={"poa_trensurb": 0})
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        net = access.build_network(
            DATA / "poa_osm.pbf",
            modes=("walk",),
            gtfs=feeds,
            service_date=DATE,
            transit_settings=settings,
            cache_dir=cache,
            progress=False,
        )
        print(f"network (walk + 2 feeds), cold build {time.perf_counter() - start:.1f} s: {net!r}")
    print(
        f"{n:,} grid cells -> {n:,} cells ({n * n:,} pairs); {os.cpu_count()} CPUs, {WORKERS} workers; "
        f"load average {os.getloadavg()[0]:.1f} at start\n"
    )
    travel_time_matrix(net, cells.head(4), cells, mode="walk", max_time_min=5)  # compile / load kernels

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)
    address = cluster.scheduler_address
    idle_rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    walk = {}
    for budget in (30, 60):
        print(f"walk, {budget} min:")
        walk[budget], _ = measure(
            "in-process (numba threads)",
            n,
            lambda b=budget: travel_time_matrix(net, cells, mode="walk", max_time_min=b),
        )
        same, _ = measure(
            f"process pool ({WORKERS}, incl. start)",
            n,
            lambda b=budget: travel_time_matrix(
                net, cells, mode="walk", max_time_min=b, scheduler="processes", n_workers=WORKERS
            ),
        )
        assert same.equals(walk[budget])
        same, _ = measure(
            f"dask LocalCluster ({WORKERS}, incl. start)",
            n,
            lambda b=budget: travel_time_matrix(
                net, cells, mode="walk", max_time_min=b, scheduler="local", n_workers=WORKERS
            ),
        )
        assert same.equals(walk[budget])
        same, _ = measure(
            "dask, running cluster (address)",
            n,
            lambda b=budget: travel_time_matrix(net, cells, mode="walk", max_time_min=b, scheduler=address),
        )
        assert same.equals(walk[budget])
        print(f"  identical across backends; {walk[budget]['travel_time_min'].notna().mean():.1%} of pairs reached")
    with tempfile.TemporaryDirectory() as tmp:
        measure(
            "walk 60, streamed, batches of 100",
            n,
            lambda: travel_time_matrix(
                net, cells, mode="walk", max_time_min=60, batch_size=100, out=Path(tmp) / "m.parquet"
            ),
        )
        assert pd.read_parquet(Path(tmp) / "m.parquet").equals(walk[60])

    origins = cells if not quick else cells.sample(300, random_state=1)
    query = {"mode": "transit", "departure": DEPARTURE, "window_min": 60, "percentiles": (50,), "max_time_min": 180}
    print(f"\ntransit, 60 departures {DEPARTURE}-14:59, median, {len(origins):,} origins:")
    transit, t_in = measure("in-process", len(origins), lambda: travel_time_matrix(net, origins, cells, **query))
    same, t_pool = measure(
        f"process pool ({WORKERS}, incl. start)",
        len(origins),
        lambda: travel_time_matrix(net, origins, cells, scheduler="processes", n_workers=WORKERS, **query),
    )
    assert same.equals(transit)
    same, t_dask = measure(
        "dask, running cluster (address)",
        len(origins),
        lambda: travel_time_matrix(net, origins, cells, scheduler=address, **query),
    )
    assert same.equals(transit)
    print(f"  identical across backends; pool {t_in / t_pool:.2f}x, dask {t_in / t_dask:.2f}x in-process speed")
    worker_rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    client.close()
    cluster.close()
    print(
        f"\npeak RSS (libraries included): driver {rss_mb():.0f} MB; dask worker {max(worker_rss.values()):.0f} MB "
        f"after all runs vs {max(idle_rss.values()):.0f} MB when started; load average {os.getloadavg()[0]:.1f}"
    )

    jobs_within_30(net, grid)
    one_departure_vs_ferrobus(net, grid, cells, feeds)


def jobs_within_30(net, grid: pd.DataFrame) -> None:
    """Jobs within 30 walking minutes of every cell: ours (matrix + sum) vs pandana."""
    jobs = grid["jobs"].fillna(0).to_numpy(dtype=float)  # 5 cells have no jobs value
    n = len(grid)
    print("\njobs within 30 walking minutes of every cell:")
    start = time.perf_counter()
    import access

    ours_matrix = access.travel_times(net, grid, mode="walk", max_time_min=30)
    minutes = ours_matrix["travel_time_min"].to_numpy().reshape(n, n)
    ours = np.where(np.isfinite(minutes), 1.0, 0.0) @ jobs
    ours_s = time.perf_counter() - start
    print(f"  ours: all-cells matrix + sum {ours_s:.2f} s")
    try:
        import pandana
    except ImportError:
        print("  pandana did not install (pip install pandana); scipy csgraph baseline instead")
        scipy_baseline(net, grid, jobs, ours, ours_s)
        return
    walk = net.street("walk")
    start = time.perf_counter()
    nodes = pd.DataFrame({"x": walk.x, "y": walk.y})
    edges = pd.DataFrame({"from": walk.tails, "to": walk.indices, "minutes": walk.travel_s / 60.0})
    with open(os.devnull, "w") as sink, _stdout_to(sink):
        pnet = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["minutes"]], twoway=False)
        pnet.precompute(30)
    build_s = time.perf_counter() - start
    from access._geo import to_projected

    x, y = to_projected(grid["lon"].to_numpy(), grid["lat"].to_numpy(), walk.crs_epsg)
    node_of_cell = pnet.get_node_ids(pd.Series(x), pd.Series(y))
    pnet.set(node_of_cell, variable=pd.Series(jobs), name="jobs")
    start = time.perf_counter()
    aggregated = pnet.aggregate(30, type="sum", decay="flat", name="jobs")
    pandana_s = time.perf_counter() - start
    theirs = aggregated.loc[node_of_cell.to_numpy()].to_numpy()
    rel = np.abs(ours - theirs) / np.maximum(theirs, 1)  # NaN where pandana has no value
    print(
        f"  pandana {pandana.__version__}: build + precompute {build_s:.1f} s, aggregate all "
        f"{walk.n_nodes:,} nodes {pandana_s:.2f} s"
    )
    print(
        f"  ratio ours/pandana (query only): {ours_s / pandana_s:.1f}x; incl. pandana's build: "
        f"{ours_s / (build_s + pandana_s):.2f}x"
    )
    print(
        f"  agreement over {np.isfinite(rel).sum():,} cells: median |ours - pandana| / pandana "
        f"{np.nanmedian(rel):.1%} (pandana snaps cells to the nearest node, ours to the nearest edge "
        "with connector time; off-network cells count nothing in ours)"
    )


class _stdout_to:
    """pandana's C++ extension prints progress on file descriptor 1; silence it."""

    def __init__(self, sink) -> None:
        self.sink = sink

    def __enter__(self) -> None:
        sys.stdout.flush()
        self.saved = os.dup(1)
        os.dup2(self.sink.fileno(), 1)

    def __exit__(self, *exc) -> None:
        os.dup2(self.saved, 1)
        os.close(self.saved)


def scipy_baseline(net, grid, jobs, ours, ours_s) -> None:
    """scipy.sparse.csgraph Dijkstra from every cell's nearest node, 30-minute limit."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from access._geo import to_projected
    from access.network.snap import snap_points

    walk = net.street("walk")
    graph = csr_matrix((walk.travel_s.astype(float), walk.indices, walk.indptr), shape=(walk.n_nodes,) * 2)
    x, y = to_projected(grid["lon"].to_numpy(), grid["lat"].to_numpy(), walk.crs_epsg)
    snapped = snap_points(walk, x, y)
    start = time.perf_counter()
    dist = dijkstra(graph, indices=snapped.a, limit=1800)
    reach = np.isfinite(dist[:, snapped.a])
    theirs = reach @ jobs
    scipy_s = time.perf_counter() - start
    print(
        f"  scipy csgraph from nearest nodes: {scipy_s:.2f} s -> ours/scipy {ours_s / scipy_s:.2f}x; "
        f"median relative difference {np.median(np.abs(ours - theirs) / np.maximum(theirs, 1)):.1%}"
    )


def one_departure_vs_ferrobus(net, grid, cells, feeds) -> None:
    """The full grid transit matrix for one departure (14:00): ours vs ferrobus."""
    from access.routing.scale import travel_time_matrix

    query = {"mode": "transit", "departure": DEPARTURE, "window_min": 1, "max_time_min": 180}
    print(f"\none departure {DEPARTURE}, full transit matrix {len(cells):,} x {len(cells):,}:")
    start = time.perf_counter()
    ours = travel_time_matrix(net, cells, **query)
    in_process_s = time.perf_counter() - start
    start = time.perf_counter()
    same = travel_time_matrix(net, cells, scheduler="processes", n_workers=WORKERS, **query)
    ours_s = time.perf_counter() - start
    assert same.equals(ours)
    print(
        f"  ours in-process {in_process_s:.2f} s; process pool ({WORKERS} workers, 1 numba thread each, incl. "
        f"start) {ours_s:.2f} s"
    )
    try:
        import ferrobus
    except ImportError:
        print("  ferrobus not installed (pip install ferrobus): no ratio")
        return
    from access.io.gtfs import read_gtfs

    with tempfile.TemporaryDirectory() as tmp:
        dirs = []
        for feed in feeds:
            folder = Path(tmp) / feed.stem
            zipfile.ZipFile(feed).extractall(folder)
            st = read_gtfs(feed, service_date=DATE).stop_times  # ferrobus needs every time filled in
            pd.DataFrame(
                {
                    "trip_id": st["trip_id"],
                    "arrival_time": _clock(st["arrival_s"]),
                    "departure_time": _clock(st["departure_s"]),
                    "stop_id": st["stop_id"],
                    "stop_sequence": st["stop_sequence"],
                }
            ).to_csv(folder / "stop_times.txt", index=False)
            dirs.append(str(folder))
        start = time.perf_counter()
        model = ferrobus.create_transit_model(str(DATA / "poa_osm.pbf"), dirs, dt.date(2019, 5, 13), 600)
        build_s = time.perf_counter() - start
        points = []
        for lon, lat in zip(grid["lon"], grid["lat"], strict=True):
            try:
                points.append(ferrobus.create_transit_point(lat, lon, model))
            except ValueError:
                pass
        start = time.perf_counter()
        ferrobus.travel_time_matrix(model, points, 14 * 3600, 4)
        fb_s = time.perf_counter() - start
    print(
        f"  ferrobus {build_s:.1f} s build, matrix {fb_s:.2f} s ({len(points):,} cells) -> ours "
        f"{ours_s / fb_s:.1f}x slower (pool); ours reached {ours['travel_time_min'].notna().mean():.1%} of pairs"
    )


def _clock(seconds: pd.Series) -> pd.Series:
    return seconds.map(lambda s: f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}")


if __name__ == "__main__":
    main()
