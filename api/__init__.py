"""REST service of commuting-circles: FastAPI app factory, settings, routers (a thin layer
over the :mod:`access` library)."""

from __future__ import annotations

from api.app import create_app
from api.settings import RegionConfig, Settings

__all__ = ["create_app", "Settings", "RegionConfig"]
