"""One router per resource; :data:`ROUTERS` lists them in the order the app mounts them
(each behind the API key, except ``health`` and the map page's :data:`PUBLIC_ROUTERS`)."""

from __future__ import annotations

from api.routes import accessibility, china, circles, health, isochrones, jobs, networks, page, scenarios, travel_times

__all__ = ["ROUTERS", "PUBLIC_ROUTERS"]

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
PUBLIC_ROUTERS = [health.router, page.page_router]  # no API key: liveness, the page (it opens a session)
