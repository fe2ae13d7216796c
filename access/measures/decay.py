"""Distance-decay functions: weights in [0, 1] from travel times in minutes.

Definitions follow the R package ``accessibility`` (Pereira & Herszenhut, ipeaGIT) where it
has one (binary, exponential, power, linear, stepped, logistic); the Gaussian follows
Kwan (1998) / Ingram (1971). Every function takes a float array of minutes (NaN =
unreachable, weight 0) and returns float64 weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from access.errors import InputError

__all__ = ["DECAY_FUNCTIONS", "DEFAULT_DECAY_PARAMS", "decay_weights", "check_decay"]

# Typical parameters (minutes) and where they come from; used when decay_param is None.
#  - exponential: f(t) = exp(-b t), b = 0.05 per minute (half weight at ~14 min); Ipea's
#    "Access to Opportunities" and the R accessibility vignettes use 0.1-0.5 for
#    intra-urban transit; regional commuting (Levinson 1998) fits b ≈ 0.05-0.1.
#  - power: f(t) = min(1, t^-b), b = 1 (Hansen 1959 used 2 with distances; 1-2 typical).
#  - gaussian: f(t) = exp(-t² / (2 σ²)), σ = 30 min (Kwan 1998 uses a Gaussian kernel;
#    σ of a quarter to half the longest commute is the usual choice).
#  - logistic: f(t) = (1 + exp(-m π/(s√3))) / (1 + exp((t - m) π/(s√3))), median m = 60 min,
#    sd s = 10 min (R accessibility::decay_logistic after Bauer & Groneberg 2016).
#  - linear: f(t) = max(0, 1 - t / c), c = 60 min (R accessibility::decay_linear).
#  - step: weight w_k from step s_k on (R accessibility::decay_stepped, value changes at
#    the step): steps (20, 40, 60) min, weights (0.68, 0.22, 0) — Luo & Qi (2009) E2SFCA
#    zone weights from a Gaussian with slow decay.
#  - binary: f(t) = 1 if t <= c else 0, c = 60 min (cumulative opportunities).
DEFAULT_DECAY_PARAMS: dict[str, Any] = {
    "exponential": 0.05,
    "power": 1.0,
    "gaussian": 30.0,
    "logistic": (60.0, 10.0),
    "linear": 60.0,
    "step": ((20.0, 40.0, 60.0), (0.68, 0.22, 0.0)),
    "binary": 60.0,
}


def _exponential(t: np.ndarray, b: float) -> np.ndarray:
    return np.exp(-float(b) * t)


def _power(t: np.ndarray, b: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        w = np.power(t, -float(b))
    return np.minimum(w, 1.0)  # R: weights > 1 (t < 1 min, and t = 0 -> Inf) set to 1


def _gaussian(t: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * (t / float(sigma)) ** 2)


def _logistic(t: np.ndarray, param: Sequence[float]) -> np.ndarray:
    median, sd = (float(v) for v in param)
    scale = np.pi / (sd * np.sqrt(3.0))
    with np.errstate(over="ignore"):
        return (1.0 + np.exp(-median * scale)) / (1.0 + np.exp((t - median) * scale))


def _linear(t: np.ndarray, cutoff: float) -> np.ndarray:
    return np.maximum(1.0 - t / float(cutoff), 0.0)


def _step(t: np.ndarray, param) -> np.ndarray:
    steps, weights = (np.asarray(p, dtype=float) for p in param)
    edges = np.concatenate([[0.0], steps])
    values = np.concatenate([[1.0], weights])
    # R decay_stepped: weights[max(which(t >= steps))], i.e. the value changes at the step
    index = np.searchsorted(edges, np.nan_to_num(t, nan=0.0), side="right") - 1
    return values[np.clip(index, 0, len(values) - 1)]


def _binary(t: np.ndarray, cutoff: float) -> np.ndarray:
    return (t <= float(cutoff)).astype(np.float64)


DECAY_FUNCTIONS: dict[str, Callable[[np.ndarray, Any], np.ndarray]] = {
    "exponential": _exponential,
    "power": _power,
    "gaussian": _gaussian,
    "logistic": _logistic,
    "linear": _linear,
    "step": _step,
    "binary": _binary,
}


def check_decay(decay: str, param=None):
    """The validated parameter of ``decay`` (its default when ``param`` is None)."""
    if decay not in DECAY_FUNCTIONS:
        raise InputError(f"unknown decay function {decay!r}; use one of {', '.join(DECAY_FUNCTIONS)}.")
    value = DEFAULT_DECAY_PARAMS[decay] if param is None else param
    if decay == "logistic":
        try:
            ok = (
                isinstance(value, Sequence)
                and len(value) == 2
                and all(np.isfinite(float(v)) and float(v) > 0 for v in value)
            )
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"logistic decay needs (median_min, sd_min), both > 0; got {value!r}.")
    elif decay == "step":
        try:
            steps, weights = (np.asarray(p, dtype=float) for p in value)
        except (TypeError, ValueError):
            raise InputError(f"step decay needs (steps_min, weights); got {value!r}.") from None
        if steps.shape != weights.shape or steps.ndim != 1 or not len(steps):
            raise InputError("step decay: give as many weights as steps, e.g. ((20, 40, 60), (0.68, 0.22, 0)).")
        if not (np.isfinite(steps).all() and np.isfinite(weights).all()):
            raise InputError("step decay: steps and weights must be finite numbers.")
        if np.any(np.diff(steps) <= 0) or steps[0] <= 0 or np.any((weights < 0) | (weights > 1)):
            raise InputError("step decay: steps must increase from > 0 and weights lie in [0, 1].")
    else:
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{decay} decay needs one number, got {value!r}.") from None
        if not np.isfinite(value) or value < 0 or (value == 0 and decay in ("gaussian", "linear")):
            raise InputError(f"{decay} decay parameter must be a positive number, got {value!r}.")
    return value


def decay_weights(minutes: np.ndarray, decay: str, param=None) -> np.ndarray:
    """Weights in [0, 1] for travel times in minutes; NaN (unreachable) gives 0."""
    value = check_decay(decay, param)
    t = np.asarray(minutes, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        weights = DECAY_FUNCTIONS[decay](t, value)
    return np.where(np.isnan(t), 0.0, weights)
