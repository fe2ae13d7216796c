"""Scale benchmark: a ≥ 1 M-node car network made offline by tiling the sample region.

For a growth curve (~58 k, 250 k, 500 k, 1 M car nodes) each size is measured in fresh
subprocesses so peaks do not mix: the cold ``access.build_network`` (time, peak RSS), the
cached load (time, peak RSS), one-to-all car Dijkstra (ours vs scipy.sparse.csgraph on the
same CSR, same process, same sources) and memory per node. At the largest size, a
``--points`` × ``--points`` car matrix (``access.travel_time_matrix``, streamed to
Parquet) for each budget of ``--max-time-min`` (60 min, and 180 min, the library's
default), in one process vs a dask LocalCluster of 2 workers, with the sum of RSS over the
process tree sampled while it runs (and its CPU seconds), best of ``--repeat`` runs, the
size of one batch's result as it crosses to the caller, and a check that both give
identical results.

The tiled regions are written by :func:`access.sample.tiled.write_tiled_region` into
``--work`` (default: a folder under the system temp dir, never the repository) and reused.

Run: ``python bench/regional_scale.py [--tiles 3,13,26,52] [--points 10000]
[--max-time-min 60,180] [--repeat 1]`` (``make bench``; 8-13 min on 2 shared cores at
load 4-10; ``--tiles 52`` measures the 1 M-node size only, ~10 min with ``--repeat 2``).
Prints a table and ratios; nothing is asserted (timings never go in tests).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

GENERATOR_VERSION = 1  # bump when access.sample.tiled changes what it writes
N_SOURCES = 10  # one-to-all sources per size
SEED = 19
MB = 2**20


def _peak_rss_b() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _rss_b() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class _TreeRss:
    """Largest sum of RSS over this process and all its descendants (dask workers and
    nannies), sampled every 0.2 s in a thread (shared pages count once per process), and
    the CPU seconds (user + system) they used meanwhile: this process's exactly, each
    descendant's as last sampled (a worker's last 0.2 s before it exits can be missed)."""

    def __init__(self) -> None:
        import psutil

        self.process, self.peak_b, self._stop = psutil.Process(), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._cpu: dict[int, float] = {}  # pid -> CPU seconds when last sampled
        self._base: dict[int, float] = {}  # pid -> CPU seconds at the start (processes alive then)

    def _sample(self) -> int:
        import psutil

        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                with proc.oneshot():
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                self._cpu[proc.pid] = times.user + times.system
            except psutil.Error:  # a process that just ended
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_b = max(self.peak_b, self._sample())
            self._stop.wait(0.2)

    @property
    def cpu_s(self) -> float:
        return sum(cpu - self._base.get(pid, 0.0) for pid, cpu in self._cpu.items())

    def __enter__(self) -> _TreeRss:
        self._sample()
        self._base = dict(self._cpu)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


# --- children: one measurement each, in a fresh process, printing one JSON line ---------
def child_build(pbf: Path, cache: Path) -> dict:
    import access

    base = _rss_b()
    start = time.perf_counter()
    street = access.build_network(pbf, modes=("car",), cache_dir=cache, progress=False).street("car")
    build_s = time.perf_counter() - start
    return {"build_s": build_s, "build_peak_b": _peak_rss_b(), "base_rss_b": base, "nodes": street.n_nodes}


def child_load(pbf: Path, cache: Path) -> dict:
    from scipy.sparse.csgraph import dijkstra

    import access
    from access._kernels.dijkstra import UNREACHED, one_to_all

    base = _rss_b()
    start = time.perf_counter()
    street = access.build_network(pbf, modes=("car",), cache_dir=cache, progress=False).street("car")
    load_s = time.perf_counter() - start
    load_peak, loaded = _peak_rss_b(), _rss_b()
    arrays_b = sum(array.nbytes for array in street.to_arrays().values())
    sources = np.random.default_rng(SEED).choice(street.n_nodes, N_SOURCES, replace=False)
    graph = (street.indptr, street.indices, street.travel_s)
    one_to_all(*graph, sources[:1], [0], 10**12)  # compiled (or loaded from numba's cache)
    ours, start = [], time.perf_counter()
    for s in sources:
        ours.append(one_to_all(*graph, [s], [0], 10**12))
    ours_s = (time.perf_counter() - start) / N_SOURCES
    matrix = street.to_csr_matrix()
    start = time.perf_counter()
    theirs = dijkstra(matrix, indices=sources)
    scipy_s = (time.perf_counter() - start) / N_SOURCES
    # scipy gives zero-second edges 1e-9 s: compare whole seconds
    agree = all(
        np.array_equal(np.where(o == UNREACHED, -1, o), np.where(np.isfinite(r), np.rint(r), -1).astype(np.int64))
        for o, r in zip(ours, theirs, strict=True)
    )
    reached = float(np.mean([(o != UNREACHED).mean() for o in ours]))
    # the snapping index (built on first use by any query with points): its own memory
    start = time.perf_counter()
    segments = street.segments
    index_s = time.perf_counter() - start
    index_b = sum(v.nbytes for v in vars(segments).values() if isinstance(v, np.ndarray)) + street.tails.nbytes
    return {
        "load_s": load_s,
        "load_peak_b": load_peak,
        "load_rss_growth_b": loaded - base,
        "arrays_b": arrays_b,
        "nodes": street.n_nodes,
        "edges": street.n_edges,
        "ours_ms": ours_s * 1e3,
        "scipy_ms": scipy_s * 1e3,
        "agree": bool(agree),
        "reached": reached,
        "index_s": index_s,
        "index_b": index_b,
        "peak_b": _peak_rss_b(),
    }


def child_matrix(
    pbf: Path, cache: Path, scheduler: str | None, points: int, max_time_min: float, out: Path, repeat: int = 1
) -> dict:
    import hashlib
    import warnings

    import pandas as pd
    import pyarrow.parquet as pq

    import access
    from access.errors import OffNetworkWarning

    warnings.simplefilter("ignore", OffNetworkWarning)
    network = access.build_network(pbf, modes=("car",), cache_dir=cache, progress=False)
    street = network.street("car")
    rng = np.random.default_rng(SEED)
    pick = rng.choice(street.n_nodes, 2 * points, replace=False)  # at nodes: every point snaps

    def frame(rows):
        return pd.DataFrame({"id": np.arange(len(rows)), "lon": street.lon[rows], "lat": street.lat[rows]})

    origins, destinations = frame(pick[:points]), frame(pick[points:])
    kwargs = {"mode": "car", "max_time_min": max_time_min, "scheduler": scheduler}
    if scheduler == "local":
        kwargs["n_workers"] = 2
    # warm-up on 20 x 20: numba kernels compiled in this process (for dask: the cluster's
    # fixed cost, timed, since every call starts its own LocalCluster)
    start = time.perf_counter()
    access.travel_time_matrix(network, origins[:20], destinations[:20], **kwargs)
    small_s = time.perf_counter() - start
    walls, cpus, tree_peak_b = [], [], 0
    for _ in range(repeat):  # best of `repeat`: the machine is shared
        with _TreeRss() as tree:
            start = time.perf_counter()
            access.travel_time_matrix(network, origins, destinations, out=out, **kwargs)
            walls.append(time.perf_counter() - start)
        cpus.append(tree.cpu_s)
        tree_peak_b = max(tree_peak_b, tree.peak_b)
    peak_b = _peak_rss_b()  # before reading the result back to check it
    payload = _batch_payload(network, origins, destinations, max_time_min) if scheduler is None else {}
    minutes = pq.read_table(out, columns=["travel_time_min"]).column(0).to_numpy()
    out.unlink()
    digest = hashlib.sha256(np.nan_to_num(minutes, nan=-1.0).tobytes()).hexdigest()[:16]
    return {
        "matrix_s": min(walls),
        "walls_s": walls,
        "cpu_s": min(cpus),
        "cpus_s": cpus,
        "small_s": small_s,
        "pairs": len(minutes),
        "reached_pairs": int(np.isfinite(minutes).sum()),
        "digest": digest,
        "peak_b": peak_b,
        "tree_peak_b": tree_peak_b,
        **payload,
    }


def _batch_payload(network, origins, destinations, max_time_min: float) -> dict:
    """What one dask / pool batch (the default 400 origins here) sends back to the caller:
    the whole long table (before issue 19.6) and the reached pairs only (``_Reached``),
    pickled, with the time to pickle each (best of 3)."""
    import pickle

    from access.io.points import as_points
    from access.routing import scale

    rows = max(1, 4_000_000 // len(destinations))  # DEFAULT_BATCH_CELLS // destinations
    table = scale._run(
        network, as_points(origins[:rows]), as_points(destinations), {"mode": "car", "max_time_min": max_time_min}
    )
    out = {"batch_origins": rows}
    forms = {"full": lambda: table}
    if hasattr(scale, "_Reached"):
        forms["reached"] = lambda: scale._Reached.of(table)
    for name, make in forms.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            size = len(pickle.dumps(make(), protocol=5))
            best = min(best, time.perf_counter() - start)
        out[f"{name}_batch_b"], out[f"{name}_batch_s"] = size, best
    return out


# --- parent: generate, run the children, print ---------------------------------------
def _run_child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.exit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def _region(work: Path, tiles: int) -> tuple[Path, float | None]:
    from access.sample.tiled import write_tiled_region

    folder = work / f"v{GENERATOR_VERSION}" / f"tiles-{tiles}"
    pbf = folder / f"tiled_region_{tiles}.osm.pbf"
    if pbf.exists():
        return pbf, None
    start = time.perf_counter()
    write_tiled_region(folder, tiles)
    return pbf, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", default="3,13,26,52", help="tile counts (19,263 car nodes per tile)")
    parser.add_argument("--points", type=int, default=10_000, help="origins (and destinations) of the matrix")
    parser.add_argument("--max-time-min", default="60,180", help="matrix search budgets, minutes (180: the default)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "commuting-circles-regional")
    parser.add_argument("--no-matrix", action="store_true", help="skip the matrix at the largest size")
    parser.add_argument("--repeat", type=int, default=1, help="matrix runs per backend and budget (best of)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, pbf, cache, *rest = args.child
        if kind == "build":
            result = child_build(Path(pbf), Path(cache))
        elif kind == "load":
            result = child_load(Path(pbf), Path(cache))
        else:
            scheduler = None if rest[0] == "none" else rest[0]
            result = child_matrix(
                Path(pbf), Path(cache), scheduler, int(rest[1]), float(rest[2]), Path(rest[3]), int(rest[4])
            )
        print("RESULT " + json.dumps(result))
        return

    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    rows = []
    for tiles in [int(t) for t in args.tiles.split(",")]:
        pbf, generated_s = _region(args.work, tiles)
        cache = pbf.parent / "cache"
        shutil.rmtree(cache, ignore_errors=True)  # a cold build every run
        build = _run_child(["build", str(pbf), str(cache)])
        load = _run_child(["load", str(pbf), str(cache)])
        n = load["nodes"]
        rows.append(
            {
                "tiles": tiles,
                "nodes": n,
                "edges": load["edges"],
                "pbf_MB": pbf.stat().st_size / MB,
                "generate_s": generated_s,
                "build_s": build["build_s"],
                "build_peak_MB": build["build_peak_b"] / MB,
                "load_s": load["load_s"],
                "load_peak_MB": load["load_peak_b"] / MB,
                "arrays_B/node": load["arrays_b"] / n,
                "rss_B/node": load["load_rss_growth_b"] / n,
                "build_peak_B/node": (build["build_peak_b"] - build["base_rss_b"]) / n,
                "snap_index_s": load["index_s"],
                "snap_index_B/node": load["index_b"] / n,
                "ours_ms": load["ours_ms"],
                "scipy_ms": load["scipy_ms"],
                "scipy/ours": load["scipy_ms"] / load["ours_ms"],
                "agree": load["agree"],
                "pbf": pbf,
                "cache": cache,
            }
        )
        print(f"  {tiles} tiles: {n:,} nodes measured", flush=True)
    _print_growth(rows)

    if not args.no_matrix:
        largest = rows[-1]
        out = largest["pbf"].parent / "matrix.parquet"
        common = [str(largest["pbf"]), str(largest["cache"])]
        for budget in [float(b) for b in args.max_time_min.split(",")]:
            extra = [str(args.points), str(budget), str(out), str(args.repeat)]
            single = _run_child(["matrix", *common, "none", *extra])
            dask = _run_child(["matrix", *common, "local", *extra])
            _print_matrix(largest, args.points, budget, single, dask)
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def _print_growth(rows: list[dict]) -> None:
    import pandas as pd

    table = pd.DataFrame(rows).drop(columns=["pbf", "cache"])
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.float_format", "{:.3g}".format):
        print("\nGrowth curve (car network; one fresh process per build and per load)")
        print(table.to_string(index=False))
    first, last = rows[0], rows[-1]
    grow = last["nodes"] / first["nodes"]
    print(f"\nfrom {first['nodes']:,} to {last['nodes']:,} nodes (×{grow:.1f}):")
    for key in ("build_s", "load_s", "build_peak_MB", "load_peak_MB", "ours_ms", "scipy_ms"):
        print(f"  {key:>14}: ×{last[key] / first[key]:.1f}")
    ratios = ", ".join(f"{r['scipy/ours']:.2f}×" for r in rows)
    print(f"one-to-all, scipy csgraph / ours (same process, same CSR): {ratios}")


def _print_matrix(largest: dict, points: int, budget: float, single: dict, dask: dict) -> None:
    pairs = single["pairs"]
    print(
        f"\n{points:,} × {points:,} car matrix on {largest['nodes']:,} nodes, "
        f"max_time_min={budget:g}, streamed to Parquet"
    )
    # 20 x 20 warm-up: in one process numba's compile / cache load (paid once per process);
    # on dask a whole call, the fixed cost every call pays (its own LocalCluster, scatter)
    runs = len(single["walls_s"])
    print(f"best of {runs}; CPU = user + system seconds of the process tree (caller, nannies, workers)")
    print(
        f"{'backend':>26} {'time_s':>8} {'cpu_s':>8} {'pairs/s':>10} {'20x20_s':>8} {'peak_MB':>8} "
        f"{'tree_peak_MB':>12}  every run (wall / cpu s)"
    )
    for name, r in (("one process (numba, 2 thr)", single), ("dask LocalCluster 2 x 1", dask)):
        each = ", ".join(f"{w:.1f}/{c:.1f}" for w, c in zip(r["walls_s"], r["cpus_s"], strict=True))
        print(
            f"{name:>26} {r['matrix_s']:8.1f} {r['cpu_s']:8.1f} {pairs / r['matrix_s']:10.3g} {r['small_s']:8.1f} "
            f"{r['peak_b'] / MB:8.0f} {r['tree_peak_b'] / MB:12.0f}  {each}"
        )
    if "full_batch_b" in single:
        line = f"one batch of {single['batch_origins']} origins sent back: whole long table "
        line += f"{single['full_batch_b'] / MB:.1f} MB (pickled in {single['full_batch_s']:.2f} s)"
        if "reached_batch_b" in single:
            line += (
                f", reached pairs only {single['reached_batch_b'] / MB:.2f} MB "
                f"({single['reached_batch_s']:.3f} s with the compaction): "
                f"{single['full_batch_b'] / single['reached_batch_b']:.0f}× smaller"
            )
        print(line)
    net = dask["matrix_s"] - dask["small_s"]
    same = single["digest"] == dask["digest"] and single["pairs"] == dask["pairs"]
    print(
        f"dask / one process time: {dask['matrix_s'] / single['matrix_s']:.2f}× "
        f"(CPU {dask['cpu_s'] / single['cpu_s']:.2f}×) "
        f"({net / single['matrix_s']:.2f}× less dask's 20 x 20 fixed cost); pairs {pairs:,}, "
        f"reached within the budget {single['reached_pairs']:,} ({100 * single['reached_pairs'] / pairs:.2f} %); "
        f"identical results: {same}"
    )


if __name__ == "__main__":
    main()
