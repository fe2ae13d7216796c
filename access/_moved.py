"""Old module paths and names of the 0.1 layout, kept for one release with a DeprecationWarning.

``import access.analysis.accessibility`` gives the module now at
``access.measures.accessibility`` (the same module object), so code written against the
earlier layout keeps working while it moves to the new paths listed in docs/architecture.md.
Renamed or moved *names* (``access.read_places``, ``access.scenarios.apply.Region``) go
through :func:`moved_name`, called from the module's ``__getattr__`` (PEP 562).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

__all__ = ["MOVED_MODULES", "install", "moved_name"]

# old dotted path -> new dotted path (the 0.1 -> 0.2 package layout)
MOVED_MODULES: dict[str, str] = {
    "access.routing._dijkstra": "access._kernels.dijkstra",
    "access.routing._raptor": "access._kernels.raptor",
    "access.analysis._surface": "access.surfaces._grid",
    "access.analysis.isochrones": "access.surfaces.isochrones",
    "access.analysis.surfaces": "access.surfaces.outputs",
    "access.analysis.accessibility": "access.measures.accessibility",
    "access.analysis.decay": "access.measures.decay",
    "access.analysis.equity": "access.measures.equity",
    "access.analysis.circles": "access.circles.circles",
    "access.analysis.circle_definition": "access.circles.definition",
    "access.analysis.circle_overlap": "access.circles.overlap",
    "access.analysis.scenario_model": "access.scenarios.model",
    "access.analysis.scenarios": "access.scenarios.apply",
    "access.analysis._feed_edits": "access.scenarios._feed_edits",
    "access.analysis._road_edits": "access.scenarios._road_edits",
    "access.analysis.compare": "access.scenarios.compare",
    "access.analysis.compare_report": "access.viz.report",
    "access.analysis.cluster": "access.regional.cluster",
    "access.network.regional": "access.regional.network",
    "access.routing._regional": "access.regional._rail",
    "access.analysis.china_rail": "access.china.rail",
    "access.network.national_rail": "access.china.national_rail",
    "access.io.china": "access.china.tables",
    "access.io.rail_timetable": "access.china.timetable",
    "access.commands.accessibility": "access.cli.accessibility",
    "access.commands.china_rail": "access.cli.china_rail",
    "access.commands.circles": "access.cli.circles",
    "access.commands.cluster": "access.cli.cluster",
    "access.commands.engines": "access.cli.engines",
    "access.commands.scenarios": "access.cli.scenarios",
    "access.commands.serve": "access.cli.serve",
}
_OLD_PACKAGES = frozenset({"access.analysis", "access.commands"})


class _MovedLoader(importlib.abc.Loader):
    def create_module(self, spec):
        if spec.name in _OLD_PACKAGES:
            return None  # an empty package that only holds the moved modules
        new = MOVED_MODULES[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; the old path goes in the next release.", DeprecationWarning, stacklevel=2
        )
        return importlib.import_module(new)

    def exec_module(self, module) -> None:
        if module.__name__ in _OLD_PACKAGES or module.__spec__.name in _OLD_PACKAGES:
            module.__path__ = []


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in _OLD_PACKAGES or fullname in MOVED_MODULES:
            return importlib.util.spec_from_loader(fullname, _MovedLoader(), is_package=fullname in _OLD_PACKAGES)
        return None


def install() -> None:
    """Put the finder of old module paths on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())


def moved_name(old: str, target: str, use: str | None = None, *, stacklevel: int = 3):
    """The object at ``target`` (``"package.module:name"``), after a DeprecationWarning
    that ``old`` goes in the next release and ``use`` (default: ``target``) replaces it."""
    module, _, name = target.partition(":")
    replacement = use or f"{module}.{name}"
    warnings.warn(
        f"{old} is deprecated and goes in the next release; use {replacement}.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return getattr(importlib.import_module(module), name)
