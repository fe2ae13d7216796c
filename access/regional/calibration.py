"""How the approximate road model compares with real street networks: detour (network km
over great-circle km) and car times on OSM extracts, for urban trips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from access._geo import haversine_m
from access.config import RegionalSettings
from access.network.multimodal import build_network
from access.regional.roads import approx_road_seconds

__all__ = ["road_model_check", "PUBLISHED_ROAD_FIGURES"]

# Published road figures the model is checked against (tests/test_china_roads.py).
PUBLISHED_ROAD_FIGURES = (
    {
        "what": "detour index (network / straight-line distance), mean of 25 Chinese cities",
        "value": 1.324,
        "source": "Wang & Zhong (2021), 'Quantifying the relationships between network distance and straight-line "
        "distance', Annals of GIS 27(4): 351-369, doi:10.1080/19475683.2021.1966503",
    },
    {
        "what": "Beijing weekday morning-peak average driving speed, first half of 2010 (km/h)",
        "value": 24.2,
        "source": "Beijing Municipal Commission of Transport, reported by Xinhua, 2010-08-24 ('Beijing is near traffic "
        "gridlock in 5 yrs: official')",
    },
    {
        "what": "Beijing - Tianjin city centres by car (minutes, 'depending on traffic')",
        "value": (90, 180),
        "source": "The Beijinger, Tianjin directory page ('140 km ... the journey can take 90-180 minutes')",
    },
    {
        "what": "neighbouring cities of Beijing-Tianjin-Hebei by car by the end of 2020 (minutes)",
        "value": 90,
        "source": "Rong Jun, deputy director, Beijing Municipal Commission of Transport, China Daily 2020-12-08 "
        "('Travel between Beijing-Tianjin-Hebei easing')",
    },
)


def road_model_check(
    osm_files: Sequence[str | Path],
    settings: RegionalSettings | None = None,
    *,
    pairs: int = 400,
    min_km: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per OSM extract: the car network's ``nodes``, ``pairs`` sampled (random
    node pairs at least ``min_km`` apart, in its largest connected part),
    ``median_straight_km``, ``median_detour`` (shortest network km / great-circle km),
    ``median_network_kmh`` (great-circle km per hour of free-flow car time on the network,
    the project's speed table), ``median_model_kmh`` (the same for the approximate road
    model) and ``median_time_ratio`` (model minutes / network minutes)."""

    settings = settings or RegionalSettings()
    rng = np.random.default_rng(seed)
    rows = []
    for path in osm_files:
        street = build_network(path, ("car",), progress=False, cache=False).streets["car"]
        by_time = street.to_csr_matrix()
        _, label = connected_components(by_time, directed=True, connection="strong")
        big = np.flatnonzero(label == np.bincount(label).argmax())
        if len(big) < 10:
            continue
        src = rng.choice(big, min(pairs, len(big)), replace=len(big) < pairs)
        dst = rng.choice(big, len(src), replace=True)
        straight = haversine_m(street.lon[src], street.lat[src], street.lon[dst], street.lat[dst])
        ok = straight >= min_km * 1000
        src, dst, straight = src[ok], dst[ok], straight[ok]
        if not len(src):
            continue
        uniq, inverse = np.unique(src, return_inverse=True)
        km = dijkstra(_length_matrix(street), indices=uniq)[inverse, dst] / 1000.0
        seconds = dijkstra(by_time, indices=uniq)[inverse, dst]
        model = approx_road_seconds(street.lon[src], street.lat[src], street.lon[dst], street.lat[dst], settings)
        fine = np.isfinite(km) & np.isfinite(seconds) & (seconds > 0)
        rows.append(
            {
                "extract": Path(path).name,
                "nodes": int(street.n_nodes),
                "pairs": int(fine.sum()),
                "median_straight_km": float(np.median(straight[fine] / 1000.0)),
                "median_detour": float(np.median(km[fine] / (straight[fine] / 1000.0))),
                "median_network_kmh": float(np.median(straight[fine] / 1000.0 / (seconds[fine] / 3600.0))),
                "median_model_kmh": float(np.median(straight[fine] / 1000.0 / (model[fine] / 3600.0))),
                "median_time_ratio": float(np.median(model[fine] / seconds[fine])),
            }
        )
    return pd.DataFrame(rows)


def _length_matrix(street):
    """Edge lengths (m) as a CSR matrix, parallel edges reduced to the shortest."""

    order = np.lexsort((street.length_m, street.indices, street.tails))
    u, v, w = street.tails[order], street.indices[order], street.length_m[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    w = np.maximum(w[first].astype(np.float64), 1e-3)
    return csr_matrix((w, (u[first], v[first])), shape=(street.n_nodes, street.n_nodes))
