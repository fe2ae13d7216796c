"""Print the project's dependencies pinned to their declared lower bounds (``name==lower``).

``make test-min`` installs these into ``.venv-min`` and runs the suite there, so a lower
bound in pyproject.toml is a version the code was actually run with (as osmnx does in CI).
Usage: ``python tools/min_requirements.py [--constraints] [extra ...]`` (default extras:
raster dask service); ``--constraints`` drops the ``[extra]`` of each line (pip constraint
files cannot carry them).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_BOUND = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)")


def pinned(requirement: str, *, extras: bool = True) -> str | None:
    """``"pandas>=2.1"`` -> ``"pandas==2.1"``; None for a requirement without a lower bound
    (or one on this project itself, such as the extras of ``dev``)."""
    match = _BOUND.match(requirement)
    if match is None or match.group(1) == "commuting-circles":
        return None
    return f"{match.group(1)}{(match.group(2) or '') if extras else ''}=={match.group(3)}"


def main(args: list[str]) -> None:
    constraints = "--constraints" in args
    extras = [a for a in args if not a.startswith("--")] or ["raster", "dask", "service"]
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    for requirement in requirements:
        line = pinned(requirement, extras=not constraints)
        if line:
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
