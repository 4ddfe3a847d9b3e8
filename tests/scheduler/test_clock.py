"""Wall-clock arithmetic: weekly times stay put on the local clock across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from slackapp.localtime import next_weekly, parse_time, parse_weekday


def test_weekly_nine_oclock_keeps_its_local_time_across_the_autumn_change():
    # America/New_York leaves daylight time on Sunday 2031-11-02.
    before = next_weekly(datetime(2031, 10, 25, tzinfo=timezone.utc), weekday=0, at=time(9), tz="America/New_York")
    after = next_weekly(before, weekday=0, at=time(9), tz="America/New_York")
    assert before == datetime(2031, 10, 27, 13, 0, tzinfo=timezone.utc)
    assert after == datetime(2031, 11, 3, 14, 0, tzinfo=timezone.utc)


def test_weekly_time_across_the_spring_change_in_europe():
    # Europe/Berlin moves to summer time on Sunday 2031-03-30.
    first = next_weekly(datetime(2031, 3, 25, tzinfo=timezone.utc), weekday=1, at=time(18), tz="Europe/Berlin")
    second = next_weekly(first, weekday=1, at=time(18), tz="Europe/Berlin")
    assert (first.hour, second.hour) == (17, 16)
    assert (second - first).total_seconds() == 7 * 24 * 3600 - 3600


def test_next_weekly_is_strictly_after_now():
    monday_nine = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
    assert next_weekly(monday_nine, weekday=0, at=time(9), tz="UTC") == datetime(2031, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, expected",
    [("18:00", time(18)), ("9:30", time(9, 30)), ("6pm", time(18)), ("12am", time(0)), ("12pm", time(12)), ("9 am", time(9))],
)
def test_times_people_type(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9:75", "13pm", "noonish", "", "-1:00"])
def test_times_that_are_not_times(text):
    assert parse_time(text) is None


def test_weekdays():
    assert [parse_weekday(day) for day in ("mon", "Tuesday", "SUN", "someday")] == [0, 1, 6, None]
