"""Load test of the REST service: concurrent mixed clients against `access serve` on 127.0.0.1,
with two heavy requests running all along (issue 19.7: light requests are not starved).

Starts the service (uvicorn on ``api.app:app_from_env``) on the built-in sample region (a free local port, its own data dir),
warms the hot queries, then:

1. **head-of-line**: a light request (a walk isochrone never asked before) alone, then while
   two heavy requests (every place's transit accessibility over a 60-min window) run — the
   ratio of the two medians;
2. **load**: CLIENTS concurrent clients x REQUESTS mixed requests (repeated warm isochrones,
   new walk isochrones, small travel-time matrices, GET /networks), the two heavy requests
   resubmitted as soon as they finish; p50/p95/p99 per kind, errors, requests/s, the
   server's RSS before and after, and ratios against the same isochrone as a library call
   in this process.

Bounded in count and time; only 127.0.0.1 is contacted.

    .venv/bin/python bench/api_load.py [--clients 50] [--requests 200] [--max-seconds 300]
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
from collections import defaultdict
from pathlib import Path

import aiohttp
import httpx
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HOT_QUERIES = 20  # distinct repeated queries (cache hits once warm)
MIX = {"warm": 0.80, "fresh": 0.06, "matrix": 0.09, "networks": 0.05}  # shares of the load's requests
MODE, CUTOFFS_MIN = "walk", [10, 20]
JITTER_DEG = 0.001  # ~100 m: new origins near a place, still on the street network
HEAVY = {"measure": "cumulative", "mode": "transit", "window_min": 60, "cutoffs_min": [60, 90]}
P99_TARGET_MS = 500.0  # warm isochrone p99 with two heavy requests running (issue 19.7)
SEED = 20190513


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "ACCESS_API_DATA_DIR": str(data_dir),
        "ACCESS_API_MAX_BODY_BYTES": "100000",
        "ACCESS_API_MAX_ORIGINS": "500",
        "ACCESS_API_RATE_LIMIT_PER_MIN": "0",  # one client address sends everything here
    }
    # uvicorn on the app factory (as in production); keep-alive longer than the slowest answer,
    # so a pooled connection is never closed by the server just as a client reuses it
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:app_from_env", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--timeout-keep-alive", "75", "--log-level", "warning"]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


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


class Queries:
    """Hot isochrones (repeated), fresh ones (each used once) and small matrices."""

    def __init__(self, places: pd.DataFrame, rng: random.Random) -> None:
        streets = places[places["kind"].isin(["core_city", "county_seat", "town"])]
        self.points = streets[["lon", "lat"]].to_numpy(float)
        self.rng = rng
        self.hot = [self.isochrone(p) for p in self.points[:HOT_QUERIES]]

    def isochrone(self, point) -> dict:
        return {"origins": [[float(point[0]), float(point[1])]], "mode": MODE, "cutoffs_min": CUTOFFS_MIN}

    def jitter(self) -> list[float]:
        lon, lat = self.points[self.rng.randrange(len(self.points))]
        return [
            float(lon) + self.rng.uniform(-JITTER_DEG, JITTER_DEG),
            float(lat) + self.rng.uniform(-JITTER_DEG, JITTER_DEG),
        ]

    def fresh(self) -> dict:
        return self.isochrone(self.jitter())

    def matrix(self) -> dict:
        return {"origins": [self.jitter()], "destinations": [self.jitter() for _ in range(5)], "mode": "car"}

    def plan(self, n: int) -> list[tuple[str, str, str, dict | None]]:
        """(kind, method, path, body) for n requests of the mix."""
        kinds = self.rng.choices(list(MIX), weights=list(MIX.values()), k=n)
        out = []
        for kind in kinds:
            if kind == "warm":
                out.append((kind, "POST", "/isochrones", self.rng.choice(self.hot)))
            elif kind == "fresh":
                out.append((kind, "POST", "/isochrones", self.fresh()))
            elif kind == "matrix":
                out.append((kind, "POST", "/travel-times", self.matrix()))
            else:
                out.append((kind, "GET", "/networks", None))
        return out


async def _heavy_loop(http: aiohttp.ClientSession, stop: asyncio.Event, k: int, done: list[float]) -> None:
    """Keep one heavy request running (each a little different: no cache, no coalescing)."""
    n = 0
    while not stop.is_set():
        # never the same twice (no cache, no coalescing), always within the service's max_cutoff_min
        body = {**HEAVY, "cutoffs_min": [30 + n // 100 % 30, 90 + 2 * (n % 100) + k]}
        started = time.perf_counter()
        async with http.post("/accessibility", json=body, timeout=aiohttp.ClientTimeout(total=600)) as response:
            text = await response.text()
            if response.status >= 400:
                raise RuntimeError(f"heavy request {body}: {response.status} {text[:300]}")
        done.append(time.perf_counter() - started)
        n += 1


def _session(base: str, connections: int) -> aiohttp.ClientSession:
    """The load generator's client: aiohttp (its C HTTP parser costs ~0.6 ms of CPU per warm
    isochrone here, httpx's pure-Python one ~13 ms: with httpx on 2 cores the client, not the
    service, set the latencies)."""
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=60)
    return aiohttp.ClientSession(base_url=base, connector=connector, timeout=aiohttp.ClientTimeout(total=120))


async def _timed(http: aiohttp.ClientSession, method: str, path: str, body) -> tuple[float, int, str]:
    started = time.perf_counter()
    async with http.request(method, path, json=body) as response:
        await response.read()
        return time.perf_counter() - started, response.status, response.headers.get("x-cache", "")


async def _head_of_line(base: str, queries: Queries, n: int) -> tuple[list[float], list[float], list[float]]:
    """Light request latencies alone, then while two heavy requests run; heavy durations."""
    async with _session(base, 8) as http:
        alone = []
        for _ in range(n):
            seconds, status, _ = await _timed(http, "POST", "/isochrones", queries.fresh())
            assert status == 200, status
            alone.append(seconds)
        stop, heavy_s = asyncio.Event(), []
        heavies = [asyncio.create_task(_heavy_loop(http, stop, k, heavy_s)) for k in range(2)]
        await asyncio.sleep(1.0)  # both running
        behind = []
        for _ in range(n):
            seconds, status, _ = await _timed(http, "POST", "/isochrones", queries.fresh())
            assert status == 200, status
            behind.append(seconds)
        stop.set()
        await asyncio.gather(*heavies)
    return alone, behind, heavy_s


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(base: str, clients: int, requests: int, queries: Queries, max_seconds: float, heavy: bool = True):
    results: list[tuple[str, float, int, str]] = []  # kind, seconds, status, X-Cache
    plans = [queries.plan(requests) for _ in range(clients)]
    stop_at = time.monotonic() + max_seconds
    async with _session(base, clients + 4) as http:
        stop, heavy_s = asyncio.Event(), []
        heavies = [asyncio.create_task(_heavy_loop(http, stop, k, heavy_s)) for k in range(2 if heavy else 0)]
        await asyncio.sleep(1.0)  # the two heavy requests run before the load starts

        async def client(plan):
            for kind, method, path, body in plan:
                if time.monotonic() > stop_at:
                    return
                started = time.perf_counter()
                try:
                    seconds, status, cache = await _timed(http, method, path, body)
                    results.append((kind, seconds, status, cache))
                except (TimeoutError, aiohttp.ClientError) as exc:
                    results.append((kind, time.perf_counter() - started, 0, type(exc).__name__))

        started = time.perf_counter()
        await asyncio.gather(*(client(p) for p in plans))
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*heavies)
    return results, elapsed, heavy_s


def _library_baseline(data_dir: Path, queries: Queries, n: int) -> float:
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
    access.isochrones(network, queries.hot[0]["origins"], mode=MODE, cutoffs_min=CUTOFFS_MIN)  # compile / warm
    times = []
    for body in queries.hot[:n]:
        started = time.perf_counter()
        access.isochrones(network, body["origins"], mode=MODE, cutoffs_min=CUTOFFS_MIN)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _ms(values, q) -> float:
    return float(np.percentile(np.asarray(values), q) * 1000) if len(values) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200, help="per client")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop the load phase after this long")
    parser.add_argument("--head-of-line", type=int, default=20, help="light requests in each head-of-line phase")
    parser.add_argument("--peer-requests", type=int, default=40, help="per client, in the run without heavy requests")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    rng = random.Random(SEED)
    tmp = tempfile.TemporaryDirectory(prefix="api-load-")
    data_dir = args.data_dir or Path(tmp.name)
    from api.regions import sample_region_config

    sample_region_config(data_dir)  # write the sample once, before the server starts
    queries = Queries(pd.read_csv(data_dir / "sample" / "places.csv"), rng)
    library_s = _library_baseline(data_dir, queries, HOT_QUERIES)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_server(data_dir, port, data_dir / "serve.log")
    try:
        _wait_ready(base, process, 180)
        with httpx.Client(base_url=base, timeout=600) as http:  # warm: each hot query once, one heavy
            for body in queries.hot:
                http.post("/isochrones", json=body).raise_for_status()
            http.post("/accessibility", json=HEAVY).raise_for_status()
        rss_before = _rss_mb(process.pid)
        alone, behind, heavy_hol = asyncio.run(_head_of_line(base, queries, args.head_of_line))
        # the peer: the same mix without heavy requests, in this run (timings under load are noisy)
        peer, peer_s, _ = asyncio.run(
            _load(base, args.clients, args.peer_requests, queries, args.max_seconds / 2, heavy=False)
        )
        server_cpu, client_cpu = _cpu_s(process.pid), time.process_time()
        results, elapsed, heavy_s = asyncio.run(_load(base, args.clients, args.requests, queries, args.max_seconds))
        server_cpu, client_cpu = _cpu_s(process.pid) - server_cpu, time.process_time() - client_cpu
        rss_after = _rss_mb(process.pid)
        health = httpx.get(f"{base}/health", timeout=10).json()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
    by_kind = defaultdict(list)
    for kind, seconds, _status, _ in results:
        by_kind[kind].append(seconds)
    errors = sum(1 for r in results if r[2] != 200)
    error_codes = sorted({r[3] if r[2] == 0 else r[2] for r in results if r[2] != 200}, key=str)
    every = [r[1] for r in results]
    rate = len(results) / elapsed
    print(
        f"api load: {args.clients} clients x {args.requests} mixed requests ({len(results):,} sent) in {elapsed:.1f} s "
        f"while 2 heavy requests ran ({len(heavy_s)} heavy done, median {statistics.median(heavy_s or [0]):.1f} s each)"
    )
    print(
        f"  all: p50 {_ms(every, 50):.1f} ms, p95 {_ms(every, 95):.1f} ms, p99 {_ms(every, 99):.1f} ms; "
        f"{rate:,.0f} requests/s; errors: {errors} {error_codes or ''}"
    )
    for kind in MIX:
        values = by_kind.get(kind, [])
        print(
            f"  {kind:8s} n={len(values):5d}  p50 {_ms(values, 50):7.1f} ms  p95 {_ms(values, 95):7.1f} ms  "
            f"p99 {_ms(values, 99):7.1f} ms"
        )
    print(f"  server RSS: {rss_before:,.0f} MB before the load, {rss_after:,.0f} MB after")
    print(
        f"  CPU over the load: server {server_cpu:.1f} s (heavy requests included), this load generator "
        f"{client_cpu:.1f} s = {client_cpu / len(results) * 1000:.2f} ms per request, of {elapsed * (os.cpu_count() or 1):.0f} "
        f"core-seconds"
    )
    print(f"  cache: {health['cache']}; coalesced {health['requests']['coalesced']}")
    print(
        f"  head-of-line: a new walk isochrone alone {statistics.median(alone) * 1000:.1f} ms, while 2 heavy requests "
        f"run {statistics.median(behind) * 1000:.1f} ms (median of {len(behind)}; p95 {_ms(behind, 95):.1f} ms) = "
        f"{statistics.median(behind) / statistics.median(alone):.2f}x; each heavy took "
        f"{statistics.median(heavy_hol or heavy_s or [0]):.1f} s"
    )
    print(
        f"  baseline: the library call in-process {library_s * 1000:.1f} ms; a warm isochrone under load "
        f"p50 = {_ms(by_kind['warm'], 50) / 1000 / library_s:.2f}x it"
    )
    peer_warm = [r[1] for r in peer if r[0] == "warm"]
    peer_errors = sum(1 for r in peer if r[2] != 200)
    print(
        f"  peer without heavy requests ({len(peer):,} requests, {len(peer) / peer_s:,.0f}/s, errors {peer_errors}): "
        f"warm p50 {_ms(peer_warm, 50):.1f} ms, p99 {_ms(peer_warm, 99):.1f} ms; with 2 heavy running the warm p99 "
        f"is {_ms(by_kind['warm'], 99) / _ms(peer_warm, 99):.2f}x the peer's"
    )
    p99 = _ms(by_kind["warm"], 99)
    print(
        f"  target warm-isochrone p99 <= {P99_TARGET_MS:.0f} ms with 2 heavy requests running: "
        f"{'met' if p99 <= P99_TARGET_MS else 'NOT met'} ({p99:.0f} ms); 0 errors: {'met' if errors == 0 else 'NOT met'}"
    )
    tmp.cleanup()


if __name__ == "__main__":
    main()
