"""Clock times have one grammar and one writer (access._clock), and the morning defaults
("07:00", the median, the 60-minute commute window) are written once, in access.config."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from access._clock import clock_seconds, clock_seconds_array, format_clock, format_clock_array

REPO = Path(__file__).resolve().parents[1]


def test_every_minute_of_two_days_round_trips_against_datetime():
    """Reference: datetime's own arithmetic, for each minute of 0:00-47:59 (past midnight)."""
    midnight = dt.datetime(2025, 5, 13)
    for minute in range(0, 48 * 60, 7):
        when = midnight + dt.timedelta(minutes=minute, seconds=minute % 60)
        expected = int((when - midnight).total_seconds())
        text = f"{expected // 3600}:{when.minute:02d}:{when.second:02d}"
        assert clock_seconds(text) == expected
        assert clock_seconds(format_clock(expected)) == expected
        assert format_clock(expected)[-5:] == when.strftime("%M:%S")


@pytest.mark.parametrize(
    "text, seconds",
    [("07:00", 25_200), ("7:00", 25_200), (" 07:30 ", 27_000), ("25:10:05", 90_605), ("100:00", 360_000)],
)
def test_hand_worked_times(text, seconds):
    assert clock_seconds(text) == seconds


@pytest.mark.parametrize("text", ["7", "07:60", "07:5", "7:00:60", "1000:00", "07h00", "", "T07:00"])
def test_anything_else_is_a_value_error(text):
    with pytest.raises(ValueError, match="is not HH:MM"):
        clock_seconds(text)


def test_the_vectorised_parser_agrees_with_the_scalar_one():
    texts = pd.Series(["07:00", "25:10:05", "bad", "", None, "07:60", "6:05:09"], dtype=object)
    got = clock_seconds_array(texts)
    expected = [25_200, 90_605, np.nan, np.nan, np.nan, np.nan, 21_909]
    np.testing.assert_array_equal(got, np.array(expected, dtype=float))
    gtfs = clock_seconds_array(texts, seconds_required=True)  # GTFS stop times need seconds
    np.testing.assert_array_equal(gtfs, np.array([np.nan, 90_605, np.nan, np.nan, np.nan, np.nan, 21_909]))
    seconds = np.array([0, 59, 3_600, 90_605, 360_000])
    assert list(format_clock_array(seconds)) == [format_clock(s) for s in seconds]
    assert format_clock(59.6) == "00:01:00"  # rounded to the second


def _python_files():
    for root in ("access", "api"):
        yield from (REPO / root).rglob("*.py")


def test_no_other_module_parses_or_writes_clock_times():
    """One grammar: no regex of H:MM outside access/_clock.py, no HH:MM:SS f-string."""
    for path in _python_files():
        if path.name == "_clock.py":
            continue
        text = path.read_text()
        assert ":02d}:" not in text, f"{path} formats a clock time; use access._clock.format_clock"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("compile", "extract", "match"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        assert "\\d{2})" not in arg.value and "[0-5]\\d" not in arg.value, f"{path}: {arg.value}"


def test_the_morning_defaults_are_written_only_in_config():
    """'07:00' as a value, and a literal 50 / 60 as the default of a percentile / window
    parameter, appear nowhere but access/config.py."""
    for path in _python_files():
        if path.name == "config.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == "07:00" and id(node) not in docstrings:
                raise AssertionError(f"{path} (line {node.lineno}) restates '07:00'; use DEFAULT_DEPARTURE_TIME")
            if isinstance(node, ast.arguments):
                named = node.args[len(node.args) - len(node.defaults) :] + node.kwonlyargs
                defaults = list(node.defaults) + list(node.kw_defaults)
                for arg, default in zip(named, defaults, strict=True):
                    if isinstance(default, ast.Constant) and arg.arg in ("percentile", "window_min", "window"):
                        if default.value in (50, 60, 120):
                            raise AssertionError(f"{path}: {arg.arg}={default.value} restated; read access.config")
