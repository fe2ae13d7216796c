"""Typed exceptions: every error a user can cause says what to fix."""

from __future__ import annotations

__all__ = [
    "AccessError",
    "InputError",
    "NetworkError",
    "OffNetworkError",
    "CacheError",
    "OutputError",
    "OffNetworkWarning",
    "WalkOnlyWarning",
    "NoCarParkWarning",
    "ExtentWarning",
    "CacheWarning",
    "Cancelled",
]


class AccessError(Exception):
    """Base class of every error raised on purpose by commuting-circles."""


class InputError(AccessError, ValueError):
    """A file, parameter or point given by the user cannot be used as it is."""


class NetworkError(AccessError):
    """A network cannot be built from the given inputs (e.g. no routable roads)."""


class OffNetworkError(InputError):
    """A point lies further from the street network than the allowed snapping distance."""


class CacheError(AccessError):
    """A cached network file is unreadable or was written by an incompatible version."""


class Cancelled(BaseException):  # noqa: N818 - like KeyboardInterrupt: `except Exception` lets it through
    """The work was cancelled by its caller (see :func:`access._cancel.cancellable`); raised
    by the library's loops between kernel calls, never from inside one."""


class OutputError(AccessError):
    """A result cannot be written where asked (missing or read-only folder, disk full);
    nothing was written."""


class CacheWarning(UserWarning):
    """A cached network was unreadable or could not be saved; it was rebuilt / not cached."""


class OffNetworkWarning(UserWarning):
    """Some points of a batch lie off the network; their results are NaN."""


class WalkOnlyWarning(UserWarning):
    """A transit result uses no vehicle at all (the area or trips are walking only)."""


class NoCarParkWarning(UserWarning):
    """Park-and-ride was asked for on a network without car parks: car access adds nothing."""


class ExtentWarning(UserWarning):
    """A search reached the edge of the street data before its budget ran out: places beyond
    the extract are missing from its results (use a larger extract)."""
