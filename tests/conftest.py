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


@pytest.fixture(scope="session")
def poa_transit(poa_pbf):
    """Porto Alegre walk + both real feeds for Monday 2019-05-13 (r5r's customary date),
    Trensurb without the HSR boarding penalty (a turnstile commuter line)."""
    import warnings

    import access
    from access.config import TransitSettings

    feeds = [require_data("poa/poa_eptc.zip"), require_data("poa/poa_trensurb.zip")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return access.build_network(
            poa_pbf,
            modes=("walk", "car"),
            gtfs=feeds,
            service_date="2019-05-13",
            progress=False,
            transit_settings=TransitSettings(board_penalty_min={"poa_trensurb": 0}),
        )


# --- China (access.china): counties and the national rail layer, loaded once per session.
# The layer (~10 s to build) is built by one xdist worker into a cache folder of this
# session that all workers share; a file lock orders them.
@pytest.fixture(scope="session")
def china_cache(tmp_path_factory):
    """The cache folder of this session that holds the built national rail layer."""
    folder = tmp_path_factory.getbasetemp().parent / "china-rail-cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def china(china_cache):
    """:class:`access.china.data.ChinaData` of the shared data folder."""
    from access.china.data import CHINA_FILES, load_china
    from access.china.national import load_national_rail

    for relative in (
        "china_admin/china_counties_2020.csv",
        "china_rail/railwayvis_station_schedules_gbk.zip",
        "china_rail/railwayvis_network.json",
        "china_gtfs/mtr_xrl_gtfs.zip",
    ):
        require_data(relative)
    shared = china_cache
    import fcntl
    import warnings

    with open(shared / ".lock", "w") as lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            files = {k: DATA / v for k, v in CHINA_FILES.items() if k != "townships"}
            load_national_rail(files=files, cache_dir=shared)  # build once, or load what another worker built
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        import os

        old = os.environ.get("ACCESS_CACHE_DIR")
        os.environ["ACCESS_CACHE_DIR"] = str(shared)
        try:
            return load_china(DATA)
        finally:
            if old is None:
                os.environ.pop("ACCESS_CACHE_DIR", None)
            else:
                os.environ["ACCESS_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def core_circles(china):
    """Circles of Beijing, Shanghai and Guangzhou, 60 / 120 min, default settings."""
    from access.china.circles import county_circles

    return county_circles(china, ["北京", "上海", "广州"], cutoffs_min=(60, 120))
