"""Write result tables atomically, in the format named by the file extension.

Every file the project writes goes through :class:`atomic_path`: the writer fills a hidden
temp file beside the target (``.<name>.partial-<host>-<pid>-<token><suffix>``) that is
renamed onto the target only when complete, so a reader never sees a partial file. On an
error, Ctrl-C or SIGTERM the temp file is removed; after a hard kill (``kill -9``, power
loss) it stays, and the next write to that folder removes it once its writer process is
gone. :func:`check_writable` tells, before any work is done, whether a result can be
written at a path.
"""

from __future__ import annotations

import errno
import glob
import os
import re
import secrets
import socket
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from access.errors import InputError, OutputError
from access.io.rounding import BatchRounding, round_for_output

__all__ = [
    "write_table",
    "write_parquet_batches",
    "plain_table",
    "TABLE_SUFFIXES",
    "atomic_path",
    "check_writable",
    "sweep_stale_temps",
    "check_suffix",
    "travel_time_column",
]

TABLE_SUFFIXES = (".geojson", ".gpkg", ".parquet", ".csv")
MIN_FREE_BYTES = 1 << 20  # bytes: below 1 MiB free a folder counts as full (no result fits)
STALE_FOREIGN_S = 24 * 3600  # seconds: a temp file of another machine is stale after a day
# Errors of the file system (not of the data) that mean "cannot write here".
_WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR}
)
# How writers that do not raise OSError (GDAL via pyogrio, SQLite) word a full disk.
_FULL_DISK_WORDS = re.compile(r"no space left on device|database or disk is full|disk quota exceeded", re.I)
_TEMP_RE = re.compile(r"^\..+\.partial-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{8}")


def _host_tag() -> str:
    """8 hex digits naming this machine in temp names (a pid means nothing on another)."""
    return f"{zlib.crc32(socket.gethostname().encode()) & 0xFFFFFFFF:08x}"


def _temp_name(target: Path) -> str:
    suffix = "".join(target.suffixes[-1:])  # writers (GDAL) pick the format by suffix
    return f".{target.name}.partial-{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return True
    return True


def sweep_stale_temps(folder: str | Path) -> list[Path]:
    """Remove temp files of :class:`atomic_path` left in ``folder`` by writers that no
    longer run (killed with ``kill -9``); returns what was removed. Temp files of live
    writers, and of other machines younger than a day, are kept."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    host, now = _host_tag(), time.time()
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if match["host"] == host:
                stale = not _alive(int(match["pid"]))
            else:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_FOREIGN_S
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone already, or not ours to remove: leave it
            continue
    return removed


def _free_bytes(folder: Path) -> int | None:
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return stat.f_bavail * stat.f_frsize


def _existing_ancestor(folder: Path) -> Path:
    folder = folder.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_writable(path: str | Path, *, folder: bool = False, suffixes: Sequence[str] | None = None) -> Path:
    """``path`` if a result can be written there (a file, or with ``folder=True`` a folder
    of results), else an :class:`OutputError` saying why; call it before computing.

    Checks: the suffix is one of ``suffixes`` (when given; :class:`InputError`), a file
    target is not a folder, the folder exists or can be created, a file can be created in
    it (a read-only disk, a file where a folder should be, a missing permission) and the
    disk has at least ``MIN_FREE_BYTES`` free. Creates nothing (a probe file is removed).
    """
    path = Path(path)
    if suffixes is not None and path.suffix.lower() not in tuple(s.lower() for s in suffixes):
        raise InputError(f"cannot write {path.name}: use one of {', '.join(suffixes)}.")
    if folder:
        if path.exists() and not path.is_dir():
            raise OutputError(f"cannot write results into {path}: it is a file, not a folder.")
        target_dir = path
    else:
        if path.is_dir():
            raise OutputError(f"cannot write {path}: it is a folder; give a file name inside it.")
        target_dir = path.parent
    existing = _existing_ancestor(target_dir)
    if not existing.is_dir():
        raise OutputError(f"cannot write {path}: {existing} is a file, not a folder.")
    probe = existing / _temp_name(path)
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror} ({existing}).") from None
    finally:
        probe.unlink(missing_ok=True)
    free = _free_bytes(existing)
    if free is not None and free < MIN_FREE_BYTES:
        raise OutputError(f"cannot write {path}: the disk of {existing} is full ({free:,} bytes free).")
    return path


def check_suffix(path: str | Path | None, allowed: tuple[str, ...] = TABLE_SUFFIXES) -> Path | None:
    """``path`` unchanged when its extension is one of ``allowed`` (or it is None); else an
    :class:`InputError`, raised before any work is done for an output that cannot be written."""
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in allowed:
        raise InputError(f"cannot write {path.name}: use one of {', '.join(allowed)}.")
    return path


class atomic_path:
    """Context manager giving a temp path beside ``path`` (same suffix) that is renamed
    onto ``path`` on success and removed on failure or interruption.

    Entering sweeps stale temp files of killed writers from the folder. A file-system
    error while writing (disk full, read-only, permission) becomes an :class:`OutputError`
    ("nothing was written"); so does a writer's own error when the disk turns out full.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __enter__(self) -> Path:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            existing = _existing_ancestor(self.path.parent)
            why = f"{existing} is a file, not a folder" if not existing.is_dir() else f"{exc.strerror} ({existing})"
            raise OutputError(f"cannot write {self.path}: {why}.") from None
        if self.path.is_dir():
            raise OutputError(f"cannot write {self.path}: it is a folder; give a file name inside it.")
        sweep_stale_temps(self.path.parent)
        # the writer (GDAL, pyarrow, matplotlib) creates the file itself
        self.tmp = self.path.parent / _temp_name(self.path)
        return self.tmp

    def _discard(self) -> None:
        # the temp file and any sidecar a writer made beside it (GeoPackage -journal, -wal)
        for leftover in self.path.parent.glob(glob.escape(self.tmp.name) + "*"):
            leftover.unlink(missing_ok=True)

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                os.replace(self.tmp, self.path)
            except OSError as error:
                self._discard()
                raise OutputError(f"cannot write {self.path}: {error.strerror}; nothing was written.") from None
            return False
        full = self._disk_full()
        self._discard()
        if isinstance(exc, OSError) and (exc.errno in _WRITE_ERRNOS or full):
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}; nothing was written.") from exc
        if isinstance(exc, Exception) and not isinstance(exc, InputError | OutputError):
            if full or _FULL_DISK_WORDS.search(str(exc)):
                raise OutputError(f"cannot write {self.path}: the disk is full; nothing was written.") from exc
        return False

    def _disk_full(self) -> bool:
        free = _free_bytes(self.path.parent)
        return free is not None and free < MIN_FREE_BYTES


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a plain table: point geometries become ``lon`` / ``lat`` columns
    (EPSG:4326, unless the frame has them already), other geometries are left out."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame
    geometry = frame.geometry
    out = pd.DataFrame(frame.drop(columns=geometry.name))
    points = geometry.notna() & (geometry.geom_type == "Point")
    if len(frame) and points.all() and not {"lon", "lat"} & set(out.columns):
        lonlat = geometry.to_crs(4326) if geometry.crs is not None else geometry
        out["lon"], out["lat"] = lonlat.x.to_numpy(), lonlat.y.to_numpy()
    return out


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    rounded: bool = True,
    counts: Sequence[str] = (),
    wkt: bool = True,
) -> Path:
    """Write ``frame`` to ``path``: .geojson / .gpkg / .parquet (GeoParquet for
    GeoDataFrames) / .csv (geometry as WKT; with ``wkt=False`` a plain table, see
    :func:`plain_table`). Atomic: readers never see a partial file.

    Numbers are written for people (:func:`access.io.rounding.round_for_output`: minutes up
    to the next 0.1, counts whole, coordinates 7 decimals, other numbers 6 significant
    digits; ``counts`` names more count columns); ``frame`` itself is not changed.
    ``rounded=False`` writes full precision (inputs other programs compute on).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(f"cannot write {path.name}: use one of {', '.join(TABLE_SUFFIXES)}.")
    is_geo = isinstance(frame, gpd.GeoDataFrame)
    if suffix in (".geojson", ".gpkg") and not is_geo:
        raise InputError(f"{path.name}: this result has no geometry; write .csv or .parquet.")
    if suffix == ".csv" and not wkt:
        frame = plain_table(frame)
    if rounded:
        frame = round_for_output(frame, counts=counts)
    with atomic_path(path) as tmp:
        if suffix == ".geojson":
            frame.to_file(tmp, driver="GeoJSON")
        elif suffix == ".gpkg":
            frame.to_file(tmp, driver="GPKG", layer=re.sub(r"\W", "_", path.stem) or "result")
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            if isinstance(
                frame, gpd.GeoDataFrame
            ):  # a plain frame first, so the WKT text never sits in a geometry column
                name = frame.geometry.name
                out = pd.DataFrame(frame).assign(**{name: frame.geometry.to_wkt().to_numpy()})
            else:
                out = frame
            out.to_csv(tmp, index=False)
    return path


def write_parquet_batches(
    frames: Iterable[pd.DataFrame],
    path: str | Path,
    *,
    rounded: bool = True,
    counts: Sequence[str] = (),
) -> Path:
    """Write the batches of one table (same columns each) to the Parquet file ``path`` as
    they arrive, so memory holds one batch; atomic, like :func:`write_table`.

    ``rounded`` (default) rounds the numbers as :func:`write_table` does for the whole
    table, with the same dtypes (:class:`access.io.rounding.BatchRounding`): the file reads
    back equal to ``write_table(pd.concat(frames), path)``. A column that only the last
    batch shows to be integers (every minute whole) costs one more pass over the file, a
    row group at a time. ``rounded=False`` writes full precision.
    """
    path = Path(path)
    if path.suffix.lower() != ".parquet":
        raise InputError(f"cannot stream a table to {path.name}: use a .parquet file.")
    rounding = BatchRounding(counts) if rounded else None
    with atomic_path(path) as tmp:
        wrote = _write_frames(tmp, frames if rounding is None else map(rounding, frames))
        integers = rounding.integer_dtypes() if rounding is not None else {}
        if wrote and integers:
            _cast_parquet(tmp, integers)
    return path


def _write_frames(path: Path, frames: Iterable[pd.DataFrame]) -> bool:
    """Write ``frames`` one after another to the Parquet file ``path`` under the first
    frame's schema (later ones cast to it); False when there was no frame (no file)."""
    # start-up: pyarrow (~0.2 s) only when a table is streamed to Parquet
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    return writer is not None


def _cast_parquet(path: Path, dtypes: dict[str, str]) -> None:
    """Rewrite the Parquet file ``path`` with ``dtypes`` (pandas names) for those columns,
    one row group at a time, through a temp file beside it."""
    import pyarrow.parquet as pq  # start-up: as _write_frames

    source = pq.ParquetFile(path)
    try:
        with atomic_path(path) as tmp:
            groups = range(source.num_row_groups)
            _write_frames(tmp, (source.read_row_group(g).to_pandas().astype(dtypes) for g in groups))
    finally:
        source.close()


def travel_time_column(result: pd.DataFrame | str | Path) -> pd.Series:
    """The travel times (the first ``travel_time*`` column) of a matrix, held in memory or in
    a Parquet file such as ``access.travel_times(..., out="tt.parquet")`` streams; later
    columns (a transit matrix's rides, its ``transit_used`` flag) are not the times."""
    if isinstance(result, pd.DataFrame):
        return result[_time_column(list(result.columns))]
    import pyarrow.parquet as pq  # start-up: only a streamed matrix needs it

    name = _time_column(pq.read_schema(result).names)
    return pq.read_table(result, columns=[name]).to_pandas()[name]


def _time_column(names: list[str]) -> str:
    return next((n for n in names if str(n).startswith("travel_time")), names[-1])
