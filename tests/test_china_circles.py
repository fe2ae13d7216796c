"""County commuting circles: exact against the per-origin reference router, every county
listed, totals that add up, the planner-level memberships, before/after, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access._geo import haversine_m
from access.china.circles import MEMBER_COLUMNS, TOTAL_COLUMNS, county_circles
from access.config import RegionalSettings
from access.errors import InputError


def _reference_minutes(china, place, counties, settings):
    """Door-to-door minutes into ``place`` by RegionalNetwork: one range-RAPTOR per origin
    over the full-day layer (no time window, no station profiles)."""
    from access.china.counties import counties_as_places
    from access.regional.network import RegionalNetwork

    places = counties_as_places(counties).drop(columns="geometry")
    centre = pd.DataFrame({"id": ["CENTRE"], "name": ["CENTRE"], "lon": [place.lon], "lat": [place.lat]})
    net = RegionalNetwork.from_transit(
        pd.concat([places, centre], ignore_index=True), china.rail.transit(), settings=settings
    )
    table = net.travel_times(origins=list(places["id"]), departure="07:00", window_min=60)
    return table[table["to_id"] == "CENTRE"].set_index("from_id")["road_rail_min"]


@pytest.mark.parametrize(("centre", "penalty", "km"), [("北京", None, 160), ("上海", 0.0, 100), ("广州", 20.0, 100)])
def test_door_to_door_equals_the_per_origin_reference_for_counties_near_the_centre(china, centre, penalty, km):
    settings = RegionalSettings(station_penalty_min=penalty)
    place = china.place(centre)
    c = china.counties
    near = c[haversine_m(c["lon"].to_numpy(), c["lat"].to_numpy(), place.lon, place.lat) < km * 1000]
    result = county_circles(china, [centre], settings=settings, max_time_min=1440)
    mine = result.members.set_index("adcode").loc[near["adcode"], "road_rail_min"]
    reference = _reference_minutes(china, place, near, settings).loc[near["adcode"]]
    assert len(near) > 20
    np.testing.assert_array_equal(mine.to_numpy(), reference.to_numpy())


def test_every_county_is_listed_once_per_centre_with_the_named_columns(core_circles):
    m = core_circles.members
    assert tuple(m.columns[: len(MEMBER_COLUMNS)]) == MEMBER_COLUMNS
    assert len(m) == 3 * 2948 and m.groupby("centre")["adcode"].nunique().eq(2948).all()
    assert set(m["circle"]) == {"60", "120", "outside"}
    t = np.nan_to_num(m["road_rail_min"].to_numpy(float), nan=np.inf)
    expected = np.where(t <= 60, "60", np.where(t <= 120, "120", "outside"))
    assert (m["circle"].to_numpy() == expected).all()
    reached = m["road_rail_min"].notna()
    assert (m.loc[reached, "road_rail_min"] <= m.loc[reached, "road_min"] + 1e-9).all()
    assert (m.loc[~reached, "road_min"] > 300).all()  # beyond the search budget: road time kept
    assert m["approximate"].all()
    by_rail = m[m["station"] != ""]
    assert (by_rail["road_rail_min"] < by_rail["road_min"]).all()
    assert set(by_rail["station_service"]) <= {"real", "modelled", "real+modelled"}


def test_totals_add_up_the_members_and_agree_with_the_general_circle_code(core_circles, china):
    from access.circles.circles import circle_membership

    totals = core_circles.totals
    assert tuple(totals.columns) == TOTAL_COLUMNS and len(totals) == 3 * 2 * 2
    m = core_circles.members
    for row in totals.itertuples():
        column = "road_min" if row.mode == "road" else "road_rail_min"
        inside = m[(m["centre"] == row.centre) & (m[column].fillna(np.inf) <= row.cutoff_min)]
        assert row.counties == len(inside)
        assert row.population == pytest.approx(inside["population"].sum())
        assert row.rural_population == pytest.approx(inside["rural_population"].sum())
        assert row.jobs == pytest.approx(inside["jobs"].sum())
    beijing = m[m["centre"] == "北京市"]
    times = pd.DataFrame(
        {"zone_id": beijing["adcode"], "centre": "北京市", "travel_time_min": beijing["road_rail_min"]}
    )
    general = circle_membership(times, china.counties, cutoffs_min=(60, 120))
    for cutoff in (60, 120):
        mine = totals[
            (totals["centre"] == "北京市") & (totals["mode"] == "road+rail") & (totals["cutoff_min"] == cutoff)
        ]
        theirs = general.summary[general.summary["cutoff_min"] == cutoff]["population"].iloc[0]
        mine = mine["population"].iloc[0]
        assert mine == pytest.approx(theirs)


@pytest.mark.parametrize(
    ("centre", "prefecture", "districts"),
    [
        ("北京", "天津市", ["和平区", "河东区", "河西区", "南开区", "河北区", "红桥区"]),
        ("北京", "保定市", ["竞秀区", "莲池区"]),
        ("上海", "苏州市", ["姑苏区"]),
        ("上海", "无锡市", ["梁溪区"]),
        ("广州", "深圳市", ["福田区", "罗湖区", "南山区"]),
        ("广州", "东莞市", ["东莞市"]),
    ],
)
def test_the_two_hour_road_hsr_circle_holds_the_neighbouring_urban_districts(
    core_circles, centre, prefecture, districts
):
    m = core_circles.members
    centre_name = {"北京": "北京市", "上海": "上海市", "广州": "广州市"}[centre]
    mine = m[(m["centre"] == centre_name) & (m["prefecture"] == prefecture) & m["name"].isin(districts)]
    assert len(mine) == len(districts)
    assert (mine["road_rail_min"] <= 120).all(), mine[["name", "road_rail_min", "station"]].to_string()


def test_coverage_says_who_has_no_station_and_who_relies_on_modelled_service(core_circles, china):
    cov = core_circles.coverage
    assert cov.summary["counties"].sum() == 2948
    assert cov.summary["population"].sum() == pytest.approx(china.counties["population"].sum())
    per = cov.counties
    assert (per.loc[per["no_station"], "nearest_km"] > 30).all()
    assert (per.loc[~per["no_station"], "nearest_km"] <= 30).all()
    relying = per[per["modelled_only"]]
    assert (relying["modelled_lines"] != "").all() and (relying["nearest_real_km"] > 30).all()
    assert "no station with service within 30 km" in cov.text()
    assert len(cov.lines) and cov.lines["counties"].sum() >= len(relying)


def test_polycentric_circles_give_each_county_its_nearest_centre(china, core_circles):
    poly = county_circles(china, ["北京", "上海", "广州"], polycentric=True)
    m = poly.members
    assert len(m) == 2948 and m["centre"].isin(["北京市", "上海市", "广州市"]).all()
    wide = core_circles.members.pivot(index="adcode", columns="centre", values="road_rail_min")
    best = wide.min(axis=1)
    mine = m.set_index("adcode")["road_rail_min"]
    np.testing.assert_allclose(mine.loc[best.index].fillna(-1), best.fillna(-1))
    assert poly.totals["centre"].str.startswith("any of").all()


def test_townships_are_finer_origins_without_population(china):
    towns = county_circles(china, ["北京"], origins="townships", cutoffs_min=(60,))
    m = towns.members
    assert len(m) == 35_350 and m["population"].isna().all()
    assert towns.totals["population"].isna().all() and (towns.totals["counties"] > 0).all()
    assert any("no population" in n for n in towns.notes)
    dongcheng = m[m["name"] == "东华门街道办事处"].iloc[0]
    assert dongcheng["circle"] == "60"


def test_bad_run_options_are_input_errors(china):
    with pytest.raises(InputError, match="cutoffs"):
        county_circles(china, ["北京"], cutoffs_min=(-5,))
    with pytest.raises(InputError, match="no prefecture or county"):
        county_circles(china, ["Gotham"])
    with pytest.raises(InputError, match="origins"):
        county_circles(china, ["北京"], origins="villages")


def test_without_hsr_counties_enter_beijings_circles_only_with_it(china):
    from access.china.before_after import county_before_after, scenario_layers

    before, after, what = scenario_layers(china.rail, "without-hsr")
    result = county_before_after(china, ["北京"], before, after, change=what)
    c = result.counties
    entered = c[c["entered"] == "120"]
    assert len(entered) > 0
    assert (entered["after_min"] <= 120).all() and (entered["before_min"].fillna(np.inf) > 120).all()
    row = result.summary.query("cutoff_min == 120").iloc[0]
    assert row["entered"] == len(entered) - len(c[(c["entered"] == "120") & (c["left"] != "")])
    assert row["entered_rural_population"] == pytest.approx(entered["rural_population"].sum())
    assert row["counties_after"] - row["counties_before"] == row["entered"] - row["left"]
    # more HSR never makes a county slower here
    assert (c["after_min"].fillna(np.inf) <= c["before_min"].fillna(np.inf) + 1e-9).all()


def test_cli_circles_and_od_write_the_tables_a_planner_asked_for(tmp_path, china, china_cache, monkeypatch):
    from typer.testing import CliRunner

    from access.cli import app
    from tests.conftest import DATA

    monkeypatch.setenv("ACCESS_CACHE_DIR", str(china_cache))
    out = tmp_path / "members.csv"
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["china", "circles", "--data", str(DATA), "--centre", "北京", "--cutoffs", "60", "120", "--out", str(out)]
        + ["--png", str(tmp_path / "map.png"), "--station-penalty", "15", "-q"],
    )
    assert res.exit_code == 0, res.output
    members = pd.read_csv(out, dtype={"adcode": str})
    assert len(members) == 2948 and tuple(members.columns[: len(MEMBER_COLUMNS)]) == MEMBER_COLUMNS
    totals = pd.read_csv(tmp_path / "members_totals.csv")
    assert set(totals["mode"]) == {"road", "road+rail"} and set(totals["cutoff_min"]) == {60, 120}
    assert (tmp_path / "members_coverage.csv").is_file() and (tmp_path / "map.png").stat().st_size > 50_000
    od = tmp_path / "od.csv"
    res = runner.invoke(
        app,
        [
            "china",
            "od",
            "--data",
            str(DATA),
            "--from",
            "北京",
            "--to",
            "保定",
            "--to",
            "天津市",
            "--out",
            str(od),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(od)
    assert list(table.columns) == ["from", "to", "fastest_min", "train", "from_station", "to_station", "modelled"]
    assert list(table["modelled"]) == [True, False]
    res = runner.invoke(app, ["china", "od", "--data", str(DATA), "--from", "Gotham", "--to", "天津"])
    assert res.exit_code == 2 and "no prefecture or county named" in res.output and "Traceback" not in res.output
