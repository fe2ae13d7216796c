"""Accessibility at scale: jobs within 30 walking minutes of every one of Porto Alegre's
37,507 walk nodes, aggregated while routing (no long table), against pandana (network
build + precompute + aggregate, the same run) and against this project's previous path
(the full travel-time table, then the measure) on a slice of the origins.

Run: ``python bench/accessibility_scale.py`` (``make bench``; pandana from the ``bench``
extra). Prints seconds, peak memory and ratios; nothing is asserted.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "poa"
CUTOFF_MIN = 30
SLICE = 3_000  # origins routed by the previous (long-table) path


def rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _quiet_fd1:
    """pandana's C++ extension prints progress on file descriptor 1; silence it."""

    def __enter__(self) -> None:
        sys.stdout.flush()
        self.sink = open(os.devnull, "w")  # noqa: SIM115 - closed in __exit__
        self.saved = os.dup(1)
        os.dup2(self.sink.fileno(), 1)

    def __exit__(self, *exc) -> None:
        os.dup2(self.saved, 1)
        os.close(self.saved)
        self.sink.close()


def main() -> None:
    if not (DATA / "poa_osm.pbf").exists():
        sys.exit(f"error: {DATA} not found; the benchmark needs ../shared/data beside the repo.")
    import access
    from access.measures.accessibility import accessibility_from_matrix

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as cache:
        net = access.build_network(DATA / "poa_osm.pbf", modes=("walk",), cache_dir=cache, progress=False)
    walk = net.street("walk")
    cells = pd.read_csv(DATA / "poa_hexgrid.csv").fillna({"jobs": 0})
    nodes = pd.DataFrame({"id": walk.node_id, "lon": walk.lon, "lat": walk.lat})
    print(
        f"jobs within {CUTOFF_MIN} walking minutes: {len(nodes):,} walk nodes x {len(cells):,} job cells "
        f"({len(nodes) * len(cells):,} pairs); {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    access.accessibility(net, nodes.head(300), cells, mode="walk", cutoffs_min=(CUTOFF_MIN,))  # compile
    before = rss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    ours = access.accessibility(net, nodes, cells, mode="walk", cutoffs_min=(CUTOFF_MIN,))
    ours_s = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"  ours (aggregated while routing): {ours_s:6.2f} s; process peak RSS {rss_mb():,.0f} MB "
        f"({before:,.0f} MB before: libraries + network), numpy/python peak in the call {traced:,.0f} MB"
    )
    column = f"jobs_{CUTOFF_MIN}min"

    # the previous path: the whole long table, then the measure (on a slice; per origin)
    part = nodes.sample(SLICE, random_state=1)
    start = time.perf_counter()
    table = access.travel_times(net, part, cells, mode="walk", max_time_min=CUTOFF_MIN)
    land = pd.DataFrame(access.as_points(cells).to_frame().drop(columns="geometry"))
    old = accessibility_from_matrix(table, land, cutoffs_min=(CUTOFF_MIN,), origins=part["id"])
    old_s = time.perf_counter() - start
    same = ours.set_index("id").loc[part["id"], column].to_numpy()
    identical = np.array_equal(old[column].to_numpy(), same, equal_nan=True)
    print(
        f"  previous path (long table + measure) on {SLICE:,} origins: {old_s:.2f} s -> "
        f"{old_s / SLICE * len(nodes):.1f} s for all ({old_s / SLICE * len(nodes) / ours_s:.1f}x ours); "
        f"identical values: {'yes' if identical else 'NO'}"
    )

    try:
        import pandana
    except ImportError:
        print("  pandana is not installed (pip install -e '.[bench]'): no peer run")
        return
    start = time.perf_counter()
    with _quiet_fd1():
        pnet = pandana.Network(
            pd.Series(walk.x),
            pd.Series(walk.y),
            pd.Series(walk.tails),
            pd.Series(walk.indices),
            pd.DataFrame({"minutes": walk.travel_s / 60.0}),
            twoway=False,
        )
        pnet.precompute(CUTOFF_MIN)
    build_s = time.perf_counter() - start
    x, y = access.as_points(cells).projected(walk.crs_epsg)
    start = time.perf_counter()
    pnet.set(pnet.get_node_ids(pd.Series(x), pd.Series(y)), variable=cells["jobs"], name="jobs")
    theirs = pnet.aggregate(CUTOFF_MIN, type="sum", decay="flat", name="jobs")
    query_s = time.perf_counter() - start
    total = build_s + query_s
    mine = ours[column].to_numpy()
    rel = np.abs(mine - theirs.to_numpy()) / np.maximum(theirs.to_numpy(), 1.0)
    print(
        f"  pandana {pandana.__version__}: build + precompute {build_s:.2f} s, aggregate {query_s:.2f} s, "
        f"total {total:.2f} s"
    )
    print(
        f"  ratio pandana total / ours: {total / ours_s:.2f}x (target >= 1); vs pandana's query alone "
        f"{query_s / ours_s:.2f}x; median |ours - pandana| / pandana {np.nanmedian(rel):.1%} (pandana puts "
        "each cell on its nearest node, ours on its nearest edge with the connector walk)"
    )
    print(f"  process peak RSS at the end (pandana included): {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
