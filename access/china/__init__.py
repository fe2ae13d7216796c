"""China: reference tables, the real national rail timetable and its city-cluster circles."""
