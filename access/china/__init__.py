"""China: counties (2020 census), the national rail layer (real trains, the MTR high-speed
GTFS, a calibrated modelled service) and county commuting circles of the core cities.

``import access.china as china``: ``china.load_china(data_dir)`` loads everything once;
``county_circles``, ``fastest_trains``, ``county_before_after`` answer the questions.
"""

from access.china.before_after import BeforeAfter, county_before_after, scenario_layers
from access.china.circles import CountyCircles, county_circles
from access.china.counties import read_counties, read_county_polygons, read_townships
from access.china.coverage import Coverage, coverage_report
from access.china.data import ChinaData, load_china
from access.china.national import NationalRail, load_national_rail
from access.china.od import fastest_trains

__all__ = [
    "load_china",
    "ChinaData",
    "county_circles",
    "CountyCircles",
    "fastest_trains",
    "county_before_after",
    "scenario_layers",
    "BeforeAfter",
    "read_counties",
    "read_county_polygons",
    "read_townships",
    "coverage_report",
    "Coverage",
    "load_national_rail",
    "NationalRail",
]
