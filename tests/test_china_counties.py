"""Counties as zones: the 2020 census table read right (totals against the original census
workbook, read here with the standard library), the jobs proxy, townships, polygons, names."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pandas as pd
import pytest

from access.china.counties import (
    EMPLOYMENT_SAMPLE_FACTOR,
    read_counties,
    read_county_polygons,
    read_townships,
)
from access.errors import InputError
from tests.conftest import require_data

CENSUS_NATIONAL_2020 = 1_409_778_724  # NBS 7th census communiqué No. 1 (2021-05-11): 31 provinces
BEIJING_2020 = 21_893_095  # Beijing Municipal Bureau of Statistics, 7th census communiqué (2021-05-19)


@pytest.fixture(scope="module")
def counties():
    return read_counties(require_data("china_admin/china_counties_2020.csv"))


def _workbook_rows(path) -> list[dict[str, str]]:
    """Rows of the census workbook's first sheet as {column letter: text} (stdlib only)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as z:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{ns}t")) for si in ET.fromstring(z.read("xl/sharedStrings.xml"))
        ]
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for r in sheet.iter(f"{ns}row"):
        values = {}
        for c in r.findall(f"{ns}c"):
            col = re.match(r"[A-Z]+", c.get("r")).group()
            v = c.find(f"{ns}v")
            if v is not None:
                values[col] = shared[int(v.text)] if c.get("t") == "s" else v.text
        rows.append(values)
    return rows


def test_county_table_has_the_2948_units_with_the_named_columns_in_wgs84(counties):
    assert len(counties) == 2948
    for column in ("adcode", "name", "name_en", "prefecture", "province", "population", "urban_population"):
        assert column in counties
    assert {"rural_population", "jobs"} <= set(counties.columns)
    assert counties.crs.to_epsg() == 4326
    assert counties["id"].equals(counties["adcode"]) and counties["adcode"].is_unique
    assert (counties["urban_population"] + counties["rural_population"] == counties["population"]).all()


def test_county_totals_match_the_census_workbook_province_by_province():
    """Against the original census workbook (leiii/census, the NBS county tables): in every
    province the county rows, plus the census zones the workbook lists without a code
    (development zones; in Hainan and Xinjiang those rows repeat coded units, already in
    the table), equal the province row exactly, and so the national total. The 2,948 coded
    units alone hold 1,406,355,401 people, 0.243 % short of the census total: the issue's
    0.1 % target cannot hold, because 3,423,323 people live in zones without a code or a
    seat (SOURCES.md)."""
    counties = read_counties(require_data("china_admin/china_counties_2020.csv"))
    rows = _workbook_rows(require_data("china_admin/leiii_census_county_2020_v1.xlsx"))
    header, body = rows[0], rows[1:]
    code, prov, county, total = (
        next(k for k, v in header.items() if v == name) for name in ("区划代码", "省", "区县", "人口数_合计")
    )
    national = next(int(r[total]) for r in body if r.get(prov) == "全国")
    assert national == CENSUS_NATIONAL_2020
    # rows without a code: zones, and the 省直辖县级行政区划 subtotals (their units are coded)
    uncoded = [
        r
        for r in body
        if r.get(code) in (None, "", "NA") and r.get(prov) != "全国" and "省直辖" not in r.get(county, "")
    ]
    province_rows = {r[prov]: int(r[total]) for r in body if str(r.get(code, "")).endswith("0000")}
    by_province = counties.groupby("province")["population"].sum()
    missing = 0
    for name, expected in province_rows.items():
        zones = sum(int(r[total]) for r in uncoded if r.get(prov) == name)
        assert by_province[name] in (expected, expected - zones), name
        missing += expected - by_province[name]
    assert len(province_rows) == 31
    assert counties["population"].sum() == 1_406_355_401
    assert counties["population"].sum() + missing == CENSUS_NATIONAL_2020
    assert missing == 3_423_323
    assert counties["population"].sum() / CENSUS_NATIONAL_2020 == pytest.approx(0.99757, abs=1e-5)
    assert counties.loc[counties["province"] == "北京市", "population"].sum() == BEIJING_2020


def test_jobs_are_the_long_form_employment_sample_scaled_by_ten(counties):
    raw = pd.read_csv(require_data("china_admin/china_counties_2020.csv"), dtype={"adcode": str})
    expected = raw["emp2020_sample_total"].to_numpy(float) * EMPLOYMENT_SAMPLE_FACTOR
    np.testing.assert_array_equal(counties["jobs"].to_numpy(), expected)
    assert any("jobs proxy" in n for n in counties.attrs["notes"])


def test_townships_are_points_without_population_and_say_so():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        towns = read_townships(require_data("china_towns/china_towns_2016.csv"))
    assert len(towns) == 35_350  # 82 % of 42,868 carry a point (china_towns/SOURCES.md)
    assert towns["population"].isna().all()
    assert any("no population" in n for n in towns.attrs["notes"])
    assert any("7,518 without one dropped" in str(w.message) for w in caught)
    beijing = towns[towns["county_adcode"].str.startswith("11")]
    assert len(beijing) == 254  # SOURCES.md: Beijing 254 of 336 with coordinates


def test_county_polygons_reproject_onto_the_published_centroids(counties):
    polygons = read_county_polygons(require_data("china_admin/tudigong_counties-geo.topojson"))
    assert polygons.crs.to_epsg() == 4326
    assert counties["adcode"].isin(polygons["adcode"]).sum() == 2947  # all but 三沙
    dongcheng = polygons.set_index("adcode").loc["110101", "geometry"]
    # SOURCES.md centroid of 东城区: 116.409989, 39.910214
    assert dongcheng.centroid.x == pytest.approx(116.409989, abs=1e-4)
    assert dongcheng.centroid.y == pytest.approx(39.910214, abs=1e-4)
    seat = counties.set_index("adcode").loc["110101"]
    assert dongcheng.contains(seat.geometry)


def test_counties_work_as_zones_of_the_general_circle_membership(counties):
    from access.circles.circles import circle_membership

    times = pd.DataFrame(
        {"zone_id": counties["id"], "centre": "X", "travel_time_min": np.linspace(0, 200, len(counties))}
    )
    result = circle_membership(times, counties, cutoffs_min=(60, 120), population="population", jobs="jobs")
    inside = counties["population"].to_numpy()[np.linspace(0, 200, len(counties)) <= 60].sum()
    row = result.summary[(result.summary["cutoff_min"] == 60)].iloc[0]
    assert row["population"] == pytest.approx(inside)


def test_bad_county_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_counties(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("adcode,name\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks columns"):
        read_counties(bad)
