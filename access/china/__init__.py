"""China: counties (2020 census), the national rail layer (real trains, the MTR high-speed
GTFS, a calibrated modelled service) and county commuting circles of the core cities.

``import access.china as china``: ``china.load_china(data_dir)`` loads everything once;
``county_circles``, ``fastest_trains``, ``county_before_after`` answer the questions.
The city-level tools (``load_china_rail``, ``china_rail_circles``, ...) stay here too.
"""

from access.china.before_after import BeforeAfter, county_before_after, scenario_layers
from access.china.circles import CountyCircles, county_circles
from access.china.counties import read_counties, read_county_polygons, read_townships
from access.china.coverage import Coverage, coverage_report
from access.china.data import ChinaData, load_china
from access.china.national import NationalRail, load_national_rail
from access.china.national_rail import drop_trains, national_rail_network, timetable_feed
from access.china.od import fastest_trains
from access.china.rail import (
    CHINA_CLUSTER_CENTRES,
    ChinaRailData,
    RailBeforeAfter,
    china_rail_circles,
    load_china_rail,
    rail_before_after,
)
from access.china.tables import read_prefectures, read_station2city, read_station_activity, read_station_table
from access.china.timetable import RailTimetable, read_rail_timetable, timetable_to_gtfs, write_timetable_gtfs
from access.crs import bd09_to_wgs84, convert_coordinates, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02

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
    # the city-level tools (prefecture seats on the city-level timetable)
    "CHINA_CLUSTER_CENTRES",
    "ChinaRailData",
    "RailBeforeAfter",
    "RailTimetable",
    "china_rail_circles",
    "drop_trains",
    "load_china_rail",
    "national_rail_network",
    "rail_before_after",
    "read_prefectures",
    "read_rail_timetable",
    "read_station2city",
    "read_station_activity",
    "read_station_table",
    "timetable_feed",
    "timetable_to_gtfs",
    "write_timetable_gtfs",
    "bd09_to_wgs84",
    "convert_coordinates",
    "gcj02_to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
