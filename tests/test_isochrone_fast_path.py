"""Isochrones without the per-call overhead (issue 19.4) give the polygons, columns and
warnings of the code they replaced: the reference below is that code (one shapely Polygon
per contour ring in a Python loop, the public GeoDataFrame constructor and ``to_crs``, the
points frame and source groups of many points), run on the same travel-time surfaces."""

from __future__ import annotations

import warnings

import contourpy
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Polygon

import access
from access._kernels.dijkstra import UNREACHED, one_to_all, one_to_all_seconds
from access.config import IsochroneSettings
from access.errors import ExtentWarning
from access.io.points import as_points
from access.network.snap import point_sources, source_groups
from access.routing.inbound import _inbound_groups, reverse_csr
from access.routing.street import snap
from access.surfaces import isochrones as iso_module
from access.surfaces._grid import UNREACHED_S, Surface
from tests.conftest import require_data

ORIGINS = ["public_market", "farrapos_station", "beira_rio_stadium", "pucrs"]
CASES = [
    ("walk", (10, 20, 30), {}),
    ("car", (10, 20), {}),
    ("bike", (5, 15), {}),
    ("walk", (7.5, 15), {"arrive_by": "09:00"}),
    ("car", (10,), {"arrive_by": "09:00"}),
    ("walk", (10, 20, 30), {"denoise": 0.2, "generalize": 30.0}),
    ("car", (60, 120), {}),  # reaches the edge of the extract: an ExtentWarning
]


# --------------------------------------------------------------------------------------
# the code replaced, kept as the reference
# --------------------------------------------------------------------------------------


def _reference_node_seconds(street, snapped, reverse: bool, limit_s: int) -> np.ndarray:
    """Seconds per node by the many-point source groups and numpy's conversion."""
    if reverse:
        indptr, indices, travel = reverse_csr(street)
        _, nodes, costs = _inbound_groups(snapped, np.array([0]))
    else:
        indptr, indices, travel = street.indptr, street.indices, street.travel_s
        _, nodes, costs = source_groups(snapped, np.array([0]))
    dist = one_to_all(indptr, indices, travel, nodes, costs, limit_s)
    return np.where(dist == UNREACHED, np.inf, dist.astype(np.float64))


def _reference_polygons(surface: Surface, cutoffs: list[float], repairs: list | None = None) -> list[MultiPolygon]:
    """contourpy's default generator, outer rings with their holes one Polygon at a time,
    repaired when invalid (each repair noted in ``repairs``)."""
    generator = contourpy.contour_generator(
        surface.xs, surface.ys, surface.seconds, fill_type=contourpy.FillType.OuterOffset
    )
    shapes = []
    for cutoff in cutoffs:
        polygons = []
        for pts, off in zip(*generator.filled(-1.0, cutoff * 60.0), strict=True):
            rings = []
            for i in range(len(off) - 1):
                ring = pts[off[i] : off[i + 1]]
                rings.append(ring[np.r_[True, (ring[1:] != ring[:-1]).any(axis=1)]])
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                polygons.append(Polygon(rings[0], rings[1:]))
        shape = MultiPolygon(polygons) if polygons else MultiPolygon()
        if not shape.is_valid:
            if repairs is not None:
                repairs.append(cutoff)
            shape = iso_module._as_multipolygon(shapely.union_all(shapely.make_valid(np.array(polygons))))
        shapes.append(shape)
    return shapes


def _reference_isochrones(network, point, mode, cutoffs_min, **options):
    """One origin's isochrones (and the ExtentWarning text, or None) the replaced way."""
    street = network.street(mode)
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy([point[0]], [point[1]]), crs=4326)
    snapped = snap(street, frame, strict=True)
    cutoffs = sorted(float(c) for c in cutoffs_min)
    tmax_s = cutoffs[-1] * 60.0
    reverse = options.get("arrive_by") is not None
    node_s = _reference_node_seconds(street, snapped, reverse, int(np.ceil(tmax_s)))
    times = iso_module.OriginTimes(street, snapped, lambda k: node_s, reverse, mode)
    surface = iso_module.origin_surface(times, 0, node_s, tmax_s, IsochroneSettings())
    polygons = _reference_polygons(surface, cutoffs)
    if options.get("denoise"):
        polygons = iso_module._nest_inward([iso_module._denoise(p, options["denoise"]) for p in polygons])
    if options.get("generalize"):
        polygons = iso_module._nest_outward([iso_module._generalize(p, options["generalize"]) for p in polygons])
    edge_s = float(node_s[street.extent.nodes].min()) if len(street.extent.nodes) else np.inf
    rows = [(0, c, p.area / 1e6, p) for c, p in zip(cutoffs, polygons, strict=True)]
    table = pd.DataFrame(rows, columns=["origin_id", "cutoff_min", "area_km2", "geometry"])
    table["cutoff_min"] = table["cutoff_min"].map(lambda c: int(c) if float(c).is_integer() else c)
    geometry = gpd.GeoSeries(table.pop("geometry").to_numpy(), crs=street.crs_epsg).to_crs(4326).to_numpy()
    cut = np.array([edge_s < c * 60.0 for c in cutoffs])
    table["truncated_by_extent"] = cut
    message = None
    if cut.any():
        first = rows[int(np.argmax(cut))]
        message = (
            f"1 of 1 origins' {mode} isochrones reach the edge of the street data before their cutoff "
            f"(first: id {first[0]}, {first[1]:g} min): the extract, not the cutoff, bounds those areas "
            "(column truncated_by_extent); use a larger extract to see them whole."
        )
    return gpd.GeoDataFrame(table, geometry=geometry, crs=4326), message


# --------------------------------------------------------------------------------------
# Porto Alegre: the same rows as the replaced code, geometry bit for bit
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poi() -> pd.DataFrame:
    return pd.read_csv(require_data("poa/poa_points_of_interest.csv")).set_index("id")


@pytest.mark.parametrize("case", CASES, ids=[f"{m}-{'-'.join(map(str, c))}-{'-'.join(o)}" for m, c, o in CASES])
def test_isochrones_are_the_replaced_codes_polygons_bit_for_bit_on_porto_alegre(poa_network, poi, case):
    mode, cutoffs, options = case
    for origin in ORIGINS:
        point = (float(poi.loc[origin, "lon"]), float(poi.loc[origin, "lat"]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = access.isochrones(poa_network, point, mode=mode, cutoffs_min=cutoffs, **options)
        reference, message = _reference_isochrones(poa_network, point, mode, cutoffs, **options)
        assert_geodataframe_equal(ours, reference, check_dtype=True, check_index_type=True, check_less_precise=False)
        assert list(shapely.to_wkb(ours.geometry.values)) == list(shapely.to_wkb(reference.geometry.values))
        assert ours.columns.dtype == reference.columns.dtype
        extent = [str(w.message) for w in caught if issubclass(w.category, ExtentWarning)]
        assert extent == ([message] if message else []), origin
        assert message or cutoffs != (60, 120)  # the 2-hour car area is the whole extract


@pytest.mark.filterwarnings("ignore::access.errors.ExtentWarning")
def test_many_origins_with_string_ids_keep_their_ids_types_and_rows(poa_network, poi):
    frame = poi.reset_index().iloc[[0, 4, 9]]
    ours = access.isochrones(poa_network, frame, mode="walk", cutoffs_min=(5, 10))
    assert ours["origin_id"].tolist() == [i for i in frame["id"] for _ in range(2)]
    assert ours["origin_id"].dtype == pd.DataFrame({"id": frame["id"].to_numpy()})["id"].dtype
    for k, origin in enumerate(frame["id"]):
        point = (float(poi.loc[origin, "lon"]), float(poi.loc[origin, "lat"]))
        reference, _ = _reference_isochrones(poa_network, point, "walk", (5, 10))
        rows = ours.iloc[2 * k : 2 * k + 2]
        assert list(shapely.to_wkb(rows.geometry.values)) == list(shapely.to_wkb(reference.geometry.values))
        np.testing.assert_array_equal(rows["area_km2"], reference["area_km2"])


# --------------------------------------------------------------------------------------
# the pieces, against their replaced forms
# --------------------------------------------------------------------------------------


def test_contours_of_surfaces_with_times_exactly_at_the_cutoffs_match_the_ring_by_ring_polygons():
    # whole-minute grid values put contour vertices on grid points and make rings touch:
    # about half of these need the invalid-polygon repair
    rng = np.random.default_rng(19_4)
    repairs: list = []
    for _ in range(400):
        ny, nx = rng.integers(3, 12, 2)
        seconds = rng.choice([60.0, 120.0, 180.0, UNREACHED_S], size=(ny, nx), p=[0.3, 0.3, 0.2, 0.2])
        surface = Surface(xs=np.arange(nx) * 50.0, ys=np.arange(ny) * 50.0 + 7e6, seconds=seconds, cell_m=50.0)
        expected = _reference_polygons(surface, [1.0, 2.0, 3.0], repairs)
        got = iso_module._nested_contours(surface, [1.0, 2.0, 3.0])
        assert [g.wkb for g in got] == [e.wkb for e in expected]
    assert len(repairs) > 100  # the repair path was exercised


def test_a_surface_with_nothing_below_the_cutoffs_gives_empty_multipolygons():
    surface = Surface(xs=np.arange(4) * 50.0, ys=np.arange(3) * 50.0, seconds=np.full((3, 4), UNREACHED_S), cell_m=50)
    got = iso_module._nested_contours(surface, [1.0, 2.0])
    assert [g.wkb for g in got] == [MultiPolygon().wkb] * 2


def test_result_frame_is_what_the_public_geodataframe_constructor_makes():
    geometry = gpd.array.from_shapely(shapely.buffer(shapely.points([0.0, 1.0, 2.0], [0.0, 0.0, 0.0]), 0.1), crs=4326)
    for ids in (np.arange(3), np.array(["a", "b", "c"], dtype=object), np.array([1, "b", 2.5], dtype=object)):
        names = ("origin_id", "cutoff_min", "area_km2", "truncated_by_extent", "geometry")
        columns = [ids, np.array([10, 20, 30]), np.ones(3), np.array([False, True, False]), geometry]
        ours = iso_module._geodataframe(names, columns)
        public = gpd.GeoDataFrame(pd.DataFrame(dict(zip(names, columns, strict=True))), geometry="geometry", crs=4326)
        assert_geodataframe_equal(ours, public, check_dtype=True, check_index_type=True)
        assert ours.geometry.name == "geometry" and ours.crs == public.crs
        assert ours.columns.dtype == public.columns.dtype
        # and it behaves as one: new columns, a CRS change, a copy
        ours["extra"] = 1
        assert_geodataframe_equal(ours.to_crs(3857).drop(columns="extra"), public.to_crs(3857))
        assert isinstance(ours.copy(), gpd.GeoDataFrame)


def test_single_point_sources_are_the_source_groups_of_that_point(poa_network, poi):
    rng = np.random.default_rng(7)
    for mode in ("walk", "car"):  # car: one-way streets leave an end unusable (inf)
        street = poa_network.street(mode)
        lon = rng.uniform(poi["lon"].min(), poi["lon"].max(), 200)
        lat = rng.uniform(poi["lat"].min(), poi["lat"].max(), 200)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snapped = snap(street, np.column_stack([lon, lat]))
        for k in np.flatnonzero(snapped.ok):
            _, nodes, costs = source_groups(snapped, np.array([k]))
            got = point_sources(snapped, int(k))
            np.testing.assert_array_equal(got[0], nodes)
            np.testing.assert_array_equal(got[1], costs)
            _, nodes, costs = _inbound_groups(snapped, np.array([k]))
            got = point_sources(snapped, int(k), inbound=True)
            np.testing.assert_array_equal(got[0], nodes)
            np.testing.assert_array_equal(got[1], costs)
        nodes, costs = point_sources(snapped, int(np.flatnonzero(snapped.ok)[0]))
        dist = one_to_all(street.indptr, street.indices, street.travel_s, nodes, costs, 900)
        seconds = one_to_all_seconds(street.indptr, street.indices, street.travel_s, nodes, costs, 900)
        np.testing.assert_array_equal(seconds, np.where(dist == UNREACHED, np.inf, dist.astype(np.float64)))


@pytest.mark.parametrize(
    "point", [(-51.2, -30.0), shapely.Point(-51.2, -30.0), np.array([[-51.2, -30.0], [-51.1, -30.1]])]
)
def test_points_without_a_frame_get_row_numbers_as_ids_and_no_attributes(point):
    points = as_points(point)
    n = len(points)
    np.testing.assert_array_equal(points.ids, np.arange(n))
    pd.testing.assert_frame_equal(points.attributes, pd.DataFrame({}, index=pd.RangeIndex(n)))
