"""Circle polygons: per centre and cutoff, the union of isochrones from the centre's points."""

from __future__ import annotations

import geopandas as gpd
import shapely

from access.circles.centres import Centre, thin
from access.circles.definition import CircleDefinition
from access.circles.overlap import area_km2
from access.circles.times import routing_kwargs
from access.io.points import as_points
from access.network.multimodal import Network
from access.surfaces.isochrones import isochrones

__all__ = ["circle_polygons", "MAX_POLYGON_ISOCHRONE_ORIGINS"]

MAX_POLYGON_ISOCHRONE_ORIGINS = 9  # circle polygons of a core: union of isochrones from these


def circle_polygons(
    network: Network, centres: list[Centre], spec: CircleDefinition, progress: bool, routing: dict
) -> gpd.GeoDataFrame:
    """Per centre and cutoff: the union of isochrones from the centre's points (and its core)."""

    kwargs = routing_kwargs(spec, routing, spec.cutoffs_min)
    kwargs.pop("max_time_min", None)
    if spec.mode == "transit":
        kwargs["percentile"] = spec.percentile
    rows = []
    for centre in centres:
        origins = centre.points
        if centre.kind == "polygon":
            origins = thin(origins, MAX_POLYGON_ISOCHRONE_ORIGINS)
        iso = isochrones(
            network,
            as_points(origins, what=f"centre {centre.name!r}"),
            mode=spec.mode,
            cutoffs_min=spec.cutoffs_min,
            progress=progress,
            **kwargs,
        )
        for cutoff, group in iso.groupby("cutoff_min", sort=True):
            geometry = shapely.union_all(group.geometry.to_numpy())
            if centre.kind == "polygon":
                geometry = shapely.union(geometry, centre.geometry)
            rows.append(
                {
                    "centre": centre.name,
                    "cutoff_min": cutoff,
                    "area_km2": area_km2(geometry),
                    "definition": spec.name,
                    "geometry": geometry,
                }
            )
    result = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    result.attrs["definition"] = spec.to_json()
    return result
