"""Outputs: checked before any work, written atomically, a full disk is one line and no
partial file, temp files of killed writers are swept by the next write to their folder."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from access.cli import app
from access.errors import InputError, OutputError
from access.io import output
from access.io.output import atomic_path, check_writable, sweep_stale_temps, write_table
from tests.conftest import require_data

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _frame(n: int = 2000) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(0)
    return gpd.GeoDataFrame(
        {"id": np.arange(n), "minutes": rng.random(n) * 60},
        geometry=gpd.points_from_xy(-51.2 + rng.random(n) / 10, -30.0 + rng.random(n) / 10),
        crs=4326,
    )


# -- check_writable --------------------------------------------------------------------------


def test_check_writable_accepts_a_new_file_in_a_folder_still_to_be_made_and_creates_nothing(tmp_path):
    target = tmp_path / "a" / "b" / "iso.geojson"
    assert check_writable(target) == target
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda d: (d / "f").write_text("x") and d / "f" / "iso.csv", "is a file, not a folder"),
        (lambda d: d, "is a folder"),
        (lambda d: Path("/proc/self/out.csv"), "cannot write"),
        (lambda d: Path("/sys/iso.csv"), "cannot write"),
    ],
    ids=["parent-is-a-file", "target-is-a-folder", "proc", "sysfs-read-only"],
)
def test_check_writable_refuses_what_cannot_be_written_even_as_root(tmp_path, make, words):
    target = make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(OutputError, match=words):
        check_writable(target)
    assert sorted(tmp_path.rglob("*")) == before


def test_check_writable_refuses_an_unknown_suffix_and_a_file_where_a_folder_is_wanted(tmp_path):
    with pytest.raises(InputError, match=r"use one of \.csv"):
        check_writable(tmp_path / "x.xlsx", suffixes=(".csv",))
    (tmp_path / "report").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_writable(tmp_path / "report", folder=True)


def test_check_writable_refuses_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "_free_bytes", lambda folder: 4096)
    with pytest.raises(OutputError, match="is full"):
        check_writable(tmp_path / "iso.geojson")


def test_the_cli_checks_the_output_before_building_anything(tmp_path, monkeypatch):
    import access.network.multimodal as multimodal

    def never(*args, **kwargs):
        raise AssertionError("the network was built before the output was checked")

    monkeypatch.setattr(multimodal, "read_osm_ways", never)
    (tmp_path / "blocker").write_text("x")
    pbf = require_data("osm/pyrosm_test.osm.pbf")
    for args in (
        ["isochrone", "--osm", pbf, "--lon", "26.95", "--lat", "60.53", "--out", tmp_path / "blocker" / "i.geojson"],
        ["isochrone", "--osm", pbf, "--lon", "26.95", "--lat", "60.53", "--out", tmp_path / "i.csv"]
        + ["--png", tmp_path / "blocker" / "m.png"],
        ["travel-times", "--osm", pbf, "--origins", require_data("poa/poa_points_of_interest.csv")]
        + ["--out", tmp_path / "blocker" / "t.csv"],
    ):
        result = runner.invoke(app, [str(a) for a in args] + ["-q", "--cache-dir", str(tmp_path / "cache")])
        assert result.exit_code == 2 and "is a file, not a folder" in result.stderr, result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


# -- disk full while writing -----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".geojson", ".gpkg"])
def test_disk_full_mid_write_is_an_output_error_and_leaves_no_partial_file(tmp_path, monkeypatch, suffix):
    """The writer fills part of the temp file, then the disk is full (ENOSPC)."""
    real_open = open

    def failing_writer(self, path, *args, **kwargs):
        with real_open(path, "wb") as fh:
            fh.write(b"partial bytes of a result")
        raise OSError(errno.ENOSPC, "No space left on device")

    method = {".csv": "to_csv", ".parquet": "to_parquet", ".geojson": "to_file", ".gpkg": "to_file"}[suffix]
    owner = pd.DataFrame if method == "to_csv" else gpd.GeoDataFrame
    monkeypatch.setattr(owner, method, failing_writer)
    frame = _frame() if suffix != ".csv" else pd.DataFrame(_frame().drop(columns="geometry"))
    target = tmp_path / f"result{suffix}"
    with pytest.raises(OutputError, match="No space left on device; nothing was written"):
        write_table(frame, target)
    assert list(tmp_path.iterdir()) == []


def test_a_writer_error_on_a_full_disk_is_an_output_error_too(tmp_path, monkeypatch):
    """GDAL reports a full disk as 'Cannot write feature' (no errno): the free space decides."""

    def gdal_like(self, path, *args, **kwargs):
        Path(path).write_bytes(b"{")
        (Path(str(path) + "-journal")).write_bytes(b"j")  # a sidecar, as SQLite makes for GPKG
        raise RuntimeError("Could not add feature to layer at index 2889: Cannot write feature")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", gdal_like)
    monkeypatch.setattr(output, "_free_bytes", lambda folder: 0)
    with pytest.raises(OutputError, match="the disk is full"):
        write_table(_frame(), tmp_path / "iso.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_a_writer_bug_on_a_roomy_disk_stays_what_it_is(tmp_path, monkeypatch):
    def buggy(self, path, *args, **kwargs):
        raise TypeError("cannot serialise column")

    monkeypatch.setattr(pd.DataFrame, "to_csv", buggy)
    with pytest.raises(TypeError):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


_FULL_DISK = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd, geopandas as gpd
    from access.errors import OutputError
    from access.io.output import write_table
    folder = sys.argv[1]
    n = 200_000
    rng = np.random.default_rng(0)
    frame = gpd.GeoDataFrame({"id": np.arange(n), "minutes": rng.random(n)},
                             geometry=gpd.points_from_xy(rng.random(n), rng.random(n)), crs=4326)
    for suffix in (".csv", ".parquet", ".geojson", ".gpkg"):
        try:
            write_table(frame if suffix != ".csv" else pd.DataFrame(frame), f"{folder}/big{suffix}")
            print(suffix, "written")
        except OutputError as exc:
            print(suffix, "OutputError", exc)
    import os
    print("left", sorted(os.listdir(folder)))
    """
)


def _unshare_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_available(), reason="needs unshare -rm to mount a small tmpfs")
def test_a_real_full_disk_gives_output_errors_and_no_file_in_every_format(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    script = tmp_path / "full.py"
    script.write_text(_FULL_DISK)
    shell = f"mount -t tmpfs -o size=3m tmpfs {mount} && {sys.executable} {script} {mount}"
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for suffix in (".csv", ".parquet", ".geojson", ".gpkg"):
        (line,) = [x for x in lines if x.startswith(suffix + " ")]
        assert "OutputError" in line and ("No space left" in line or "disk is full" in line), line
    assert lines[-1] == "left []"


# -- stale temp files ------------------------------------------------------------------------


def _temp(folder: Path, target: str, *, pid: int, host: str | None = None, age_s: float = 0) -> Path:
    host = host or output._host_tag()
    path = folder / f".{target}.partial-{host}-{pid}-0123abcd{Path(target).suffix}"
    path.write_bytes(b"partial")
    if age_s:
        os.utime(path, (time.time() - age_s, time.time() - age_s))
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_next_write_sweeps_temps_of_dead_writers_and_keeps_live_ones(tmp_path):
    dead = _temp(tmp_path, "iso.geojson", pid=_dead_pid())
    sidecar = tmp_path / (dead.name + "-journal")
    sidecar.write_bytes(b"j")
    live = _temp(tmp_path, "tt.csv", pid=os.getppid())  # our parent runs
    mine = _temp(tmp_path, "other.csv", pid=os.getpid())  # a write in progress in this process
    foreign_young = _temp(tmp_path, "a.csv", pid=1, host="deadbeef")
    foreign_old = _temp(tmp_path, "b.csv", pid=1, host="deadbeef", age_s=2 * 86400)
    unrelated = tmp_path / ".hidden.csv"
    unrelated.write_text("not ours")
    write_table(pd.DataFrame({"a": [1, 2]}), tmp_path / "result.csv")
    left = {p.name for p in tmp_path.iterdir()}
    assert dead.name not in left and sidecar.name not in left and foreign_old.name not in left
    assert {live.name, mine.name, foreign_young.name, unrelated.name, "result.csv"} <= left


def test_sweep_reports_what_it_removed(tmp_path):
    dead = _temp(tmp_path, "x.parquet", pid=_dead_pid())
    assert sweep_stale_temps(tmp_path) == [dead]
    assert sweep_stale_temps(tmp_path / "missing") == []


def test_atomic_path_removes_its_temp_on_any_exception(tmp_path):
    with pytest.raises(ZeroDivisionError), atomic_path(tmp_path / "x.csv") as tmp:
        tmp.write_text("half")
        raise ZeroDivisionError
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_raises_output_error_from_atomic_path(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"), atomic_path(tmp_path / "f" / "g" / "x.csv"):
        pass
