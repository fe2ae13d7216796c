"""Shared fixtures of the API tests: the sample region in a temp data dir, apps, the library network."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import pytest

SAMPLE_CORE = (116.6365, 36.7974)  # Core City district 1 (places.csv P000)
SAMPLE_EAST = (116.618538, 36.782935)  # Core City district 2 (P001)


@pytest.fixture(scope="session")
def api_data_dir(tmp_path_factory):
    """A data dir holding the built-in sample region (written once per session)."""
    from api.regions import sample_region_config

    folder = tmp_path_factory.mktemp("api-data")
    sample_region_config(folder)
    return folder


@pytest.fixture(scope="session")
def sample_network(api_data_dir):
    """The sample region's network built by the library itself (the reference for HTTP results)."""
    import access
    from api.settings import read_region_config

    config = read_region_config(api_data_dir / "sample" / "region.yaml")
    return access.build_network(
        config.osm,
        modes=config.modes,
        gtfs=config.gtfs,
        rail_specs=config.rail_specs,
        service_date=config.service_date,
        progress=False,
    )


def make_settings(data_dir, **overrides):
    from api.settings import Settings

    values = dict(
        data_dir=data_dir,
        workers=2,
        max_origins=5,
        max_destinations=60,
        max_cutoff_min=300,
        max_window_min=60,
        max_body_bytes=20_000,
        cache_max_bytes=8_000_000,
        rate_limit_per_min=0,
        trusted_hosts=["testserver", "localhost", "127.0.0.1"],
        warm_up=False,  # in-process apps: this process compiled the kernels already (the served ones warm up)
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def client(api_data_dir):
    """A TestClient of the service on the sample region (small limits to test them)."""
    from fastapi.testclient import TestClient

    from api import create_app

    with TestClient(create_app(make_settings(api_data_dir)), raise_server_exceptions=False) as test_client:
        yield test_client


def detail_text(response) -> str:
    """The error message of a response: a 422's detail list joined, else the detail string."""
    detail = response.json()["detail"]
    if isinstance(detail, list):
        return " | ".join(str(item["msg"]) for item in detail)
    return detail


@dataclasses.dataclass(frozen=True)
class Served:
    """A running `access serve`: its base URL, its process and its log file."""

    base: str
    process: Any
    log: Path


@contextlib.contextmanager
def serve(data_dir, log_path, env: dict[str, str] | None = None, timeout_s: float = 120):
    """`access serve` on a free port of 127.0.0.1 with ``env`` (ACCESS_API_*); yields its base
    URL; stopped with SIGTERM at the end (bounded waits)."""
    with serving(data_dir, log_path, env, timeout_s) as served:
        yield served.base


@contextlib.contextmanager
def serving(data_dir, log_path, env: dict[str, str] | None = None, timeout_s: float = 120):
    """As :func:`serve`, yielding the :class:`Served` (for tests that signal the process)."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environ = {**os.environ, "ACCESS_API_DATA_DIR": str(data_dir), **(env or {})}
    command = [sys.executable, "-m", "access.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                pytest.fail(f"access serve exited with {process.returncode}:\n{open(log_path).read()[-3000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"access serve did not answer within {timeout_s} s:\n{open(log_path).read()[-3000:]}")
            time.sleep(0.25)
        yield Served(base, process, Path(log_path))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
