"""The map page at `/` in headless Chromium: it draws the network, asks for isochrones and
draws them (base filled, a registered scenario as dashed outlines).

Chromium comes from Debian's package, installed by `make test`'s set-up; without it the
test skips, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import httpx
import numpy as np
import pytest

from tests import _api_support
from tests._api_support import SAMPLE_CORE
from tests.test_api_server import server  # noqa: F401  (the real uvicorn process)

api_data_dir = _api_support.api_data_dir
pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [  # headless, offline: no background connections, a fresh profile
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1200,800",
    "--virtual-time-budget=60000",
]
BROWSER_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium is not installed (make test installs Debian's package)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def scenario_id(server):  # noqa: F811
    # a name with markup: the page must show it as text, never run it (stored XSS)
    body = {
        "name": "faster <img src=x onerror=alert(1)> check",
        "modifications": [{"type": "change_station_penalty", "penalty_min": 0, "routes": ["ICR1"]}],
    }
    response = httpx.post(f"{server['base']}/scenarios", json=body, timeout=120)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _run(chromium, tmp_path, url, *extra):
    profile = tmp_path / "profile"
    run = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_S,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_page_draws_the_network_and_isochrones_of_base_and_scenario(chromium, server, scenario_id, tmp_path):  # noqa: F811
    lon, lat = SAMPLE_CORE
    url = f"{server['base']}/?lon={lon}&lat={lat}&mode=transit&cutoffs=60,120&departure=07:00&compare={scenario_id}"
    dom = _run(chromium, tmp_path, url, "--dump-dom")
    assert 'data-done="1"' in dom, dom[-2000:]
    assert re.search(r'<g id="layer-streets"><path d="M[\d.]+', dom), "the network is drawn as the background"
    cutoffs = sorted(set(re.findall(r'class="isochrone" data-cutoff="(\d+)"', dom)))
    assert cutoffs == ["120", "60"]
    assert dom.count('class="isochrone-compare"') == 2, "the scenario's isochrones are drawn as outlines"
    assert "Error" not in re.sub(r"<script.*?</script>", "", dom, flags=re.S)
    assert "<img" not in dom and "&lt;img src=x" in dom, "user-typed names are text, not HTML"


def test_screenshot_shows_the_isochrone_colours(chromium, server, tmp_path):  # noqa: F811
    from matplotlib.image import imread

    lon, lat = SAMPLE_CORE
    shot = tmp_path / "page.png"
    _run(chromium, tmp_path, f"{server['base']}/?lon={lon}&lat={lat}&mode=car&cutoffs=60,120", f"--screenshot={shot}")
    image = imread(shot)[..., :3]
    assert image.shape[:2] == (800, 1200)
    red, green, blue = image[..., 0], image[..., 1], image[..., 2]
    # the filled isochrones: warm orange-red pixels, absent from the grey network and white page
    warm = (red > 0.85) & (green > 0.35) & (green < 0.85) & (blue < 0.7) & (red - blue > 0.3)
    # car areas hug the reached roads (at most 100 m off them, issue 19.4): on the sample's
    # sparse rural roads they fill about 1 % of this page; a page without them has none
    assert warm.mean() > 0.005, f"only {warm.mean():.3%} of the page is isochrone-coloured"
    assert np.any(np.all(image < 0.8, axis=-1)), "the network lines are drawn"


@pytest.fixture(scope="module")
def secured_server(api_data_dir, tmp_path_factory):
    """A second `access serve` with an API key (the page then opens a session from ?key=)."""
    with _api_support.serve(
        api_data_dir, tmp_path_factory.mktemp("secured") / "serve.log", {"ACCESS_API_API_KEY": "page-s3cret"}
    ) as base:
        yield base


def test_page_works_with_an_api_key_through_its_session_cookie(chromium, secured_server, tmp_path):
    lon, lat = SAMPLE_CORE
    assert httpx.get(f"{secured_server}/networks").status_code == 401
    url = f"{secured_server}/?key=page-s3cret&lon={lon}&lat={lat}&mode=car&cutoffs=30,60"
    dom = _run(chromium, tmp_path, url, "--dump-dom")
    assert 'data-done="1"' in dom, dom[-2000:]
    assert sorted(set(re.findall(r'class="isochrone" data-cutoff="(\d+)"', dom))) == ["30", "60"]
    assert "Error" not in re.sub(r"<script.*?</script>", "", dom, flags=re.S)


def test_docs_and_redoc_render_offline_from_packaged_assets(chromium, server, tmp_path):  # noqa: F811
    page = httpx.get(f"{server['base']}/docs").text
    assert "cdn" not in page.lower() and "/static/docs/swagger-ui-bundle.js" in page
    swagger = _run(chromium, tmp_path, f"{server['base']}/docs", "--dump-dom")
    # Swagger UI built its operation list from /openapi.json: it loaded and ran
    assert "opblock" in swagger and "/isochrones" in swagger, swagger[-1500:]
    redoc = _run(chromium, tmp_path / "redoc", f"{server['base']}/redoc", "--dump-dom")
    assert "/isochrones" in redoc and "commuting-circles API" in redoc, redoc[-1500:]
    assert "fonts.googleapis" not in httpx.get(f"{server['base']}/redoc").text
