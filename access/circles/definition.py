"""CircleDefinition: the explicit, reported definition of a commuting circle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from access.config import CIRCLE_PRESETS, DEFAULT_CUTOFFS_MIN, DEFAULT_MODE, DEFAULT_PERCENTILE, DEFAULT_WINDOW_MIN
from access.errors import InputError
from access.io.output import atomic_path

__all__ = ["CircleDefinition", "resolve_definition", "write_definition"]

# fields filled in from the network and the centres, not choices of the definition
_REPORTED = ("name", "centres", "board_penalty_hsr_min", "max_transfers")


class CircleDefinition(BaseModel):
    """What "inside the 1-hour circle" means for one result (minutes, EPSG:4326).

    Every commuting-circle result carries the definition it was computed with
    (``result.definition``), filled in with what the network actually used (boarding
    penalties, transfers) and how the centres were given.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"  # preset name, or "custom"
    cutoffs_min: tuple[float, ...] = Field(default=tuple(float(c) for c in DEFAULT_CUTOFFS_MIN))
    mode: Literal["walk", "bike", "car", "transit"] = DEFAULT_MODE
    access_mode: Literal["walk", "bike", "car"] = "walk"  # transit: to the first stop
    departure: str | None = None  # transit: first departure "07:00" or "2019-05-13T07:00"
    window_min: float = Field(DEFAULT_WINDOW_MIN, ge=1, le=1440)  # transit: one departure a minute
    percentile: float = Field(float(DEFAULT_PERCENTILE), gt=0, le=100)  # transit: percentile of the window's times
    arrive_by: str | None = None  # instead of departure: arrive by this time ("09:00"), window ending then
    direction: Literal["to_centre", "from_centre"] = "to_centre"
    statistic: Literal["min", "median"] = "min"  # over the sample points of a polygon zone
    zone_points: int = Field(1, ge=1, le=100)  # points representing a polygon zone
    board_penalty_hsr_min: float | None = None  # HSR/rail-spec boarding penalty (reported)
    max_transfers: int | None = None  # transit (reported from the network)
    centres: tuple[str, ...] = ()  # how each centre was given, filled in per result
    source: str = ""

    @field_validator("cutoffs_min")
    @classmethod
    def _cutoffs(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(not 0 < float(c) <= 1440 for c in value):
            raise ValueError(f"cutoffs must be minutes in (0, 1440], got {value}")
        return tuple(sorted({float(c) for c in value}))

    @classmethod
    def preset(cls, name: str, **overrides) -> CircleDefinition:
        """A named preset (``"metropolitan_1h"``, ...) with optional field overrides."""
        if name not in CIRCLE_PRESETS:
            raise InputError(f"unknown circle preset {name!r}; use one of {', '.join(CIRCLE_PRESETS)}.")
        base = _build({"name": name, **dict(CIRCLE_PRESETS[name])})
        changed = [k for k, v in overrides.items() if k not in _REPORTED and getattr(base, k, None) != v]
        values = {**base.model_dump(), **overrides}
        changed = [k for k in changed if getattr(_build(values), k) != getattr(base, k)]
        if changed:  # a modified preset must not pass for the preset itself
            values["name"] = f"{name} (modified: {', '.join(sorted(changed))})"
        return _build(values)

    def to_json(self) -> str:
        """The definition as one compact JSON line (written with every output)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))

    def describe(self) -> str:
        """One human-readable line: limits, mode, window, centre."""
        text = f"{self.name}: {' / '.join(f'{c:g}' for c in self.cutoffs_min)} min door-to-door by {self.mode}"
        if self.mode == "transit":
            text += (
                f" ({self.access_mode} access, "
                + (f"arriving by {self.arrive_by}" if self.arrive_by else f"departures from {self.departure}")
                + f" over {self.window_min:g} min, "
                f"p{self.percentile:g}"
                + (
                    f", HSR boarding penalty {self.board_penalty_hsr_min:g} min)"
                    if self.board_penalty_hsr_min is not None
                    else ")"
                )
            )
        text += f", {self.direction.replace('_', ' ')}"
        if self.centres:
            text += f"; centres: {', '.join(self.centres)}"
        return text


def _build(values: dict) -> CircleDefinition:
    try:
        return CircleDefinition(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"invalid circle definition: {problems}.") from None


def resolve_definition(definition: str | CircleDefinition | dict | None, **overrides) -> CircleDefinition:
    """A :class:`CircleDefinition` from a preset name, a model, a dict or None (defaults),
    with the non-None ``overrides`` applied on top (explicit arguments win)."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if "arrive_by" in overrides:  # arriving by a time replaces a departure time
        if "departure" in overrides:
            raise InputError(
                f"give either departure ({overrides['departure']!r}) or arrive_by "
                f"({overrides['arrive_by']!r}), not both."
            )
        overrides["departure"] = None
    if definition is None:
        return _build(overrides)
    if isinstance(definition, str):
        return CircleDefinition.preset(definition, **overrides)
    if isinstance(definition, dict):
        return _build({**definition, **overrides})
    if isinstance(definition, CircleDefinition):
        return _build({**definition.model_dump(), **overrides}) if overrides else definition
    raise InputError(
        f"definition must be a preset name, a CircleDefinition or a dict, got {type(definition).__name__}."
    )


def write_definition(definition: CircleDefinition, out: str | Path) -> Path:
    """Write ``definition`` as ``<out stem>.definition.json`` beside the result ``out``
    (UTF-8, indented, atomic); returns its path."""
    out = Path(out)
    path = out.with_name(f"{out.stem}.definition.json")
    with atomic_path(path) as tmp:
        text = json.dumps(json.loads(definition.to_json()), ensure_ascii=False, indent=2) + "\n"
        tmp.write_text(text, encoding="utf-8")
    return path
