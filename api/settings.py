"""Service settings: limits, security and paths from ``ACCESS_API_*`` env vars, and region configs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from access.config import MAX_TIME_LIMIT_MIN
from access.errors import InputError

__all__ = ["Settings", "RegionConfig", "LayerConfig", "ENV_PREFIX", "default_data_dir", "read_region_config"]

ENV_PREFIX = "ACCESS_API_"


def default_data_dir() -> Path:
    """``$ACCESS_API_DATA_DIR``, else ``$XDG_DATA_HOME/commuting-circles/api`` (``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "commuting-circles" / "api"


class LayerConfig(BaseModel):
    """A point layer (opportunities or zones) of a region: a file and its id column."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    id_column: str = "id"


class RegionConfig(BaseModel):
    """What to load for one named network: OSM extract, transit feeds, point layers.

    Relative paths are resolved against the YAML file's folder by :func:`read_region_config`.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    osm: Path
    modes: list[str] = Field(default_factory=lambda: ["walk", "bike", "car"])
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    gtfs: list[Path] = Field(default_factory=list)
    rail_specs: list[Path] = Field(default_factory=list)
    service_date: str | None = None  # YYYY-MM-DD; default: the busiest weekday of the first feed
    opportunities: dict[str, LayerConfig] = Field(default_factory=dict)  # name -> layer
    zones: dict[str, LayerConfig] = Field(default_factory=dict)  # name -> layer (circles)

    @field_validator("opportunities", "zones", mode="before")
    @classmethod
    def _layers(cls, value: Any) -> Any:
        # a bare path is a layer with the default id column
        if isinstance(value, dict):
            return {k: ({"path": v} if isinstance(v, str | Path) else v) for k, v in value.items()}
        return value

    def resolved(self, folder: Path) -> RegionConfig:
        """The same config with every relative path made absolute against ``folder``."""

        def fix(p: Path) -> Path:
            return p if p.is_absolute() else (folder / p).resolve()

        def layers(d: dict[str, LayerConfig]) -> dict[str, LayerConfig]:
            return {k: v.model_copy(update={"path": fix(v.path)}) for k, v in d.items()}

        return self.model_copy(
            update={
                "osm": fix(self.osm),
                "gtfs": [fix(p) for p in self.gtfs],
                "rail_specs": [fix(p) for p in self.rail_specs],
                "opportunities": layers(self.opportunities),
                "zones": layers(self.zones),
            }
        )


def read_region_config(path: str | Path) -> RegionConfig:
    """A :class:`RegionConfig` from a YAML file; :class:`InputError` naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"region config {path} does not exist; check the path.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"region config {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"region config {path} must be a mapping with name, osm, gtfs, ...")
    data.setdefault("name", path.stem.split(".")[0])
    try:
        config = RegionConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"region config {path}: {problems}") from None
    return config.resolved(path.parent.resolve())


class Settings(BaseModel):
    """Everything the service needs; :meth:`from_env` reads ``ACCESS_API_<FIELD>`` variables.

    Limits are checked per request and answered with 422 (413 for the body) naming the limit.
    """

    model_config = ConfigDict(extra="forbid")

    regions: list[Path] = Field(default_factory=list)  # region YAMLs; empty: the built-in sample region
    data_dir: Path = Field(default_factory=default_data_dir)  # SQLite registry, sample region files
    cache_dir: Path | None = None  # network cache; None: $ACCESS_CACHE_DIR or the library default
    api_key: str | None = None  # when set, every endpoint but /health needs header X-API-Key
    cors_origins: list[str] = Field(default_factory=list)  # e.g. ["http://localhost:5173"], ["*"]
    max_origins: int = Field(100, ge=1)  # per request (isochrones, travel times, accessibility)
    max_destinations: int = Field(5000, ge=1)  # travel-time matrix columns
    max_cutoff_min: float = Field(300.0, gt=0, le=MAX_TIME_LIMIT_MIN)  # no 120-min ceiling
    max_window_min: float = Field(180.0, ge=1, le=24 * 60)  # transit departure window
    max_body_bytes: int = Field(1_000_000, ge=1024)  # larger request bodies get 413
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)  # thread pool
    isochrone_cache_size: int = Field(256, ge=0)  # LRU entries of repeated isochrone queries
    compare_sync_max_origins: int = Field(20, ge=0)  # larger comparisons become background jobs
    china_data: Path | None = None  # the shared data folder: enables /china/* (api/routes/china.py)
    log_level: str = "info"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``ACCESS_API_*`` variables (lists comma-separated), then ``overrides``.

        ``ACCESS_API_REGIONS=a.yaml,b.yaml``, ``ACCESS_API_MAX_ORIGINS=50``,
        ``ACCESS_API_API_KEY=secret``, ``ACCESS_API_CORS_ORIGINS=*`` ...
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None or raw == "":
                continue
            is_list = "list" in str(field.annotation)
            values[name] = [v.strip() for v in raw.split(",") if v.strip()] if is_list else raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(f"API settings: {problems}") from None

    @property
    def database(self) -> Path:
        """The SQLite file of the scenario and job registry."""
        return self.data_dir / "registry.sqlite3"
