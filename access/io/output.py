"""Write result tables atomically, in the format named by the file extension."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from access.errors import InputError

__all__ = ["write_table", "TABLE_SUFFIXES", "atomic_path"]

TABLE_SUFFIXES = (".geojson", ".gpkg", ".parquet", ".csv")


class atomic_path:
    """Context manager giving a temp path beside ``path`` (same suffix) that is renamed
    onto ``path`` on success and removed on failure or interruption."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix="".join(self.path.suffixes[-1:])
        )
        os.close(fd)
        os.unlink(tmp)  # writers (GDAL) want to create the file themselves
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path``: .geojson / .gpkg / .parquet (GeoParquet for
    GeoDataFrames) / .csv (geometry as WKT). Atomic: readers never see a partial file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(f"cannot write {path.name}: use one of {', '.join(TABLE_SUFFIXES)}.")
    is_geo = isinstance(frame, gpd.GeoDataFrame)
    if suffix in (".geojson", ".gpkg") and not is_geo:
        raise InputError(f"{path.name}: this result has no geometry; write .csv or .parquet.")
    with atomic_path(path) as tmp:
        if suffix == ".geojson":
            frame.to_file(tmp, driver="GeoJSON")
        elif suffix == ".gpkg":
            frame.to_file(tmp, driver="GPKG", layer=re.sub(r"\W", "_", path.stem) or "result")
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            if is_geo:  # a plain frame first, so the WKT text never sits in a geometry column
                name = frame.geometry.name
                out = pd.DataFrame(frame).assign(**{name: frame.geometry.to_wkt().to_numpy()})
            else:
                out = frame
            out.to_csv(tmp, index=False)
    return path
