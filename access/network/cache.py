"""On-disk cache of built networks: ``.npz`` files keyed by input bytes + parameters."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from access.errors import CacheError

__all__ = ["CACHE_VERSION", "default_cache_dir", "file_digest", "cache_key", "save_arrays", "load_arrays"]

CACHE_VERSION = "v3"  # bump when the network arrays or build rules change
_CHUNK = 1 << 20  # bytes read at a time while hashing


def default_cache_dir() -> Path:
    """``$ACCESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/commuting-circles`` (~/.cache)."""
    if os.environ.get("ACCESS_CACHE_DIR"):
        return Path(os.environ["ACCESS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "commuting-circles"


def file_digest(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(*parts: object) -> str:
    """A short stable key from JSON-serialisable parts (digests, parameters)."""
    text = json.dumps([CACHE_VERSION, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays to ``path`` (.npz) atomically: a temp file in the same folder, renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` written by :func:`save_arrays` (never unpickles)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CacheError(f"cached network {path} is unreadable ({exc}); delete it to rebuild.") from None
