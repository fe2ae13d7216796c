"""Car speed tables from files (``highway,kmh`` CSV, or a YAML / JSON mapping) and
``highway=kmh`` overrides as typed on a command line."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

import yaml

from access.errors import InputError

__all__ = ["read_speed_table", "parse_speed_overrides"]

_MAX_KMH = 300.0  # beyond any road speed: a typo


def _speed(highway: str, value, where: str) -> float:
    try:
        kmh = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: speed for {highway!r} must be a number of km/h, got {value!r}.") from None
    if not 0 < kmh <= _MAX_KMH:
        raise InputError(f"{where}: speed for {highway!r} must be in (0, {_MAX_KMH:g}] km/h, got {kmh:g}.")
    return kmh


def read_speed_table(path: str | Path) -> dict[str, float]:
    """Car speeds (km/h) by OSM highway class from ``path``: a CSV with columns
    ``highway,kmh`` (a header row), or a YAML / JSON mapping ``{highway: kmh}``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"speed table {path} does not exist; check the path.")
    text = path.read_text(encoding="utf-8")
    where = f"speed table {path.name}"
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if not rows or not {"highway", "kmh"} <= set(rows[0]):
            raise InputError(f"{where} needs a header row 'highway,kmh' and one row per class.")
        table = {r["highway"].strip(): _speed(r["highway"], r["kmh"], where) for r in rows}
    else:
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                data = yaml.safe_load(text)
        except (ValueError, Exception) as exc:  # json / yaml syntax errors
            raise InputError(f"{where} is not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {exc}") from None
        if not isinstance(data, dict) or not data:
            raise InputError(f"{where} must map highway classes to km/h, e.g. residential: 40.")
        table = {str(k).strip(): _speed(str(k), v, where) for k, v in data.items()}
    if not table:
        raise InputError(f"{where} is empty.")
    return table


def parse_speed_overrides(values: Iterable[str] | None) -> dict[str, float]:
    """``["residential=40", "track=20"]`` -> ``{"residential": 40.0, "track": 20.0}``."""
    out: dict[str, float] = {}
    for item in values or ():
        highway, sep, kmh = str(item).partition("=")
        if not sep or not highway.strip():
            raise InputError(f"--car-speed {item!r}: write highway=kmh, e.g. residential=40.")
        out[highway.strip()] = _speed(highway.strip(), kmh.strip(), "--car-speed")
    return out
