"""CLI command groups beyond the core ones in :mod:`access.cli`, one module per topic.

Each module here defines commands on :data:`access.cli.app` (``@app.command()`` wrapped in
``access.cli.friendly``); :func:`register` imports them all when the CLI starts.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["register"]


def register() -> None:
    """Import every command module of this package (registering its commands)."""
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
