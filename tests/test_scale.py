"""Travel-time matrices at scale: every backend and batch size gives what one plain
`travel_times` call gives; Parquet streaming is atomic; bad schedulers fail fast."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import access
from access.errors import InputError
from access.io.output import write_table
from access.routing import scale
from access.routing.scale import travel_time_matrix
from access.sample import write_sample_region
from access.sample.transit import SAMPLE_SERVICE_DATE, write_sample_transit
from tests.conftest import require_data

TRANSIT = {"mode": "transit", "departure": "07:00", "window_min": 10, "max_time_min": 240, "percentiles": (25, 50)}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Sample region with car, walk and transit (buses + intercity rail spec), and its places."""
    folder = tmp_path_factory.mktemp("sample")
    region = write_sample_region(folder)
    files = write_sample_transit(region, folder)
    network = access.build_network(
        region.osm_pbf,
        modes=("walk", "car"),
        gtfs=[files["buses"]],
        rail_specs=[files["rail_spec"]],
        service_date=SAMPLE_SERVICE_DATE,
        progress=False,
    )
    places = pd.read_csv(region.places_csv)
    return region, network, places


@pytest.fixture(scope="module")
def cluster():
    """A real dask LocalCluster (2 single-threaded worker processes); its address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def poa_cells():
    """A few hundred cells of the real Porto Alegre hexagon grid and the walk network."""
    grid = pd.read_csv(require_data("poa/poa_hexgrid.csv"))
    network = access.build_network(require_data("poa/poa_osm.pbf"), modes=("walk",), progress=False)
    return network, grid.sample(240, random_state=5).reset_index(drop=True)


def plain(network, origins, destinations=None, **query):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", access.errors.OffNetworkWarning)
        return access.travel_times(network, origins, destinations, **query)


@pytest.mark.parametrize("batch_size", [4, 11, 10_000])
def test_in_process_batches_of_any_size_equal_one_plain_call(sample, batch_size):
    _, network, places = sample
    origins, destinations = places.iloc[::3], places.iloc[::5]
    expected = plain(network, origins, destinations, mode="car", max_time_min=300)
    got = travel_time_matrix(network, origins, destinations, mode="car", max_time_min=300, batch_size=batch_size)
    pdt.assert_frame_equal(got, expected)
    assert got["travel_time_min"].notna().mean() > 0.5  # a real matrix, not all NaN


@pytest.fixture(scope="module")
def transit_case(sample):
    """12 places to every place by transit (p25 and p50 of a 10-minute window), plain."""
    _, network, places = sample
    origins = places.iloc[::16]
    return network, origins, places, plain(network, origins, places, **TRANSIT)


def test_process_pool_equals_plain_for_transit_percentiles(transit_case):
    network, origins, places, expected = transit_case
    got = travel_time_matrix(network, origins, places, scheduler="processes", n_workers=2, batch_size=6, **TRANSIT)
    pdt.assert_frame_equal(got, expected)
    assert list(got.columns) == [
        "from_id",
        "to_id",
        "travel_time_p25_min",
        "travel_time_p50_min",
        "rides_p25",
        "rides_p50",
    ]
    assert got.attrs["transit_share"] == expected.attrs["transit_share"]  # recomputed over all batches
    assert got["travel_time_p50_min"].notna().sum() > 2 * len(origins)  # more than each place to itself


def test_dask_cluster_address_equals_plain_for_transit(transit_case, cluster):
    network, origins, places, expected = transit_case
    got = travel_time_matrix(network, origins, places, scheduler=cluster, batch_size=5, **TRANSIT)
    pdt.assert_frame_equal(got, expected)


def test_dask_on_real_porto_alegre_walk_via_address_and_via_its_own_local_cluster(poa_cells, cluster):
    network, cells = poa_cells
    expected = plain(network, cells, mode="walk", max_time_min=30)
    got = travel_time_matrix(network, cells, mode="walk", max_time_min=30, scheduler=cluster)
    pdt.assert_frame_equal(got, expected)
    reached = got["travel_time_min"].notna().mean()
    assert 0 < reached < 1  # 30 walking minutes reach some cells of the city, not all
    # scheduler="local" starts (and closes) a LocalCluster of its own
    small = travel_time_matrix(
        network, cells.head(40), cells, mode="walk", max_time_min=30, scheduler="local", n_workers=2
    )
    pdt.assert_frame_equal(small, expected.iloc[: 40 * len(cells)].reset_index(drop=True))


def rounded_file(frame, folder):
    """``frame`` as :func:`write_table` writes it to Parquet (rounded for people), read back."""
    return pd.read_parquet(write_table(frame, folder / "reference.parquet"))


def test_parquet_stream_through_dask_equals_the_in_memory_result_and_leaves_no_temp(poa_cells, cluster, tmp_path):
    network, cells = poa_cells
    out = tmp_path / "out" / "matrix.parquet"
    path = travel_time_matrix(
        network, cells, cells.iloc[:100], mode="walk", max_time_min=20, scheduler=cluster, batch_size=50, out=out
    )
    assert path == out
    expected = plain(network, cells, cells.iloc[:100], mode="walk", max_time_min=20)
    pdt.assert_frame_equal(pd.read_parquet(out), rounded_file(expected, tmp_path))  # a file: rounded
    assert sorted(p.name for p in out.parent.iterdir()) == ["matrix.parquet"]


def test_travel_times_delegates_when_batch_size_or_out_is_given(poa_cells, tmp_path):
    network, cells = poa_cells
    expected = plain(network, cells, mode="walk", max_time_min=15)
    pdt.assert_frame_equal(plain(network, cells, mode="walk", max_time_min=15, batch_size=31), expected)
    out = plain(network, cells, mode="walk", max_time_min=15, out=tmp_path / "m.parquet", rounded=False)
    pdt.assert_frame_equal(pd.read_parquet(out), expected)  # rounded=False: full precision
    out = plain(network, cells, mode="walk", max_time_min=15, out=tmp_path / "r.parquet")
    pdt.assert_frame_equal(pd.read_parquet(out), rounded_file(expected, tmp_path))


@pytest.mark.parametrize("failure", [RuntimeError("worker died"), KeyboardInterrupt()])
def test_error_or_interrupt_mid_run_leaves_no_output_file(sample, tmp_path, monkeypatch, failure):
    _, network, places = sample
    real, calls = scale._run, []

    def second_batch_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(scale, "_run", second_batch_fails)
    out = tmp_path / "matrix.parquet"
    with pytest.raises(type(failure)):
        travel_time_matrix(network, places, mode="car", batch_size=20, out=out)
    assert len(calls) == 2  # the first batch had been written to the temp file
    assert list(tmp_path.iterdir()) == []


def test_unreachable_scheduler_address_is_a_clear_input_error(sample):
    _, network, places = sample
    with pytest.raises(InputError, match="no dask scheduler answered at tcp://127.0.0.1:9"):
        travel_time_matrix(network, places.head(3), mode="car", scheduler="tcp://127.0.0.1:9", connect_timeout_s=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheduler": "threads"}, "unknown scheduler 'threads'"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"scheduler": "processes", "n_workers": 0}, "n_workers must be at least 1"),
        ({"out": "matrix.csv"}, "use a .parquet file"),
        ({"mode": "bike"}, "mode 'bike' was not built"),
    ],
)
def test_bad_parameters_fail_before_any_work(sample, kwargs, message):
    _, network, places = sample
    with pytest.raises(InputError, match=message):
        travel_time_matrix(network, places.head(3), **{"mode": "car", **kwargs})


def test_cli_streams_batches_to_parquet(poa_cells, poa_pbf, tmp_path):
    from typer.testing import CliRunner

    from access.cli import app

    network, cells = poa_cells
    points = tmp_path / "cells.csv"
    cells.head(60)[["id", "lon", "lat"]].to_csv(points, index=False)
    out = tmp_path / "out" / "tt.parquet"
    result = CliRunner().invoke(
        app,
        [
            "travel-times",
            "--osm",
            str(poa_pbf),
            "--origins",
            str(points),
            "--out",
            str(out),
            "--mode",
            "walk",
            "--max-time",
            "20",
            "--batch-size",
            "25",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    expected = plain(network, cells.head(60)[["id", "lon", "lat"]], mode="walk", max_time_min=20)
    pdt.assert_frame_equal(pd.read_parquet(out), rounded_file(expected, tmp_path))
    bad = CliRunner().invoke(
        app,
        [
            "travel-times",
            "--osm",
            str(poa_pbf),
            "--origins",
            str(points),
            "--out",
            str(out),
            "--scheduler",
            "nowhere",
            "-q",
        ],
    )
    assert bad.exit_code == 2 and "unknown scheduler" in bad.output


@pytest.mark.parametrize(
    "batching",
    [["--batch-size", "7"], ["--scheduler", "processes", "--workers", "2", "--batch-size", "9"]],
    ids=["batch-size", "processes"],
)
@pytest.mark.parametrize("mode", ["car", "transit"])
def test_cli_streamed_parquet_equals_the_one_written_whole(sample, tmp_path, batching, mode):
    """Issue 17.7: the streamed file is rounded like the one written in one piece (same
    values, dtypes, columns), whatever the backend; and it is not the unrounded matrix."""
    from typer.testing import CliRunner

    from access.cli import app

    region, _, places = sample
    folder = region.osm_pbf.parent
    points = places[["id", "lon", "lat"]].iloc[:: 2 if mode == "car" else 4]
    points.to_csv(tmp_path / "pts.csv", index=False)
    args = ["travel-times", "--osm", str(region.osm_pbf), "--origins", str(tmp_path / "pts.csv"), "-q"]
    if mode == "transit":
        feeds = ["--gtfs", str(folder / "sample_buses.zip"), "--rail-spec", str(folder / "sample_intercity.yaml")]
        args += [*feeds, "--mode", "transit", "--departure", "07:00", "--window", "10", "--percentiles", "25,50"]
        args += ["--service-date", SAMPLE_SERVICE_DATE, "--max-time", "240"]
    else:
        args += ["--mode", "car", "--max-time", "300"]
    whole = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "whole.parquet")])
    assert whole.exit_code == 0, whole.output
    streamed = CliRunner().invoke(app, [*args, *batching, "--out", str(tmp_path / "streamed.parquet")])
    assert streamed.exit_code == 0, streamed.output
    expected = pd.read_parquet(tmp_path / "whole.parquet")
    got = pd.read_parquet(tmp_path / "streamed.parquet")
    pdt.assert_frame_equal(got, expected)
    time = next(c for c in got.columns if c.startswith("travel_time"))
    assert got[time].notna().sum() > len(points)  # more than each place to itself
    assert np.allclose(got[time].dropna() * 10, np.round(got[time].dropna() * 10))  # tenths of a minute
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pts.csv", "streamed.parquet", "whole.parquet"]


@pytest.fixture(scope="module")
def sparse_car_case(sample):
    """Every 3rd place to every place by car within 20 min: most pairs unreached."""
    _, network, places = sample
    origins = places.iloc[::3]
    expected = plain(network, origins, places, mode="car", max_time_min=20)
    reached = expected["travel_time_min"].notna().mean()
    assert 0.01 < reached < 0.5  # sparse, as the large regional matrices are
    return network, origins, places, expected


@pytest.mark.parametrize("scheduler", ["processes", "local"])
def test_workers_send_back_the_reached_pairs_and_the_caller_rebuilds_the_same_table(sparse_car_case, scheduler):
    """Issue 19.6: pool and dask batches return only the reached pairs; the table the caller
    rebuilds equals the in-process one (ids, dtypes, NaN for every unreached pair)."""
    if scheduler == "local":
        pytest.importorskip("distributed")
    network, origins, places, expected = sparse_car_case
    got = travel_time_matrix(
        network, origins, places, mode="car", max_time_min=20, scheduler=scheduler, n_workers=2, batch_size=13
    )
    pdt.assert_frame_equal(got, expected)


def test_a_compact_batch_holds_only_reached_pairs_and_rebuilds_bit_for_bit(sparse_car_case, transit_case):
    import pickle

    from access.io.points import as_points

    network, origins, places, car = sparse_car_case
    for table, sources in ((car, origins), (transit_case[3], transit_case[1])):
        compact = scale._Reached.of(table)
        times = [c for c in table.columns if c.startswith(("travel_time", "rides"))]
        reached = table[times].notna().any(axis=1).to_numpy()
        assert np.array_equal(compact.positions, np.flatnonzero(reached))
        assert compact.positions.dtype == np.int32 and set(compact.sparse) == set(times) and not compact.dense
        rebuilt = compact.frame(as_points(sources), as_points(places))
        pdt.assert_frame_equal(rebuilt, table)
        assert rebuilt.attrs == table.attrs
        # what crosses the process boundary: a fraction of the long table, in proportion to what is reached
        size = len(pickle.dumps(compact, protocol=5))
        assert size < 0.5 * len(pickle.dumps(table, protocol=5))
        assert size < 200 + 4096 + reached.sum() * (4 + 8 * len(times)) + len(pickle.dumps(table.attrs))
