"""Shared fixtures of the API tests: the sample region in a temp data dir, apps, the library network."""

from __future__ import annotations

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
