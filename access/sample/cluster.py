"""A deterministic fictional city cluster (~200 km across) written as a real OSM PBF."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import pandas as pd

__all__ = ["SampleRegion", "write_sample_region", "SAMPLE_SEED"]

SAMPLE_SEED = 20190513
ORIGIN_LON, ORIGIN_LAT = 116.30, 36.30  # south-west corner of the fictional region (degrees)
KM_PER_DEG_LAT = 110.574  # km per degree of latitude
NODE_SPACING_KM = 0.15  # km between intermediate nodes along roads
WIGGLE_KM = 0.04  # km of lateral jitter on rural roads
CITY_BLOCK_KM = 0.4  # km between city grid streets
CORE_XY = (30.0, 55.0)  # km from the origin corner
SECOND_XY = (150.0, 55.0)  # 120 km east of the core city
# County seats (km): two on the expressway, the rest around the two cities.
COUNTY_SEATS = [
    ("Xiyang", (70.0, 60.0)),
    ("Dongping", (110.0, 50.0)),
    ("Beiling", (22.0, 96.0)),
    ("Nanhe", (58.0, 14.0)),
    ("Shanqiao", (96.0, 92.0)),
    ("Hekou", (128.0, 14.0)),
    ("Yunshan", (178.0, 96.0)),
    ("Lanxian", (188.0, 22.0)),
]
N_TOWNS = 30
N_VILLAGES = 150
N_REMOTE_VILLAGES = 6  # villages 2-5 km down a single long track
REGION_KM = (200.0, 110.0)  # width, height


@dataclass(frozen=True)
class SampleRegion:
    """Files of the written sample region."""

    osm_pbf: Path
    places_csv: Path
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass
class _Builder:
    rng: np.random.Generator
    xy: list[tuple[float, float]] = field(default_factory=list)
    ways: list[tuple[list[int], dict[str, str]]] = field(default_factory=list)

    def node(self, x: float, y: float) -> int:
        self.xy.append((x, y))
        return len(self.xy)  # ids from 1

    def road(self, a: int, b: int, tags: dict[str, str], *, wiggle: float = 0.0) -> list[int]:
        """A way from node a to node b with intermediate nodes every NODE_SPACING_KM."""
        (ax, ay), (bx, by) = self.xy[a - 1], self.xy[b - 1]
        length = math.hypot(bx - ax, by - ay)
        pieces = max(1, int(length / NODE_SPACING_KM))
        nodes = [a]
        nx_, ny_ = (-(by - ay) / length, (bx - ax) / length) if length else (0.0, 0.0)
        # A smooth bend (zero at both ends) rather than per-node noise: roads curve, not zigzag.
        amplitude = wiggle * float(self.rng.normal()) if wiggle else 0.0
        waves, phase = int(self.rng.integers(1, 3)), float(self.rng.uniform(0, 2 * math.pi))
        for k in range(1, pieces):
            f = k / pieces
            off = amplitude * math.sin(math.pi * f) * (0.6 + 0.4 * math.sin(2 * math.pi * waves * f + phase))
            nodes.append(self.node(ax + f * (bx - ax) + off * nx_, ay + f * (by - ay) + off * ny_))
        nodes.append(b)
        self.ways.append((nodes, dict(tags)))
        return nodes

    def path(self, stops: list[int], tags: dict[str, str], *, wiggle: float = 0.0) -> list[int]:
        """One way through several existing nodes (intermediate nodes between them)."""
        nodes: list[int] = []
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            piece = self.road(a, b, tags, wiggle=wiggle)
            self.ways.pop()
            nodes.extend(piece if not nodes else piece[1:])
        self.ways.append((nodes, dict(tags)))
        return nodes


def _grid(builder: _Builder, cx: float, cy: float, n: int, *, core: bool) -> dict:
    """A city or county-seat street grid of n x n intersections centred on (cx, cy)."""
    half = (n - 1) / 2
    ids = [
        [builder.node(cx + (i - half) * CITY_BLOCK_KM, cy + (j - half) * CITY_BLOCK_KM) for i in range(n)]
        for j in range(n)
    ]
    mid = n // 2
    for j in range(n):
        tags = {"highway": "residential"}
        if j == mid:
            tags = {"highway": "primary", "maxspeed": "60", "name": "Zhongshan Road"}
        elif core and j in (mid - 4, mid + 4):
            tags = {"highway": "secondary", "maxspeed": "CN:urban"}
        elif core and j == mid - 1:
            tags = {"highway": "residential", "oneway": "yes"}
        elif core and j == mid + 1:
            tags = {"highway": "residential", "oneway": "-1"}
        builder.path(ids[j], tags)
    for i in range(n):
        tags = {"highway": "residential"}
        if i == mid:
            tags = {"highway": "primary", "maxspeed": "60", "name": "Renmin Road"}
        elif core and i in (mid - 4, mid + 4):
            tags = {"highway": "secondary"}
        builder.path([ids[j][i] for j in range(n)], tags)
    if core:
        c = ids[mid][mid]
        builder.road(c, ids[mid + 2][mid + 2], {"highway": "pedestrian", "name": "Walking Street"})
        builder.road(ids[mid + 1][mid], ids[mid + 2][mid + 1], {"highway": "footway"})
        builder.road(ids[mid - 3][mid - 3], ids[mid - 1][mid - 1], {"highway": "cycleway"})
        builder.road(ids[mid - 2][mid + 3], ids[mid - 1][mid + 2], {"highway": "cycleway"})
        private = builder.node(cx + 0.3, cy - half * CITY_BLOCK_KM - 0.4)
        builder.road(ids[0][mid + 1], private, {"highway": "service", "access": "private"})
        service = builder.node(cx - 0.3, cy - half * CITY_BLOCK_KM - 0.3)
        builder.road(ids[0][mid - 1], service, {"highway": "service"})
        # a roundabout east of the centre, joined by two stubs
        rx, ry = cx + 1.0 * CITY_BLOCK_KM + 0.2, cy + 2.5 * CITY_BLOCK_KM
        ring = [
            builder.node(rx + 0.06 * math.cos(a), ry + 0.06 * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 9)[:-1]
        ]
        builder.ways.append((ring + [ring[0]], {"highway": "tertiary", "junction": "roundabout"}))
        builder.road(ring[4], ids[mid + 2][mid + 1], {"highway": "residential"})
        builder.road(ring[0], ids[mid + 3][mid + 2], {"highway": "residential"})
    # corners of the grid, for the ring road / regional links
    return {
        "ids": ids,
        "centre": ids[mid][mid],
        "n": n,
        "w": ids[mid][0],
        "e": ids[mid][n - 1],
        "s": ids[0][mid],
        "north": ids[n - 1][mid],
    }


def _ring(builder: _Builder, city: dict, cx: float, cy: float, name: str) -> dict[str, int]:
    """A trunk ring road 1 km outside a city grid, joined to its four primary ends."""
    r = (city["n"] - 1) / 2 * CITY_BLOCK_KM + 1.0
    corners = [builder.node(cx + dx * r, cy + dy * r) for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    sides = {
        "s": builder.node(cx, cy - r),
        "e": builder.node(cx + r, cy),
        "north": builder.node(cx, cy + r),
        "w": builder.node(cx - r, cy),
    }
    loop = [
        corners[0],
        sides["s"],
        corners[1],
        sides["e"],
        corners[2],
        sides["north"],
        corners[3],
        sides["w"],
        corners[0],
    ]
    builder.path(loop, {"highway": "trunk", "maxspeed": "80", "name": f"{name} Ring Road"})
    for side, node in sides.items():
        builder.road(city[side], node, {"highway": "primary", "maxspeed": "60"})
    return sides


def _to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = ORIGIN_LAT + xy[:, 1] / KM_PER_DEG_LAT
    lon = ORIGIN_LON + xy[:, 0] / (111.320 * np.cos(np.radians(lat)))
    return lon, lat


def write_sample_region(out_dir: str | Path, *, seed: int = SAMPLE_SEED) -> SampleRegion:
    """Write the sample region: ``sample_region.osm.pbf`` and ``places.csv`` into ``out_dir``.

    Deterministic for a given ``seed``. The region is fictional: a core city of 3 million
    people and a second city of 1.2 million 120 km east, joined by an expressway with two
    county-seat interchanges; eight county seats, 30 towns and 150 villages linked by
    trunk, primary, secondary, tertiary, unclassified roads and tracks.
    """
    rng = np.random.default_rng(seed)
    b = _Builder(rng)
    core = _grid(b, *CORE_XY, 15, core=True)
    second = _grid(b, *SECOND_XY, 11, core=False)
    core_ring = _ring(b, core, *CORE_XY, "Core")
    second_ring = _ring(b, second, *SECOND_XY, "Second")
    seats = {name: _grid(b, x, y, 6, core=False) for name, (x, y) in COUNTY_SEATS}
    hubs = {"Core City": core_ring["e"], "Second City": second_ring["w"]}
    hubs |= {name: g["e"] for name, g in seats.items()}

    # Expressway: two one-way carriageways, interchanges at both cities and two seats.
    junction_x = [CORE_XY[0] + 6.0, 70.0, 110.0, SECOND_XY[0] - 6.0]
    feeders = [core_ring["e"], seats["Xiyang"]["s"], seats["Dongping"]["north"], second_ring["w"]]
    for sign, oneway_dir in ((1, 1), (-1, -1)):
        js = [b.node(x, 55.0 + sign * 0.03) for x in junction_x]
        order = js if oneway_dir == 1 else js[::-1]
        for a, c in zip(order[:-1], order[1:], strict=True):
            b.road(
                a,
                c,
                {
                    "highway": "motorway",
                    "oneway": "yes",
                    "maxspeed": "120",
                    "ref": "G20",
                    "name": "Core-Second Expressway",
                },
            )
        for j, feeder in zip(js, feeders, strict=True):
            b.road(j, feeder, {"highway": "motorway_link", "oneway": "yes"})
            b.road(feeder, j, {"highway": "motorway_link", "oneway": "yes"})

    # Trunk and primary roads between cities and county seats (varied maxspeed tags).
    links = [
        ("Core City", "Beiling", "trunk", "80"),
        ("Core City", "Nanhe", "trunk", "CN:rural"),
        ("Core City", "Xiyang", "primary", "70"),
        ("Xiyang", "Shanqiao", "primary", "60"),
        ("Xiyang", "Dongping", "primary", "50 mph"),
        ("Dongping", "Hekou", "primary", None),
        ("Nanhe", "Hekou", "primary", "fast"),
        ("Shanqiao", "Yunshan", "trunk", "80"),
        ("Dongping", "Second City", "trunk", "CN:rural"),
        ("Second City", "Yunshan", "primary", "60"),
        ("Second City", "Lanxian", "trunk", None),
        ("Hekou", "Lanxian", "primary", "60"),
        ("Beiling", "Shanqiao", "primary", "CN:rural"),
    ]
    for a, c, highway, maxspeed in links:
        tags = {"highway": highway, "name": f"{a}-{c} Road"}
        if maxspeed:
            tags["maxspeed"] = maxspeed
        b.road(hubs[a], hubs[c], tags, wiggle=WIGGLE_KM * 10)

    width, height = REGION_KM
    anchors = [(name, hubs[name]) for name in hubs]
    town_rows = []
    for k in range(N_TOWNS):
        while True:
            x, y = rng.uniform(8, width - 8), rng.uniform(6, height - 6)
            if all(math.hypot(x - b.xy[n - 1][0], y - b.xy[n - 1][1]) > 7 for _, n in anchors):
                break
        centre = b.node(x, y)
        for dx, dy in ((1, 0), (0, 1)):
            w = b.node(x - 0.5 * dx, y - 0.5 * dy)
            e = b.node(x + 0.5 * dx, y + 0.5 * dy)
            b.path([w, centre, e], {"highway": "residential"})
        near = min(anchors, key=lambda a: math.hypot(x - b.xy[a[1] - 1][0], y - b.xy[a[1] - 1][1]))
        highway = "secondary" if k % 3 == 0 else "tertiary"
        b.road(centre, near[1], {"highway": highway}, wiggle=WIGGLE_KM * 6)
        name = f"Town {k + 1:02d}"
        anchors.append((name, centre))
        town_rows.append((name, centre, x, y))

    # Villages hang off the nearest town / seat / road node by unclassified roads or tracks.
    rural_nodes = np.array([n for _, n, _, _ in town_rows] + [hubs[h] for h in hubs])
    village_rows = []
    for k in range(N_VILLAGES):
        x, y = rng.uniform(3, width - 3), rng.uniform(3, height - 3)
        xy = np.array(b.xy)
        candidates = np.concatenate([rural_nodes, np.arange(1, len(b.xy) + 1)[-2000:]])
        d = np.hypot(xy[candidates - 1, 0] - x, xy[candidates - 1, 1] - y)
        target = int(candidates[np.argmin(d)])
        village = b.node(x, y)
        remote = k < N_REMOTE_VILLAGES
        if remote:  # push the village 2-5 km further out along a single track
            tx, ty = b.xy[target - 1]
            dist = max(math.hypot(x - tx, y - ty), 0.1)
            extra = rng.uniform(2.0, 5.0)
            b.xy[village - 1] = (x + (x - tx) / dist * extra, y + (y - ty) / dist * extra)
        highway = "track" if remote or k % 5 in (1, 3) else "unclassified"
        b.road(village, target, {"highway": highway}, wiggle=WIGGLE_KM)
        loop = b.node(b.xy[village - 1][0] + 0.15, b.xy[village - 1][1] + 0.1)
        b.road(village, loop, {"highway": "residential"})
        village_rows.append((f"Village {k + 1:03d}", village))

    xy = np.array(b.xy)
    lon, lat = _to_lonlat(xy)
    places = _places(rng, core, second, seats, town_rows, village_rows, lon, lat)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pbf = out / "sample_region.osm.pbf"
    _write_pbf(pbf, lon, lat, b.ways)
    places_csv = out / "places.csv"
    tmp = out / f".places.{os.getpid()}.csv"
    places.to_csv(tmp, index=False)
    os.replace(tmp, places_csv)
    bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    return SampleRegion(osm_pbf=pbf, places_csv=places_csv, bbox=bbox)


def _places(rng, core, second, seats, towns, villages, lon, lat) -> pd.DataFrame:
    rows = []

    def add(name, kind, node, population, jobs_ratio, cls, county):
        rows.append(
            (
                name,
                kind,
                lon[node - 1],
                lat[node - 1],
                int(population),
                int(round(population * jobs_ratio)),
                cls,
                county,
            )
        )

    for city, kind, total, label, ratio in (
        (core, "core_city", 3_000_000, "Core City", 0.6),
        (second, "city", 1_200_000, "Second City", 0.55),
    ):
        ids, n = city["ids"], city["n"]
        picks = [
            (n // 2, n // 2),
            (n // 4, n // 4),
            (n // 4, 3 * n // 4),
            (3 * n // 4, n // 4),
            (3 * n // 4, 3 * n // 4),
            (n // 2, 1),
        ]
        weights = np.array([0.3, 0.15, 0.15, 0.15, 0.15, 0.1])
        for k, (j, i) in enumerate(picks):
            add(
                f"{label} district {k + 1}",
                kind,
                ids[j][i],
                total * weights[k],
                ratio if k else ratio * 2.0,
                "urban",
                f"{label} urban district",
            )
    seat_xy = {}
    for name, grid in seats.items():
        add(f"{name}", "county_seat", grid["centre"], rng.integers(80_000, 250_000), 0.35, "urban", f"{name} County")
        seat_xy[name] = (lon[grid["centre"] - 1], lat[grid["centre"] - 1])

    def county_of(node):
        return (
            min(seat_xy, key=lambda s: (seat_xy[s][0] - lon[node - 1]) ** 2 + (seat_xy[s][1] - lat[node - 1]) ** 2)
            + " County"
        )

    for name, node, _, _ in towns:
        add(name, "town", node, rng.integers(8_000, 40_000), 0.2, "rural", county_of(node))
    for name, node in villages:
        add(name, "village", node, rng.integers(300, 3_000), 0.1, "rural", county_of(node))
    frame = pd.DataFrame(rows, columns=["name", "kind", "lon", "lat", "population", "jobs", "class", "county"])
    frame.insert(0, "id", [f"P{k:03d}" for k in range(len(frame))])
    frame["lon"] = frame["lon"].round(6)
    frame["lat"] = frame["lat"].round(6)
    return frame


def _write_pbf(path: Path, lon: np.ndarray, lat: np.ndarray, ways) -> None:
    """Nodes (sorted by id) then ways, to a temp file renamed onto ``path``."""
    tmp = path.with_name(f".{os.getpid()}.{path.name}")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp), overwrite=True)
    try:
        for i in range(len(lon)):
            writer.add_node(
                osmium.osm.mutable.Node(id=i + 1, location=(round(float(lon[i]), 7), round(float(lat[i]), 7)))
            )
        for k, (nodes, tags) in enumerate(ways):
            writer.add_way(osmium.osm.mutable.Way(id=k + 1, nodes=nodes, tags=tags))
    finally:
        writer.close()
    os.replace(tmp, path)
