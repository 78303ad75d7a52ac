"""The extractor's command-line pieces and day windows, without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from extract.cli import split_names, spread_names
from extract.days import day_windows, parse_day


@pytest.mark.parametrize(
    "args,expected",
    [
        (["2024-05-23"], ["2024-05-23"]),
        (["2024-05-23", "--columns", "power"], ["2024-05-23", "--columns", "power"]),
        (
            ["2024-05-23", "--columns", "wind_speed", "power"],
            ["2024-05-23", "--columns", "wind_speed", "--columns", "power"],
        ),
        (["-c", "power", "wind_speed", "2024-05-23"], ["--columns", "power", "--columns", "wind_speed", "2024-05-23"]),
        (
            ["--columns", "power", "--to", "2024-05-24", "2024-05-23"],
            ["--columns", "power", "--to", "2024-05-24", "2024-05-23"],
        ),
        (["2024-05-23", "--columns"], ["2024-05-23", "--columns"]),  # bare: click says it needs a value
        (["--columns", "--to", "2024-05-24"], ["--columns", "--to", "2024-05-24"]),
        (["--columns", "a", "-c", "b"], ["--columns", "a", "--columns", "b"]),
        (
            ["2024-05-23", "--turbines", "T01", "T02", "-c", "power"],
            ["2024-05-23", "--turbines", "T01", "--turbines", "T02", "--columns", "power"],
        ),
        (["-t", "T03", "2024-05-23"], ["--turbines", "T03", "2024-05-23"]),
        (["--turbines", "--columns", "power"], ["--turbines", "--columns", "power"]),
    ],
)
def test_several_names_after_one_columns_or_turbines_flag_become_repeated_flags(args, expected):
    assert spread_names(args) == expected


def test_columns_split_on_commas_keep_order_and_drop_repeats():
    assert split_names(("power,ambient_temperature", "power", " wind_speed ")) == [
        "power",
        "ambient_temperature",
        "wind_speed",
    ]
    # None: every name the API serves (the extractor's default since the fleet)
    assert split_names(()) is None
    assert split_names((",",)) is None


@pytest.mark.parametrize("text", ["2024-02-30", "23/05/2024", "2024-5-23", "2024-05-23T00:00", "", "2024-13-01"])
def test_a_day_is_yyyy_mm_dd_and_a_real_date(text):
    with pytest.raises(ValueError, match="is not a day like 2024-05-23"):
        parse_day(text)


def test_leap_day_is_a_day():
    assert parse_day("2024-02-29") == date(2024, 2, 29)


def test_day_windows_are_half_open_utc_days_both_ends_included():
    windows = day_windows(date(2024, 5, 28), date(2024, 5, 30))
    assert [w.day for w in windows] == [date(2024, 5, 28), date(2024, 5, 29), date(2024, 5, 30)]
    assert windows[0].start == datetime(2024, 5, 28, tzinfo=UTC)
    assert windows[0].end == windows[1].start
    assert windows[-1].end == datetime(2024, 5, 31, tzinfo=UTC)


def test_day_windows_cross_months_and_leap_days():
    windows = day_windows(date(2024, 2, 28), date(2024, 3, 1))
    assert len(windows) == 3
    assert windows[1].day == date(2024, 2, 29)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before"):
        day_windows(date(2024, 5, 24), date(2024, 5, 23))
