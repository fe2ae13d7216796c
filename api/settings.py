"""Service settings: limits, security and paths from ``ACCESS_API_*`` env vars, and region configs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict, SettingsError

try:  # newer pydantic-settings split its sources into a package
    from pydantic_settings.sources.utils import parse_env_vars
except ImportError:  # 2.7: one module
    from pydantic_settings.sources import parse_env_vars

from access.config import MAX_TIME_LIMIT_MIN
from access.errors import InputError

__all__ = ["Settings", "RegionConfig", "LayerConfig", "ENV_PREFIX", "default_data_dir", "read_region_config"]

ENV_PREFIX = "ACCESS_API_"
# Host headers accepted by default: a key-less local service must not answer pages of other
# sites that rebind their DNS name to 127.0.0.1 (DNS rebinding)
DEFAULT_TRUSTED_HOSTS = ("localhost", "127.0.0.1", "::1")


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
    service_date: str | None = None  # YYYY-MM-DD; default: the feeds' typical weekday
    opportunities: dict[str, LayerConfig] = Field(default_factory=dict)  # name -> layer
    zones: dict[str, LayerConfig] = Field(default_factory=dict)  # name -> layer (circles)
    elevation: Path | None = None  # GeoTIFF DEM (metres): walk/bike times follow slopes; None: flat

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
                "elevation": fix(self.elevation) if self.elevation is not None else None,
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


_LIST_FIELDS = ("regions", "cors_origins", "trusted_hosts")  # comma-separated in the environment
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("access_api_environ", default=None)


class _EnvSource(EnvSettingsSource):
    """``ACCESS_API_*`` variables of :func:`Settings.from_env`'s mapping (default ``os.environ``)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = _ENVIRON.get()
        if environ is None:
            return super()._load_env_vars()
        return parse_env_vars(environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Everything the service needs, read from ``ACCESS_API_<FIELD>`` variables (pydantic-settings;
    lists comma-separated), then from keyword arguments.

    Limits are checked per request: 422 naming the limit (413 for the body, 429 over the
    rate limit, 503 when a queue is full, 504 past the compute deadline).
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", env_ignore_empty=True)

    regions: Annotated[list[Path], NoDecode] = Field(default_factory=list)  # region YAMLs; empty: the sample
    data_dir: Path = Field(default_factory=default_data_dir)  # SQLite registry, sample region files
    cache_dir: Path | None = None  # network cache; None: $ACCESS_CACHE_DIR or the library default
    api_key: str | None = None  # when set, every endpoint but /health needs X-API-Key (or the page's cookie)
    cors_origins: CommaList = Field(default_factory=list)  # e.g. ["http://localhost:5173"], ["*"]
    trusted_hosts: CommaList = Field(default_factory=lambda: list(DEFAULT_TRUSTED_HOSTS))  # Host header; "*": any
    max_origins: int = Field(100, ge=1)  # per request (isochrones, travel times, accessibility)
    max_destinations: int = Field(5000, ge=1)  # travel-time matrix columns
    max_cutoff_min: float = Field(300.0, gt=0, le=MAX_TIME_LIMIT_MIN)  # no 120-min ceiling
    max_window_min: float = Field(180.0, ge=1, le=24 * 60)  # transit departure window
    max_body_bytes: int = Field(1_000_000, ge=1024)  # larger request bodies get 413
    workers: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 1) // 2), ge=1)  # heavy pool threads
    light_workers: int = Field(2, ge=1)  # threads for light requests, never taken by heavy ones
    light_max_cost: float = Field(60.0, ge=0)  # cost units (origin-minutes of routing) of a light request
    max_queued_light: int = Field(256, ge=1)  # light requests waiting for a thread; more: 503
    max_queued_heavy: int = Field(8, ge=0)  # heavy requests waiting for a thread; more: 503
    max_queued_jobs: int = Field(32, ge=1)  # background jobs queued or running; more: 503
    gil_switch_interval_ms: float = Field(1.0, gt=0, le=100)  # Python's default is 5 ms
    compute_timeout_s: float = Field(120.0, gt=0, le=86_400)  # per request; past it 504 and the work is cancelled
    job_timeout_s: float = Field(3600.0, gt=0, le=7 * 86_400)  # per background job
    rate_limit_per_min: float = Field(600.0, ge=0)  # requests per key (or client address); 0: no limit
    rate_limit_burst: int = Field(120, ge=1)  # requests a key may send at once
    cache_max_bytes: int = Field(256 * 2**20, ge=0)  # response cache budget; 0: no cache
    cache_max_entry_bytes: int = Field(16 * 2**20, ge=0)  # larger responses are not cached
    compare_sync_max_origins: int = Field(20, ge=0)  # larger comparisons become background jobs
    max_scenario_trips: int = Field(20_000, ge=1)  # trips a scenario's new lines / headways may add
    max_scenarios: int = Field(500, ge=1)  # registry quota; more: 507 until some are deleted
    max_jobs_kept: int = Field(1000, ge=1)  # finished jobs kept (oldest pruned)
    idempotency_ttl_s: float = Field(86_400.0, gt=0)  # how long an Idempotency-Key is remembered
    session_ttl_s: float = Field(12 * 3600.0, gt=0)  # lifetime of the map page's session cookie
    china_data: Path | None = None  # the shared data folder: enables /china/* (api/routes/china.py)
    warm_up: bool = True  # one tiny query per mode at start: the first request never waits for numba
    log_level: str = "info"

    @field_validator(*_LIST_FIELDS, mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        # keyword arguments first, then the environment; no .env files or secret dirs
        return init_settings, _EnvSource(settings_cls)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``ACCESS_API_*`` variables (of ``environ``, default ``os.environ``),
        then ``overrides`` (``None`` values ignored). :class:`InputError` names the variable
        that is wrong, or unknown (a typo would otherwise be ignored).

        ``ACCESS_API_REGIONS=a.yaml,b.yaml``, ``ACCESS_API_MAX_ORIGINS=50``,
        ``ACCESS_API_API_KEY=secret``, ``ACCESS_API_TRUSTED_HOSTS=localhost,maps.example.org`` ...
        """
        env = os.environ if environ is None else environ
        known = {ENV_PREFIX + name.upper() for name in cls.model_fields}
        unknown = sorted(k for k in env if k.upper().startswith(ENV_PREFIX) and k.upper() not in known)
        if unknown:
            raise InputError(f"API settings: unknown variable(s) {', '.join(unknown)}; see docs/api.md for the list.")
        token = _ENVIRON.set(env)
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(f"API settings: {problems}") from None
        except SettingsError as exc:
            raise InputError(f"API settings: {exc}") from None
        finally:
            _ENVIRON.reset(token)

    @property
    def database(self) -> Path:
        """The SQLite file of the scenario and job registry."""
        return self.data_dir / "registry.sqlite3"
