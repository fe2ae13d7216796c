"""Shared fixtures: the real data folder, a per-session network cache, small networks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def require_data(relative: str) -> Path:
    """Path of a file under ../shared/data; fails under CI=true when missing, else skips."""
    path = DATA / relative
    if not path.exists():
        message = f"real data file {path} is missing (expected ../shared/data beside the repo)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Every test session builds into its own network cache, never the user's."""
    folder = tmp_path_factory.mktemp("network-cache")
    old = os.environ.get("ACCESS_CACHE_DIR")
    os.environ["ACCESS_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("ACCESS_CACHE_DIR", None)
    else:
        os.environ["ACCESS_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def poa_pbf() -> Path:
    return require_data("poa/poa_osm.pbf")


@pytest.fixture(scope="session")
def poa_network(poa_pbf):
    import access

    return access.build_network(poa_pbf, modes=("walk", "bike", "car"), progress=False)
