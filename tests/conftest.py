"""Shared fixtures: the real data folder, a per-session network cache, small networks.

Every test that reads ../shared/data is marked ``realdata`` at collection, found from its
code: it (or a fixture it uses, or a helper in its module) calls :func:`require_data` or
uses :data:`DATA`. ``require_data`` checks that the running test carries the mark, so a
path the detection misses fails loudly instead of going unmarked (``-m "not realdata"``
then runs exactly the tests that need no real data).
"""

from __future__ import annotations

import ast
import inspect
import os
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


_MARKED: set[str] = set()  # node ids marked realdata at collection


def require_data(relative: str) -> Path:
    """Path of a file under ../shared/data; fails under CI=true when missing, else skips."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    if current and current not in _MARKED:
        raise AssertionError(f"{current} reads ../shared/data but is not marked realdata (tests/conftest.py)")
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


# --- the realdata marker, applied from the code -----------------------------------------

_READS = {"require_data", "DATA"}  # names whose use means "reads ../shared/data"


@cache
def _readers(module) -> frozenset[str]:
    """Functions of ``module`` that read real data, directly or through each other."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return frozenset()
    bodies = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    used = {name: {x.id for x in ast.walk(body) if isinstance(x, ast.Name)} for name, body in bodies.items()}
    found = {name for name, names in used.items() if names & _READS}
    while True:
        more = {name for name, names in used.items() if names & found} - found
        if not more:
            return frozenset(found)
        found |= more


def _reads_real_data(item) -> bool:
    if item.get_closest_marker("realdata"):
        return True
    function = getattr(item, "function", None)
    if function is not None:
        module = inspect.getmodule(function)
        if function.__name__ in _readers(module):
            return True
    for defs in getattr(item, "_fixtureinfo", None).name2fixturedefs.values() if hasattr(item, "_fixtureinfo") else ():
        for fixture in defs:
            func = getattr(fixture, "func", None)
            if func is not None and func.__name__ in _readers(inspect.getmodule(func)):
                return True
    return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _reads_real_data(item):
            item.add_marker(pytest.mark.realdata)
            _MARKED.add(item.nodeid)
