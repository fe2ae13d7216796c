"""Everything the China analyses read, loaded once from the shared data folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd

from access.china.counties import read_counties, read_county_polygons, read_townships
from access.china.national import NATIONAL_FILES, NationalRail, load_national_rail
from access.china.places import Place, prefecture_table, resolve_place
from access.china.tables import read_prefectures
from access.config import ChinaRailSettings
from access.errors import InputError

__all__ = ["ChinaData", "load_china", "CHINA_FILES"]

CHINA_FILES = {**NATIONAL_FILES, "townships": "china_towns/china_towns_2016.csv"}


@dataclass(frozen=True, eq=False)
class ChinaData:
    """Counties (2020 census), their polygons, prefectures and the national rail layer.

    ``counties``: :func:`access.china.counties.read_counties`; ``polygons``:
    :func:`access.china.counties.read_county_polygons` (None when not given);
    ``prefectures``: :func:`access.china.places.prefecture_table`; ``rail``:
    :class:`access.china.national.NationalRail`.
    """

    counties: gpd.GeoDataFrame
    prefectures: pd.DataFrame
    rail: NationalRail
    polygons: gpd.GeoDataFrame | None = None
    files: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"ChinaData({len(self.counties):,} counties, {len(self.prefectures)} prefectures; {self.rail!r})"

    def place(self, name: str) -> Place:
        """The prefecture, county or point ``name`` stands for (see
        :func:`access.china.places.resolve_place`)."""
        return resolve_place(name, self.counties, self.prefectures)

    def townships(self) -> gpd.GeoDataFrame:
        """The township points (:func:`access.china.counties.read_townships`), read once."""
        return self._townships

    @cached_property
    def _townships(self) -> gpd.GeoDataFrame:
        path = self.files.get("townships")
        if path is None or not Path(path).is_file():
            raise InputError(f"township table not found ({path}); give china_towns/china_towns_2016.csv.")
        return read_townships(path)

    def with_rail(self, rail: NationalRail) -> ChinaData:
        """The same data on another rail layer (a scenario)."""
        return ChinaData(self.counties, self.prefectures, rail, self.polygons, self.files)


def load_china(
    data_dir: str | Path | None = None,
    *,
    files: dict[str, str | Path] | None = None,
    rail_settings: ChinaRailSettings | None = None,
    mtr: bool = True,
    polygons: bool = True,
    cache: bool = True,
) -> ChinaData:
    """Load counties, polygons, prefectures and the national rail layer from ``data_dir``
    (the shared data folder, e.g. ``../shared/data``: ``china_admin/``, ``china_rail/``,
    ``china_gtfs/``, ``china/``, ``china_towns/``), or from ``files`` by the keys of
    :data:`CHINA_FILES`. The rail layer is cached on disk (``cache=False``: rebuilt)."""

    paths = {k: (Path(data_dir) / v if data_dir is not None else None) for k, v in CHINA_FILES.items()}
    for k, v in (files or {}).items():
        if k not in CHINA_FILES:
            raise InputError(f"unknown file key {k!r}; keys are {', '.join(CHINA_FILES)}.")
        paths[k] = Path(v)
    if paths["counties"] is None or not paths["counties"].is_file():
        raise InputError(
            f"county table not found ({paths['counties'] or CHINA_FILES['counties']}); give the shared data folder."
        )
    counties = read_counties(paths["counties"])
    cityinfo = (
        read_prefectures(paths["prefectures"]) if paths["prefectures"] and paths["prefectures"].is_file() else None
    )
    poly = None
    if polygons and paths["county_polygons"] is not None and paths["county_polygons"].is_file():
        poly = read_county_polygons(paths["county_polygons"])
    national = {k: v for k, v in paths.items() if k in NATIONAL_FILES and v is not None}
    rail = load_national_rail(files=national, settings=rail_settings, mtr=mtr, cache=cache)
    return ChinaData(
        counties=counties,
        prefectures=prefecture_table(counties, cityinfo),
        rail=rail,
        polygons=poly,
        files={k: v for k, v in paths.items() if v is not None},
    )
