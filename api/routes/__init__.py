"""One router per resource; :data:`ROUTERS` lists them in the order the app mounts them."""

from __future__ import annotations

from api.routes import accessibility, china, circles, health, isochrones, jobs, networks, page, scenarios, travel_times

__all__ = ["ROUTERS"]

ROUTERS = [
    health.router,
    networks.router,
    isochrones.router,
    travel_times.router,
    accessibility.router,
    circles.router,
    scenarios.router,
    china.router,
    jobs.router,
    page.router,
]
