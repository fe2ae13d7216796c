"""The national rail layer on disk: its tables as plain arrays in one ``.npz`` (no pickles),
keyed by the input files' bytes and the settings (:mod:`access.network.cache`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from access.china.lines import RailLines
from access.china.modelled import ServiceModel
from access.config import ChinaRailSettings
from access.network.cache import load_arrays, save_arrays

__all__ = ["save_national", "load_national", "STORE_VERSION"]

STORE_VERSION = "china-1"  # bump when the layer's tables or build rules change
_TABLES = ("stations", "events", "trips", "station_city")


def _put(arrays: dict, prefix: str, frame: pd.DataFrame) -> None:
    arrays[f"{prefix}/__columns__"] = np.array(list(frame.columns), dtype=str)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            arrays[f"{prefix}/{column}"] = values.to_numpy("datetime64[ns]").astype("int64")
            arrays[f"{prefix}/{column}/__kind__"] = np.array("datetime")
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            arrays[f"{prefix}/{column}"] = values.to_numpy()
        else:
            arrays[f"{prefix}/{column}"] = values.fillna("").astype(str).to_numpy(dtype=str)


def _get(arrays: dict, prefix: str) -> pd.DataFrame:
    columns = [str(c) for c in arrays[f"{prefix}/__columns__"]]
    data = {}
    for column in columns:
        values = arrays[f"{prefix}/{column}"]
        if f"{prefix}/{column}/__kind__" in arrays:
            values = pd.to_datetime(values.astype("int64"), unit="ns").where(values != np.iinfo(np.int64).min)
        elif values.dtype.kind == "U":
            values = values.astype(object)
        data[column] = values
    return pd.DataFrame(data, columns=columns)


def save_national(path: Path, rail) -> None:
    """Write a :class:`~access.china.national.NationalRail` to ``path`` atomically."""
    arrays: dict[str, np.ndarray] = {}
    for name in _TABLES:
        _put(arrays, name, getattr(rail, name))
    _put(arrays, "lines.lines", rail.lines.lines)
    _put(arrays, "lines.stops", rail.lines.stops)
    _put(arrays, "model.table", rail.model.table)
    _put(arrays, "model.pairs", rail.model.pairs)
    meta = {
        "version": STORE_VERSION,
        "timetable_date": str(rail.timetable_date),
        "served_lines": list(rail.served_lines),
        "notes": list(rail.notes),
        "label": rail.label,
        "lines_notes": list(rail.lines.notes),
        "line_share": rail.model.line_share,
        "settings": rail.model.settings.model_dump(mode="json"),
    }
    arrays["__meta__"] = np.array(json.dumps(meta, ensure_ascii=False))
    save_arrays(path, arrays)


def load_national(path: Path) -> dict | None:
    """The fields of the :class:`~access.china.national.NationalRail` written by
    :func:`save_national`, or None when the file is of another version (rebuilt then)."""

    arrays = load_arrays(path)
    meta = json.loads(str(arrays["__meta__"]))
    if meta.get("version") != STORE_VERSION:
        return None
    model = ServiceModel(
        table=_get(arrays, "model.table"),
        pairs=_get(arrays, "model.pairs"),
        settings=ChinaRailSettings(**meta["settings"]),
        line_share={k: float(v) for k, v in meta["line_share"].items()},
    )
    return dict(
        stations=_get(arrays, "stations"),
        events=_get(arrays, "events"),
        trips=_get(arrays, "trips"),
        lines=RailLines(_get(arrays, "lines.lines"), _get(arrays, "lines.stops"), tuple(meta["lines_notes"])),
        model=model,
        timetable_date=pd.Timestamp(meta["timetable_date"]),
        served_lines=tuple(meta["served_lines"]),
        station_city=_get(arrays, "station_city"),
        notes=tuple(meta["notes"]),
        label=meta["label"],
    )
