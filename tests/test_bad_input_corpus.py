"""A corpus of malformed inputs made from the real data: every one is refused by the CLI
with exit 2 and exactly one line on stderr, and nothing is written; odd but valid inputs
(BOM headers, a feed inside one folder, unquoted YAML times, ...) are accepted.

Each case writes its inputs into its own folder; the test then compares every path in
that folder (hidden ones included) before and after the run.
"""

from __future__ import annotations

import bz2
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from access.cli import app
from tests.conftest import require_data

runner = CliRunner()
Builder = Callable[[Path], list[str]]

# -- real inputs the corpus is made from ----------------------------------------------------


def _osm_xml() -> str:  # rural Bavaria, plain OSM XML (osmnx's test extract)
    return require_data("osm/osmnx_planet_10.068_48.135_10.071_48.137.osm").read_text(encoding="utf-8")


def _pbf() -> bytes:  # Kouvola, Finland (pyrosm's test extract)
    return require_data("osm/pyrosm_test.osm.pbf").read_bytes()


def _gtfs_members() -> dict[str, bytes]:  # Google's GTFS sample feed
    with zipfile.ZipFile(require_data("gtfs/google_sample_feed_1.zip")) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _stations() -> dict[str, tuple[float, float]]:
    """WGS-84 coordinates of three real Beijing-Tianjin stations from the 12306 list."""
    table = pd.read_csv(require_data("china_rail/cn_stations_wgs84.csv"))
    rows = table.set_index("站名").loc[["北京南", "武清", "天津"]]
    return {name: (float(r.WGS84_Lng), float(r.WGS84_Lat)) for name, r in rows.iterrows()}


def _spec() -> dict:
    """A rail spec of the Beijing-Tianjin intercity on the real station coordinates."""
    stations = _stations()
    return {
        "line": "Beijing-Tianjin intercity",
        "route_id": "jingjin",
        "stations": [{"name": n, "lon": lon, "lat": lat} for n, (lon, lat) in stations.items()],
        "run_times_min": [19.0, 11.0],
        "dwell_min": 2.0,
        "periods": [{"start": "06:30", "end": "09:30", "headway_min": 12}],
    }


def _points() -> pd.DataFrame:  # 15 named places of Porto Alegre (id, lat, lon)
    return pd.read_csv(require_data("poa/poa_points_of_interest.csv"))


def _cells() -> pd.DataFrame:  # 1,227 H3 cells with population and jobs
    return pd.read_csv(require_data("poa/poa_hexgrid.csv"))


def _zip(members: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _table(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


# -- command lines ----------------------------------------------------------------------------


def _build(osm: Path, *extra: str) -> list[str]:
    return ["build", "--osm", str(osm), "--modes", "walk", "-q", *extra]


def _small_osm(folder: Path) -> Path:
    path = folder / "roads.osm"
    path.write_text(_osm_xml(), encoding="utf-8")
    return path


def _with_gtfs(folder: Path, feed: Path, *extra: str) -> list[str]:
    return _build(_small_osm(folder), "--gtfs", str(feed), *extra)


def _isochrone(folder: Path, origins: Path, *extra: str) -> list[str]:
    pbf = require_data("poa/poa_osm.pbf")
    out = folder / "out" / "iso.geojson"
    return ["isochrone", "--osm", str(pbf), "--origins", str(origins), "--mode", "walk"]  + [
        "--cutoffs", "10", "--out", str(out), "-q", *extra
    ]  # fmt: skip


def _travel_times(folder: Path, origins: Path) -> list[str]:
    pbf = require_data("poa/poa_osm.pbf")
    return ["travel-times", "--osm", str(pbf), "--origins", str(origins), "--mode", "walk"] + [
        "--max-time", "10", "--out", str(folder / "tt.csv"), "-q"
    ]  # fmt: skip


def _to_gtfs(folder: Path, spec: Path) -> list[str]:
    return ["rail-spec", "to-gtfs", str(spec), str(folder / "line.zip"), "-q"]


def _compare(folder: Path, scenario: Path) -> list[str]:
    return ["compare", "--scenario", str(scenario), "--out", str(folder / "report"), "-q"]


# -- the malformed corpus -------------------------------------------------------------------

BAD: dict[str, Builder] = {}


def _osm_case(name: str, write: Callable[[Path], Path]) -> None:
    BAD[f"osm-{name}"] = lambda folder: _build(write(folder))


def _xml(text_fn: Callable[[str], str | bytes], name: str = "region.osm") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        data = text_fn(_osm_xml())
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return write


def _first_attr(text: str, attr: str, value: str) -> str:
    return re.sub(rf'{attr}="[^"]*"', f'{attr}="{value}"', text, count=1)


def _bytes(data_fn: Callable[[], bytes], name: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data_fn())
        return path

    return write


def _folder_named(name: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        (folder / name).mkdir()
        return folder / name

    return write


_osm_case("lat-not-a-number", _xml(lambda t: _first_attr(t, "lat", "abc")))
_osm_case("lat-999", _xml(lambda t: _first_attr(t, "lat", "999.0")))
_osm_case("lon-not-a-number", _xml(lambda t: _first_attr(t, "lon", "1,5")))
_osm_case("truncated-xml", _xml(lambda t: t[: len(t) // 2]))
_osm_case("csv-named-osm", _xml(lambda t: "id,lon,lat\n1,10.07,48.13\n"))
_osm_case("empty-xml", _xml(lambda t: b""))
_osm_case("no-highways", _xml(lambda t: re.sub(r"<way .*?</way>", "", t, flags=re.S)))
_osm_case("ways-without-nodes", _xml(lambda t: re.sub(r"<node [^>]*/>|<node .*?</node>", "", t, flags=re.S)))
_osm_case("gbk-bytes-in-utf8-xml", _xml(lambda t: t.replace("<way ", "<way 名=\"" + "x" + '" ', 1).encode("utf-8").replace("名".encode(), "名".encode("gbk"))))  # fmt: skip
_osm_case("gz-corrupt", _bytes(lambda: b"\x1f\x8b\x08\x00" + np.random.default_rng(9).bytes(5000), "region.osm.gz"))
_osm_case("bz2-truncated", _bytes(lambda: bz2.compress(_osm_xml().encode())[:2000], "region.osm.bz2"))
_osm_case("pbf-truncated", _bytes(lambda: _pbf()[:5000], "region.osm.pbf"))
_osm_case("pbf-garbage", _bytes(lambda: np.random.default_rng(7).bytes(20_000), "region.osm.pbf"))
_osm_case("pbf-header-only", _bytes(lambda: _pbf()[:64], "region.osm.pbf"))
_osm_case("folder", _folder_named("region.osm.pbf"))
_osm_case("foreign-suffix", _bytes(_pbf, "region.txt"))
BAD["osm-missing"] = lambda folder: _build(folder / "nowhere.osm.pbf")


def _gtfs_case(name: str, edit: Callable[[dict[str, bytes]], dict[str, bytes]], *extra: str) -> None:
    def build(folder: Path) -> list[str]:
        feed = _zip(edit(_gtfs_members()), folder / "feed.zip")
        return _with_gtfs(folder, feed, *extra)

    BAD[f"gtfs-{name}"] = build


def _without(*names: str):
    return lambda m: {k: v for k, v in m.items() if k not in names}


def _retable(name: str, change: Callable[[pd.DataFrame], pd.DataFrame]):
    def edit(members: dict[str, bytes]) -> dict[str, bytes]:
        return {**members, name: _csv_bytes(change(_table(members[name])))}

    return edit


def _bomb(members: dict[str, bytes]) -> dict[str, bytes]:
    # 40 MB of one repeated row: deflate shrinks it ~1000-fold, as in a zip bomb
    header, row = members["stop_times.txt"].split(b"\n")[:2]
    return {**members, "stop_times.txt": header + b"\n" + (row + b"\n") * (40_000_000 // (len(row) + 1))}


_gtfs_case("no-stops", _without("stops.txt"))
_gtfs_case("no-stop-times", _without("stop_times.txt"))
_gtfs_case("no-trips", _without("trips.txt"))
_gtfs_case("no-calendar", _without("calendar.txt", "calendar_dates.txt"))
_gtfs_case("empty-zip", lambda m: {})
_gtfs_case("two-stops-txt", lambda m: {**m, "copy/stops.txt": m["stops.txt"]})
_gtfs_case("two-feeds-in-two-folders", lambda m: {f"{d}/{k}": v for d in ("a", "b") for k, v in m.items()})
_gtfs_case("tables-split-across-folders", lambda m: {f"{'a' if k < 'r' else 'b'}/{k}": v for k, v in m.items()})
_gtfs_case("zip-bomb", _bomb)
_gtfs_case("stops-gbk", lambda m: {**m, "stops.txt": m["stops.txt"].replace(b"Furnace Creek", "北京南站".encode("gbk"))})  # fmt: skip
_gtfs_case("stops-utf16", lambda m: {**m, "stops.txt": m["stops.txt"].decode().encode("utf-16")})
_gtfs_case("stops-binary", lambda m: {**m, "stops.txt": np.random.default_rng(3).bytes(3000)})
_gtfs_case("stop-times-empty-file", lambda m: {**m, "stop_times.txt": b""})
_gtfs_case("stop-times-no-trip-id", _retable("stop_times.txt", lambda t: t.drop(columns="trip_id")))
_gtfs_case("stops-no-coordinates", _retable("stops.txt", lambda t: t.drop(columns=["stop_lat", "stop_lon"])))
_gtfs_case(
    "all-times-invalid",
    _retable("stop_times.txt", lambda t: t.assign(arrival_time="25:99:00", departure_time="25:99:00")),
)
_gtfs_case("all-stops-off-the-globe", _retable("stops.txt", lambda t: t.assign(stop_lat="123.4")))
_gtfs_case(
    "calendar-dates-not-yyyymmdd",
    lambda m: _retable("calendar.txt", lambda t: t.assign(start_date="2007-01-01", end_date="2010-12-31"))(
        _without("calendar_dates.txt")(m)
    ),
)
_gtfs_case("service-date-outside-the-feed", lambda m: m, "--service-date", "1999-01-04")
_gtfs_case("service-date-malformed", lambda m: m, "--service-date", "2019-13-45")
BAD["gtfs-not-a-zip"] = lambda folder: _with_gtfs(folder, _bytes(lambda: b"stop_id,stop_lat\n", "feed.zip")(folder))
BAD["gtfs-truncated-zip"] = lambda folder: _with_gtfs(
    folder, _bytes(lambda: require_data("gtfs/cairns_gtfs.zip").read_bytes()[:200_000], "feed.zip")(folder)
)
BAD["gtfs-missing"] = lambda folder: _with_gtfs(folder, folder / "nowhere.zip")


def _spec_case(name: str, text: Callable[[dict], str | bytes]) -> None:
    def build(folder: Path) -> list[str]:
        data = text(_spec())
        path = folder / "line.yaml"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return _to_gtfs(folder, path)

    BAD[f"spec-{name}"] = build


def _dump(spec: dict) -> str:
    return yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)


def _spec_with(**changes) -> Callable[[dict], str]:
    return lambda spec: _dump({**spec, **changes})


def _station(k: int, **changes) -> Callable[[dict], str]:
    def text(spec: dict) -> str:
        stations = [dict(s) for s in spec["stations"]]
        stations[k].update(changes)
        return _dump({**spec, "stations": stations})

    return text


def _periods(*periods: dict) -> Callable[[dict], str]:
    return _spec_with(periods=list(periods))


_spec_case("gbk", lambda s: _dump(s).encode("gbk"))
_spec_case("utf16", lambda s: _dump(s).encode("utf-16"))
_spec_case("number-of-5000-digits", lambda s: _dump(s).replace("headway_min: 12", "headway_min: " + "9" * 5000))
_spec_case("yaml-unclosed-bracket", lambda s: _dump(s) + "extra: [1, 2\n")
_spec_case("yaml-tab-indent", lambda s: _dump(s).replace("  headway_min", "\theadway_min"))
_spec_case("a-list-not-a-mapping", lambda s: _dump([s]))
_spec_case("empty-file", lambda s: "")
_spec_case("headway-0.001-min", _periods({"start": "00:00", "end": "23:59", "headway_min": 0.001}))
_spec_case("headway-0", _periods({"start": "06:00", "end": "07:00", "headway_min": 0}))
_spec_case("headway-negative", _periods({"start": "06:00", "end": "07:00", "headway_min": -5}))
_spec_case("period-to-99-59", _periods({"start": "00:00", "end": "99:59", "headway_min": 10}))
_spec_case("period-end-before-start", _periods({"start": "09:00", "end": "07:00", "headway_min": 10}))
_spec_case("period-time-not-hhmm", _periods({"start": "7am", "end": "9am", "headway_min": 10}))
_spec_case(
    "expands-past-the-trip-cap",
    lambda s: _dump(
        {
            **s,
            "periods": [{"start": "00:00", "end": "47:59", "headway_min": 1}],
            "patterns": [{"name": f"p{k}", "stops": ["北京南", "天津"]} for k in range(4)],
        }
    ),
)
_spec_case("dwell-1e308", _spec_with(dwell_min=1e308))
_spec_case("dwell-nan", lambda s: _dump(s).replace("dwell_min: 2.0", "dwell_min: .nan"))
_spec_case("accel-infinite", lambda s: _dump({**s, "accel_decel_min": 1}).replace("accel_decel_min: 1", "accel_decel_min: .inf"))  # fmt: skip
_spec_case("run-time-1e300", _spec_with(run_times_min=[19.0, 1e300]))
_spec_case("run-times-wrong-count", _spec_with(run_times_min=[19.0]))
_spec_case("faster-than-any-train", _spec_with(run_times_min=[1.0, 11.0]))
_spec_case("station-lat-nan", lambda s: _station(1, lat=0.5)(s).replace("lat: 0.5", "lat: .nan"))
_spec_case("station-lon-infinite", lambda s: _station(1, lon=0.5)(s).replace("lon: 0.5", "lon: .inf"))
_spec_case(
    "station-lon-lat-swapped", lambda s: _station(0, lon=s["stations"][0]["lat"], lat=s["stations"][0]["lon"])(s)
)
_spec_case("one-station", lambda s: _dump({**s, "stations": s["stations"][:1], "run_times_min": []}))
_spec_case("duplicate-station-names", _station(1, name="北京南"))
_spec_case("unknown-key", _spec_with(speed=300))
_spec_case("start-date-not-yyyymmdd", _spec_with(start_date="2025-01-01"))
BAD["spec-folder"] = lambda folder: _to_gtfs(folder, _folder_named("line.yaml")(folder))
BAD["spec-missing"] = lambda folder: _to_gtfs(folder, folder / "nowhere.yaml")


def _scenario_case(name: str, mods: list | Callable[[dict], str | bytes]) -> None:
    def build(folder: Path) -> list[str]:
        base = {
            "osm": str(require_data("poa/poa_osm.pbf")),
            "gtfs": [str(require_data("poa/poa_trensurb.zip"))],
            "opportunities": str(require_data("poa/poa_hexgrid.csv")),
        }
        scenario = {"name": name, "base": base, "modifications": []}
        data = mods(scenario) if callable(mods) else _dump({**scenario, "modifications": mods})
        path = folder / "scenario.yaml"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return _compare(folder, path)

    BAD[f"scenario-{name}"] = build


_ROAD = [[-51.2278, -30.0276], [-51.2100, -30.0300]]  # across central Porto Alegre
_scenario_case(
    "add-road-nan",
    lambda s: _dump({**s, "modifications": [{"type": "add_road", "coordinates": [[0.5, 0.5], _ROAD[1]]}]}).replace(
        "- 0.5\n", "- .nan\n", 1
    ),  # fmt: skip
)
_scenario_case("add-road-lat-out-of-range", [{"type": "add_road", "coordinates": [[-51.2, -130.0], _ROAD[1]]}])
_scenario_case("add-road-one-point", [{"type": "add_road", "coordinates": [_ROAD[0], _ROAD[0]]}])
_scenario_case("add-line-dwell-1e308", lambda s: _dump({**s, "modifications": [{"type": "add_line", "spec": {**_spec(), "dwell_min": 1e308}}]}))  # fmt: skip
_scenario_case(
    "add-line-memory-bomb",  # issue 20's 304-byte scenario: headway 0.001 min over 00:00-99:59
    lambda s: _dump(
        {
            **s,
            "modifications": [
                {
                    "type": "add_line",
                    "spec": {**_spec(), "periods": [{"start": "00:00", "end": "99:59", "headway_min": 0.001}]},
                }  # fmt: skip
            ],
        }
    ),
)
_scenario_case(
    "change-headway-0.001",
    [
        {
            "type": "change_headway",
            "routes": ["T1"],
            "periods": [{"start": "06:00", "end": "09:00", "headway_min": 0.001}],
        }
    ],
)
_scenario_case(
    "change-headway-overlapping-periods",
    [
        {
            "type": "change_headway",
            "routes": ["T1"],
            "periods": [
                {"start": "06:00", "end": "09:00", "headway_min": 5},
                {"start": "08:00", "end": "10:00", "headway_min": 5},
            ],
        }
    ],
)
_scenario_case("unknown-modification", [{"type": "add_teleporter", "where": "centre"}])
_scenario_case("road-speed-and-factor", [{"type": "change_road_speed", "way_ids": [1], "speed_kmh": 50, "factor": 2}])
_scenario_case("road-speed-bbox-swapped", [{"type": "change_road_speed", "bbox": [-51.1, -30.0, -51.3, -30.1], "factor": 2}])  # fmt: skip
_scenario_case("yaml-broken", lambda s: _dump(s) + "modifications: [\n")
_scenario_case("gbk", lambda s: _dump({**s, "description": "北京南站"}).encode("gbk"))
_scenario_case("no-base-osm", lambda s: _dump({**s, "base": {k: v for k, v in s["base"].items() if k != "osm"}}))


def _points_case(name: str, write: Callable[[Path], Path], command=_isochrone) -> None:
    BAD[f"points-{name}"] = lambda folder: command(folder, write(folder))


def _csv(frame_fn: Callable[[pd.DataFrame], pd.DataFrame | str | bytes], name: str = "origins.csv"):
    def write(folder: Path) -> Path:
        data = frame_fn(_points())
        path = folder / name
        if isinstance(data, pd.DataFrame):
            data.to_csv(path, index=False)
        else:
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return write


def _swap(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"lat": "lon", "lon": "lat"})


_points_case("lon-not-a-number", _csv(lambda p: "id,lon,lat\n1,abc,-30.03\n"))
_points_case("lat-not-a-number-in-row-3", _csv(lambda p: p.assign(lat=p["lat"].astype(str).where(p.index != 3, "30°S"))))  # fmt: skip
_points_case("gbk-names", _csv(lambda p: p.assign(id="市场" + p["id"]).to_csv(index=False).encode("gbk")))
_points_case("no-lon-column", _csv(lambda p: p.rename(columns={"lon": "longitudinal"})))
_points_case("zero-origins", _csv(lambda p: p.iloc[:0]))
_points_case("empty-file", _csv(lambda p: b""))
_points_case("lat-95", _csv(lambda p: p.assign(lat=95.0)))
_points_case("lat-lon-swapped", _csv(_swap))
_points_case("in-the-sea", _csv(lambda p: p.assign(lon=-49.5, lat=-31.5)))  # Atlantic, 200 km off the coast
_points_case("duplicate-ids", _csv(lambda p: p.assign(id="same")))
_points_case("missing-coordinate", _csv(lambda p: p.assign(lat=p["lat"].where(p.index != 2))))
_points_case("geojson-truncated", _csv(lambda p: '{"type": "FeatureCollection", "features": [{"type": ', "origins.geojson"))  # fmt: skip
_points_case("geojson-not-json", _csv(lambda p: p.to_csv(index=False), "origins.geojson"))
_points_case("parquet-garbage", _csv(lambda p: np.random.default_rng(5).bytes(500), "origins.parquet"))
_points_case("unknown-suffix", _csv(lambda p: p.to_csv(index=False), "origins.xlsx"))
_points_case("travel-times-all-in-the-sea", _csv(lambda p: p.assign(lon=-49.5, lat=-31.5)), command=_travel_times)
_points_case("travel-times-lat-lon-swapped", _csv(_swap), command=_travel_times)


def _zones_case(name: str, change: Callable[[pd.DataFrame], pd.DataFrame], *extra: str) -> None:
    def build(folder: Path) -> list[str]:
        cells = change(_cells())
        path = folder / "cells.csv"
        cells.to_csv(path, index=False)
        origins = folder / "origins.csv"
        _cells().head(20).to_csv(origins, index=False)
        return ["accessibility", "--osm", str(require_data("poa/poa_osm.pbf")), "--origins", str(origins)] + [
            "--opportunities", str(path), "--mode", "walk", "--cutoffs", "10", "--out", str(folder / "acc.csv"),
            "-q", *extra,
        ]  # fmt: skip

    BAD[f"zones-{name}"] = build


_zones_case("jobs-not-numbers", lambda c: c.assign(jobs=c["jobs"].astype(str).where(c.index != 5, "many")))
_zones_case("jobs-negative", lambda c: c.assign(jobs=-c["jobs"]))
_zones_case("jobs-column-missing", lambda c: c.drop(columns="jobs"))


def _out_case(name: str, out: Callable[[Path], Path]) -> None:
    def build(folder: Path) -> list[str]:
        origins = folder / "origins.csv"
        _points().to_csv(origins, index=False)
        args = _isochrone(folder, origins)
        args[args.index("--out") + 1] = str(out(folder))
        return args

    BAD[f"out-{name}"] = build


def _under_a_file(folder: Path) -> Path:
    (folder / "blocker").write_text("a file, not a folder")
    return folder / "blocker" / "iso.geojson"


_out_case("parent-is-a-file", _under_a_file)
_out_case("is-a-folder", lambda folder: folder)
_out_case("unknown-suffix", lambda folder: folder / "iso.xlsx")
_out_case("unwritable-filesystem", lambda folder: Path("/proc/self/iso.geojson"))  # read-only even for root


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size if p.is_file() else -1 for p in folder.rglob("*")}


def test_the_corpus_has_at_least_60_malformed_inputs_across_every_kind():
    kinds = {name.split("-")[0] for name in BAD}
    assert len(BAD) >= 60 and kinds >= {"osm", "gtfs", "spec", "scenario", "points", "zones", "out"}


@pytest.mark.realdata  # the cases are built from the real data by the helpers registered in BAD
@pytest.mark.parametrize("name", sorted(BAD))
def test_a_malformed_input_gives_exit_2_one_line_and_no_file(name, tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    args = BAD[name](folder)
    before = _snapshot(folder)
    result = runner.invoke(app, args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    assert _snapshot(folder) == before, "nothing is written, not even a temp file"


# -- odd but valid inputs: accepted, with the same result as the plain file --------------------


def test_a_feed_inside_one_folder_of_its_zip_reads_like_the_plain_feed(tmp_path):
    from access.io.gtfs import read_gtfs

    nested = _zip({f"feed/{k}": v for k, v in _gtfs_members().items()}, tmp_path / "nested.zip")
    plain = read_gtfs(require_data("gtfs/google_sample_feed_1.zip"), service_date="2007-06-05")
    inside = read_gtfs(nested, service_date="2007-06-05")
    pd.testing.assert_frame_equal(inside.stop_times, plain.stop_times)
    result = runner.invoke(app, _with_gtfs(tmp_path, nested, "--service-date", "2007-06-05"))
    assert result.exit_code == 0, result.output


def test_macos_zip_litter_is_ignored(tmp_path):
    from access.io.gtfs import read_gtfs

    members = _gtfs_members()
    litter = {f"__MACOSX/._{k}": b"\x00\x05\x16\x07" for k in members} | {"._stops.txt": b"\x00"}
    feed = _zip(members | litter, tmp_path / "mac.zip")
    assert len(read_gtfs(feed, service_date="2007-06-05").trips) > 0


def test_duplicate_trip_ids_keep_the_first_row_and_are_reported(tmp_path):
    from access.io.gtfs import GtfsWarning, read_gtfs

    members = _gtfs_members()
    trips = _table(members["trips.txt"])
    repeated = pd.concat([trips, trips.iloc[[0, 1]].assign(route_id=trips["route_id"].iloc[-1])])
    feed = _zip({**members, "trips.txt": _csv_bytes(repeated)}, tmp_path / "dups.zip")
    with pytest.warns(GtfsWarning, match="2 rows repeat a trip_id"):
        read = read_gtfs(feed, service_date="2007-06-05")
    plain = read_gtfs(require_data("gtfs/google_sample_feed_1.zip"), service_date="2007-06-05")
    assert read.trips["trip_id"].is_unique
    pd.testing.assert_frame_equal(read.trips, plain.trips)  # the first rows, not the repeats
    result = runner.invoke(app, _with_gtfs(tmp_path, feed, "--service-date", "2007-06-05"))
    assert result.exit_code == 0 and "repeat a trip_id" in result.stderr


def test_a_trip_id_used_by_two_different_trips_drops_that_trip_only(tmp_path):
    from access.io.gtfs import GtfsWarning, read_gtfs

    members = _gtfs_members()
    st = _table(members["stop_times.txt"])
    victim = st["trip_id"].iloc[0]
    clash = st[st["trip_id"] == victim].assign(stop_id=st["stop_id"].iloc[-1])
    feed = _zip({**members, "stop_times.txt": _csv_bytes(pd.concat([st, clash]))}, tmp_path / "clash.zip")
    with pytest.warns(GtfsWarning, match="stop_sequence twice"):
        read = read_gtfs(feed, service_date="2007-06-05")
    plain = read_gtfs(require_data("gtfs/google_sample_feed_1.zip"), service_date="2007-06-05")
    templates = {t.split("@")[0] for t in read.stop_times["trip_id"]}  # frequency trips are expanded "id@s"
    assert templates == {t.split("@")[0] for t in plain.stop_times["trip_id"]} - {victim}


def test_a_bom_header_and_crlf_lines_read_like_the_plain_points_file(tmp_path):
    from access.io.points import read_points

    plain = tmp_path / "plain.csv"
    _points().to_csv(plain, index=False)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes().replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(read_points(bom), read_points(plain))
    result = runner.invoke(app, _isochrone(tmp_path, bom))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "iso.geojson").exists()


def test_unquoted_yaml_times_and_a_bom_are_read_as_the_user_wrote_them(tmp_path):
    from access.io.rail_spec import read_rail_spec

    spec = _spec()
    spec["periods"] = [{"start": "06:30", "end": "16:30", "headway_min": 12}]
    text = _dump(spec)
    quoted, bare = tmp_path / "quoted.yaml", tmp_path / "bare.yaml"
    quoted.write_text(text, encoding="utf-8")
    # YAML 1.1 reads an unquoted 16:30 as the base-60 integer 990
    bare.write_bytes(b"\xef\xbb\xbf" + text.replace("'16:30'", "16:30").encode("utf-8"))
    assert yaml.safe_load(bare.read_text(encoding="utf-8-sig"))["periods"][0]["end"] == 990
    assert read_rail_spec(bare) == read_rail_spec(quoted)
    result = runner.invoke(app, _to_gtfs(tmp_path, bare))
    assert result.exit_code == 0, result.output


@pytest.mark.realdata  # runs the BAD cases, built from the real data
def test_every_corpus_message_names_what_to_fix_for_the_issue_cases(tmp_path):
    """The issue's own traceback cases, with the words their one line must carry."""
    expected = {
        "osm-lat-not-a-number": "wrong format for coordinate",
        "osm-folder": "is a folder",
        "spec-gbk": "GBK",
        "spec-number-of-5000-digits": "number",
        "points-lon-not-a-number": "not a number",
        "gtfs-zip-bomb": "zip bomb",
        "gtfs-two-stops-txt": "2 stops.txt",
        "out-parent-is-a-file": "is a file, not a folder",
        "spec-yaml-unclosed-bracket": "line",
        "spec-headway-0.001-min": "at least 1 minute",
        "spec-expands-past-the-trip-cap": "trips",
        "scenario-add-road-nan": "finite",
        "scenario-add-line-dwell-1e308": "less than or equal to 60",
        "points-lat-lon-swapped": "swapped",
    }
    for name, words in expected.items():
        folder = tmp_path / name
        folder.mkdir()
        result = runner.invoke(app, BAD[name](folder))
        assert words in result.stderr, (name, result.stderr)


def _rss_kib() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def test_the_memory_bomb_spec_is_refused_in_under_a_cpu_second_without_growing_memory():
    import time
    import tracemalloc

    from access.errors import InputError
    from access.io.rail_spec import parse_rail_spec

    bomb = {**_spec(), "periods": [{"start": "00:00", "end": "47:59", "headway_min": 1}] * 100}
    bomb["patterns"] = [{"name": f"p{k}", "stops": ["北京南", "武清", "天津"]} for k in range(50)]
    assert len(json.dumps(bomb, ensure_ascii=False)) < 10_000  # a small request
    rss = _rss_kib()
    tracemalloc.start()
    started = time.process_time()  # CPU seconds: the machine's load does not count
    try:
        with pytest.raises(InputError, match="287,900 trips"):  # 2,879 departures x 2 x 50
            parse_rail_spec(bomb)
        cpu_s = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert cpu_s < 1.0  # counted, not expanded: a few ms of work
    assert peak < 20 * 2**20, f"{peak / 2**20:.1f} MiB allocated while refusing"
    assert _rss_kib() - rss < 20_000, "RSS unchanged (within 20 MB)"
