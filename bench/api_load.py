"""Load test of the REST service: concurrent isochrone clients against `access serve` on 127.0.0.1.

Starts the service on the built-in sample region (a free local port, its own data dir),
warms the hot queries, then runs CLIENTS concurrent clients x REQUESTS isochrone requests:
most repeat one of HOT_QUERIES (answered from the LRU cache), UNCACHED_SHARE are new
origins (routed and contoured). Prints p50/p95 latency, requests/s, errors and ratios
against the library call measured in this same process. Bounded in count and time; only
127.0.0.1 is contacted.

    .venv/bin/python bench/api_load.py [--clients 50] [--requests 200] [--max-seconds 240]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HOT_QUERIES = 20  # distinct repeated queries (cache hits once warm)
UNCACHED_SHARE = 0.05  # share of requests with a never-seen origin (cache misses)
MODE, CUTOFFS_MIN = "walk", [10, 20]
JITTER_DEG = 0.001  # ~100 m: new origins near a place, still on the street network
SEED = 20190513


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "ACCESS_API_DATA_DIR": str(data_dir),
        "ACCESS_API_ISOCHRONE_CACHE_SIZE": "4096",
        "ACCESS_API_MAX_BODY_BYTES": "100000",
    }
    command = [
        sys.executable,
        "-m",
        "access.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def _wait_ready(base: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"server not ready within {timeout_s} s")


def _queries(places: pd.DataFrame, n_fresh: int, rng: random.Random):
    """Hot queries (repeated) and fresh ones (each used once) from the sample's places."""
    on_streets = places[places["kind"].isin(["core_city", "county_seat", "town"])]
    hot = [
        {"origins": [[float(r.lon), float(r.lat)]], "mode": MODE, "cutoffs_min": CUTOFFS_MIN}
        for r in on_streets.head(HOT_QUERIES).itertuples()
    ]
    base = on_streets.to_numpy()[:, [on_streets.columns.get_loc("lon"), on_streets.columns.get_loc("lat")]]
    fresh = []
    for _ in range(n_fresh):
        lon, lat = base[rng.randrange(len(base))]
        point = [float(lon) + rng.uniform(-JITTER_DEG, JITTER_DEG), float(lat) + rng.uniform(-JITTER_DEG, JITTER_DEG)]
        fresh.append({"origins": [point], "mode": MODE, "cutoffs_min": CUTOFFS_MIN})
    return hot, fresh


async def _load(base: str, clients: int, requests: int, hot, fresh, max_seconds: float, rng: random.Random):
    results: list[tuple[float, int, str]] = []  # seconds, status, X-Cache
    fresh_iter = iter(fresh)
    plan = [
        [(next(fresh_iter) if rng.random() < UNCACHED_SHARE else rng.choice(hot)) for _ in range(requests)]
        for _ in range(clients)
    ]
    stop_at = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def client(queue):
            for body in queue:
                if time.monotonic() > stop_at:
                    return
                started = time.perf_counter()
                try:
                    response = await http.post("/isochrones", json=body)
                    results.append(
                        (time.perf_counter() - started, response.status_code, response.headers.get("x-cache", ""))
                    )
                except httpx.HTTPError:
                    results.append((time.perf_counter() - started, 0, "error"))

        started = time.perf_counter()
        await asyncio.gather(*(client(q) for q in plan))
        return results, time.perf_counter() - started


def _library_baseline(data_dir: Path, hot, fresh, n: int) -> float:
    """Median seconds of the same isochrone query as a library call in this process."""
    import access
    from api.settings import read_region_config

    config = read_region_config(data_dir / "sample" / "region.yaml")
    network = access.build_network(
        config.osm,
        modes=config.modes,
        gtfs=config.gtfs,
        rail_specs=config.rail_specs,
        service_date=config.service_date,
        progress=False,
    )
    access.isochrones(network, hot[0]["origins"], mode=MODE, cutoffs_min=CUTOFFS_MIN)  # compile / warm
    times = []
    for body in (hot + fresh)[:n]:
        started = time.perf_counter()
        access.isochrones(network, body["origins"], mode=MODE, cutoffs_min=CUTOFFS_MIN)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200, help="per client")
    parser.add_argument("--max-seconds", type=float, default=240, help="stop the load phase after this long")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    rng = random.Random(SEED)
    tmp = tempfile.TemporaryDirectory(prefix="api-load-")
    data_dir = args.data_dir or Path(tmp.name)
    from api.regions import sample_region_config

    sample_region_config(data_dir)  # write the sample once, before the server starts
    places = pd.read_csv(data_dir / "sample" / "places.csv")
    total = args.clients * args.requests
    hot, fresh = _queries(places, int(total * UNCACHED_SHARE * 2) + 10, rng)

    library_s = _library_baseline(data_dir, hot, fresh, 40)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_server(data_dir, port, data_dir / "serve.log")
    try:
        _wait_ready(base, process, 180)
        with httpx.Client(base_url=base, timeout=60) as http:  # warm: each hot query once
            for body in hot:
                http.post("/isochrones", json=body).raise_for_status()
            single = []
            for body in fresh[-10:]:  # one uncached request at a time: the HTTP overhead
                started = time.perf_counter()
                http.post("/isochrones", json=body).raise_for_status()
                single.append(time.perf_counter() - started)
        results, elapsed = asyncio.run(
            _load(base, args.clients, args.requests, hot, fresh[:-10], args.max_seconds, rng)
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    seconds = np.array([r[0] for r in results])
    errors = sum(1 for r in results if r[1] != 200)
    hits = np.array([r[0] for r in results if r[2] == "hit"])
    misses = np.array([r[0] for r in results if r[2] == "miss"])
    p50, p95 = np.percentile(seconds, [50, 95]) * 1000
    rate = len(results) / elapsed
    print(
        f"api load: {args.clients} clients x {args.requests} {MODE} isochrone requests ({len(results):,} sent, "
        f"{len(hits):,} cache hits, {len(misses):,} misses) in {elapsed:.1f} s"
    )
    print(f"  latency p50 {p50:.1f} ms, p95 {p95:.1f} ms; {rate:,.0f} requests/s; errors: {errors}")
    if len(hits):
        print(f"  cache hits   p50 {np.median(hits) * 1000:.1f} ms, p95 {np.percentile(hits, 95) * 1000:.1f} ms")
    if len(misses):
        print(f"  cache misses p50 {np.median(misses) * 1000:.1f} ms, p95 {np.percentile(misses, 95) * 1000:.1f} ms")
    print(
        f"  baseline: library call in-process {library_s * 1000:.1f} ms per query "
        f"({1 / library_s:,.0f} queries/s on one thread)"
    )
    print(
        f"  one uncached request at a time over HTTP: {statistics.median(single) * 1000:.1f} ms "
        f"= {statistics.median(single) / library_s:.2f}x the library call"
    )
    print(
        f"  under load: p50 = {p50 / 1000 / library_s:.2f}x the library call; "
        f"throughput = {rate * library_s:.1f}x one library thread"
    )
    print(
        f"  target warm p50 < 300 ms: {'met' if p50 < 300 else 'NOT met'}; 0 errors: {'met' if errors == 0 else 'NOT met'}"
    )
    tmp.cleanup()


if __name__ == "__main__":
    main()
